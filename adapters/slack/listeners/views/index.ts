import type { App, ViewSubmitAction } from '@slack/bolt';
import { acceptSteps } from '../../../../src/flows/accept-wizard.ts';
import { initiateSteps } from '../../../../src/flows/initiate-wizard.ts';
import { SETUP_FORM } from '../../../../src/flows/setup.ts';
import { REJECT_FORM } from '../../../../src/flows/approval-card.ts';
import { RULES_FORM } from '../../../../src/flows/rules-editor.ts';
import { TRIGGER_FORM } from '../../../../src/flows/trigger-editor.ts';
import type { SlackContext } from '../../context.ts';
import { exactIds } from '../exact-ids.ts';
import { approvalRejectSubmit } from './approval-reject-submit.ts';
import { rulesSaveSubmit } from './rules-save-submit.ts';
import { triggerSubmit } from './trigger-submit.ts';
import { acceptSubmit } from './accept-submit.ts';
import { initiateSubmit } from './initiate-submit.ts';
import { setupSubmit } from './setup-submit.ts';

/** Every modal step DeskBridge submits, by callback_id, and its listener. */
type ViewListener = typeof setupSubmit;

export const viewListeners: [string, ViewListener][] = [
  [SETUP_FORM, setupSubmit],
  ...Object.values(initiateSteps).map((step): [string, ViewListener] => [step, initiateSubmit]),
  ...Object.values(acceptSteps).map((step): [string, ViewListener] => [step, acceptSubmit]),
  [RULES_FORM, rulesSaveSubmit],
  [REJECT_FORM, approvalRejectSubmit],
  [TRIGGER_FORM, triggerSubmit],
];

/** One Bolt listener for every submission, routing by callback_id to the listener above (see exactIds for why). */
export function registerViews(app: App, ctx: SlackContext): void {
  const byCallbackId = new Map(viewListeners.map(([callbackId, listener]) => [callbackId, listener(ctx)]));
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: exactIds(byCallbackId.keys()) }, async (args) => {
    await byCallbackId.get(args.view.callback_id)?.(args);
  });
}
