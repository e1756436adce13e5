import type { ConnectHelpdesk } from '../../src/app-deps.ts';
import { addTrigger } from '../../src/app/triggers.ts';
import type { Entity } from '../../src/domain/entity.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { realHelpdesks } from './helpdesks.ts';
import { TestClock, type TestNode } from './nodes.ts';
import {
  agentOf,
  connect,
  fastConnectorOptions,
  registerOn,
  rows,
  settle,
  startSimulator,
  startSyncNode,
  stopSyncPair,
  type Simulator,
  type SyncNode,
} from './sync-nodes.ts';

/**
 * A chat node A (Slack or Teams) on Acme's Freshdesk (instance `acme`), connected in script mode to a plain sync node
 * B on Initech's Freshservice (instance `initech`), each side's incoming project its helpdesk's first; both nodes and
 * both simulators on one ticking test clock (node requests are signed and checked with it). The connection is named
 * "acme to initech" on both sides. No trigger yet.
 */
export interface ChatPartner<N extends TestNode> {
  a: N;
  /** A as the sync helpers take it. */
  nodeA: SyncNode;
  b: SyncNode;
  fd: Simulator;
  fs: Simulator;
  /** Agents working in A's Freshdesk and in B's Freshservice. */
  fdAgent: Helpdesk;
  fsAgent: Helpdesk;
  /** The connection's id on A and on B. */
  ids: { a: string; b: string };
  /** Runs both engines until nothing moves. */
  settle(): Promise<void>;
  /** Checks A's chat fake saw no malformed call, then stops both nodes and both simulators (whatever the check). */
  stop(): Promise<void>;
}

/** How a chat platform's test node is started, checked and made ready for its admin once connected. */
export interface ChatPlatform<N extends TestNode> {
  start(options: { clock: TestClock; connectHelpdesk: ConnectHelpdesk; env: Record<string, string> }): Promise<N>;
  /** Fails the test when the platform's fake saw a malformed call. */
  checkProblems(node: N): void;
  /** Links the chat workspace to `acme` and makes its admin known (after the connection is made). */
  prepare(node: N): Promise<void> | void;
}

/**
 * Starts a ChatPartner: A through `platform` (no engine timer, no poller, warn logs, then `env`), B, the two
 * simulators and the connection, then `platform.prepare`. Stops what it started when any step fails.
 */
export async function startChatAdminWithPartner<N extends TestNode>(
  platform: ChatPlatform<N>,
  env: Record<string, string> = {},
): Promise<ChatPartner<N>> {
  const clock = TestClock.ticking();
  const [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
  const started: { a?: N; b?: SyncNode } = {};
  const stopAll = () => stopSyncPair([started.a as unknown as SyncNode | undefined, started.b], [fd, fs]);
  try {
    const a = await platform.start({
      clock,
      connectHelpdesk: realHelpdesks(fastConnectorOptions),
      env: { SYNC_INTERVAL_MS: '0', POLLER_ENABLED: 'false', LOG_LEVEL: 'warn', ...env },
    });
    started.a = a;
    const b = await startSyncNode('b', {}, clock);
    started.b = b;
    const nodeA = a as unknown as SyncNode;
    await registerOn(nodeA, 'acme', fd);
    await registerOn(b, 'initech', fs);
    const fdAgent = agentOf(fd);
    const fsAgent = agentOf(fs);
    const [group] = await fdAgent.listProjects();
    const [workspace] = await fsAgent.listProjects();
    const ids = await connect(nodeA, 'acme', b, 'initech', {
      mode: 'script',
      aProject: group!.id,
      bProject: workspace!.id,
    });
    await platform.prepare(a);
    return {
      a,
      nodeA,
      b,
      fd,
      fs,
      fdAgent,
      fsAgent,
      ids,
      settle: () => settle([nodeA, b], [fd, fs]),
      async stop() {
        try {
          platform.checkProblems(a);
        } finally {
          await stopAll();
        }
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A trigger selecting every ticket on A, and one Acme ticket ("Badge reader offline") synced to B. */
export async function seedSyncedTicket(partner: ChatPartner<TestNode>): Promise<Entity> {
  await addTrigger(partner.a.deps, { connection: partner.ids.a, query: '', actor: 'test:alice' });
  const made = await partner.fdAgent.createEntity({
    summary: 'Badge reader offline',
    description: '<p>Door 4</p>',
    priority: partner.fdAgent.priorities.fromCode(1),
    reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
  });
  await partner.settle();
  return made;
}

/** Why each twin link of a connection on `node` was unlinked (null: it still syncs). */
export function unlinkReasons(node: SyncNode, connectionId: string): (string | null)[] {
  return rows<{ reason: string | null }>(
    node,
    'SELECT unlinked_reason AS reason FROM twin_links WHERE connection_id = ?',
    connectionId,
  ).map((r) => r.reason);
}
