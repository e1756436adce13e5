import { acceptSteps } from '../../src/flows/accept-wizard.ts';
import { approvalActions, REJECT_FORM } from '../../src/flows/approval-card.ts';
import { connectionActions } from '../../src/flows/connections.ts';
import { entityLinkActions } from '../../src/flows/entity-links.ts';
import { homeActions } from '../../src/flows/home.ts';
import { initiateSteps, PREVIOUS_ACTION } from '../../src/flows/initiate-wizard.ts';
import { ACCEPT_INVITATION_ACTION } from '../../src/flows/invitation-message.ts';
import { ASSIST_FORM, RULES_FORM, rulesActions } from '../../src/flows/rules-editor.ts';
import { SETUP_FORM } from '../../src/flows/setup.ts';
import { syncErrorActions } from '../../src/flows/sync-errors.ts';
import { queueActions } from '../../src/flows/ticket-status.ts';
import { TRIGGER_FORM, triggerActions } from '../../src/flows/trigger-editor.ts';

/**
 * Every button id and every form (modal) id the flows render, gathered from the flows' own tables: the one list the
 * interactions table and the Slack manifest are checked against. A new button goes into its flow's table and here.
 */
export const renderedButtonIds: readonly string[] = [
  PREVIOUS_ACTION,
  ACCEPT_INVITATION_ACTION,
  ...Object.values(homeActions),
  ...Object.values(connectionActions),
  ...Object.values(rulesActions),
  ...Object.values(approvalActions),
  ...Object.values(triggerActions),
  ...Object.values(syncErrorActions),
  ...Object.values(queueActions),
  ...Object.values(entityLinkActions),
];

export const renderedFormIds: readonly string[] = [
  SETUP_FORM,
  ...Object.values(initiateSteps),
  ...Object.values(acceptSteps),
  RULES_FORM,
  ASSIST_FORM,
  REJECT_FORM,
  TRIGGER_FORM,
];
