import type { App, ViewSubmitAction } from '@slack/bolt';
import { acceptSteps } from '../../../../src/flows/accept-wizard.ts';
import { initiateSteps } from '../../../../src/flows/initiate-wizard.ts';
import { SETUP_FORM } from '../../../../src/flows/setup.ts';
import type { SlackContext } from '../../context.ts';
import { acceptSubmit } from './accept-submit.ts';
import { initiateSubmit } from './initiate-submit.ts';
import { setupSubmit } from './setup-submit.ts';

/** Every modal step DeskBridge submits, by callback_id, and its listener. */
type ViewListener = typeof setupSubmit;

export const viewListeners: [string, ViewListener][] = [
  [SETUP_FORM, setupSubmit],
  ...Object.values(initiateSteps).map((step): [string, ViewListener] => [step, initiateSubmit]),
  ...Object.values(acceptSteps).map((step): [string, ViewListener] => [step, acceptSubmit]),
];

export function registerViews(app: App, ctx: SlackContext): void {
  for (const [callbackId, listener] of viewListeners) app.view<ViewSubmitAction>({ callback_id: callbackId, type: 'view_submission' }, listener(ctx));
}
