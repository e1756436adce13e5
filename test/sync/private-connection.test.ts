import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import {
  rows,
  settle,
  startConnectedPair,
  stopSyncPair,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';

describe('a private connection: the private node is never called, it pulls', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let fdAgent: Helpdesk;
  let fsAgent: Helpdesk;

  beforeAll(async () => {
    const pair = await startConnectedPair(
      { slug: 'acme', platform: 'freshdesk' },
      { slug: 'initech', platform: 'freshservice' },
      {
        privateB: true,
        triggers: 'both',
      },
    );
    ({ a, b, aSim: fd, bSim: fs, aAgent: fdAgent, bAgent: fsAgent } = pair);
    // Were A to call B, it would fail: B's server is gone for the whole test.
    b.server.closeAllConnections();
    await new Promise<void>((resolve) => b.server.close(() => resolve()));
  }, 30_000);

  afterAll(async () => {
    await stopSyncPair([a, b], [fd, fs]);
  });

  it('delivers both ways through GET /messages?after= and marks what was pulled delivered', async () => {
    const ticket = await fdAgent.createEntity({
      summary: 'From the public side',
      description: 'x',
      reporter: { id: null, email: 'a@acme.example', displayName: null },
    });
    await settle([a, b], [fd, fs]);
    const [twin] = (await fsAgent.listChanged(null)).changes;
    expect((await fsAgent.getEntity(twin!.id)).summary).toBe('From the public side');

    // No webhook reaches a private node (its server is down here): it polls what changed.
    await fsAgent.addComment(twin!.id, { body: 'Answer from the private side', internal: false });
    await b.sync.pollOnce(true);
    await settle([a, b], [fd, fs]);
    expect((await fdAgent.getEntity(ticket.id)).comments.map((c) => c.body)).toEqual([
      expect.stringContaining('Answer from the private side'),
    ]);
    await settle([a, b], [fd, fs]);
    expect(rows(a, "select * from outbox where status = 'queued'")).toEqual([]);
    expect(rows(a, 'select * from sync_state')[0]).toMatchObject({ failed_attempts: 0 });
    expect(rows(b, 'select pull_mode, pull_after from sync_state')[0]).toMatchObject({ pull_mode: 'pull' });
  }, 30_000);
});
