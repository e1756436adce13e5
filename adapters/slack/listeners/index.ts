import type { App } from '@slack/bolt';
import type { SlackContext } from '../context.ts';
import { registerActions } from './actions.ts';
import { registerCommands } from './commands/index.ts';
import { registerEvents } from './events/index.ts';
import { registerViews } from './views.ts';

export function registerListeners(app: App, ctx: SlackContext): void {
  registerCommands(app, ctx);
  registerActions(app, ctx);
  registerViews(app, ctx);
  registerEvents(app, ctx);
}
