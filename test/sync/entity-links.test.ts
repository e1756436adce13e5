import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activateConnection, deactivateConnection } from '../../src/app/connection-lifecycle.ts';
import { connectEntities, unlinkEntity } from '../../src/app/entity-links.ts';
import { startBulkSync } from '../../src/app/sync-bulk.ts';
import { ticketStatus } from '../../src/app/ticket-status.ts';
import { addTrigger, setTriggerActive } from '../../src/app/triggers.ts';
import { runCli } from '../../src/cli/run.ts';
import { runEntitiesCommand } from '../../src/cli/sync-status-commands.ts';
import { storeReceived } from '../../src/sync/index.ts';
import { capturedIo } from '../support/cli-io.ts';
import {
  type ConnectedPair,
  connectedPairForTests,
  freshworks,
  type FreshworksSimulator,
  rows,
  settle,
  type SyncNode,
} from '../support/sync-nodes.ts';

/**
 * `entities connect` and `entities unlink` between two real nodes: A is Freshdesk ("acme"), B Freshservice
 * ("initech"). Tickets are made on each simulator directly. A has no trigger (its admin links by hand); B has one
 * selecting every ticket (a link from A is accepted only for a ticket B's triggers share), and B's tickets were last
 * updated before that trigger began (migrated ones: selected, never sent by its poll), so only what is linked syncs.
 */
describe('connecting existing pairs and unlinking them', () => {
  let aSim: FreshworksSimulator;
  let bSim: FreshworksSimulator;
  let bTrigger: string;
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    {
      triggers: 'none',
      beforeConnect: (started) => {
        aSim = freshworks(started.aSim);
        bSim = freshworks(started.bSim);
        aSim.seed({ customFields: ['cf_partner_key'] });
      },
      setUp: async (started) => {
        bTrigger = (await addTrigger(started.b.deps, { connection: started.ids.b, query: '', actor: 'test:bob' })).id;
      },
      timeoutMs: 60_000,
    },
  );

  const sync = () => settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
  const onA = (subject: string) => aSim.addTicket({ subject, email: 'kim@acme.example' });
  /** Last updated an hour ago: before B's trigger began, so its poll never sends it, yet the trigger selects it. */
  const onB = (subject: string) => {
    const hourAgo = new Date(pair.b.clock.ms() - 3_600_000).toISOString();
    return bSim.addTicket({ subject, email: 'lee@initech.example', created_at: hourAgo, updated_at: hourAgo });
  };
  /** How A's node calls B's for this connection (what `entities connect` on A uses for its lookups). */
  const peerOfA = () => {
    const [row] = rows<{ url: string; id: string; key: string }>(
      pair.a,
      'SELECT remote_node_url AS url, remote_connection_id AS id, key_enc AS key FROM connections WHERE id = ?',
      pair.ids.a,
    );
    return {
      key: Buffer.from(pair.a.deps.secrets.open(row!.key), 'base64'),
      nodeUrl: row!.url,
      remoteConnectionId: row!.id,
    };
  };
  const twins = (node: SyncNode, connectionId: string) =>
    rows<{ local: string; remote: string | null; unlinkedAt: number | null; reason: string | null }>(
      node,
      'SELECT local_entity_id AS local, remote_entity_id AS remote, unlinked_at AS unlinkedAt, unlinked_reason AS reason FROM twin_links WHERE connection_id = ? ORDER BY local_entity_id',
      connectionId,
    );
  /** What a refused connect must leave as it was: both twin tables, A's outbox, and both helpdesks. */
  const snapshot = () => ({
    a: twins(pair.a, pair.ids.a),
    b: twins(pair.b, pair.ids.b),
    outbox: rows(pair.a, 'SELECT id FROM outbox WHERE connection_id = ?', pair.ids.a).length,
    tickets: [aSim.ticketCount(), bSim.ticketCount()],
  });
  const connectOne = (local: string, remote: string, dryRun = false) =>
    connectEntities(pair.a.deps, { connection: pair.ids.a, actor: 'test:alice', pairs: [{ local, remote }], dryRun });
  /** A ticket's comments as text; the default incoming scripts put "<author> commented: " before a synced one. */
  const bodies = async (agent: ConnectedPair['aAgent'], id: number) =>
    (await agent.getEntity(String(id))).comments.map((c) =>
      c.body.replace(/<[^>]*>/g, '').replace(/^[^:]* commented: /, ''),
    );

  it('links one pair: nothing is created, the comments already there stay put, later changes flow both ways', async () => {
    const x = onA('VPN drops every hour');
    const y = onB('VPN drops every hour (migrated)');
    await pair.aAgent.addComment(String(x), { body: 'Old note on acme', internal: true });
    const tickets = [aSim.ticketCount(), bSim.ticketCount()];

    const result = await connectOne(`#${x}`, `#${y}`);
    expect(result.pairs).toEqual([
      { local: `#${x}`, localEntityId: String(x), remote: `#${y}`, remoteEntityId: String(y), line: null },
    ]);
    await sync();
    expect(twins(pair.a, pair.ids.a)).toContainEqual({
      local: String(x),
      remote: String(y),
      unlinkedAt: null,
      reason: null,
    });
    expect(twins(pair.b, pair.ids.b)).toContainEqual({
      local: String(y),
      remote: String(x),
      unlinkedAt: null,
      reason: null,
    });
    // The link alone writes nothing: B's ticket keeps its subject, and A's old note stays on A.
    expect((await pair.bAgent.getEntity(String(y))).summary).toBe('VPN drops every hour (migrated)');

    await pair.aAgent.addComment(String(x), { body: 'New note after the link', internal: false });
    await sync();
    expect(await bodies(pair.bAgent, y)).toEqual(['New note after the link']);
    bSim.agentUpdate(y, { subject: 'VPN drops (initech)' });
    await sync();
    expect((await pair.aAgent.getEntity(String(x))).summary).toBe('VPN drops (initech)');
    expect([aSim.ticketCount(), bSim.ticketCount()]).toEqual(tickets);
    const status = await ticketStatus(pair.a.deps, { connection: pair.ids.a, key: `#${x}` });
    expect(status).toMatchObject({ state: 'synced', underSync: true, unlinked: null });
  }, 30_000);

  it('refuses, changing nothing, a missing key on either side, a ticket linked already, a bad key and a paused connection', async () => {
    const free = onA('Free on acme');
    const freeB = onB('Free on initech');
    const linkedA = onA('Linked on acme');
    const linkedB = onB('Linked on initech');
    await connectOne(`#${linkedA}`, `#${linkedB}`);
    await sync();
    const before = snapshot();

    await expect(connectOne('#99999', `#${freeB}`)).rejects.toThrow(
      /Nothing was linked: there is no ticket #99999 here/,
    );
    await expect(connectOne(`#${free}`, '#88888')).rejects.toThrow(
      /Nothing was linked: there is no ticket #88888 on the other side/,
    );
    await expect(connectOne(`#${linkedA}`, `#${freeB}`)).rejects.toThrow(
      new RegExp(`Nothing was linked: #${linkedA}: it is already linked to ${linkedB}`),
    );
    await expect(connectOne(`#${free}`, `#${linkedB}`)).rejects.toThrow(
      new RegExp(`Nothing was linked: #${linkedB} is already linked on the other side`),
    );
    await expect(connectOne(`#${free}`, '<!channel>')).rejects.toThrow(/a ticket key is its number or id/);
    deactivateConnection(pair.a.deps, { connection: pair.ids.a, actor: 'test:alice' });
    try {
      await expect(connectOne(`#${free}`, `#${freeB}`)).rejects.toThrow(
        /is deactivated; pairs are linked on an active one/,
      );
    } finally {
      activateConnection(pair.a.deps, { connection: pair.ids.a, actor: 'test:alice' });
    }
    await sync();
    expect(snapshot()).toEqual(before);
  }, 30_000);

  it('a dry run lists what it would link and what it could not (with why), and changes nothing', async () => {
    const good = onA('Dry good');
    const goodB = onB('Dry good');
    const linked = twins(pair.a, pair.ids.a).find((t) => t.unlinkedAt === null)!;
    const before = snapshot();
    const result = await connectEntities(pair.a.deps, {
      connection: pair.ids.a,
      actor: 'test:alice',
      dryRun: true,
      pairs: [
        { local: `#${good}`, remote: `#${goodB}`, line: 2 },
        { local: `#${good}`, remote: '#77777', line: 3 },
        { local: `#${linked.local}`, remote: '#77777', line: 4 },
        { local: '#66666', remote: `#${goodB}`, line: 5 },
      ],
    });
    expect(result.dryRun).toBe(true);
    expect(result.pairs).toEqual([
      { local: `#${good}`, localEntityId: String(good), remote: `#${goodB}`, remoteEntityId: String(goodB), line: 2 },
    ]);
    expect(result.unmatched).toEqual([
      { local: `#${good}`, remote: '#77777', line: 3, reason: `#${good} is named twice (also on line 2)` },
      { local: '#66666', remote: `#${goodB}`, line: 5, reason: `#${goodB} is named twice (also on line 2)` },
      { local: `#${linked.local}`, remote: '#77777', line: 4, reason: 'there is no ticket #77777 on the other side' },
    ]);
    await sync();
    expect(snapshot()).toEqual(before);
  }, 30_000);

  it('--match subject pairs tickets whose subject is found once on each side, and says why the others are not', async () => {
    const printer = onA('Printer jam on floor 3');
    const printerB = onB('  printer jam on FLOOR 3 ');
    const twice = onA('Password reset');
    onB('Password reset');
    onB('Password reset');
    const alone = onA('Only on acme');
    const dry = await connectEntities(pair.a.deps, {
      connection: pair.ids.a,
      actor: 'test:alice',
      match: { kind: 'subject' },
      dryRun: true,
    });
    const forPrinter = dry.pairs.find((p) => p.localEntityId === String(printer));
    expect(forPrinter).toMatchObject({ remote: `#${printerB}`, remoteEntityId: String(printerB) });
    expect(dry.unmatched).toContainEqual(
      expect.objectContaining({
        local: `#${twice}`,
        reason: expect.stringMatching(/^2 tickets on the other side have its subject/),
      }),
    );
    expect(dry.unmatched).toContainEqual(
      expect.objectContaining({ local: `#${alone}`, reason: 'no ticket on the other side has its subject' }),
    );
    const real = await connectEntities(pair.a.deps, {
      connection: pair.ids.a,
      actor: 'test:alice',
      match: { kind: 'subject' },
    });
    expect(real.pairs.map((p) => p.localEntityId)).toContain(String(printer));
    await sync();
    expect(twins(pair.b, pair.ids.b)).toContainEqual({
      local: String(printerB),
      remote: String(printer),
      unlinkedAt: null,
      reason: null,
    });
  }, 30_000);

  it('--match looks only at tickets updated in the last 30 days, on either side (older ones are linked from a CSV)', async () => {
    const daysAgo = (node: SyncNode, days: number) => new Date(node.clock.ms() - days * 86_400_000).toISOString();
    const staleA = aSim.addTicket({
      subject: 'Stale on acme, fresh on initech',
      email: 'kim@acme.example',
      created_at: daysAgo(pair.a, 40),
      updated_at: daysAgo(pair.a, 40),
    });
    onB('Stale on acme, fresh on initech');
    const freshA = onA('Fresh on acme, stale on initech');
    bSim.addTicket({
      subject: 'Fresh on acme, stale on initech',
      email: 'lee@initech.example',
      created_at: daysAgo(pair.b, 40),
      updated_at: daysAgo(pair.b, 40),
    });
    const dry = await connectEntities(pair.a.deps, {
      connection: pair.ids.a,
      actor: 'test:alice',
      match: { kind: 'subject' },
      dryRun: true,
    });
    const about = (id: number) => [
      ...dry.pairs.filter((p) => p.localEntityId === String(id)),
      ...dry.unmatched.filter((u) => u.local === `#${id}`),
    ];
    expect(about(staleA)).toEqual([]);
    expect(about(freshA)).toEqual([
      { local: `#${freshA}`, remote: null, line: null, reason: 'no ticket on the other side has its subject' },
    ]);
  }, 30_000);

  it('unlink: neither side syncs the pair, both say so; a bulk sync naming it links it again without a duplicate', async () => {
    const x = onA('Unlink me');
    const y = onB('Unlink me too');
    await connectOne(`#${x}`, `#${y}`);
    await sync();
    await pair.aAgent.addComment(String(x), { body: 'Before the unlink', internal: false });
    await sync();
    expect(await bodies(pair.bAgent, y)).toEqual(['Before the unlink']);

    const unlinked = unlinkEntity(pair.a.deps, { connection: pair.ids.a, key: `#${x}`, actor: 'test:alice' });
    expect(unlinked).toMatchObject({ localKey: `#${x}`, remoteEntityId: String(y) });
    await sync();
    expect(twins(pair.a, pair.ids.a).find((t) => t.local === String(x))).toMatchObject({ reason: 'unlinked' });
    expect(twins(pair.b, pair.ids.b).find((t) => t.local === String(y))).toMatchObject({ reason: 'unlinked' });
    const here = await ticketStatus(pair.a.deps, { connection: pair.ids.a, key: `#${x}` });
    expect(here).toMatchObject({ state: 'unlinked', underSync: false });
    expect(here.reason).toMatch(/^Unlinked on \S+ by this side: changes between it and/);
    const there = await ticketStatus(pair.b.deps, { connection: pair.ids.b, key: `#${y}` });
    expect(there.reason).toMatch(/^Unlinked on \S+ by the other side/);
    expect(rows(pair.b, "SELECT * FROM audit_log WHERE action = 'entities.unlink'")).toHaveLength(1);
    expect(() => unlinkEntity(pair.a.deps, { connection: pair.ids.a, key: `#${x}`, actor: 'test:alice' })).toThrow(
      /was already unlinked on/,
    );

    // Changes on either side stay there now: nothing is even sent.
    const replicasOf = (node: SyncNode, connectionId: string, entityId: number) =>
      rows(
        node,
        "SELECT id FROM outbox WHERE connection_id = ? AND kind = 'replica' AND entity_id = ?",
        connectionId,
        String(entityId),
      ).length;
    const sent = [replicasOf(pair.a, pair.ids.a, x), replicasOf(pair.b, pair.ids.b, y)];
    const tickets = [aSim.ticketCount(), bSim.ticketCount()];
    aSim.agentUpdate(x, { subject: 'Changed on acme while unlinked', tags: ['resync'] });
    await pair.aAgent.addComment(String(x), { body: 'While unlinked', internal: false });
    bSim.agentUpdate(y, { subject: 'Changed on initech while unlinked' });
    await sync();
    expect((await pair.bAgent.getEntity(String(y))).summary).toBe('Changed on initech while unlinked');
    expect((await pair.aAgent.getEntity(String(x))).summary).toBe('Changed on acme while unlinked');
    expect(await bodies(pair.bAgent, y)).toEqual(['Before the unlink']);
    expect([replicasOf(pair.a, pair.ids.a, x), replicasOf(pair.b, pair.ids.b, y)]).toEqual(sent);

    // A bulk sync naming it (a trigger selecting it): a first sync with the twin found, not a second ticket.
    await addTrigger(pair.a.deps, { connection: pair.ids.a, query: "tag:'resync'", actor: 'test:alice' });
    const bulk = await startBulkSync(pair.a.deps, { connection: pair.ids.a, actor: 'test:alice' });
    expect(bulk.entityIds).toEqual([String(x)]);
    await sync();
    expect([aSim.ticketCount(), bSim.ticketCount()]).toEqual(tickets);
    expect((await pair.bAgent.getEntity(String(y))).summary).toBe('Changed on acme while unlinked');
    expect(await bodies(pair.bAgent, y)).toEqual(['Before the unlink', 'While unlinked']);
    expect(twins(pair.a, pair.ids.a).find((t) => t.local === String(x))).toMatchObject({
      remote: String(y),
      reason: null,
    });
    expect(twins(pair.b, pair.ids.b).find((t) => t.local === String(y))).toMatchObject({
      remote: String(x),
      reason: null,
    });

    // And it syncs as before: a new comment arrives once, the old ones are not doubled.
    await pair.aAgent.addComment(String(x), { body: 'After the relink', internal: false });
    await sync();
    expect(await bodies(pair.bAgent, y)).toEqual(['Before the unlink', 'While unlinked', 'After the relink']);
    expect([aSim.ticketCount(), bSim.ticketCount()]).toEqual(tickets);
  }, 30_000);

  it('a replica already on its way when the pair is unlinked is not applied', async () => {
    const x = onA('In flight on acme');
    const y = onB('In flight on initech');
    await connectOne(`#${x}`, `#${y}`);
    await sync();
    unlinkEntity(pair.a.deps, { connection: pair.ids.a, key: `#${x}`, actor: 'test:alice' });
    // B has not heard of the unlink yet: its change goes out and reaches A's inbox.
    bSim.agentUpdate(y, { subject: 'Sent before B knew' });
    await bSim.webhooks.settle();
    await pair.b.sync.processChanges();
    expect(await pair.b.sync.sendOutbox()).toBe(1);
    await sync();
    expect((await pair.aAgent.getEntity(String(x))).summary).toBe('In flight on acme');
    expect(twins(pair.b, pair.ids.b).find((t) => t.local === String(y))).toMatchObject({ reason: 'unlinked' });
  }, 30_000);

  it('unlink then connect the same pair again: the twin row is reused, nothing is created or doubled', async () => {
    const x = onA('Relink by connect');
    const y = onB('Relink by connect');
    await connectOne(`#${x}`, `#${y}`);
    await sync();
    await pair.bAgent.addComment(String(y), { body: 'From initech', internal: false });
    await sync();
    expect(await bodies(pair.aAgent, x)).toEqual(['From initech']);
    unlinkEntity(pair.b.deps, { connection: pair.ids.b, key: `#${y}`, actor: 'test:bob' });
    await sync();
    const tickets = [aSim.ticketCount(), bSim.ticketCount()];
    await connectOne(`#${x}`, `#${y}`);
    await sync();
    await pair.bAgent.addComment(String(y), { body: 'Second from initech', internal: false });
    await sync();
    expect(await bodies(pair.aAgent, x)).toEqual(['From initech', 'Second from initech']);
    expect([aSim.ticketCount(), bSim.ticketCount()]).toEqual(tickets);
  }, 30_000);

  it('a link message from the other node naming one of our tickets that is linked, missing, or not shared is refused', async () => {
    const linked = twins(pair.a, pair.ids.a).find((t) => t.unlinkedAt === null)!;
    // A has no trigger: a free ticket of A's is one A does not share, and a link from B must not share it.
    const unshared = onA('Free, but acme shares nothing by trigger');
    const before = twins(pair.a, pair.ids.a);
    pair.a.deps.db.transaction((tx) =>
      storeReceived(
        tx,
        pair.ids.a,
        [
          {
            idempotencyKey: 'hostile:1',
            kind: 'link',
            entityKey: null,
            payload: { entityId: '424242', entityKey: '#424242', remoteEntityId: linked.local },
          },
          {
            idempotencyKey: 'hostile:2',
            kind: 'link',
            entityKey: null,
            payload: { entityId: '434343', entityKey: '#434343', remoteEntityId: '99999' },
          },
          {
            idempotencyKey: 'hostile:3',
            kind: 'link',
            entityKey: null,
            payload: { entityId: '444444', entityKey: '#444444', remoteEntityId: String(unshared) },
          },
        ],
        pair.a.clock.now(),
      ),
    );
    await pair.a.sync.applyInbox();
    expect(twins(pair.a, pair.ids.a)).toEqual(before);
    const refusals = rows<{ payload: string }>(
      pair.a,
      "SELECT payload FROM outbox WHERE connection_id = ? AND kind = 'unlink' AND idempotency_key LIKE '%:refused:%'",
      pair.ids.a,
    ).map((r) => JSON.parse(r.payload) as { refused: boolean; message: string });
    expect(refusals).toEqual([
      expect.objectContaining({ refused: true, message: expect.stringContaining('is already linked') }),
      expect.objectContaining({ refused: true, message: expect.stringContaining('there is no such ticket here') }),
      expect.objectContaining({
        refused: true,
        message: `The other side did not link ${unshared}: not selected by this side's triggers.`,
      }),
    ]);
  }, 30_000);

  it("a link to a ticket B's triggers do not select is refused on B: nothing links, and none of it reaches A", async () => {
    const x = onA('Asks for a ticket initech does not share');
    const y = onB('Internal to initech: payroll');
    await pair.bAgent.addComment(String(y), { body: 'Salary figures', internal: true });
    const tickets = [aSim.ticketCount(), bSim.ticketCount()];
    setTriggerActive(pair.b.deps, { trigger: bTrigger, active: false, actor: 'test:bob' });
    try {
      // B's answer does not tell the ticket apart from one that does not exist, by key or by subject.
      const answer = await pair.a.deps.remote.lookupEntities(peerOfA(), { keys: [`#${y}`, '#987654'] });
      const missing = { found: false, entityId: null, entityKey: null, subject: null, linked: false };
      expect(answer).toHaveLength(2);
      expect(answer.find((e) => e.key === `#${y}`)).toEqual({ key: `#${y}`, ...missing });
      expect(answer.find((e) => e.key === '#987654')).toEqual({ key: '#987654', ...missing });
      const digest = createHash('sha256').update('internal to initech: payroll').digest('hex');
      expect(await pair.a.deps.remote.lookupEntities(peerOfA(), { subjects: [digest] })).toEqual([]);
      await expect(connectOne(`#${x}`, `#${y}`)).rejects.toThrow(
        new RegExp(`Nothing was linked: there is no ticket #${y} on the other side`),
      );

      // A partner that skips the lookup (or lies about it) links anyway: B refuses, and A's side stops too.
      const remote = pair.a.deps.remote;
      const real = remote.lookupEntities.bind(remote);
      remote.lookupEntities = async () => [
        { key: `#${y}`, found: true, entityId: String(y), entityKey: `#${y}`, subject: null, linked: false },
      ];
      try {
        await connectOne(`#${x}`, `#${y}`);
      } finally {
        remote.lookupEntities = real;
      }
      await sync();
      expect(twins(pair.b, pair.ids.b).some((t) => t.local === String(y))).toBe(false);
      expect(twins(pair.a, pair.ids.a).find((t) => t.local === String(x))).toMatchObject({
        remote: String(y),
        reason: 'unlinked',
      });
      expect(twins(pair.a, pair.ids.a).find((t) => t.local === String(x))!.unlinkedAt).not.toBeNull();
      const refusals = rows<{ details: string }>(
        pair.a,
        "SELECT details FROM audit_log WHERE action = 'entities.link.refused' AND subject_id = ?",
        pair.ids.a,
      ).map((r) => JSON.parse(r.details) as Record<string, string>);
      expect(refusals).toContainEqual({
        entity: `#${x}`,
        remoteEntityId: String(y),
        reason: `The other side did not link ${y}: not selected by this side's triggers.`,
      });

      // Later edits and comments on B's ticket stay on B.
      bSim.agentUpdate(y, { subject: 'Internal to initech: payroll 2027' });
      await pair.bAgent.addComment(String(y), { body: 'Bonus figures', internal: false });
      await sync();
      expect((await pair.aAgent.getEntity(String(x))).summary).toBe('Asks for a ticket initech does not share');
      expect(await bodies(pair.aAgent, x)).toEqual([]);
      expect([aSim.ticketCount(), bSim.ticketCount()]).toEqual(tickets);
    } finally {
      setTriggerActive(pair.b.deps, { trigger: bTrigger, active: true, actor: 'test:bob' });
    }
  }, 30_000);

  it("linking a ticket to another twin than before keeps none of the former twin's comment ids", async () => {
    const x = onA('Relinked to another twin');
    const first = onB('First twin');
    const second = onB('Second twin');
    await connectOne(`#${x}`, `#${first}`);
    await sync();
    await pair.bAgent.addComment(String(first), { body: 'From the first twin', internal: false });
    await sync();
    expect(await bodies(pair.aAgent, x)).toEqual(['From the first twin']);
    const firstComments = (await pair.bAgent.getEntity(String(first))).comments.map((c) => c.id);
    const mapOf = () =>
      JSON.parse(
        rows<{ map: string }>(
          pair.a,
          'SELECT comment_map AS map FROM twin_links WHERE connection_id = ? AND local_entity_id = ?',
          pair.ids.a,
          String(x),
        )[0]!.map,
      ) as Record<string, string>;
    expect(Object.values(mapOf())).toEqual(expect.arrayContaining(firstComments));

    unlinkEntity(pair.a.deps, { connection: pair.ids.a, key: `#${x}`, actor: 'test:alice' });
    await sync();
    await connectOne(`#${x}`, `#${second}`);
    await sync();
    // The comment that came from the first twin is A's own now ('-': kept to this side), not mapped to that twin.
    const map = mapOf();
    expect(Object.values(map).filter((id) => firstComments.includes(id))).toEqual([]);
    expect(Object.values(map).every((id) => id === '-')).toBe(true);
    await pair.bAgent.addComment(String(second), { body: 'From the second twin', internal: false });
    await sync();
    expect(await bodies(pair.aAgent, x)).toEqual(['From the first twin', 'From the second twin']);
    expect(await bodies(pair.bAgent, second)).toEqual(['From the second twin']);
  }, 30_000);

  it('--match field:<name> pairs each ticket with the key its custom field holds', async () => {
    const target = onB('Keyed on initech');
    const keyed = aSim.addTicket({
      subject: 'Keyed on acme',
      email: 'kim@acme.example',
      custom_fields: { cf_partner_key: `#${target}` },
    });
    const junk = aSim.addTicket({
      subject: 'Junk key',
      email: 'kim@acme.example',
      custom_fields: { cf_partner_key: '<!here> 12' },
    });
    const match = { kind: 'field' as const, field: 'cf_partner_key' };
    const dry = await connectEntities(pair.a.deps, {
      connection: pair.ids.a,
      actor: 'test:alice',
      match,
      dryRun: true,
    });
    expect(dry.pairs).toContainEqual({
      local: `#${keyed}`,
      localEntityId: String(keyed),
      remote: `#${target}`,
      remoteEntityId: String(target),
      line: null,
    });
    expect(dry.unmatched).toContainEqual({
      local: `#${junk}`,
      remote: null,
      line: null,
      reason: 'its field cf_partner_key holds no ticket key (<!here> 12)',
    });
    await connectEntities(pair.a.deps, { connection: pair.ids.a, actor: 'test:alice', match });
    await sync();
    expect(twins(pair.b, pair.ids.b)).toContainEqual({
      local: String(target),
      remote: String(keyed),
      unlinkedAt: null,
      reason: null,
    });
  }, 30_000);

  it('the lookup route takes signed, bounded requests only', async () => {
    const peer = peerOfA();
    const target = onB('Lookup by subject 42');
    const before = snapshot();
    const unsigned = await fetch(`${peer.nodeUrl}/v1/connections/${peer.remoteConnectionId}/entities/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: ['#1'] }),
    });
    expect(unsigned.status).toBe(401);
    const tooMany = Array.from({ length: 201 }, (_, i) => `#${i + 1}`);
    await expect(pair.a.deps.remote.lookupEntities(peer, { keys: tooMany })).rejects.toThrow(/Invalid request/);
    await expect(pair.a.deps.remote.lookupEntities(peer, { keys: ['<script>'] })).rejects.toThrow(
      /a ticket key is its number or id/,
    );
    await expect(pair.a.deps.remote.lookupEntities(peer, { subjects: ['Printer jam on floor 3'] })).rejects.toThrow(
      /a subject is sent as its SHA-256 digest/,
    );
    const found = await pair.a.deps.remote.lookupEntities(peer, { keys: [`#${target}`, '#987654'] });
    expect(found.map((e) => [e.key, e.found]).sort()).toEqual([
      [`#${target}`, true],
      ['#987654', false],
    ]);
    // By subject: only the other side's tickets whose subject has the digest asked about, and no subject text.
    const digest = createHash('sha256').update('lookup by subject 42').digest('hex');
    const bySubject = await pair.a.deps.remote.lookupEntities(peer, { subjects: [digest] });
    expect(bySubject).toEqual([
      {
        key: `#${target}`,
        found: true,
        entityId: String(target),
        entityKey: `#${target}`,
        subject: digest,
        linked: false,
      },
    ]);
    expect(JSON.stringify(bySubject)).not.toMatch(/lookup/i);
    expect(snapshot()).toEqual(before);
  }, 30_000);

  it('a lookup answer about keys that were not asked about is ignored, and links nothing', async () => {
    const x = onA('Hostile answer');
    const before = snapshot();
    const remote = pair.a.deps.remote;
    const real = remote.lookupEntities.bind(remote);
    // The other node answers as a hostile one would: the key asked about is missing, another is "found".
    remote.lookupEntities = async (peer, query) => [
      ...(await real(peer, query)).filter((e) => e.found),
      { key: '#31337', found: true, entityId: '31337', entityKey: '#31337', subject: null, linked: false },
    ];
    try {
      await expect(connectOne(`#${x}`, '#5555')).rejects.toThrow(
        /Nothing was linked: there is no ticket #5555 on the other side/,
      );
    } finally {
      remote.lookupEntities = real;
    }
    await sync();
    expect(snapshot()).toEqual(before);
  }, 30_000);

  describe('the CLI', () => {
    const cli = async (...args: string[]) => {
      const c = capturedIo();
      const code = await runCli(args, c.io, { DESKBRIDGE_DATA_DIR: pair.a.dataDir, LOG_LEVEL: 'silent' });
      return { code, stdout: c.out(), stderr: c.err() };
    };

    it('usage errors name what is missing', async () => {
      const none = await cli('entities', 'connect', 'acme to initech');
      expect(none.code).toBe(2);
      expect(none.stderr).toContain(
        'Give one of: --local KEY --remote KEY, --csv FILE, or --match subject|field:<name>.',
      );
      const half = await cli('entities', 'connect', 'acme to initech', '--local', '#1');
      expect(half.code).toBe(2);
      expect(half.stderr).toContain('Give both --local and --remote.');
      const match = await cli('entities', 'connect', 'acme to initech', '--match', 'colour');
      expect(match.code).toBe(2);
      expect(match.stderr).toContain('--match is `subject` or `field:<custom field>`');
      const unlink = await cli('entities', 'unlink', 'acme to initech');
      expect(unlink.code).toBe(2);
      expect(unlink.stderr).toContain('Give the ticket key (like #123).');
    });

    it('a CSV with bad lines is refused with their line numbers, and nothing changes', async () => {
      const { writeFileSync } = await import('node:fs');
      const file = `${pair.a.dataDir}/pairs.csv`;
      writeFileSync(file, 'local,remote\n#1,#2\n\n#3\n#4,<script>\n#5,#6,#7\n');
      const before = snapshot();
      const result = await cli('entities', 'connect', 'acme to initech', '--csv', file);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Nothing was linked: 3 bad lines in the CSV');
      expect(result.stderr).toContain('line 4: expected two columns (local,remote), found 1');
      expect(result.stderr).toContain('line 5: the remote key is not a ticket key');
      expect(result.stderr).toContain('line 6: expected two columns (local,remote), found 3');
      writeFileSync(file, `local,remote\n${'#1,#2\n'.repeat(100_000)}`);
      const big = await cli('entities', 'connect', 'acme to initech', '--csv', file);
      expect(big.code).toBe(2);
      expect(big.stderr).toContain('is larger than 512 KiB; split it');
      expect(snapshot()).toEqual(before);
    });

    it("connect and unlink as the node's own CLI command: the dry-run tables, progress, and the summary", async () => {
      const { writeFileSync } = await import('node:fs');
      const x = onA('CLI pair');
      const y = onB('CLI pair');
      const file = `${pair.a.dataDir}/cli-pairs.csv`;
      writeFileSync(file, `local,remote\n#${x},#${y}\n#${x},#424242\n`);
      // The command's own code on this node's deps (runCli opens the data dir with the wall clock, which the other
      // node, on the test clock, would refuse in a signature).
      const run = async (...args: string[]) => {
        const c = capturedIo();
        await runEntitiesCommand(pair.a.deps, args, c.io, 'cli:test');
        return c.out();
      };
      const dry = await run('connect', 'acme to initech', '--csv', file, '--dry-run');
      expect(dry).toContain('Would link:\nLINE  LOCAL  REMOTE\n');
      expect(dry).toMatch(new RegExp(`^2 +#${x} +#${y}$`, 'm'));
      expect(dry).toContain('Could not link:\n');
      expect(dry).toMatch(new RegExp(`^3 +#${x} +#424242 +#${x} is named twice \\(also on line 2\\)$`, 'm'));
      expect(dry).toContain('Dry run: 1 pair(s) would be linked, 1 could not; nothing changed.');
      expect(twins(pair.a, pair.ids.a).some((t) => t.local === String(x))).toBe(false);

      const real = await run('connect', 'acme to initech', '--local', `#${x}`, '--remote', `#${y}`);
      expect(real).toContain('linked 1/1\n');
      expect(real).toContain(
        '1 pair(s) linked on "acme to initech" (nothing created in either helpdesk); 0 not linked.',
      );
      await sync();
      expect(twins(pair.b, pair.ids.b)).toContainEqual({
        local: String(y),
        remote: String(x),
        unlinkedAt: null,
        reason: null,
      });

      const unlinked = await run('unlink', 'acme to initech', `#${x}`);
      expect(unlinked).toContain(`#${x} on "acme to initech" is unlinked: it and its twin no longer sync`);
      const shown = await (async () => {
        const c = capturedIo();
        await runEntitiesCommand(pair.a.deps, ['show', 'acme to initech', `#${x}`], c.io, 'cli:test');
        return c.out();
      })();
      expect(shown).toContain(`#${x} on "acme to initech": unlinked`);
      expect(shown).toMatch(/Unlinked on \S+ by this side/);
    }, 30_000);

    it('unlink of a ticket not under sync is refused', async () => {
      const result = await cli('entities', 'unlink', 'acme to initech', '#55555');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Ticket #55555 is not under sync on connection "acme to initech".');
    });
  });
});

/** A private node (one the other cannot call) connects pairs itself; its partner is told to run it there. */
describe('connecting pairs on a private connection', () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    { privateB: true, timeoutMs: 60_000 },
  );

  it('the public side refuses, pointing at the other side; the private side links the pair', async () => {
    const x = freshworks(pair.aSim).addTicket({ subject: 'Private pair', email: 'kim@acme.example' });
    const y = freshworks(pair.bSim).addTicket({ subject: 'Private pair', email: 'lee@initech.example' });
    await expect(
      connectEntities(pair.a.deps, {
        connection: pair.ids.a,
        actor: 'test:alice',
        pairs: [{ local: `#${x}`, remote: `#${y}` }],
      }),
    ).rejects.toThrow(/it is private\): run `deskbridge entities connect` on the other side/);
    const result = await connectEntities(pair.b.deps, {
      connection: pair.ids.b,
      actor: 'test:bob',
      pairs: [{ local: `#${y}`, remote: `#${x}` }],
    });
    expect(result.pairs).toHaveLength(1);
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect(
      rows(
        pair.a,
        'SELECT remote_entity_id AS remote FROM twin_links WHERE connection_id = ? AND local_entity_id = ?',
        pair.ids.a,
        String(x),
      ),
    ).toEqual([{ remote: String(y) }]);
  }, 30_000);
});
