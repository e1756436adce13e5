import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import type { Helpdesk, HelpdeskDirectory } from '../domain/helpdesk.ts';
import type { InstanceRow } from './store/instances.ts';
import type { RemoteNodes } from '../domain/remote.ts';
import type { SecretBox } from '../secrets.ts';
import type { AppEvents } from './events.ts';
import type { RuleRunner } from '../rules/pool/rule-pool.ts';
import type { OutboundPolicy } from '../http/outbound-policy.ts';

/** What every use-case may use. main.ts builds it once; tests build it with fakes only where the real thing is out of reach. */
export interface AppDeps {
  db: Db;
  secrets: SecretBox;
  /** The current time; tests pass a controllable clock. */
  clock: () => Date;
  /** This node's public base URL (no trailing slash). */
  publicUrl: string;
  invitationTtlMs: number;
  helpdesks: HelpdeskDirectory;
  remote: RemoteNodes;
  /** Runs sync rules off the main thread (src/rules/pool); closed with the service. */
  rules: RuleRunner;
  /** Which addresses URLs from users and other nodes may lead to (DESKBRIDGE_ALLOW_PRIVATE_URLS); absent: public only. */
  outbound?: OutboundPolicy;
  logger: Logger;
  /** Announces committed changes (an invitation accepted) to chat adapters; absent where nobody listens. */
  events?: AppEvents;
  /** The connector of an instance: one per instance, so the instance's rate budget is shared (the sync engine, triggers). */
  helpdeskFor?: (instance: InstanceRow) => Helpdesk;
  /** Wakes the sync engine when work arrived (a webhook, a message batch); absent where no engine runs. */
  kickSync?: () => void;
}

/** Who asked: recorded in the audit log. `cli:alice`, `slack:T123/U456`, `teams:<tenant>/<user>`, `node:<url>`. */
export type Actor = string;
