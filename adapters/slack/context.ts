import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AppDeps } from '../../src/app/deps.ts';
import type { ChatSurface } from '../../src/flows/help.ts';
import type { SlackActors } from './actors.ts';

/** What every listener gets besides Bolt's arguments. */
export interface SlackContext {
  deps: AppDeps;
  actors: SlackActors;
  logger: Logger;
  /** A Web API client with the bot token of a workspace (for work not started by a request from it). */
  clientFor(teamId: string): Promise<WebClient | null>;
}

/** Slack as the flows address it: Slack's words, and the bot user as the manifest names it (`/invite @DeskBridge`). */
export const slackSurface: ChatSurface = { platform: 'slack', botName: 'DeskBridge' };
