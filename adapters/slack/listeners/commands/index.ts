import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { bridgeCommand } from './bridge.ts';

export const SLASH_COMMAND = '/bridge';

export function registerCommands(app: App, ctx: SlackContext): void {
  app.command(SLASH_COMMAND, bridgeCommand(ctx));
}
