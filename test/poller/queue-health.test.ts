import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthOf } from '../../src/app/connection-health.ts';
import { listStatusEvents } from '../../src/app/connection-lifecycle.ts';
import { digestFor } from '../../src/app/digest.ts';
import { digestSubscriptions, subscribeChannel } from '../../src/app/subscriptions.ts';
import { digestMessage } from '../../src/flows/digest.ts';
import { TestClock } from '../support/nodes.ts';
import { agentOf, rows, settle, type Simulator, type SyncNode } from '../support/sync-nodes.ts';
import { startTicketStatesPair, type TicketStates, type TicketStatesPair } from '../support/ticket-states.ts';

const STUCK_MS = 10 * 60_000;

/**
 * The queue's figures in the poller's health check and in the daily digest, on a real pair with one clock: a change
 * waits in the outbox on the sending backoff (the other node was down), another behind a script error.
 */
describe('the queue in the health check and the digest', () => {
  let clock: TestClock;
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let connectionId: string;
  let states: TicketStates;
  let pair: TicketStatesPair | undefined;

  beforeAll(async () => {
    clock = TestClock.ticking();
    pair = await startTicketStatesPair(clock, { POLLER_STUCK_QUEUE_MS: String(STUCK_MS) });
    ({ a, b, fd, fs, connectionId, states } = pair);
    // The other node answers again; the replica still waits for the sending backoff to end.
    await states.reopenB();
    // The blocked ticket changes again: that change waits behind its error, which is reported as an error of its own.
    await agentOf(fd).updateEntity(states.blocked.id, { summary: 'Refund for order 7 (again)' });
    await settle([a], [fd]);
    expect(rows(a, 'select id from change_queue where entity_id = ?', states.blocked.id)).toHaveLength(1);
    subscribeChannel(a.deps, {
      platform: 'slack',
      tenantId: 'T_ACME',
      channelId: 'C_DIGEST',
      instance: 'acme',
      target: 'all',
      digest: true,
      actor: 'test:alice',
    });
  }, 60_000);

  afterAll(async () => {
    await pair?.close();
  });

  it('the digest line carries the queue: items waiting per stage, the oldest age, the failing sends', () => {
    const digest = digestFor(a.deps, digestSubscriptions(a.deps), clock.now());
    expect(digest.lines).toHaveLength(1);
    expect(digest.lines[0]!.queue).toMatchObject({
      waiting: { change: 1, outbox: 1, inbox: 0 },
      failedSends: 1,
      failingSince: expect.any(Date),
    });
    expect(digest.lines[0]!.queue.oldestAgeMs).toBeLessThan(60_000);
    clock.advance(3 * 3_600_000);
    const later = digestFor(a.deps, digestSubscriptions(a.deps), clock.now());
    const card = JSON.stringify(digestMessage(later));
    expect(card).toContain('"label":"Waiting"');
    expect(card).toContain('change 1, outbox 1 (oldest 3h)');
    expect(card).toMatch(/failing since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(1 attempt\)/);
  });

  it('a stuck queue fails the health check past POLLER_STUCK_QUEUE_MS; the change behind an error does not count', async () => {
    const stuckSince = rows<{ created_at: number }>(
      a,
      "select created_at from outbox where status = 'queued' and connection_id = ?",
      connectionId,
    )[0]!.created_at;
    // (The previous test moved the clock 3 h on: both items are past the limit now.)
    const first = await a.poller.runHealthCheck();
    expect(first.failing).toBe(1);
    const problem = healthOf(a.deps, connectionId)!.lastProblem!;
    expect(problem).toContain(
      `The queue is stuck: 1 item(s) wait in the outbox, the oldest since ${new Date(stuckSince).toISOString()}`,
    );
    expect(problem).not.toContain('in the change');
    const second = await a.poller.runHealthCheck();
    expect(second.transitions).toEqual([
      expect.objectContaining({ from: 'active', to: 'error', reason: expect.stringContaining('The queue is stuck') }),
    ]);

    // Its backoff ended long ago: the next pass sends it, and the queue is not stuck any more (the blocked ticket's
    // change still waits, for its error).
    await settle([a, b], [fd, fs]);
    expect(rows(a, 'select id from change_queue where entity_id = ?', states.blocked.id)).toHaveLength(1);
    // (The engine's first good send brings the connection back; the check finds nothing left to report.)
    expect(await a.poller.runHealthCheck()).toMatchObject({ failing: 0 });
    expect(listStatusEvents(a.deps, connectionId).map((e) => e.to)).toEqual(['active', 'error', 'active']);
  }, 30_000);

  it('below the limit the queue is not stuck', async () => {
    await agentOf(fd).updateEntity(states.synced.id, { summary: 'Laptop broken (keyboard too)' });
    b.server.closeAllConnections();
    await new Promise<void>((resolve) => b.server.close(() => resolve()));
    await settle([a], [fd]);
    clock.advance(STUCK_MS - 60_000);
    await a.poller.runHealthCheck();
    const problem = healthOf(a.deps, connectionId)!.lastProblem ?? '';
    expect(problem).toMatch(/The other node does not answer/);
    expect(problem).not.toContain('The queue is stuck');
    clock.advance(2 * 60_000);
    await a.poller.runHealthCheck();
    expect(healthOf(a.deps, connectionId)!.lastProblem).toContain('The queue is stuck: 1 item(s) wait in the outbox');
  }, 30_000);
});
