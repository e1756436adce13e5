import { describe, afterAll, expect, it } from 'vitest';
import { liveLinks, RestorePair, ticketContents as contents } from '../support/restore-pair.ts';
import { rows, settle } from '../support/sync-nodes.ts';

/**
 * The gap test/sync/restore-mid-sync.test.ts left open: node A is restored from a backup older than a ticket it
 * created for its partner B, and A's own trigger (`tag:'sync'`) does not select that ticket, so polling never finds it
 * again. B's next update names A's ticket as its twin (`remoteEntityId`); A has no twin link for it. A adopts it only
 * because it carries the creation marker A derives from the connection and B's entity id under its own key (on the
 * code before the keyed marker, A made a second ticket here: 3 tickets on A instead of 2).
 */
const KEY = 'd'.repeat(64);
const POLL_MS = 60_000;
const reporter = { id: null, email: 'pat@acme.example', displayName: 'Pat' };

describe('a restored node, a ticket it created for the partner after the backup, not selected by its trigger', () => {
  let pair: RestorePair | undefined;

  afterAll(async () => {
    await pair?.close();
  });

  it("takes the partner's next update onto that ticket: one ticket per pair on both sides", async () => {
    const started = await RestorePair.start({
      key: KEY,
      pollMs: POLL_MS,
      aTrigger: "tag:'sync'",
      workPrefix: 'deskbridge-restore-twin-',
    });
    pair = started.pair;
    const { a, b, fd, fs, fdAgent, fsAgent } = started;
    const { clock } = pair;

    // Before the backup: one ticket each way.
    const t1 = await fdAgent.createEntity({
      summary: 'T1 printer',
      description: '<p>T1</p>',
      reporter,
      labels: ['sync'],
    });
    await fdAgent.addComment(t1.id, { body: 'note A1', internal: false });
    await fsAgent.createEntity({ summary: 'S1 laptop', description: '<p>S1</p>', reporter });
    await settle([a, b], [fd, fs]);
    const taken = await pair.backup();
    expect(taken.code).toBe(0);

    // After it: B's new ticket, which A creates for B (without A's `sync` tag), and a note on each side of that pair.
    const s2 = await fsAgent.createEntity({ summary: 'S2 phone', description: '<p>S2</p>', reporter });
    await fsAgent.addComment(s2.id, { body: 'note B1', internal: false });
    await settle([a, b], [fd, fs]);
    const [made] = rows<{ local_entity_id: string }>(
      a,
      'select local_entity_id from twin_links where remote_entity_id = ?',
      s2.id,
    );
    const x = made!.local_entity_id;
    await fdAgent.addComment(x, { body: 'note A2', internal: false });
    await settle([a, b], [fd, fs]);
    expect((await fdAgent.getEntity(x)).labels).not.toContain('sync');
    expect(await contents(fdAgent)).toEqual(await contents(fsAgent));

    // A is lost and restored from the backup, which knows nothing of the pair S2 / x.
    const restoredCli = await pair.loseA();
    expect(restoredCli.code).toBe(0);
    const restored = await pair.startRestored();
    expect(rows(restored, 'select * from twin_links where local_entity_id = ?', x)).toEqual([]);

    // B's next update of S2 names x as its twin.
    await fsAgent.addComment(s2.id, { body: 'note B2', internal: false });
    await settle([restored, b], [fd, fs]);
    clock.advance(POLL_MS);
    await settle([restored, b], [fd, fs]);

    const expected = [
      { summary: 'S1 laptop', comments: [] },
      { summary: 'S2 phone', comments: ['note A2', 'note B1', 'note B2'] },
      { summary: 'T1 printer', comments: ['note A1'] },
    ];
    expect(await contents(fdAgent)).toEqual(expected);
    expect(await contents(fsAgent)).toEqual(expected);
    expect(liveLinks(restored)).toContainEqual({ local_entity_id: x, remote_entity_id: s2.id });
    expect(liveLinks(restored)).toHaveLength(3);
    expect(liveLinks(b)).toHaveLength(3);
    expect(rows(restored, 'select * from sync_errors where resolved_at is null')).toEqual([]);
    expect(rows(b, 'select * from sync_errors where resolved_at is null')).toEqual([]);
  }, 60_000);
});
