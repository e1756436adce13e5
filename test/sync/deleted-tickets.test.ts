import { describe, expect, it } from 'vitest';
import { setOnTwinDeleted } from '../../src/app/connection-lifecycle.ts';
import { retrySyncError } from '../../src/app/sync-errors.ts';
import { ticketStatus } from '../../src/app/ticket-status.ts';
import { runCli } from '../../src/cli/run.ts';
import type { Entity } from '../../src/domain/entity.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { enqueueChange, storeReceived } from '../../src/sync/index.ts';
import { capturedIo } from '../support/cli-io.ts';
import { TestClock } from '../support/nodes.ts';
import {
  type ConnectedPair,
  connectedPairForTests,
  freshworks,
  rows,
  settle,
  syncUntil,
  type SyncNode,
} from '../support/sync-nodes.ts';
import { publishScripts, xurrentIncidentIncoming } from '../support/sync-rules.ts';

/** A new ticket on A's Freshdesk, synced: the ticket, and the id of its twin on B. */
async function newSyncedTicket(pair: ConnectedPair, summary: string): Promise<{ ticket: Entity; twinId: string }> {
  const ticket = await pair.aAgent.createEntity({
    summary,
    description: '<div>Details</div>',
    reporter: { id: null, email: 'pat@acme.example', displayName: 'Pat' },
  });
  await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
  const [link] = rows<{ local_entity_id: string }>(
    pair.b,
    'SELECT local_entity_id FROM twin_links WHERE connection_id = ? AND remote_entity_id = ?',
    pair.ids.b,
    ticket.id,
  );
  expect(link, 'the twin on B').toBeDefined();
  return { ticket, twinId: link!.local_entity_id };
}

/**
 * A synced ticket deleted on one side (Freshdesk's trash: the ticket still reads, with `"deleted": true`; or gone for
 * good: a 404; see test/adapters/helpdesk/deleted-tickets.test.ts for the wire formats and their sources). The side
 * that finds it stops the pair and tells the other once; the other does what its on_twin_deleted setting says.
 */
describe('deleted tickets: the pair stops, the other side is told, each setting does what it says', () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    { mode: 'basic', triggers: 'both' },
  );

  const cli = async (node: SyncNode, ...args: string[]) => {
    const c = capturedIo();
    const env = { DESKBRIDGE_DATA_DIR: node.dataDir, PUBLIC_URL: node.config.publicUrl, LOG_LEVEL: 'silent' };
    const code = await runCli(args, c.io, env);
    return { code, stdout: c.out(), stderr: c.err() };
  };

  /** A Freshdesk ticket synced to Freshservice: the ticket, and its twin there. */
  async function syncedTicket(summary: string): Promise<{ ticket: Entity; twin: Entity }> {
    const { ticket, twinId } = await newSyncedTicket(pair, summary);
    return { ticket, twin: await pair.bAgent.getEntity(twinId) };
  }

  /** An agent edits the ticket (its webhook queues the change), then deletes it before the sync reads it. */
  async function editThenTrash(ticket: Entity): Promise<void> {
    await pair.aAgent.updateEntity(ticket.id, { summary: `${ticket.summary} (edited)` });
    freshworks(pair.aSim).trashTicket(Number(ticket.id));
    await pair.aSim.webhooks.settle();
  }

  const twinRow = (node: SyncNode, connectionId: string, localEntityId: string) =>
    rows<{ unlinked_reason: string | null; unlinked_at: number | null }>(
      node,
      'SELECT unlinked_reason, unlinked_at FROM twin_links WHERE connection_id = ? AND local_entity_id = ?',
      connectionId,
      localEntityId,
    )[0];

  /** Passes of A's engine with the clock moved past any backoff (the test nodes cap it at 200 ms) before each. */
  async function passesOfA(n: number): Promise<void> {
    if (!(pair.a.clock instanceof TestClock)) throw new Error('the pair runs on a TestClock');
    for (let i = 0; i < n; i++) {
      pair.a.clock.advance(1000);
      await pair.a.sync.tick();
    }
  }

  it('ignore (the default): A stops without retrying, tells B once; B stops and leaves its ticket as it was', async () => {
    expect(rows(pair.b, 'SELECT on_twin_deleted FROM connections WHERE id = ?', pair.ids.b)).toEqual([
      { on_twin_deleted: 'ignore' },
    ]);
    const { ticket, twin } = await syncedTicket('Printer jammed');
    await editThenTrash(ticket);
    expect(rows(pair.a, 'SELECT entity_id FROM change_queue WHERE connection_id = ?', pair.ids.a)).toEqual([
      { entity_id: ticket.id },
    ]);

    await pair.a.sync.tick();
    expect(twinRow(pair.a, pair.ids.a, ticket.id)).toEqual({
      unlinked_reason: 'deleted_local',
      unlinked_at: expect.any(Number),
    });
    expect(rows(pair.a, 'SELECT count(*) AS n FROM change_queue WHERE connection_id = ?', pair.ids.a)).toEqual([
      { n: 0 },
    ]);
    expect(
      rows(pair.a, "SELECT kind, payload FROM outbox WHERE connection_id = ? AND kind = 'deleted'", pair.ids.a),
    ).toEqual([
      {
        kind: 'deleted',
        payload: JSON.stringify({ entityId: ticket.id, entityKey: ticket.key, remoteEntityId: twin.id }),
      },
    ]);

    // More changes of the deleted ticket (an agent edits it in the trash): no helpdesk call, nothing queued, no error.
    pair.aSim.agentUpdate(Number(ticket.id), { subject: 'Edited in the trash' });
    await pair.aSim.webhooks.settle();
    const before = pair.aSim.requests.total;
    await passesOfA(5);
    expect(pair.aSim.requests.total - before).toBe(0);
    expect(rows(pair.a, 'SELECT count(*) AS n FROM change_queue WHERE connection_id = ?', pair.ids.a)).toEqual([
      { n: 0 },
    ]);
    expect(rows(pair.a, 'SELECT count(*) AS n FROM sync_errors WHERE connection_id = ?', pair.ids.a)).toEqual([
      { n: 0 },
    ]);

    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(twinRow(pair.b, pair.ids.b, twin.id)).toMatchObject({ unlinked_reason: 'deleted_remote' });
    const after = await pair.bAgent.getEntity(twin.id);
    expect(after.status).toEqual(twin.status);
    expect(after.comments).toEqual(twin.comments);
    expect(after.summary).toBe('Printer jammed');
    expect(rows(pair.a, "SELECT count(*) AS n FROM outbox WHERE kind = 'deleted'")).toEqual([{ n: 1 }]);

    // The ticket view says which side it was.
    const here = await ticketStatus(pair.a.deps, { connection: pair.ids.a, key: ticket.key });
    expect(here).toMatchObject({ state: 'unlinked', underSync: false });
    expect(here.reason).toMatch(/^Deleted on this side \(noticed on .+\): its pair with .+ no longer syncs/);
    const there = await ticketStatus(pair.b.deps, { connection: pair.ids.b, key: twin.key });
    expect(there.reason).toMatch(/^Twin deleted on the other side: .+ was deleted there/);
  });

  it('a change of a ticket that never synced and is not found stays what it was: skipped, nobody told', async () => {
    enqueueChange(pair.a.deps.db, pair.ids.a, '987654', 'bulk', pair.a.clock.now());
    await pair.a.sync.tick();
    expect(rows(pair.a, "SELECT count(*) AS n FROM change_queue WHERE entity_id = '987654'")).toEqual([{ n: 0 }]);
    expect(rows(pair.a, "SELECT count(*) AS n FROM twin_links WHERE local_entity_id = '987654'")).toEqual([{ n: 0 }]);
    expect(rows(pair.a, "SELECT count(*) AS n FROM outbox WHERE kind = 'deleted'")).toEqual([{ n: 1 }]);
  });

  it('close: B closes its twin (Freshservice status 5 Closed) and sends nothing back for that write', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'close', actor: 'test:bob' });
    const { ticket, twin } = await syncedTicket('VPN down');
    expect(twin.status?.id).toBe(2);
    const repliesBefore = rows(pair.a, "SELECT count(*) AS n FROM inbox WHERE kind = 'replica'");
    await editThenTrash(ticket);
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await pair.bAgent.getEntity(twin.id)).status).toMatchObject({ id: 5, name: 'Closed' });
    expect(twinRow(pair.b, pair.ids.b, twin.id)).toMatchObject({ unlinked_reason: 'deleted_remote' });
    expect(rows(pair.a, "SELECT count(*) AS n FROM inbox WHERE kind = 'replica'")).toEqual(repliesBefore);
  });

  it('note: B adds one private note naming the twin; a replayed deleted message changes nothing', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'note', actor: 'test:bob' });
    const { ticket, twin } = await syncedTicket('Badge reader offline');
    await editThenTrash(ticket);
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const note = `<div>The twin ${ticket.key} on acme was deleted; this ticket is no longer synced.</div>`;
    const noted = await pair.bAgent.getEntity(twin.id);
    expect(noted.comments.filter((c) => c.body === note)).toEqual([expect.objectContaining({ internal: true })]);
    expect(noted.status).toEqual(twin.status);

    // The same message again (its key: a duplicate), and under a new key (a replay): no second note, no other change.
    const [sent] = rows<{ idempotency_key: string; payload: string }>(
      pair.a,
      "SELECT idempotency_key, payload FROM outbox WHERE kind = 'deleted' AND entity_id = ?",
      ticket.id,
    );
    const message = { kind: 'deleted' as const, entityKey: ticket.key, payload: JSON.parse(sent!.payload) as unknown };
    const stored = storeReceived(
      pair.b.deps.db,
      pair.ids.b,
      [
        { ...message, idempotencyKey: sent!.idempotency_key },
        { ...message, idempotencyKey: `${sent!.idempotency_key}:replayed` },
      ],
      pair.b.clock.now(),
    );
    expect(stored).toEqual({ accepted: [`${sent!.idempotency_key}:replayed`], duplicates: [sent!.idempotency_key] });
    const callsBefore = pair.bSim.requests.total;
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(pair.bSim.requests.total).toBe(callsBefore);
    expect((await pair.bAgent.getEntity(twin.id)).comments).toEqual(noted.comments);
    expect(rows(pair.b, 'SELECT count(*) AS n FROM inbox WHERE applied_at IS NULL')).toEqual([{ n: 0 }]);
  });

  it('a deleted message naming a ticket that is not its twin, or unreadable, changes nothing', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'close', actor: 'test:bob' });
    const { ticket, twin } = await syncedTicket('Keyboard sticky');
    const hostile = (idempotencyKey: string, payload: unknown) => ({
      idempotencyKey,
      kind: 'deleted' as const,
      entityKey: null,
      payload,
    });
    storeReceived(
      pair.b.deps.db,
      pair.ids.b,
      [
        // Another entity of theirs claiming our ticket, whose twin is known: not its twin.
        hostile('hostile-1', { entityId: '424242', entityKey: '#424242', remoteEntityId: twin.id }),
        hostile('hostile-2', { entityId: '', entityKey: null, remoteEntityId: twin.id }),
        hostile('hostile-3', { entityId: ticket.id, entityKey: 'x'.repeat(5000), remoteEntityId: twin.id }),
        hostile('hostile-4', 'not an object'),
      ],
      pair.b.clock.now(),
    );
    const callsBefore = pair.bSim.requests.total;
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(pair.bSim.requests.total).toBe(callsBefore);
    expect(twinRow(pair.b, pair.ids.b, twin.id)).toEqual({ unlinked_reason: null, unlinked_at: null });
    expect((await pair.bAgent.getEntity(twin.id)).status).toEqual(twin.status);
    expect(rows(pair.b, 'SELECT count(*) AS n FROM inbox WHERE applied_at IS NULL')).toEqual([{ n: 0 }]);
    expect(rows(pair.b, 'SELECT count(*) AS n FROM sync_errors WHERE connection_id = ?', pair.ids.b)).toEqual([
      { n: 0 },
    ]);
  });

  it('an update from B to a ticket deleted on A: no retries, A stops the pair and tells B', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'ignore', actor: 'test:bob' });
    const { ticket, twin } = await syncedTicket('Laptop will not boot');
    // Gone for good (the trash emptied): Freshdesk answers 404. No webhook tells A.
    freshworks(pair.aSim).trashTicket(Number(ticket.id));
    freshworks(pair.aSim).purgeTicket(Number(ticket.id));
    await pair.bAgent.updateEntity(twin.id, { summary: 'Laptop will not boot (BIOS)' });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);

    expect(twinRow(pair.a, pair.ids.a, ticket.id)).toMatchObject({ unlinked_reason: 'deleted_local' });
    expect(twinRow(pair.b, pair.ids.b, twin.id)).toMatchObject({ unlinked_reason: 'deleted_remote' });
    expect(rows(pair.a, 'SELECT count(*) AS n FROM sync_errors WHERE connection_id = ?', pair.ids.a)).toEqual([
      { n: 0 },
    ]);
    expect(rows(pair.a, 'SELECT count(*) AS n FROM inbox WHERE applied_at IS NULL')).toEqual([{ n: 0 }]);

    // B's later edits are not sent (its pair stopped), and A makes no more calls for the ticket.
    await pair.bAgent.updateEntity(twin.id, { summary: 'Laptop will not boot (BIOS, again)' });
    const before = pair.aSim.requests.total;
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    await passesOfA(5);
    expect(pair.aSim.requests.total - before).toBe(0);
    expect(rows(pair.b, 'SELECT count(*) AS n FROM change_queue WHERE connection_id = ?', pair.ids.b)).toEqual([
      { n: 0 },
    ]);
  });

  it('a 404 on a note of an update (not on reading the ticket) is an ordinary sync error: the pair keeps syncing', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'close', actor: 'test:bob' });
    const { ticket, twin } = await syncedTicket('Scanner offline');
    // The ticket reads fine; only the note Freshdesk is asked to add is answered 404 (the API's answer to a record
    // these credentials cannot see, as much as to a deleted one).
    const notes = `/api/v2/tickets/${ticket.id}/notes`;
    pair.aSim.faults.add({ kind: 'status', status: 404, method: 'POST', path: notes });
    await pair.bAgent.addComment(twin.id, { body: 'Rebooted it, still offline', internal: false });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);

    expect(pair.aSim.faults.fired).toEqual([{ kind: 'status', method: 'POST', path: notes }]);
    expect(twinRow(pair.a, pair.ids.a, ticket.id)).toEqual({ unlinked_reason: null, unlinked_at: null });
    expect(
      rows(pair.a, "SELECT count(*) AS n FROM outbox WHERE kind = 'deleted' AND entity_id = ?", ticket.id),
    ).toEqual([{ n: 0 }]);
    expect(twinRow(pair.b, pair.ids.b, twin.id)).toEqual({ unlinked_reason: null, unlinked_at: null });
    expect((await pair.bAgent.getEntity(twin.id)).status).toEqual(twin.status);
    const [blocked] = rows<{ id: number; entity_id: string; type: string }>(
      pair.a,
      "SELECT id, entity_id, type FROM sync_errors WHERE connection_id = ? AND direction = 'incoming' AND resolved_at IS NULL",
      pair.ids.a,
    );
    expect(blocked).toMatchObject({ entity_id: twin.id, type: 'helpdesk_not_found' });

    // Retried once the helpdesk answers: the note arrives on A and the pair syncs on.
    retrySyncError(pair.a.deps, { id: blocked!.id, actor: 'test:alice' });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await pair.aAgent.getEntity(ticket.id)).comments.map((c) => c.body)).toContain(
      'Rebooted it, still offline',
    );
    expect(twinRow(pair.a, pair.ids.a, ticket.id)).toEqual({ unlinked_reason: null, unlinked_at: null });
    expect(
      rows(pair.a, "SELECT count(*) AS n FROM outbox WHERE kind = 'deleted' AND entity_id = ?", ticket.id),
    ).toEqual([{ n: 0 }]);
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'ignore', actor: 'test:bob' });
  });

  it('connections set --on-twin-deleted: a bad value is refused and changes nothing; a good one is audited', async () => {
    const bad = await cli(pair.b, 'connections', 'set', pair.ids.b, '--on-twin-deleted', 'delete');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--on-twin-deleted must be ignore, close, note.');
    expect(rows(pair.b, 'SELECT on_twin_deleted FROM connections WHERE id = ?', pair.ids.b)).toEqual([
      { on_twin_deleted: 'ignore' },
    ]);
    const audited = () =>
      rows(
        pair.b,
        "SELECT count(*) AS n FROM audit_log WHERE action = 'connection.on-twin-deleted' AND subject_id = ?",
        pair.ids.b,
      );
    const auditsBefore = audited();

    const good = await cli(pair.b, 'connections', 'set', pair.ids.b, '--on-twin-deleted', 'close');
    expect(good).toMatchObject({ code: 0, stderr: '' });
    expect(good.stdout).toContain('this side closes its ticket');
    expect(rows(pair.b, 'SELECT on_twin_deleted FROM connections WHERE id = ?', pair.ids.b)).toEqual([
      { on_twin_deleted: 'close' },
    ]);
    expect(
      rows(
        pair.b,
        "SELECT actor, details FROM audit_log WHERE action = 'connection.on-twin-deleted' AND subject_id = ? ORDER BY id DESC LIMIT 1",
        pair.ids.b,
      ),
    ).toEqual([{ actor: expect.stringMatching(/^cli:/), details: JSON.stringify({ from: 'ignore', to: 'close' }) }]);
    expect(audited()).toEqual([{ n: (auditsBefore[0] as { n: number }).n + 1 }]);

    expect(() =>
      setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'archive', actor: 'test:bob' }),
    ).toThrow('On a deleted twin this side can ignore, close, note; not "archive".');
    expect(rows(pair.b, 'SELECT on_twin_deleted FROM connections WHERE id = ?', pair.ids.b)).toEqual([
      { on_twin_deleted: 'close' },
    ]);
  });

  it('close while the helpdesk is down is retried with backoff until it works; a twin gone here too is no error', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'close', actor: 'test:bob' });
    const { ticket, twin } = await syncedTicket('Projector lamp out');
    pair.bSim.faults.add({ kind: 'status', status: 503, method: 'PUT', path: `/api/v2/tickets/${twin.id}`, times: 8 });
    await editThenTrash(ticket);
    await syncUntil(
      [pair.a, pair.b],
      [pair.aSim, pair.bSim],
      async () => (await pair.bAgent.getEntity(twin.id)).status?.id === 5,
    );
    expect(pair.bSim.faults.fired.filter((f) => f.method === 'PUT')).toHaveLength(8);
    const [held] = rows<{ attempts: number; applied_at: number | null }>(
      pair.b,
      "SELECT attempts, applied_at FROM inbox WHERE kind = 'deleted' AND remote_entity_id = ?",
      ticket.id,
    );
    expect(held!.attempts).toBeGreaterThan(0);
    expect(held!.applied_at).not.toBeNull();
    expect(twinRow(pair.b, pair.ids.b, twin.id)).toMatchObject({ unlinked_reason: 'deleted_remote' });

    // Both tickets deleted: there is nothing to close on B, and that is no error.
    const second = await syncedTicket('Desk phone dead');
    freshworks(pair.bSim).trashTicket(Number(second.twin.id));
    await editThenTrash(second.ticket);
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(twinRow(pair.b, pair.ids.b, second.twin.id)).toMatchObject({ unlinked_reason: 'deleted_remote' });
    expect(rows(pair.b, 'SELECT count(*) AS n FROM sync_errors WHERE connection_id = ?', pair.ids.b)).toEqual([
      { n: 0 },
    ]);
    expect(rows(pair.b, 'SELECT count(*) AS n FROM inbox WHERE applied_at IS NULL')).toEqual([{ n: 0 }]);
  });
});

describe('deleted tickets with Xurrent on the other side: close completes the request, note is plain text', () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'globex', platform: 'xurrent' },
    {
      setUp: ({ b, ids }) =>
        publishScripts(b, ids.b, { outgoing: defaultScripts('xurrent').outgoing, incoming: xurrentIncidentIncoming }),
    },
  );

  async function syncedThenDeleted(summary: string): Promise<{ ticket: Entity; twinId: string }> {
    const { ticket, twinId } = await newSyncedTicket(pair, summary);
    await pair.aAgent.updateEntity(ticket.id, { summary: `${summary} (edited)` });
    freshworks(pair.aSim).trashTicket(Number(ticket.id));
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    return { ticket, twinId };
  }

  it('close: the request is completed with the reason "withdrawn" (Xurrent requires a completion reason)', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'close', actor: 'test:bob' });
    const { twinId } = await syncedThenDeleted('Mailbox full');
    if (pair.bSim.platform !== 'xurrent') throw new Error('not xurrent');
    expect(pair.bSim.request(Number(twinId))).toMatchObject({ status: 'completed', completion_reason: 'withdrawn' });
  });

  it('note: one internal note in plain text', async () => {
    setOnTwinDeleted(pair.b.deps, { connection: pair.ids.b, onTwinDeleted: 'note', actor: 'test:bob' });
    const { ticket, twinId } = await syncedThenDeleted('Monitor flickers');
    const notes = (await pair.bAgent.getEntity(twinId)).comments.filter((c) => c.body.startsWith('The twin'));
    expect(notes).toEqual([
      expect.objectContaining({
        internal: true,
        body: `The twin ${ticket.key} on acme was deleted; this ticket is no longer synced.`,
      }),
    ]);
  });
});
