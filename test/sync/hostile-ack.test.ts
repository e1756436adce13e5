import { describe, expect, it } from 'vitest';
import { connectedPairForTests, forgeQueued, localTwinOf, rows, settle } from '../support/sync-nodes.ts';

const reporter = { id: null, email: 'pat@acme.example', displayName: 'Pat' };

/**
 * An ack says "my entity `entityId` is the twin of yours `remoteEntityId`, and these are the ids I made for your notes
 * and files". A partner may only speak for its own pairs: an ack naming one of our tickets that is paired with another
 * of its entities is dropped, so it cannot mark our notes as already sent to that pair. The hostile ack is B's real
 * one, rewritten in B's outbox before it is sent, as a hostile node would send it.
 */
describe("a partner's ack naming our ticket of another pair", () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    { mode: 'basic' },
  );

  const twinRowOnA = (local: string) =>
    rows<{ remote_entity_id: string | null; comment_map: string; attachment_map: string }>(
      pair.a,
      'select remote_entity_id, comment_map, attachment_map from twin_links where connection_id = ? and local_entity_id = ?',
      pair.ids.a,
      local,
    )[0];
  const twinOnB = (remote: string) => localTwinOf(pair.b, pair.ids.b, remote);

  it('leaves the other pair as it was: its comment map unchanged, its next note synced', async () => {
    const p1 = await pair.aAgent.createEntity({ summary: 'P1 printer', description: '<p>P1</p>', reporter });
    await pair.aAgent.addComment(p1.id, { body: 'note A0 on P1', internal: false });
    const p2 = await pair.aAgent.createEntity({ summary: 'P2 laptop', description: '<p>P2</p>', reporter });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const x1 = twinOnB(p1.id)!;
    const x2 = twinOnB(p2.id)!;
    expect(x1).toBeDefined();
    expect(x2).toBeDefined();
    const noteA0OnX1 = (await pair.bAgent.getEntity(x1)).comments.find((c) => c.body.includes('note A0 on P1'))!;
    expect(noteA0OnX1).toBeDefined();

    // A note on P2 reaches B, which queues its ack (X2, with the id of the note it made for A's).
    await pair.aAgent.addComment(p2.id, { body: 'note on P2', internal: false });
    await pair.aSim.webhooks.settle();
    await pair.a.sync.processChanges();
    await pair.a.sync.sendOutbox();
    await pair.b.sync.applyInbox();
    // A note on P1, not yet sent: A's change waits for the next pass.
    const c1 = await pair.aAgent.addComment(p1.id, { body: 'note on P1', internal: false });
    await pair.aSim.webhooks.settle();
    const pair1Before = twinRowOnA(p1.id)!;
    expect(pair1Before.remote_entity_id).toBe(x1);

    // B's ack now names P1 (paired with X1) from X2, and claims a note already on X1 as the twin of A's note on P1
    // (the receiver skips a replica's note that names one of its own notes as its twin: it would never be made).
    const changed = forgeQueued(
      pair.b,
      { kind: 'ack', entityId: p2.id },
      {
        remoteEntityId: p1.id,
        comments: [[noteA0OnX1.id, c1.id]],
        attachments: [['their-file-9', 'our-file-9']],
      },
    );
    expect(changed).toBe(1);
    const logsBefore = pair.a.logs.length;
    await pair.b.sync.sendOutbox();
    await pair.a.sync.applyInbox();

    // Pair 1 is as it was; the ack is used up, and the drop is logged with the connection, not the payload.
    expect(twinRowOnA(p1.id)).toEqual(pair1Before);
    expect(
      rows(pair.a, "select id from inbox where connection_id = ? and kind = 'ack' and applied_at is null", pair.ids.a),
    ).toEqual([]);
    const warned = pair.a.logs.slice(logsBefore).join('');
    expect(warned).toContain('ack naming a ticket of another pair dropped');
    expect(warned).toContain(pair.ids.a);
    expect(warned).not.toContain('their-file-9');

    // The note on P1 still reaches X1, once.
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const onX1 = (await pair.bAgent.getEntity(x1)).comments.filter((c) => c.body.includes('note on P1'));
    expect(onX1).toHaveLength(1);
    expect(JSON.parse(twinRowOnA(p1.id)!.comment_map)[c1.id]).toBe(onX1[0]!.id);
    expect(twinRowOnA(p1.id)!.remote_entity_id).toBe(x1);
  }, 30_000);

  it("drops an ack from an entity of another pair naming our ticket not acknowledged yet; the real one's next ack links it", async () => {
    const p2 = await pair.aAgent.createEntity({ summary: 'P2 monitor', description: '<p>P2</p>', reporter });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const x2 = twinOnB(p2.id)!;
    expect(x2).toBeDefined();
    const pair2Before = twinRowOnA(p2.id)!;

    // P3 reaches B (A records it with no twin yet); B's ack for it now comes from X2, already P2's twin.
    const p3 = await pair.aAgent.createEntity({ summary: 'P3 keyboard', description: '<p>P3</p>', reporter });
    await pair.aSim.webhooks.settle();
    await pair.a.sync.processChanges();
    await pair.a.sync.sendOutbox();
    await pair.b.sync.applyInbox();
    const x3 = twinOnB(p3.id)!;
    expect(x3).toBeDefined();
    expect(twinRowOnA(p3.id)!.remote_entity_id).toBeNull();
    const changed = forgeQueued(pair.b, { kind: 'ack', entityId: p3.id }, { entityId: x2 });
    expect(changed).toBe(1);
    const logsBefore = pair.a.logs.length;
    await pair.b.sync.sendOutbox();
    await pair.a.sync.applyInbox();

    expect(twinRowOnA(p3.id)!.remote_entity_id).toBeNull();
    expect(twinRowOnA(p2.id)).toEqual(pair2Before);
    expect(
      rows(pair.a, "select id from inbox where connection_id = ? and kind = 'ack' and applied_at is null", pair.ids.a),
    ).toEqual([]);
    expect(pair.a.logs.slice(logsBefore).join('')).toContain('ack naming a ticket of another pair dropped');

    // The next change of P3 goes to X3 (B knows the pair), and X3's ack links it on A.
    await pair.aAgent.addComment(p3.id, { body: 'note on P3', internal: false });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(twinRowOnA(p3.id)!.remote_entity_id).toBe(x3);
    expect((await pair.bAgent.getEntity(x3)).comments.filter((c) => c.body.includes('note on P3'))).toHaveLength(1);
    expect(twinRowOnA(p2.id)!.remote_entity_id).toBe(x2);
  }, 30_000);
});
