import { ACCEPT_INVITATION_ACTION } from '../../src/flows/invitation-message.ts';
import { approvalActions } from '../../src/flows/approval-card.ts';

/**
 * How Teams shows some of the buttons of the flows' table (src/flows/interactions.ts): which are for approvers only
 * (user-specific views), which a shared card also offers in a dialog, and the approval card's refresh.
 */

/** The approval card's user-specific view for approvers (Teams `refresh`): not a flow, the adapter answers it. */
export const APPROVAL_REFRESH = 'approval.refresh';

/** The approval card's decision buttons: shown only to approvers, in their user-specific view. */
export const approverOnlyActions: ReadonlySet<string> = new Set([approvalActions.approve, approvalActions.reject]);

/** Buttons on messages that open a form: Teams offers them in a dialog as well as in place. */
export const dialogOpeningActions: ReadonlySet<string> = new Set([ACCEPT_INVITATION_ACTION, approvalActions.reject]);
