import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  activateConnection,
  deactivateConnection,
  getConnection,
  listStatusEvents,
} from '../../src/app/connection-lifecycle.ts';
import { publishRuleVersion, saveRuleDraft } from '../../src/app/rule-versions.ts';
import { listSyncErrors, retrySyncError } from '../../src/app/sync-errors.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import {
  rows,
  settle,
  startConnectedPair,
  stopSyncPair,
  syncUntil,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';

/** A (Freshdesk "acme") -> B (Freshservice "initech"), every ticket selected. */
describe('failures', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let fdAgent: Helpdesk;
  let fsAgent: Helpdesk;
  let ids: { a: string; b: string };

  beforeEach(async () => {
    const pair = await startConnectedPair(
      { slug: 'acme', platform: 'freshdesk' },
      { slug: 'initech', platform: 'freshservice' },
    );
    ({ a, b, aSim: fd, bSim: fs, aAgent: fdAgent, bAgent: fsAgent, ids } = pair);
  }, 30_000);

  afterEach(async () => {
    await stopSyncPair([a, b], [fd, fs]);
  });

  const newTicket = (summary: string) =>
    fdAgent.createEntity({
      summary,
      description: `<p>${summary}</p>`,
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
  const fsSummaries = async () => {
    const changed = await fsAgent.listChanged(null);
    return Promise.all(changed.changes.map(async (c) => (await fsAgent.getEntity(c.id)).summary));
  };

  it('a script error blocks only its entity; fixing the rule and retrying delivers it', async () => {
    const broken = `entity.summary = replica.summary
entity.description = replica.description
if (replica.summary.startsWith("Refund")) {
    def missing = null
    entity.summary = missing.trim()
}
`;
    saveRuleDraft(b.deps, {
      connection: ids.b,
      outgoing: defaultScripts('freshservice').outgoing,
      incoming: broken,
      actor: 'test:author',
    });
    publishRuleVersion(b.deps, { connection: ids.b, actor: 'test:admin' });
    await newTicket('Laptop 1');
    await newTicket('Refund for order 7');
    await newTicket('Laptop 2');
    await settle([a, b], [fd, fs]);

    expect((await fsSummaries()).sort()).toEqual(['Laptop 1', 'Laptop 2']);
    const [error, ...more] = listSyncErrors(b.deps, { connection: ids.b });
    expect(more).toEqual([]);
    expect(error).toMatchObject({ direction: 'incoming', impact: 'entity', type: 'script_error', line: 5 });
    expect(error!.message).toMatch(/null/i);
    expect(getConnection(b.deps, { connection: ids.b }).status).toBe('active');

    // The entity stays blocked while others keep syncing.
    await newTicket('Laptop 3');
    await settle([a, b], [fd, fs]);
    expect((await fsSummaries()).sort()).toEqual(['Laptop 1', 'Laptop 2', 'Laptop 3']);

    saveRuleDraft(b.deps, {
      connection: ids.b,
      outgoing: defaultScripts('freshservice').outgoing,
      incoming: defaultScripts('freshservice').incoming,
      actor: 'test:author',
    });
    publishRuleVersion(b.deps, { connection: ids.b, actor: 'test:admin' });
    retrySyncError(b.deps, { id: error!.id, actor: 'test:admin' });
    await settle([a, b], [fd, fs]);
    expect((await fsSummaries()).sort()).toEqual(['Laptop 1', 'Laptop 2', 'Laptop 3', 'Refund for order 7']);
    expect(listSyncErrors(b.deps, { connection: ids.b })).toEqual([]);
  }, 30_000);

  it('the other node down: changes queue, the connection goes to error, then all arrive in order and it is active again', async () => {
    const port = Number(new URL(b.url).port);
    b.server.closeAllConnections();
    await new Promise<void>((resolve) => b.server.close(() => resolve()));

    const ticket = await newTicket('Order 1');
    await newTicket('Order 2');
    await syncUntil([a], [fd], () => getConnection(a.deps, { connection: ids.a }).status === 'error');
    await fdAgent.updateEntity(ticket.id, { summary: 'Order 1 (amended)' });
    await syncUntil(
      [a],
      [fd],
      () => rows(a, "select * from outbox where kind = 'replica' and status = 'queued'").length === 3,
    );
    expect(listStatusEvents(a.deps, ids.a).at(-1)).toMatchObject({
      from: 'active',
      to: 'error',
      reason: expect.stringMatching(/Sync is failing since .*other DeskBridge/),
    });

    await new Promise<void>((resolve) => b.server.listen(port, '127.0.0.1', () => resolve()));
    await syncUntil(
      [a, b],
      [fd, fs],
      async () =>
        (await fsSummaries()).length === 2 && rows(a, "select * from outbox where status = 'queued'").length === 0,
    );
    await settle([a, b], [fd, fs]);
    expect((await fsSummaries()).sort()).toEqual(['Order 1 (amended)', 'Order 2']);
    const applied = rows<{ entity_key: string }>(b, "select entity_key from inbox where kind = 'replica' order by id");
    expect(applied.map((r) => r.entity_key)).toEqual(['#1', '#2', '#1']);
    expect(getConnection(a.deps, { connection: ids.a }).status).toBe('active');
    expect(listStatusEvents(a.deps, ids.a).map((e) => `${e.from}->${e.to}`)).toEqual([
      'pending->active',
      'active->error',
      'error->active',
    ]);
  }, 30_000);

  it('a helpdesk answering 429 and 500 for a while: nothing lost, nothing doubled', async () => {
    for (let i = 0; i < 5; i++) await newTicket(`Printer ${i}`);
    fs.faults.add({ kind: 'status', status: 500, method: 'POST', path: '/api/v2/tickets', times: 2 });
    fs.faults.add({ kind: 'throttle', retryAfterSeconds: 1, times: 3 });
    fs.faults.add({ kind: 'status', status: 503, times: 4 });
    fd.faults.add({ kind: 'throttle', retryAfterSeconds: 1, method: 'GET', times: 2 });
    await syncUntil(
      [a, b],
      [fd, fs],
      async () =>
        (await fsSummaries()).length >= 5 && rows(b, 'select * from inbox where applied_at is null').length === 0,
    );
    await settle([a, b], [fd, fs]);
    expect((await fsSummaries()).sort()).toEqual(['Printer 0', 'Printer 1', 'Printer 2', 'Printer 3', 'Printer 4']);
    expect(fs.faults.pending).toBe(0);
    expect(rows(b, 'select * from twin_links')).toHaveLength(5);
    expect(listSyncErrors(b.deps, { connection: ids.b })).toEqual([]);
    // The connectors kept to the helpdesks' limits: the only 429s were the injected ones.
    expect(fs.requests.throttled).toBe(3);
    expect(fd.requests.throttled).toBe(2);
  }, 30_000);

  it('a deactivated connection queues changes and delivers them on reactivation', async () => {
    deactivateConnection(a.deps, { connection: ids.a, actor: 'test:alice' });
    await newTicket('Queued 1');
    await newTicket('Queued 2');
    await a.sync.pollOnce(true);
    await settle([a, b], [fd, fs]);
    expect(await fsSummaries()).toEqual([]);
    expect(rows(a, 'select * from change_queue')).toHaveLength(2);
    activateConnection(a.deps, { connection: ids.a, actor: 'test:alice' });
    await settle([a, b], [fd, fs]);
    expect((await fsSummaries()).sort()).toEqual(['Queued 1', 'Queued 2']);
    expect(getConnection(a.deps, { connection: ids.a })).toMatchObject({
      entitiesUnderSync: 2,
      lastSync: { entityKey: expect.stringMatching(/^#\d+$/) },
    });
  }, 30_000);
});
