import type { ChatActor } from '../domain/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import { DomainError } from '../domain/errors.ts';
import type { FormValues } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { startAcceptByCode, startAcceptFromMessage, acceptSteps, submitAcceptStep } from './accept-wizard.ts';
import {
  approvalActions,
  approveFromCard,
  askRejectReason,
  REJECT_FORM,
  resyncFromCard,
  submitRejectReason,
} from './approval-card.ts';
import {
  cancelDeleteConnectionFlow,
  changeConnectionStatusFlow,
  connectionActions,
  connectionStatusFlow,
  deleteConnectionFlow,
} from './connections.ts';
import { askUnlinkFlow, cancelUnlinkFlow, confirmUnlinkFlow, entityLinkActions } from './entity-links.ts';
import { homeActions } from './home.ts';
import {
  initiateSteps,
  PREVIOUS_ACTION,
  previousInitiateStep,
  startInitiate,
  submitInitiateStep,
} from './initiate-wizard.ts';
import { ACCEPT_INVITATION_ACTION } from './invitation-message.ts';
import { notice } from './outcome.ts';
import {
  ASSIST_FORM,
  backToEditor,
  diffFromHistory,
  downloadFromEditor,
  historyFromEditor,
  requestPublishFromEditor,
  rollbackFromHistory,
  RULES_FORM,
  rulesActions,
  saveDraftFromEditor,
  testRunFromEditor,
} from './rules-editor.ts';
import { askAiFromEditor, discardAssist, insertFromAssist, submitAssistForm } from './rules-assist.ts';
import { SETUP_FORM, submitSetup } from './setup.ts';
import { handleSyncErrorFlow, syncErrorActions } from './sync-errors.ts';
import { queueActions, retryNowFlow } from './ticket-status.ts';
import {
  addTriggerForm,
  bulkSyncFlow,
  deleteTriggerFlow,
  editTriggerForm,
  submitTriggerForm,
  toggleTriggerFlow,
  TRIGGER_FORM,
  triggerActions,
} from './trigger-editor.ts';

/**
 * Every button and form DeskBridge renders, by id, and the flow each runs: the one table both chat adapters read
 * (Slack's action_id and callback_id, Teams' card data). A button or form added to a flow gets its row here, and
 * both surfaces handle it.
 */

/** A form as a click or a submission finds it: which step, the state it carries, and what its inputs hold now. */
export interface FormState {
  step: string;
  stateId: string;
  values: FormValues;
}

/** A button click, as the adapter read it from the platform's payload: where it happened, never the button's say. */
export interface Click {
  /** The button's value. */
  value: string;
  /** The form the button is on (a wizard's Previous, the rules editor's buttons); null on a message. */
  form: FormState | null;
  /** The channel and message the button is on (empty where there is none: a modal, the Home tab). */
  at: { channelId: string; messageRef: string };
}

type Answer = FlowResult | Promise<FlowResult>;

export interface ButtonFlow {
  run(deps: AppDeps, actor: ChatActor, click: Click): Answer;
  /**
   * The answer replaces, for the clicker, the message the button is on: a list with row actions redrawn, a question
   * answered. Otherwise it goes where the click was: a form's next view, or a reply to the clicker alone.
   */
  redraws?: true;
  /** The title of the form the click opens: a surface that shows a placeholder while the flow works names it so. */
  opens?: string;
}

function onForm(click: Click): FormState {
  if (!click.form) throw new DomainError('invalid_input', 'This button belongs to a form; start again.');
  return click.form;
}

/** A button inside a form, as the rules editor's flows take it. */
function formClick(click: Click): { stateId: string; values: FormValues; value: string } {
  const form = onForm(click);
  return { stateId: form.stateId, values: form.values, value: click.value };
}

export const buttonFlows: ReadonlyMap<string, ButtonFlow> = new Map<string, ButtonFlow>([
  [PREVIOUS_ACTION, { run: (deps, actor, click) => previousInitiateStep(deps, actor, onForm(click)) }],
  [
    ACCEPT_INVITATION_ACTION,
    {
      run: (deps, actor, click) => startAcceptFromMessage(deps, actor, { ...click.at, connectionId: click.value }),
      opens: 'Accept invitation',
    },
  ],
  [homeActions.initiate, { run: (deps, actor) => startInitiate(deps, actor), opens: 'Initiate connection' }],
  [homeActions.accept, { run: (deps, actor) => startAcceptByCode(deps, actor, null), opens: 'Accept invitation' }],
  [connectionActions.status, { run: (deps, actor, click) => connectionStatusFlow(deps, actor, click.value) }],
  [
    connectionActions.deactivate,
    { run: (deps, actor, click) => changeConnectionStatusFlow(deps, actor, click.value, 'deactivated') },
  ],
  [
    connectionActions.activate,
    { run: (deps, actor, click) => changeConnectionStatusFlow(deps, actor, click.value, 'active') },
  ],
  [
    connectionActions.confirmDelete,
    { run: (deps, actor, click) => deleteConnectionFlow(deps, actor, click.value), redraws: true },
  ],
  [connectionActions.cancelDelete, { run: () => cancelDeleteConnectionFlow(), redraws: true }],
  [rulesActions.testRun, { run: (deps, actor, click) => testRunFromEditor(deps, actor, formClick(click)) }],
  [
    rulesActions.requestPublish,
    { run: (deps, actor, click) => requestPublishFromEditor(deps, actor, formClick(click)) },
  ],
  [rulesActions.download, { run: (deps, actor, click) => downloadFromEditor(deps, actor, formClick(click)) }],
  [rulesActions.askAi, { run: (deps, actor, click) => askAiFromEditor(deps, actor, formClick(click)) }],
  [rulesActions.assistInsert, { run: (deps, actor, click) => insertFromAssist(deps, actor, click) }],
  [rulesActions.assistDiscard, { run: (deps, actor, click) => discardAssist(deps, actor, click) }],
  [rulesActions.history, { run: (deps, actor, click) => historyFromEditor(deps, actor, { stateId: click.value }) }],
  [rulesActions.back, { run: (deps, actor, click) => backToEditor(deps, actor, formClick(click)) }],
  [rulesActions.diff, { run: (deps, actor, click) => diffFromHistory(deps, actor, formClick(click)) }],
  [rulesActions.rollback, { run: (deps, actor, click) => rollbackFromHistory(deps, actor, formClick(click)) }],
  [approvalActions.approve, { run: (deps, actor, click) => approveFromCard(deps, actor, click.value) }],
  [approvalActions.reject, { run: (deps, actor, click) => askRejectReason(deps, actor, click.value) }],
  [
    approvalActions.resync,
    {
      run: (deps, actor, click) =>
        resyncFromCard(deps, actor, { requestId: click.value, channelId: click.at.channelId || null }),
    },
  ],
  [triggerActions.add, { run: (deps, actor, click) => addTriggerForm(deps, actor, click.value) }],
  [triggerActions.edit, { run: (deps, actor, click) => editTriggerForm(deps, actor, click.value) }],
  [triggerActions.toggle, { run: (deps, actor, click) => toggleTriggerFlow(deps, actor, click.value) }],
  [triggerActions.remove, { run: (deps, actor, click) => deleteTriggerFlow(deps, actor, click.value) }],
  [triggerActions.bulk, { run: (deps, actor, click) => bulkSyncFlow(deps, actor, click.value) }],
  [
    syncErrorActions.retry,
    {
      run: (deps, actor, click) => handleSyncErrorFlow(deps, actor, { value: click.value, verb: 'retry' }),
      redraws: true,
    },
  ],
  [
    syncErrorActions.resolve,
    {
      run: (deps, actor, click) => handleSyncErrorFlow(deps, actor, { value: click.value, verb: 'resolve' }),
      redraws: true,
    },
  ],
  [queueActions.retryNow, { run: (deps, actor, click) => retryNowFlow(deps, actor, click.value), redraws: true }],
  // The question replaces the ticket view (as Teams' cards are answered in place); its answer replaces the question.
  [entityLinkActions.unlink, { run: (deps, actor, click) => askUnlinkFlow(deps, actor, click.value), redraws: true }],
  [
    entityLinkActions.confirmUnlink,
    { run: (deps, actor, click) => confirmUnlinkFlow(deps, actor, click.value), redraws: true },
  ],
  [entityLinkActions.cancelUnlink, { run: () => cancelUnlinkFlow(), redraws: true }],
]);

export type FormFlow = (deps: AppDeps, actor: ChatActor, submission: FormState) => Answer;

/** Every form step DeskBridge shows, by form id (Slack's callback_id), and the flow that takes its submission. */
export const formFlows: ReadonlyMap<string, FormFlow> = new Map<string, FormFlow>([
  [SETUP_FORM, (deps, actor, s) => submitSetup(deps, actor, s.values)],
  ...Object.values(initiateSteps).map((step): [string, FormFlow] => [step, submitInitiateStep]),
  ...Object.values(acceptSteps).map((step): [string, FormFlow] => [step, submitAcceptStep]),
  [RULES_FORM, saveDraftFromEditor],
  [ASSIST_FORM, submitAssistForm],
  [REJECT_FORM, submitRejectReason],
  [TRIGGER_FORM, submitTriggerForm],
]);

/** A click on the button `actionId`; one DeskBridge does not know (a card from an older version) is refused. */
export function runButton(deps: AppDeps, actor: ChatActor, actionId: string, click: Click): Answer {
  const flow = buttonFlows.get(actionId);
  if (!flow) throw new DomainError('invalid_input', 'This button is not one DeskBridge knows any more; start again.');
  return flow.run(deps, actor, click);
}

/** A submitted form step, by its form id; a form DeskBridge does not know is refused. */
export function runForm(deps: AppDeps, actor: ChatActor, submission: FormState): Answer {
  const flow = formFlows.get(submission.step);
  if (!flow) throw new DomainError('invalid_input', 'This form is not one DeskBridge knows any more; start again.');
  return flow(deps, actor, submission);
}

/** Cancel on a form shown in place (Teams' cards; a Slack modal closes by itself). */
export function cancelForm(): FlowResult {
  return reply({ kind: 'private-message', message: notice('Cancelled.') });
}
