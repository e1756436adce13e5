import type { Logger } from 'pino';
import { databasePath, openDatabase, type Db } from '../db/client.ts';
import { systemClock } from '../adapters/helpdesk/clock.ts';
import { openAiModel } from '../adapters/ai/openai-model.ts';
import { createHelpdesk, type ConnectorOptions } from '../adapters/helpdesk/index.ts';
import type { AppDeps } from './app/deps.ts';
import { AppEvents } from './app/events.ts';
import type { Config } from './config.ts';
import type { Helpdesk, HelpdeskTarget } from './domain/helpdesk.ts';
import type { RemoteNodes } from './domain/remote.ts';
import { NodeClient } from './node/client.ts';
import { RulePool } from './rules/pool/rule-pool.ts';
import { outboundPolicy } from './http/outbound-policy.ts';
import { loadOrCreateKeyFile, SecretBox } from './secrets.ts';
import { helpdeskCallObserver } from './metrics/helpdesk-calls.ts';
import type { Metrics } from './metrics/registry.ts';
import { meteredRules } from './metrics/rule-runs.ts';
import type { HelpdeskFor, HelpdeskInstance } from './store/helpdesks.ts';
import { helpdeskTarget, instanceRowById } from './store/instances.ts';

/** Makes the connector of one helpdesk; the per-instance cache calls it once per instance (and credential change). */
export type ConnectHelpdesk = (target: HelpdeskTarget, options: ConnectorOptions) => Helpdesk;

export interface AppDepsOptions {
  config: Config;
  logger: Logger;
  clock?: () => Date;
  remote?: RemoteNodes;
  /** Options for the helpdesk connectors (tests: fast backoff). */
  connectorOptions?: ConnectorOptions;
  /** The connectors' maker: the REST connectors of adapters/helpdesk unless a test stands in for a helpdesk. */
  connectHelpdesk?: ConnectHelpdesk;
  /** Counts what the connectors, the rule runs and the engine do (the service's, when /metrics is served). */
  metrics?: Metrics;
}

/** Connectors of instances being registered (not in the database yet) kept at once: a failed attempt leaves no more. */
const PENDING_CONNECTORS = 8;

/**
 * One connector per instance id, so all work against an instance shares its rate budget: registration's credential
 * check, the use-cases, the health check and the sync engine. A connector is made again when the instance's URL or
 * credentials change. An instance being registered is not in the database yet: its connector is kept among a few
 * pending ones and becomes the instance's when the instance is there, so a failed registration leaves nothing behind.
 */
function connectorsPerInstance(
  secrets: SecretBox,
  connect: (target: HelpdeskTarget) => Helpdesk,
  registered: (instanceId: string) => boolean,
): HelpdeskFor {
  type Held = { baseUrl: string; credentialsEnc: string; helpdesk: Helpdesk };
  const cache = new Map<string, Held>();
  const pending = new Map<string, Held>();
  const fits = (held: Held | undefined, row: HelpdeskInstance): held is Held =>
    held !== undefined && held.baseUrl === row.baseUrl && held.credentialsEnc === row.credentialsEnc;
  return (row) => {
    const hit = cache.get(row.id);
    if (fits(hit, row)) return hit.helpdesk;
    const earlier = pending.get(row.id);
    const held = fits(earlier, row)
      ? earlier
      : { baseUrl: row.baseUrl, credentialsEnc: row.credentialsEnc, helpdesk: connect(helpdeskTarget(row, secrets)) };
    pending.delete(row.id);
    if (registered(row.id)) cache.set(row.id, held);
    else {
      pending.set(row.id, held);
      if (pending.size > PENDING_CONNECTORS) pending.delete(pending.keys().next().value as string);
    }
    return held.helpdesk;
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
  const connect = options.connectHelpdesk ?? createHelpdesk;
  const connectorOptions = { outbound, ...connectorOptionsOn(options.clock, options.connectorOptions) };
  const { metrics } = options;
  const observed = (target: HelpdeskTarget): ConnectorOptions =>
    metrics ? { ...connectorOptions, observer: helpdeskCallObserver(metrics, target.platform) } : connectorOptions;
  return {
    db,
    secrets,
    clock,
    publicUrl: config.publicUrl,
    invitationTtlMs: config.invitationTtlMs,
    remote: options.remote ?? new NodeClient({ timeoutMs: config.nodeTimeoutMs, clock, outbound }),
    outbound,
    logger: options.logger,
    events,
    // Workers start with the first run; a CLI command that runs no rule starts none.
    rules: metrics ? meteredRules(new RulePool(config.rules), metrics) : new RulePool(config.rules),
    helpdeskFor: connectorsPerInstance(
      secrets,
      (target) => connect(target, observed(target)),
      (id) => instanceRowById(db, id) !== undefined,
    ),
    ...assistOf(config),
    ...(metrics ? { metrics } : {}),
  };
}

/** AI Assist when AI_BASE_URL and AI_MODEL are set (config.ts checks they come together). */
function assistOf(config: Config): Pick<AppDeps, 'assist'> {
  const { ai } = config;
  if (!ai.baseUrl || !ai.model) return {};
  return {
    assist: {
      model: openAiModel({ baseUrl: ai.baseUrl, model: ai.model, apiKey: ai.apiKey, timeoutMs: ai.timeoutMs }),
      sendEntityData: ai.sendEntityData,
      requestsPerHour: ai.requestsPerHour,
    },
  };
}

/**
 * The connectors read the node's clock (where a change cursor starts, when a rate window ends), so a node given a
 * clock has one time throughout; they still sleep in real time.
 */
function connectorOptionsOn(clock: (() => Date) | undefined, options: ConnectorOptions = {}): ConnectorOptions {
  if (!clock || options.clock) return options;
  return { ...options, clock: { now: () => clock().getTime(), sleep: systemClock.sleep } };
}
