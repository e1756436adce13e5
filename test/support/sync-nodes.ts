import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createHelpdesk } from '../../adapters/helpdesk/index.ts';
import { startFreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../adapters/helpdesk/freshservice/simulator.ts';
import { startXurrentSimulator } from '../../adapters/helpdesk/xurrent/simulator.ts';
import { WEBHOOK_SECRET_HEADER } from '../../adapters/helpdesk/webhooks.ts';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { setLinkNote } from '../../src/app/connection-lifecycle.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { registerInstance } from '../../src/app/instances.ts';
import { addTrigger } from '../../src/app/triggers.ts';
import { instanceWebhook } from '../../src/app/webhook-secrets.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import type { Platform } from '../../src/domain/instance.ts';
import { createLogger } from '../../src/logger.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { outboundPolicy } from '../../src/http/outbound-policy.ts';
import { freePort, loopbackNodeEnv, tempDir, TestClock, type SharedClock } from './nodes.ts';

/** Fast retries for tests: no real waiting on a throttled or failing simulator (on loopback: private URLs allowed). */
export const fastConnectorOptions = {
  backoff: { baseMs: 5, maxMs: 40 },
  maxRetryAfterMs: 2000,
  timeoutMs: 3000,
  outbound: outboundPolicy(true),
} as const;

export interface SyncNode extends RunningService {
  name: string;
  dataDir: string;
  config: Config;
  /** The test's clock, shared with the other node and the simulators of the test. */
  clock: SharedClock;
  logs: string[];
  stop(): Promise<void>;
}

/**
 * A node with real connectors and no engine timer (tests drive the engine), on the test's clock: a ticking one from
 * the fixed test start unless the test passes the clock its other nodes and simulators share.
 */
export async function startSyncNode(
  name: string,
  env: Record<string, string> = {},
  clock: SharedClock = TestClock.ticking(),
): Promise<SyncNode> {
  const dataDir = tempDir(`deskbridge-sync-${name}-`);
  const port = await freePort();
  const config = loadConfig({
    ...loopbackNodeEnv(port, dataDir),
    DESKBRIDGE_NODE_TIMEOUT_MS: '2000',
    SYNC_INTERVAL_MS: '0',
    SYNC_RETRY_BASE_MS: '20',
    SYNC_RETRY_MAX_MS: '200',
    SYNC_ERROR_AFTER_FAILURES: '3',
    SYNC_ERROR_AFTER_MS: '0',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  // The node's connectors follow its own setting (DESKBRIDGE_ALLOW_PRIVATE_URLS, on unless `env` turns it off).
  const connectorOptions = {
    ...fastConnectorOptions,
    clock: clock.forConnector,
    outbound: outboundPolicy(config.allowPrivateUrls),
  };
  const service = await startService({
    config,
    logger: createLogger(config.logLevel, sink),
    connectorOptions,
    clock: clock.now,
  });
  return {
    ...service,
    name,
    dataDir,
    config,
    clock,
    logs,
    async stop() {
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A simulator, and the test clock it runs on (its agents read it too). */
export type Simulator = { clock: SharedClock } & (
  | (Awaited<ReturnType<typeof startFreshdeskSimulator>> & { platform: 'freshdesk' })
  | (Awaited<ReturnType<typeof startFreshserviceSimulator>> & { platform: 'freshservice' })
  | (Awaited<ReturnType<typeof startXurrentSimulator>> & { platform: 'xurrent' })
);

/** A Freshdesk or Freshservice simulator, whose tickets a test can add, trash and purge directly (no API call). */
export type FreshworksSimulator = Extract<Simulator, { platform: 'freshdesk' | 'freshservice' }>;

/** The simulator as a Freshworks one; throws for Xurrent's. */
export function freshworks(sim: Simulator): FreshworksSimulator {
  if (sim.platform === 'xurrent') throw new Error('a Freshworks simulator was expected');
  return sim;
}

/** A helpdesk simulator on the test's clock (the one its nodes share). */
export async function startSimulator(
  platform: Platform,
  clock: SharedClock,
  rateLimitPerMinute = 100_000,
): Promise<Simulator> {
  const options = { rateLimitPerMinute, webhookRetryDelayMs: 5, clock: clock.forSimulator };
  if (platform === 'freshdesk') return { ...(await startFreshdeskSimulator(options)), platform, clock };
  if (platform === 'freshservice') return { ...(await startFreshserviceSimulator(options)), platform, clock };
  return { ...(await startXurrentSimulator(options)), platform, clock };
}

/** A connector of our own onto a simulator: the "agent" who creates and edits tickets in the tests. */
export function agentOf(sim: Simulator): Helpdesk {
  const credentials =
    sim.platform === 'xurrent'
      ? { kind: 'token' as const, token: sim.token, account: sim.account }
      : { kind: 'apiKey' as const, apiKey: sim.apiKey };
  return createHelpdesk(
    { platform: sim.platform, baseUrl: sim.url, credentials },
    { ...fastConnectorOptions, clock: sim.clock.forConnector },
  );
}

export async function registerOn(node: SyncNode, slug: string, sim: Simulator, options: { webhooks?: boolean } = {}) {
  const credentials =
    sim.platform === 'xurrent'
      ? { kind: 'token' as const, token: sim.token, account: sim.account }
      : { kind: 'apiKey' as const, apiKey: sim.apiKey };
  const instance = await registerInstance(node.deps, {
    platform: sim.platform,
    baseUrl: sim.url,
    credentials,
    name: slug[0]!.toUpperCase() + slug.slice(1),
    slug,
    actor: 'test:admin',
  });
  if (options.webhooks !== false) {
    const hook = instanceWebhook(node.deps, { instance: slug, actor: 'test:admin' });
    if (sim.platform === 'xurrent') {
      for (const event of ['request.create', 'request.update', 'request.note-added']) {
        await sim.webhooks.register({ event, uri: `${hook.url}?secret=${hook.secret}` });
      }
    } else {
      sim.webhooks.add({ url: hook.url, headers: { [WEBHOOK_SECRET_HEADER]: hook.secret } });
    }
  }
  return instance;
}

export interface SyncPair {
  a: SyncNode;
  b: SyncNode;
  /** The helpdesk simulator of A's instance, and the agent working in it; likewise for B. */
  aSim: Simulator;
  bSim: Simulator;
  aAgent: Helpdesk;
  bAgent: Helpdesk;
}

/**
 * Two simulators and two sync nodes: A's instance registered on node A, B's on node B (webhooks on), and an agent on
 * each simulator. Not yet connected. Stops what it started when a registration fails.
 */
export async function startSyncPair(
  aSide: { slug: string; platform: Platform },
  bSide: { slug: string; platform: Platform },
  nodeEnv: { a?: Record<string, string>; b?: Record<string, string> } = {},
): Promise<SyncPair> {
  const clock = TestClock.ticking();
  const [aSim, bSim] = await Promise.all([
    startSimulator(aSide.platform, clock),
    startSimulator(bSide.platform, clock),
  ]);
  const [a, b] = await Promise.all([startSyncNode('a', nodeEnv.a, clock), startSyncNode('b', nodeEnv.b, clock)]);
  try {
    await registerOn(a, aSide.slug, aSim);
    await registerOn(b, bSide.slug, bSim);
  } catch (error) {
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([aSim.close(), bSim.close()]);
    throw error;
  }
  return { a, b, aSim, bSim, aAgent: agentOf(aSim), bAgent: agentOf(bSim) };
}

export interface ConnectedPair extends SyncPair {
  ids: { a: string; b: string };
}

/**
 * startSyncPair, then connected (A initiates, B accepts), each side's incoming project its helpdesk's first, with a
 * trigger selecting every ticket on A (and on B with `triggers: 'both'`; on neither with `triggers: 'none'`, where
 * only linked tickets sync). `beforeConnect` seeds the simulators first.
 */
export async function startConnectedPair(
  aSide: { slug: string; platform: Platform },
  bSide: { slug: string; platform: Platform },
  options: {
    mode?: 'basic' | 'script';
    privateB?: boolean;
    triggers?: 'a' | 'both' | 'none';
    beforeConnect?: (pair: SyncPair) => void;
    linkNote?: boolean;
    /** Settings of either node (SYNC_INTERVAL_MS for a running engine, LOG_LEVEL to read its info lines). */
    nodeEnv?: { a?: Record<string, string>; b?: Record<string, string> };
  } = {},
): Promise<ConnectedPair> {
  const pair = await startSyncPair(aSide, bSide, options.nodeEnv);
  options.beforeConnect?.(pair);
  const [aProject] = await pair.aAgent.listProjects();
  const [bProject] = await pair.bAgent.listProjects();
  const ids = await connect(pair.a, aSide.slug, pair.b, bSide.slug, {
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.privateB ? { privateB: true } : {}),
    ...(options.linkNote ? { linkNote: true } : {}),
    aProject: aProject!.id,
    bProject: bProject!.id,
  });
  if (options.triggers !== 'none') await addTrigger(pair.a.deps, { connection: ids.a, query: '', actor: 'test:alice' });
  if (options.triggers === 'both') await addTrigger(pair.b.deps, { connection: ids.b, query: '', actor: 'test:bob' });
  return { ...pair, ids };
}

/**
 * startConnectedPair for the tests of one describe block: before them (in beforeAll, or in beforeEach with `each`),
 * then `setUp`; stopped after them. The pair's fields are set once that hook has run.
 */
export function connectedPairForTests(
  aSide: { slug: string; platform: Platform },
  bSide: { slug: string; platform: Platform },
  options: Parameters<typeof startConnectedPair>[2] & {
    each?: boolean;
    setUp?: (pair: ConnectedPair) => void | Promise<void>;
    /** For the start and `setUp` (30 s unless set). */
    timeoutMs?: number;
  } = {},
): ConnectedPair {
  const pair = {} as ConnectedPair;
  /** What this round started, so a failed start does not stop the last round's nodes again. */
  let started: ConnectedPair | undefined;
  const [before, after] = options.each ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    started = await startConnectedPair(aSide, bSide, options);
    Object.assign(pair, started);
    await options.setUp?.(pair);
  }, options.timeoutMs ?? 30_000);
  after(async () => {
    await stopSyncPair([started?.a, started?.b], [started?.aSim, started?.bSim]);
    started = undefined;
  });
  return pair;
}

/** Stops the nodes, then closes the simulators (any of them may be unset when a set-up failed). */
export async function stopSyncPair(nodes: (SyncNode | undefined)[], sims: (Simulator | undefined)[]): Promise<void> {
  await Promise.all(nodes.map((node) => node?.stop()));
  await Promise.all(sims.map((sim) => sim?.close()));
}

/** Initiates on A, accepts on B; returns both connection ids. */
export async function connect(
  a: SyncNode,
  aSlug: string,
  b: SyncNode,
  bSlug: string,
  options: {
    mode?: 'basic' | 'script';
    aProject?: string | null;
    bProject?: string | null;
    privateB?: boolean;
    /** The first-sync link note (on by default in the product): off here unless asked, as tests count the notes. */
    linkNote?: boolean;
  } = {},
) {
  const { code, connection } = await initiateConnection(a.deps, {
    instance: aSlug,
    destinationUrl: options.privateB ? null : `${b.config.publicUrl}/i/${bSlug}`,
    mode: options.mode ?? 'script',
    localShortName: aSlug,
    remoteShortName: bSlug,
    name: `${aSlug} to ${bSlug}`,
    ...(options.aProject ? { incomingProjectId: options.aProject } : {}),
    actor: 'test:alice',
  });
  const accepted = await acceptInvitation(b.deps, {
    instance: bSlug,
    code,
    ...(options.bProject ? { incomingProjectId: options.bProject } : {}),
    actor: 'test:bob',
  });
  if (!options.linkNote) {
    setLinkNote(a.deps, { connection: connection.id, linkNote: false, actor: 'test:alice' });
    setLinkNote(b.deps, { connection: accepted.id, linkNote: false, actor: 'test:bob' });
  }
  return { a: connection.id, b: accepted.id };
}

/** Runs both engines until a whole round moves nothing, waiting for simulator webhooks in between. */
export async function settle(nodes: SyncNode[], sims: Simulator[] = [], rounds = 60): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < rounds; i++) {
    await Promise.all(sims.map((s) => s.webhooks.settle()));
    let moved = 0;
    for (const node of nodes) moved += await node.sync.tick();
    if (moved === 0) {
      quiet++;
      if (quiet >= 2) return;
      await new Promise((r) => setTimeout(r, 15));
    } else quiet = 0;
  }
}

/** Drives the engines (and lets backoffs pass) until `done` holds; fails after `timeoutMs`. */
export async function syncUntil(
  nodes: SyncNode[],
  sims: Simulator[],
  done: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await Promise.all(sims.map((s) => s.webhooks.settle()));
    for (const node of nodes) await node.sync.tick();
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the sync did not reach the expected state in time');
}

export function rows<T = Record<string, unknown>>(node: SyncNode, sql: string, ...params: unknown[]): T[] {
  return node.deps.db.$client.prepare(sql).all(...params) as T[];
}

/** The local entity a node pairs with the other side's entity, or undefined when it has no twin row for it. */
export function localTwinOf(node: SyncNode, connectionId: string, remoteEntityId: string): string | undefined {
  return rows<{ local_entity_id: string }>(
    node,
    'select local_entity_id from twin_links where connection_id = ? and remote_entity_id = ?',
    connectionId,
    remoteEntityId,
  )[0]?.local_entity_id;
}

/**
 * A hostile partner, played by rewriting a message a node has queued but not sent: each field of `fields` is set in its
 * JSON payload (values as JSON). Returns how many messages were rewritten (1 when the message was there).
 */
export function forgeQueued(
  node: SyncNode,
  message: { kind: 'replica' | 'ack'; entityId: string },
  fields: Record<string, unknown>,
): number {
  const paths = Object.keys(fields);
  const setters = paths.map(() => '?, json(?)').join(', ');
  return node.deps.db.$client
    .prepare(
      `update outbox set payload = json_set(payload, ${setters}) where kind = ? and status = 'queued' and entity_id = ?`,
    )
    .run(...paths.flatMap((p) => [`$.${p}`, JSON.stringify(fields[p])]), message.kind, message.entityId).changes;
}
