import type { App } from '@slack/bolt';
import { PREVIOUS_ACTION } from '../../../../src/flows/initiate-wizard.ts';
import { ACCEPT_INVITATION_ACTION } from '../../../../src/flows/invitation-message.ts';
import { connectionActions } from '../../../../src/flows/connections.ts';
import { homeActions } from '../../../../src/flows/home.ts';
import type { SlackContext } from '../../context.ts';
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
} as const;

export function registerActions(app: App, ctx: SlackContext): void {
  for (const [actionId, listener] of Object.entries(actionListeners)) app.action(actionId, listener(ctx));
}
