import type { App, BlockAction } from '@slack/bolt';
import { buttonFlows } from '../../../src/flows/interactions.ts';
import { onClick } from '../clicks.ts';
import type { SlackContext } from '../context.ts';
import { exactIds } from './exact-ids.ts';

/** One Bolt listener for every button DeskBridge renders (the table in src/flows), by action_id (see exactIds). */
export function registerActions(app: App, ctx: SlackContext): void {
  app.action<BlockAction>({ type: 'block_actions', action_id: exactIds(buttonFlows.keys()) }, onClick(ctx));
}
