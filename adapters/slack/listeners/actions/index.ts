import type { App, BlockAction } from '@slack/bolt';
import { PREVIOUS_ACTION } from '../../../../src/flows/initiate-wizard.ts';
import { ACCEPT_INVITATION_ACTION } from '../../../../src/flows/invitation-message.ts';
import { connectionActions } from '../../../../src/flows/connections.ts';
import { homeActions } from '../../../../src/flows/home.ts';
import type { SlackContext } from '../../context.ts';
import { exactIds } from '../exact-ids.ts';
import { approvalActions } from '../../../../src/flows/approval-card.ts';
import { rulesActions } from '../../../../src/flows/rules-editor.ts';
import { syncErrorActions } from '../../../../src/flows/sync-errors.ts';
import { triggerActions } from '../../../../src/flows/trigger-editor.ts';
import { approvalApprove } from './approval-approve.ts';
import { approvalReject } from './approval-reject.ts';
import { approvalResync } from './approval-resync.ts';
import { rulesBack } from './rules-back.ts';
import { rulesDiff } from './rules-diff.ts';
import { rulesDownload } from './rules-download.ts';
import { rulesHistory } from './rules-history.ts';
import { rulesRequestPublish } from './rules-request-publish.ts';
import { rulesRollback } from './rules-rollback.ts';
import { rulesTestRun } from './rules-test-run.ts';
import { syncErrorResolve } from './sync-error-resolve.ts';
import { syncErrorRetry } from './sync-error-retry.ts';
import { triggersAdd } from './triggers-add.ts';
import { triggersBulk } from './triggers-bulk.ts';
import { triggersDelete } from './triggers-delete.ts';
import { triggersEdit } from './triggers-edit.ts';
import { triggersToggle } from './triggers-toggle.ts';
import { connectionActivate } from './connection-activate.ts';
import { connectionDeactivate } from './connection-deactivate.ts';
import { connectionDeleteCancel } from './connection-delete-cancel.ts';
import { connectionDeleteConfirm } from './connection-delete-confirm.ts';
import { connectionStatus } from './connection-status.ts';
import { homeAccept } from './home-accept.ts';
import { homeInitiate } from './home-initiate.ts';
import { invitationAccept } from './invitation-accept.ts';
import { wizardPrevious } from './wizard-previous.ts';

/** Every button DeskBridge renders, by action_id, and the listener that handles it. */
export const actionListeners = {
  [PREVIOUS_ACTION]: wizardPrevious,
  [ACCEPT_INVITATION_ACTION]: invitationAccept,
  [homeActions.initiate]: homeInitiate,
  [homeActions.accept]: homeAccept,
  [connectionActions.status]: connectionStatus,
  [connectionActions.deactivate]: connectionDeactivate,
  [connectionActions.activate]: connectionActivate,
  [connectionActions.confirmDelete]: connectionDeleteConfirm,
  [connectionActions.cancelDelete]: connectionDeleteCancel,
  [rulesActions.testRun]: rulesTestRun,
  [rulesActions.requestPublish]: rulesRequestPublish,
  [rulesActions.download]: rulesDownload,
  [rulesActions.history]: rulesHistory,
  [rulesActions.back]: rulesBack,
  [rulesActions.diff]: rulesDiff,
  [rulesActions.rollback]: rulesRollback,
  [approvalActions.approve]: approvalApprove,
  [approvalActions.reject]: approvalReject,
  [approvalActions.resync]: approvalResync,
  [triggerActions.add]: triggersAdd,
  [triggerActions.edit]: triggersEdit,
  [triggerActions.toggle]: triggersToggle,
  [triggerActions.remove]: triggersDelete,
  [triggerActions.bulk]: triggersBulk,
  [syncErrorActions.retry]: syncErrorRetry,
  [syncErrorActions.resolve]: syncErrorResolve,
} as const;

/** One Bolt listener for every button, routing by action_id to the listener above (see exactIds for why). */
export function registerActions(app: App, ctx: SlackContext): void {
  const byActionId = new Map(Object.entries(actionListeners).map(([actionId, listener]) => [actionId, listener(ctx)]));
  app.action<BlockAction>({ type: 'block_actions', action_id: exactIds(byActionId.keys()) }, async (args) => {
    await byActionId.get(args.action.action_id)?.(args);
  });
}
