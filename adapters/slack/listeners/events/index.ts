import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { appHomeOpened } from './app-home-opened.ts';
import { appUninstalled } from './app-uninstalled.ts';
import { fileShared } from './file-shared.ts';

export function registerEvents(app: App, ctx: SlackContext): void {
  app.event('app_home_opened', appHomeOpened(ctx));
  app.event('app_uninstalled', appUninstalled(ctx));
  app.event('tokens_revoked', appUninstalled(ctx));
  app.event('file_shared', fileShared(ctx));
}
