import { describe, expect, it } from 'vitest';
import {
  activateConnection,
  deactivateConnection,
  getConnection,
  listStatusEvents,
} from '../../src/app/connection-lifecycle.ts';
import { listSyncErrors, retrySyncError } from '../../src/app/sync-errors.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { connectedPairForTests, rows, settle, syncUntil } from '../support/sync-nodes.ts';
import { publishScripts } from '../support/sync-rules.ts';

/** A (Freshdesk "acme") -> B (Freshservice "initech"), every ticket selected. */
describe('failures', () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    { each: true },
  );
  const newTicket = (summary: string) =>
    pair.aAgent.createEntity({
      summary,
      description: `<p>${summary}</p>`,
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
  const fsSummaries = async () => {
    const changed = await pair.bAgent.listChanged(null);
    return Promise.all(changed.changes.map(async (c) => (await pair.bAgent.getEntity(c.id)).summary));
  };

  it('a script error blocks only its entity; fixing the rule and retrying delivers it', async () => {
    const broken = `entity.summary = replica.summary
entity.description = replica.description
if (replica.summary.startsWith("Refund")) {
    def missing = null
    entity.summary = missing.trim()
}
`;
    publishScripts(pair.b, pair.ids.b, { outgoing: defaultScripts('freshservice').outgoing, incoming: broken });
    await newTicket('Laptop 1');
    await newTicket('Refund for order 7');
    await newTicket('Laptop 2');
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);

    expect((await fsSummaries()).sort()).toEqual(['Laptop 1', 'Laptop 2']);
    const [error, ...more] = listSyncErrors(pair.b.deps, { connection: pair.ids.b });
    expect(more).toEqual([]);
    expect(error).toMatchObject({ direction: 'incoming', impact: 'entity', type: 'script_error', line: 5 });
    expect(error!.message).toMatch(/null/i);
    expect(getConnection(pair.b.deps, { connection: pair.ids.b }).status).toBe('active');

    // The entity stays blocked while others keep syncing.
    await newTicket('Laptop 3');
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await fsSummaries()).sort()).toEqual(['Laptop 1', 'Laptop 2', 'Laptop 3']);

    publishScripts(pair.b, pair.ids.b, defaultScripts('freshservice'));
    retrySyncError(pair.b.deps, { id: error!.id, actor: 'test:admin' });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await fsSummaries()).sort()).toEqual(['Laptop 1', 'Laptop 2', 'Laptop 3', 'Refund for order 7']);
    expect(listSyncErrors(pair.b.deps, { connection: pair.ids.b })).toEqual([]);
  }, 30_000);

  it('the other node down: changes queue, the connection goes to error, then all arrive in order and it is active again', async () => {
    const port = Number(new URL(pair.b.url).port);
    pair.b.server.closeAllConnections();
    await new Promise<void>((resolve) => pair.b.server.close(() => resolve()));

    const ticket = await newTicket('Order 1');
    await newTicket('Order 2');
    await syncUntil(
      [pair.a],
      [pair.aSim],
      () => getConnection(pair.a.deps, { connection: pair.ids.a }).status === 'error',
    );
    await pair.aAgent.updateEntity(ticket.id, { summary: 'Order 1 (amended)' });
    await syncUntil(
      [pair.a],
      [pair.aSim],
      () => rows(pair.a, "select * from outbox where kind = 'replica' and status = 'queued'").length === 3,
    );
    expect(listStatusEvents(pair.a.deps, pair.ids.a).at(-1)).toMatchObject({
      from: 'active',
      to: 'error',
      reason: expect.stringMatching(/Sync is failing since .*other DeskBridge/),
    });

    await new Promise<void>((resolve) => pair.b.server.listen(port, '127.0.0.1', () => resolve()));
    await syncUntil(
      [pair.a, pair.b],
      [pair.aSim, pair.bSim],
      async () =>
        (await fsSummaries()).length === 2 && rows(pair.a, "select * from outbox where status = 'queued'").length === 0,
    );
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await fsSummaries()).sort()).toEqual(['Order 1 (amended)', 'Order 2']);
    const applied = rows<{ entity_key: string }>(
      pair.b,
      "select entity_key from inbox where kind = 'replica' order by id",
    );
    expect(applied.map((r) => r.entity_key)).toEqual(['#1', '#2', '#1']);
    expect(getConnection(pair.a.deps, { connection: pair.ids.a }).status).toBe('active');
    expect(listStatusEvents(pair.a.deps, pair.ids.a).map((e) => `${e.from}->${e.to}`)).toEqual([
      'pending->active',
      'active->error',
      'error->active',
    ]);
  }, 30_000);

  it('a helpdesk answering 429 and 500 for a while: nothing lost, nothing doubled', async () => {
    for (let i = 0; i < 5; i++) await newTicket(`Printer ${i}`);
    pair.bSim.faults.add({ kind: 'status', status: 500, method: 'POST', path: '/api/v2/tickets', times: 2 });
    pair.bSim.faults.add({ kind: 'throttle', retryAfterSeconds: 1, times: 3 });
    pair.bSim.faults.add({ kind: 'status', status: 503, times: 4 });
    pair.aSim.faults.add({ kind: 'throttle', retryAfterSeconds: 1, method: 'GET', times: 2 });
    await syncUntil(
      [pair.a, pair.b],
      [pair.aSim, pair.bSim],
      async () =>
        (await fsSummaries()).length >= 5 && rows(pair.b, 'select * from inbox where applied_at is null').length === 0,
    );
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await fsSummaries()).sort()).toEqual(['Printer 0', 'Printer 1', 'Printer 2', 'Printer 3', 'Printer 4']);
    expect(pair.bSim.faults.pending).toBe(0);
    expect(rows(pair.b, 'select * from twin_links')).toHaveLength(5);
    expect(listSyncErrors(pair.b.deps, { connection: pair.ids.b })).toEqual([]);
    // The connectors kept to the helpdesks' limits: the only 429s were the injected ones.
    expect(pair.bSim.requests.throttled).toBe(3);
    expect(pair.aSim.requests.throttled).toBe(2);
  }, 30_000);

  it('a deactivated connection queues changes and delivers them on reactivation', async () => {
    deactivateConnection(pair.a.deps, { connection: pair.ids.a, actor: 'test:alice' });
    await newTicket('Queued 1');
    await newTicket('Queued 2');
    await pair.a.sync.pollOnce(true);
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(await fsSummaries()).toEqual([]);
    expect(rows(pair.a, 'select * from change_queue')).toHaveLength(2);
    activateConnection(pair.a.deps, { connection: pair.ids.a, actor: 'test:alice' });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await fsSummaries()).sort()).toEqual(['Queued 1', 'Queued 2']);
    expect(getConnection(pair.a.deps, { connection: pair.ids.a })).toMatchObject({
      entitiesUnderSync: 2,
      lastSync: { entityKey: expect.stringMatching(/^#\d+$/) },
    });
  }, 30_000);
});
