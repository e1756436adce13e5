import type { ChatActor } from '../../../src/app/chat-actor.ts';
import type { AppDeps } from '../../../src/app/deps.ts';
import { startAcceptByCode, startAcceptFromMessage } from '../../../src/flows/accept-wizard.ts';
import { changeConnectionStatusFlow, connectionActions, connectionStatusFlow, deleteConnectionFlow } from '../../../src/flows/connections.ts';
import { homeActions } from '../../../src/flows/home.ts';
import { PREVIOUS_ACTION, previousInitiateStep, startInitiate } from '../../../src/flows/initiate-wizard.ts';
import { ACCEPT_INVITATION_ACTION } from '../../../src/flows/invitation-message.ts';
import { notice } from '../../../src/flows/outcome.ts';
import { DomainError } from '../../../src/domain/errors.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';

/** A button click, with where it happened taken from the activity (never from the card's data). */
export interface Click {
  value: string;
  /** The form the button is on (a wizard's Previous), and what its inputs held. */
  form: { step: string; stateId: string; values: FormValues } | null;
  /** The channel and message the card is in. */
  at: { channelId: string; messageRef: string };
}

type ActionFlow = (deps: AppDeps, actor: ChatActor, click: Click) => Promise<FlowResult> | FlowResult;

function onForm(click: Click): NonNullable<Click['form']> {
  if (!click.form) throw new DomainError('invalid_input', 'This button belongs to a form; start again.');
  return click.form;
}

/** Every button DeskBridge renders, by action id, and its flow (as Slack's action_ids). */
export const actionFlows = new Map<string, ActionFlow>([
  [PREVIOUS_ACTION, (deps, actor, click) => previousInitiateStep(deps, actor, onForm(click))],
  [ACCEPT_INVITATION_ACTION, (deps, actor, click) => startAcceptFromMessage(deps, actor, { ...click.at, connectionId: click.value })],
  [homeActions.initiate, (deps, actor) => startInitiate(deps, actor)],
  [homeActions.accept, (deps, actor) => startAcceptByCode(deps, actor, null)],
  [connectionActions.status, (deps, actor, click) => connectionStatusFlow(deps, actor, click.value)],
  [connectionActions.deactivate, (deps, actor, click) => changeConnectionStatusFlow(deps, actor, click.value, 'deactivated')],
  [connectionActions.activate, (deps, actor, click) => changeConnectionStatusFlow(deps, actor, click.value, 'active')],
  [connectionActions.confirmDelete, (deps, actor, click) => deleteConnectionFlow(deps, actor, click.value)],
  [connectionActions.cancelDelete, () => reply({ kind: 'private-message', message: notice('Nothing was deleted.') })],
]);

/** Buttons on messages that open a form: Teams offers them in a dialog as well as in place. */
export const dialogOpeningActions: ReadonlySet<string> = new Set([ACCEPT_INVITATION_ACTION]);
