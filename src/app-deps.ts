import type { Logger } from 'pino';
import { databasePath, openDatabase, type Db } from '../db/client.ts';
import { systemClock } from '../adapters/helpdesk/clock.ts';
import { createHelpdesk, type ConnectorOptions } from '../adapters/helpdesk/index.ts';
import type { AppDeps } from './app/deps.ts';
import { AppEvents } from './app/events.ts';
import { helpdeskTarget, type InstanceRow } from './app/store/instances.ts';
import type { Config } from './config.ts';
import type { Helpdesk, HelpdeskDirectory } from './domain/helpdesk.ts';
import type { RemoteNodes } from './domain/remote.ts';
import { NodeClient } from './node/client.ts';
import { RulePool } from './rules/pool/rule-pool.ts';
import { outboundPolicy } from './http/outbound-policy.ts';
import { loadOrCreateKeyFile, SecretBox } from './secrets.ts';

export interface AppDepsOptions {
  config: Config;
  logger: Logger;
  helpdesks: HelpdeskDirectory;
  clock?: () => Date;
  remote?: RemoteNodes;
  /** Options for the helpdesk connectors the sync engine uses (tests: fast backoff). */
  connectorOptions?: ConnectorOptions;
}

/** One connector per instance, so all sync work against an instance shares its rate budget. */
function connectorsPerInstance(
  secrets: SecretBox,
  options: ConnectorOptions | undefined,
): (row: InstanceRow) => Helpdesk {
  const cache = new Map<string, { baseUrl: string; credentialsEnc: string; helpdesk: Helpdesk }>();
  return (row) => {
    const hit = cache.get(row.id);
    if (hit && hit.baseUrl === row.baseUrl && hit.credentialsEnc === row.credentialsEnc) return hit.helpdesk;
    const helpdesk = createHelpdesk(helpdeskTarget(row, secrets), options);
    cache.set(row.id, { baseUrl: row.baseUrl, credentialsEnc: row.credentialsEnc, helpdesk });
    return helpdesk;
  };
}

/** The use-case dependencies for a data dir: the CLI and the server share this, so both see the same state. */
export function buildAppDeps(options: AppDepsOptions): AppDeps {
  const { config } = options;
  const db: Db = openDatabase(databasePath(config.dataDir));
  const secrets = new SecretBox(config.secretKey ?? loadOrCreateKeyFile(config.dataDir));
  const events = new AppEvents();
  events.reportErrorsTo((error, event) =>
    options.logger.error({ err: error, event: event.type }, 'event listener failed'),
  );
  const clock = options.clock ?? (() => new Date());
  const outbound = outboundPolicy(config.allowPrivateUrls);
  return {
    db,
    secrets,
    clock,
    publicUrl: config.publicUrl,
    invitationTtlMs: config.invitationTtlMs,
    helpdesks: options.helpdesks,
    remote: options.remote ?? new NodeClient({ timeoutMs: config.nodeTimeoutMs, clock, outbound }),
    outbound,
    logger: options.logger,
    events,
    // Workers start with the first run; a CLI command that runs no rule starts none.
    rules: new RulePool(config.rules),
    helpdeskFor: connectorsPerInstance(secrets, {
      outbound,
      ...connectorOptionsOn(options.clock, options.connectorOptions),
    }),
  };
}

/**
 * The sync connectors read the node's clock (where a change cursor starts, when a rate window ends), so a node given
 * a clock has one time throughout; they still sleep in real time.
 */
function connectorOptionsOn(clock: (() => Date) | undefined, options: ConnectorOptions = {}): ConnectorOptions {
  if (!clock || options.clock) return options;
  return { ...options, clock: { now: () => clock().getTime(), sleep: systemClock.sleep } };
}
