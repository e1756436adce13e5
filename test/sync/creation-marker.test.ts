import { describe, expect, it } from 'vitest';
import { type Entity, MARKER_FIELD } from '../../src/domain/entity.ts';
import { unlinkEntity } from '../../src/app/entity-links.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { SecretBox } from '../../src/secrets.ts';
import { creationMarker } from '../../src/sync/creation-marker.ts';
import { connectedPairForTests, forgeQueued, localTwinOf, rows, settle } from '../support/sync-nodes.ts';
import { publishScripts, xurrentIncidentIncoming } from '../support/sync-rules.ts';

const reporter = { id: null, email: 'pat@acme.example', displayName: 'Pat' };

/** A ticket as read, but for its attachments' download links (signed anew on every read). */
function withoutLinks(entity: Entity): Entity {
  return { ...entity, attachments: entity.attachments.map((f) => ({ ...f, url: '' })) };
}

describe('the creation marker', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('has the shape and length of the random markers before it (a Freshworks tag, a Xurrent sourceID)', () => {
    const marker = creationMarker(box, 'conn-1', '42');
    // `deskbridge-` and the first 13 characters of a UUID, as written before: 24 characters, [0-9a-f-].
    expect(marker).toMatch(/^deskbridge-[0-9a-f]{13}$/);
    expect(marker).toHaveLength(`deskbridge-${crypto.randomUUID().slice(0, 13)}`.length);
  });

  it("is the same for the same pair, and differs for another connection, another entity, another node's key", () => {
    const marker = creationMarker(box, 'conn-1', '42');
    expect(creationMarker(new SecretBox(Buffer.alloc(32, 7)), 'conn-1', '42')).toBe(marker);
    const others = [
      creationMarker(box, 'conn-2', '42'),
      creationMarker(box, 'conn-1', '43'),
      creationMarker(new SecretBox(Buffer.alloc(32, 8)), 'conn-1', '42'),
      // The two ids cannot be shifted into one another.
      creationMarker(box, 'conn-14', '2'),
      creationMarker(box, 'conn-', '142'),
    ];
    expect(new Set([marker, ...others]).size).toBe(others.length + 1);
  });
});

/**
 * A partner names one of our tickets as its twin (`remoteEntityId`) where no twin link says so. The ticket is taken
 * over only when it carries the marker this node wrote creating it for that partner entity; any other ticket (an
 * unrelated one, one made for another of the partner's tickets, one that does not exist, an id that is none) is left
 * as it is and a new ticket is made, as on any first sync. The hostile messages are A's real replicas, rewritten in
 * A's outbox before they are sent, as a hostile node would send them.
 */
describe("a partner's replica naming one of our tickets, with no twin link", () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    { mode: 'basic' },
  );

  const twinOnB = (remote: string) => localTwinOf(pair.b, pair.ids.b, remote);

  it('leaves an unrelated ticket untouched and unlinked; takes the one it made for that very ticket', async () => {
    const p1 = await pair.aAgent.createEntity({ summary: 'P1 printer', description: '<p>P1</p>', reporter });
    await pair.aAgent.addComment(p1.id, { body: 'note A0', internal: false });
    await pair.aAgent.uploadAttachment(p1.id, {
      filename: 'printer.log',
      mimetype: 'text/plain',
      data: Buffer.from('paper jam at tray 2\n'),
    });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const x1 = twinOnB(p1.id)!;
    expect((await pair.bAgent.getEntity(x1)).labels).toContain(creationMarker(pair.b.deps.secrets, pair.ids.b, p1.id));
    // B's own ticket, not under sync (B has no trigger).
    const unrelated = await pair.bAgent.createEntity({ summary: 'U payroll', description: '<p>secret</p>', reporter });
    await pair.bAgent.addComment(unrelated.id, { body: 'internal figures', internal: true });
    // B lost its link of P1 (as a restore from an older backup loses it), and its ack of note A0 and the file never
    // reached A.
    pair.b.deps.db.$client
      .prepare('delete from twin_links where connection_id = ? and local_entity_id = ?')
      .run(pair.ids.b, x1);
    pair.a.deps.db.$client
      .prepare(
        "update twin_links set comment_map = '{}', attachment_map = '{}' where connection_id = ? and local_entity_id = ?",
      )
      .run(pair.ids.a, p1.id);
    const before = {
      unrelated: await pair.bAgent.getEntity(unrelated.id),
      x1: withoutLinks(await pair.bAgent.getEntity(x1)),
    };

    const named: Array<{ summary: string; target: string }> = [
      { summary: 'H1 names an unrelated ticket', target: unrelated.id },
      { summary: 'H2 names the ticket made for P1', target: x1 },
      { summary: 'H3 names no ticket', target: '987654' },
      { summary: 'H4 names no ticket id', target: '../contacts/1' },
    ];
    const hostile: Entity[] = [];
    for (const n of named)
      hostile.push(await pair.aAgent.createEntity({ summary: n.summary, description: '<p>h</p>', reporter }));
    await pair.aSim.webhooks.settle();
    await pair.a.sync.processChanges();
    for (const [i, n] of named.entries()) {
      const changed = forgeQueued(pair.a, { kind: 'replica', entityId: hostile[i]!.id }, { remoteEntityId: n.target });
      expect(changed).toBe(1);
    }
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);

    // Each got a ticket of its own on B; the named ones are as they were and linked to nothing.
    for (const [i, n] of named.entries()) {
      const made = twinOnB(hostile[i]!.id);
      expect(made).toBeDefined();
      expect(made).not.toBe(n.target);
      expect((await pair.bAgent.getEntity(made!)).summary).toBe(n.summary);
    }
    expect(await pair.bAgent.getEntity(unrelated.id)).toEqual(before.unrelated);
    expect(withoutLinks(await pair.bAgent.getEntity(x1))).toEqual(before.x1);
    expect(rows(pair.b, 'select * from twin_links where local_entity_id in (?, ?)', unrelated.id, x1)).toEqual([]);
    // Nothing of the unrelated ticket went to A.
    const onA = await pair.aAgent.listChanged(null);
    expect(onA.changes).toHaveLength(1 + named.length);

    // P1's own next update names x1, which carries the marker made for P1: B takes it up again, no second ticket.
    await pair.aAgent.addComment(p1.id, { body: 'note A1', internal: false });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(twinOnB(p1.id)).toBe(x1);
    // The note B made from note A0 is recognised by its text, not made again.
    expect((await pair.bAgent.getEntity(x1)).comments.map((c) => /note A\d/.exec(c.body)?.[0])).toEqual([
      'note A0',
      'note A1',
    ]);
    expect((await pair.bAgent.getEntity(x1)).attachments.map((f) => f.filename)).toEqual(['printer.log']);
    const onB = await pair.bAgent.listChanged(null);
    expect(onB.changes).toHaveLength(2 + named.length);
    expect(rows(pair.a, 'select * from sync_errors where resolved_at is null')).toEqual([]);
    expect(rows(pair.b, 'select * from sync_errors where resolved_at is null')).toEqual([]);
  }, 30_000);
});

/**
 * A partner's replica of one of its entities naming our ticket of another pair (linked, or unlinked), with `relink`
 * set as a bulk sync of an unlinked pair sets it. The sender names our ticket only to find its twin before its ack
 * arrived: a ticket that already has a twin of theirs is not its to claim. The named tickets stay as they were, each
 * still paired with its own twin; the hostile entity gets a ticket of its own, as on any first sync.
 */
describe("a partner's replica naming our ticket of another pair, with relink set", () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    { mode: 'basic' },
  );

  const twinRowOnB = (local: string) =>
    rows<{ remote_entity_id: string | null; unlinked_reason: string | null }>(
      pair.b,
      'select remote_entity_id, unlinked_reason from twin_links where connection_id = ? and local_entity_id = ?',
      pair.ids.b,
      local,
    );
  const twinOnB = (remote: string) => localTwinOf(pair.b, pair.ids.b, remote);

  it('leaves the named tickets as they were, each linked (or unlinked) with its own twin', async () => {
    const w = await pair.aAgent.createEntity({ summary: 'W linked', description: '<p>W</p>', reporter });
    const w2 = await pair.aAgent.createEntity({ summary: 'W2 unlinked', description: '<p>W2</p>', reporter });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const z = twinOnB(w.id)!;
    const z2 = twinOnB(w2.id)!;
    unlinkEntity(pair.a.deps, { connection: pair.ids.a, key: w2.key, actor: 'test:alice' });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(twinRowOnB(z2)).toEqual([{ remote_entity_id: w2.id, unlinked_reason: 'unlinked' }]);
    const before = { z: await pair.bAgent.getEntity(z), z2: await pair.bAgent.getEntity(z2) };

    const named = [
      { summary: 'H1 claims the linked ticket', target: z },
      { summary: 'H2 claims the unlinked ticket', target: z2 },
    ];
    const hostile: Entity[] = [];
    for (const n of named)
      hostile.push(await pair.aAgent.createEntity({ summary: n.summary, description: '<p>h</p>', reporter }));
    await pair.aSim.webhooks.settle();
    await pair.a.sync.processChanges();
    for (const [i, n] of named.entries()) {
      const changed = forgeQueued(
        pair.a,
        { kind: 'replica', entityId: hostile[i]!.id },
        { remoteEntityId: n.target, relink: true },
      );
      expect(changed).toBe(1);
    }
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);

    expect(await pair.bAgent.getEntity(z)).toEqual(before.z);
    expect(await pair.bAgent.getEntity(z2)).toEqual(before.z2);
    expect(twinRowOnB(z)).toEqual([{ remote_entity_id: w.id, unlinked_reason: null }]);
    expect(twinRowOnB(z2)).toEqual([{ remote_entity_id: w2.id, unlinked_reason: 'unlinked' }]);
    for (const [i, n] of named.entries()) {
      const made = twinOnB(hostile[i]!.id);
      expect(made).toBeDefined();
      expect([z, z2]).not.toContain(made);
      expect((await pair.bAgent.getEntity(made!)).summary).toBe(n.summary);
    }

    // The linked pair syncs on with its own twin.
    await pair.aAgent.updateEntity(w.id, { summary: 'W linked (edited)' });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await pair.bAgent.getEntity(z)).summary).toBe('W linked (edited)');
    expect(twinOnB(w.id)).toBe(z);
    expect(rows(pair.b, 'select * from sync_errors where resolved_at is null')).toEqual([]);
  }, 30_000);
});

describe('on Xurrent, where the marker is the request sourceID', () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'globex', platform: 'xurrent' },
    {
      setUp: ({ b, ids }) =>
        publishScripts(b, ids.b, { outgoing: defaultScripts('xurrent').outgoing, incoming: xurrentIncidentIncoming }),
    },
  );

  it('a request made for the ticket is taken up again after its link was lost, with each note once', async () => {
    const ticket = await pair.aAgent.createEntity({ summary: 'Badge reader', description: '<p>Door 3</p>', reporter });
    await pair.aAgent.addComment(ticket.id, { body: 'note A1', internal: false });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const [link] = rows<{ local_entity_id: string }>(
      pair.b,
      'select local_entity_id from twin_links where remote_entity_id = ?',
      ticket.id,
    );
    const request = link!.local_entity_id;
    expect((await pair.bAgent.getEntity(request)).customFields[MARKER_FIELD]).toBe(
      creationMarker(pair.b.deps.secrets, pair.ids.b, ticket.id),
    );
    pair.b.deps.db.$client.prepare('delete from twin_links where local_entity_id = ?').run(request);

    await pair.aAgent.addComment(ticket.id, { body: 'note A2', internal: false });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const requests = await pair.bAgent.listChanged(null);
    expect(requests.changes.map((c) => c.id)).toEqual([request]);
    const notes = (await pair.bAgent.getEntity(request)).comments.map((c) => /note A\d/.exec(c.body)?.[0] ?? c.body);
    expect(notes.sort()).toEqual(['note A1', 'note A2']);
    expect(rows(pair.b, 'select local_entity_id from twin_links where remote_entity_id = ?', ticket.id)).toEqual([
      { local_entity_id: request },
    ]);
    expect(rows(pair.b, 'select * from sync_errors where resolved_at is null')).toEqual([]);
  }, 30_000);
});
