import type { AssistSettings } from '../domain/assist-model.ts';
import type { RemoteNodes } from '../domain/remote.ts';
import type { OutboundPolicy } from '../http/outbound-policy.ts';
import type { SyncDeps } from '../sync/index.ts';
import type { AppEvents } from './events.ts';

/**
 * What every use-case may use: the sync engine's deps (the database, secrets, clock, rule pool, logger and the one
 * connector per helpdesk instance) and the rest. main.ts builds it once; tests build it with fakes only where the
 * real thing is out of reach.
 */
export interface AppDeps extends SyncDeps {
  invitationTtlMs: number;
  remote: RemoteNodes;
  /** Which addresses URLs from users and other nodes may lead to (DESKBRIDGE_ALLOW_PRIVATE_URLS); absent: public only. */
  outbound?: OutboundPolicy;
  /** Announces committed changes (an invitation accepted) to chat adapters; absent where nobody listens. */
  events?: AppEvents;
  /** Wakes the sync engine when work arrived (a webhook, a message batch); absent where no engine runs. */
  kickSync?: () => void;
  /** AI Assist's model and limits (AI_* variables); absent when not configured. */
  assist?: AssistSettings;
}

/** Who asked: recorded in the audit log. `cli:alice`, `slack:T123/U456`, `teams:<tenant>/<user>`, `node:<url>`. */
export type Actor = string;
