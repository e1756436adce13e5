import type { ChatActor } from '../../../src/app/chat-actor.ts';
import type { AppDeps } from '../../../src/app/deps.ts';
import { acceptSteps, submitAcceptStep } from '../../../src/flows/accept-wizard.ts';
import { initiateSteps, submitInitiateStep } from '../../../src/flows/initiate-wizard.ts';
import { SETUP_FORM, submitSetup } from '../../../src/flows/setup.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import { REJECT_FORM, submitRejectReason } from '../../../src/flows/approval-card.ts';
import { RULES_FORM, saveDraftFromEditor } from '../../../src/flows/rules-editor.ts';
import { TRIGGER_FORM, submitTriggerForm } from '../../../src/flows/trigger-editor.ts';
import type { FlowResult } from '../../../src/ui/replies.ts';

export interface Submission {
  step: string;
  stateId: string;
  values: FormValues;
}

type FormFlow = (deps: AppDeps, actor: ChatActor, submission: Submission) => Promise<FlowResult> | FlowResult;

/** Every form step DeskBridge shows, by form id, and the flow that takes its submission (as Slack's callback_ids). */
export const formFlows = new Map<string, FormFlow>([
  [SETUP_FORM, (deps, actor, s) => submitSetup(deps, actor, s.values)],
  ...Object.values(initiateSteps).map((step): [string, FormFlow] => [
    step,
    (deps, actor, s) => submitInitiateStep(deps, actor, s),
  ]),
  ...Object.values(acceptSteps).map((step): [string, FormFlow] => [
    step,
    (deps, actor, s) => submitAcceptStep(deps, actor, s),
  ]),
  [RULES_FORM, (deps, actor, s) => saveDraftFromEditor(deps, actor, s)],
  [REJECT_FORM, (deps, actor, s) => submitRejectReason(deps, actor, s)],
  [TRIGGER_FORM, (deps, actor, s) => submitTriggerForm(deps, actor, s)],
]);
