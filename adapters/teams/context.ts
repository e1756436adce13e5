import type { CloudAdapter } from 'botbuilder';
import type { Logger } from 'pino';
import type { AppDeps } from '../../src/app/deps.ts';

/** What every Teams handler gets. */
export interface TeamsContext {
  deps: AppDeps;
  logger: Logger;
  adapter: CloudAdapter;
  /** The bot's Entra app id; empty in local mode (botbuilder then sends unauthenticated, to loopback only). */
  appId: string;
  /** Local mode: no MICROSOFT_APP_ID, callers and connectors on this machine only. */
  localMode: boolean;
  /** Whether the client shows user-specific views; without, the approval card shows its decisions to everyone. */
  userSpecificViews: boolean;
  /** The name users see the bot under, as the last activity to us said (its recipient); cards write `@<name>`. */
  botName: string;
  /** Effects run after the invoke is answered; tests wait for them through this. */
  background: Set<Promise<void>>;
}
