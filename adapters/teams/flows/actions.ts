import type { ChatActor } from '../../../src/app/chat-actor.ts';
import type { AppDeps } from '../../../src/app/deps.ts';
import { startAcceptByCode, startAcceptFromMessage } from '../../../src/flows/accept-wizard.ts';
import {
  changeConnectionStatusFlow,
  connectionActions,
  connectionStatusFlow,
  deleteConnectionFlow,
} from '../../../src/flows/connections.ts';
import { homeActions } from '../../../src/flows/home.ts';
import { PREVIOUS_ACTION, previousInitiateStep, startInitiate } from '../../../src/flows/initiate-wizard.ts';
import { ACCEPT_INVITATION_ACTION } from '../../../src/flows/invitation-message.ts';
import { notice } from '../../../src/flows/outcome.ts';
import { DomainError } from '../../../src/domain/errors.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';
import { approvalActions, approveFromCard, askRejectReason, resyncFromCard } from '../../../src/flows/approval-card.ts';
import {
  backToEditor,
  diffFromHistory,
  downloadFromEditor,
  historyFromEditor,
  requestPublishFromEditor,
  rollbackFromHistory,
  rulesActions,
  testRunFromEditor,
} from '../../../src/flows/rules-editor.ts';
import { handleSyncErrorFlow, syncErrorActions } from '../../../src/flows/sync-errors.ts';
import {
  addTriggerForm,
  bulkSyncFlow,
  deleteTriggerFlow,
  editTriggerForm,
  toggleTriggerFlow,
  triggerActions,
} from '../../../src/flows/trigger-editor.ts';

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

/** A button inside a form, as the rules editor's flows take it (Slack: the modal's private_metadata and state). */
function formClick(click: Click): { stateId: string; values: FormValues; value: string } {
  const form = onForm(click);
  return { stateId: form.stateId, values: form.values, value: click.value };
}

/** The approval card's user-specific view for approvers (Teams `refresh`): not a flow, the adapter answers it. */
export const APPROVAL_REFRESH = 'approval.refresh';

/** Every button DeskBridge renders, by action id, and its flow (as Slack's action_ids). */
export const actionFlows = new Map<string, ActionFlow>([
  [PREVIOUS_ACTION, (deps, actor, click) => previousInitiateStep(deps, actor, onForm(click))],
  [
    ACCEPT_INVITATION_ACTION,
    (deps, actor, click) => startAcceptFromMessage(deps, actor, { ...click.at, connectionId: click.value }),
  ],
  [homeActions.initiate, (deps, actor) => startInitiate(deps, actor)],
  [homeActions.accept, (deps, actor) => startAcceptByCode(deps, actor, null)],
  [connectionActions.status, (deps, actor, click) => connectionStatusFlow(deps, actor, click.value)],
  [
    connectionActions.deactivate,
    (deps, actor, click) => changeConnectionStatusFlow(deps, actor, click.value, 'deactivated'),
  ],
  [connectionActions.activate, (deps, actor, click) => changeConnectionStatusFlow(deps, actor, click.value, 'active')],
  [connectionActions.confirmDelete, (deps, actor, click) => deleteConnectionFlow(deps, actor, click.value)],
  [connectionActions.cancelDelete, () => reply({ kind: 'private-message', message: notice('Nothing was deleted.') })],
  [rulesActions.testRun, (deps, actor, click) => testRunFromEditor(deps, actor, formClick(click))],
  [rulesActions.requestPublish, (deps, actor, click) => requestPublishFromEditor(deps, actor, formClick(click))],
  [rulesActions.download, (deps, actor, click) => downloadFromEditor(deps, actor, formClick(click))],
  [rulesActions.history, (deps, actor, click) => historyFromEditor(deps, actor, { stateId: click.value })],
  [rulesActions.back, (deps, actor, click) => backToEditor(deps, actor, formClick(click))],
  [rulesActions.diff, (deps, actor, click) => diffFromHistory(deps, actor, formClick(click))],
  [rulesActions.rollback, (deps, actor, click) => rollbackFromHistory(deps, actor, formClick(click))],
  [approvalActions.approve, (deps, actor, click) => approveFromCard(deps, actor, click.value)],
  [approvalActions.reject, (deps, actor, click) => askRejectReason(deps, actor, click.value)],
  [
    approvalActions.resync,
    (deps, actor, click) =>
      resyncFromCard(deps, actor, { requestId: click.value, channelId: click.at.channelId || null }),
  ],
  [triggerActions.add, (deps, actor, click) => addTriggerForm(deps, actor, click.value)],
  [triggerActions.edit, (deps, actor, click) => editTriggerForm(deps, actor, click.value)],
  [triggerActions.toggle, (deps, actor, click) => toggleTriggerFlow(deps, actor, click.value)],
  [triggerActions.remove, (deps, actor, click) => deleteTriggerFlow(deps, actor, click.value)],
  [triggerActions.bulk, (deps, actor, click) => bulkSyncFlow(deps, actor, click.value)],
  [
    syncErrorActions.retry,
    (deps, actor, click) => handleSyncErrorFlow(deps, actor, { value: click.value, verb: 'retry' }),
  ],
  [
    syncErrorActions.resolve,
    (deps, actor, click) => handleSyncErrorFlow(deps, actor, { value: click.value, verb: 'resolve' }),
  ],
]);

/** Buttons on a message whose answer redraws that message in place (a list with row actions), for its user. */
export const redrawActions: ReadonlySet<string> = new Set([syncErrorActions.retry, syncErrorActions.resolve]);

/** The approval card's decision buttons: shown only to approvers, in their user-specific view. */
export const approverOnlyActions: ReadonlySet<string> = new Set([approvalActions.approve, approvalActions.reject]);

/** Buttons on messages that open a form: Teams offers them in a dialog as well as in place. */
export const dialogOpeningActions: ReadonlySet<string> = new Set([ACCEPT_INVITATION_ACTION, approvalActions.reject]);
