import { queueStatus } from '../../src/app/queue-status.ts';
import { publishRuleVersion, saveRuleDraft } from '../../src/app/rule-versions.ts';
import { addTrigger } from '../../src/app/triggers.ts';
import type { Entity } from '../../src/domain/entity.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import type { SharedClock } from './nodes.ts';
import {
  agentOf,
  connect,
  registerOn,
  settle,
  startSimulator,
  startSyncNode,
  stopSyncPair,
  syncUntil,
  type Simulator,
  type SyncNode,
} from './sync-nodes.ts';

/**
 * The four states of the ticket view ("Must show" of issue 21), on one connection A -> B (A's Freshdesk, B's
 * Freshservice), for the Slack, Teams and CLI tests alike:
 * - synced: under sync, nothing waits;
 * - waiting: synced, then changed while B was down: its replica waits in the outbox on the sending backoff;
 * - blocked: its outgoing script run failed (a script error at `errorLine`);
 * - unselected: the only active trigger (`priority:4`) does not match it (priority 1).
 * A's retries must be slow (SLOW_RETRIES), so the backoff still holds while the views are read.
 */
export const SLOW_RETRIES = { SYNC_RETRY_BASE_MS: '60000', SYNC_RETRY_MAX_MS: '600000' } as const;

/** The trigger's query: Freshdesk priority 4 is "Urgent" (Freshdesk API v2, ticket priorities 1-4). */
export const TRIGGER_QUERY = 'priority:4';
const brokenLine = '    replica.summary = missing.trim()';
const outgoing = `${defaultScripts('freshdesk').outgoing}
if (entity.summary.startsWith("Refund")) {
    def missing = null
${brokenLine}
}
`;

export interface TicketStates {
  synced: Entity;
  waiting: Entity;
  blocked: Entity;
  unselected: Entity;
  triggerId: string;
  /** The keys of the twins on B of the synced and the waiting ticket, as B's twin links name them. */
  twinKeys: { synced: string; waiting: string };
  /** The line of the outgoing script the blocked ticket fails on. */
  errorLine: number;
  /** Brings B back (it is down from the set-up on, so `waiting` keeps waiting); again, it does nothing. */
  reopenB(): Promise<void>;
}

/**
 * Seeds the four states on a connected pair: A's connection `connectionId` (no trigger yet), its Freshdesk `fd`, B and
 * its Freshservice `fs`. B is left down: `reopenB` brings it back.
 */
export async function seedTicketStates(
  a: SyncNode,
  b: SyncNode,
  sims: { fd: Simulator; fs: Simulator },
  connectionId: string,
): Promise<TicketStates> {
  const fdAgent = agentOf(sims.fd);
  const fsAgent = agentOf(sims.fs);
  const triggerId = (await addTrigger(a.deps, { connection: connectionId, query: TRIGGER_QUERY, actor: 'test:alice' }))
    .id;
  saveRuleDraft(a.deps, {
    connection: connectionId,
    outgoing,
    incoming: defaultScripts('freshdesk').incoming,
    actor: 'test:author',
  });
  publishRuleVersion(a.deps, { connection: connectionId, actor: 'test:admin' });
  const create = (agent: Helpdesk, summary: string, priority: number) =>
    agent.createEntity({
      summary,
      description: `<p>${summary}</p>`,
      priority: agent.priorities.fromCode(priority),
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
  const synced = await create(fdAgent, 'Laptop broken', 4);
  const waiting = await create(fdAgent, 'Printer jammed', 4);
  const blocked = await create(fdAgent, 'Refund for order 7', 4);
  const unselected = await create(fdAgent, 'Mouse squeaks', 1);
  await syncUntil([a, b], [sims.fd, sims.fs], async () => (await fsAgent.listChanged(null)).changes.length === 2);
  // The other node's acknowledgements (naming the twins) come back too.
  await syncUntil(
    [a, b],
    [sims.fd, sims.fs],
    () => queueStatus(a.deps, { connection: connectionId }).stages.inbox.count === 0,
  );

  const twinKey = (entity: Entity) =>
    (
      b.deps.db.$client.prepare('select local_key from twin_links where remote_entity_id = ?').get(entity.id) as {
        local_key: string;
      }
    ).local_key;
  const twinKeys = { synced: twinKey(synced), waiting: twinKey(waiting) };

  const port = Number(new URL(b.url).port);
  b.server.closeAllConnections();
  await new Promise<void>((resolve) => b.server.close(() => resolve()));
  await fdAgent.updateEntity(waiting.id, { summary: 'Printer jammed (paper tray too)' });
  await settle([a], [sims.fd]);
  return {
    synced,
    waiting,
    blocked,
    unselected,
    triggerId,
    twinKeys,
    errorLine: outgoing.split('\n').indexOf(brokenLine) + 1,
    reopenB: async () => {
      if (b.server.listening) return;
      await new Promise<void>((resolve) => b.server.listen(port, '127.0.0.1', () => resolve()));
    },
  };
}

/** The four states seeded on a pair of this test's own, and how to stop it. */
export interface TicketStatesPair {
  a: SyncNode;
  b: SyncNode;
  fd: Simulator;
  fs: Simulator;
  /** A's connection "acme to initech" (Script mode, each side's first project incoming). */
  connectionId: string;
  states: TicketStates;
  /** Brings B back and stops both nodes and simulators. */
  close(): Promise<void>;
}

/**
 * Node A (Acme's Freshdesk, SLOW_RETRIES and `aEnv`) and node B (Initech's Freshservice) on `clock`, connected, with
 * the four states seeded. Stops what it started when a step fails.
 */
export async function startTicketStatesPair(
  clock: SharedClock,
  aEnv: Record<string, string> = {},
): Promise<TicketStatesPair> {
  const [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
  const [a, b] = await Promise.all([
    startSyncNode('a', { ...SLOW_RETRIES, ...aEnv }, clock),
    startSyncNode('b', {}, clock),
  ]);
  let states: TicketStates | undefined;
  const close = async () => {
    await states?.reopenB();
    await stopSyncPair([a, b], [fd, fs]);
  };
  try {
    await registerOn(a, 'acme', fd);
    await registerOn(b, 'initech', fs);
    const [group] = await agentOf(fd).listProjects();
    const [workspace] = await agentOf(fs).listProjects();
    const connectionId = (await connect(a, 'acme', b, 'initech', { aProject: group!.id, bProject: workspace!.id })).a;
    states = await seedTicketStates(a, b, { fd, fs }, connectionId);
    return { a, b, fd, fs, connectionId, states, close };
  } catch (error) {
    await close();
    throw error;
  }
}
