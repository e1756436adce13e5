import { describe, expect, it } from 'vitest';
import { connectEntities, parsePairsCsv } from '../../src/app/entity-links.ts';
import { addTrigger } from '../../src/app/triggers.ts';
import {
  type ConnectedPair,
  connectedPairForTests,
  freshworks,
  type FreshworksSimulator,
  rows,
  settle,
} from '../support/sync-nodes.ts';

/**
 * Issue 21's "Bulk connect of 200 existing pairs from a CSV on two nodes": 200 tickets made on each simulator
 * directly (not by syncing), then linked from a CSV; nothing is created, and a later change on either side reaches
 * its pair. A is Freshdesk ("acme"), B Freshservice ("initech"). A has no trigger (its admin links by hand); B has one
 * selecting every ticket (B accepts a link only to a ticket its triggers share), and B's tickets were last updated
 * before it began (migrated ones: its poll never sends them), so only the links sync.
 */
describe('bulk connect of 200 existing pairs', () => {
  let aSim: FreshworksSimulator;
  let bSim: FreshworksSimulator;
  const aIds: number[] = [];
  const bIds: number[] = [];
  const PAIRS = 200;
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    {
      triggers: 'none',
      beforeConnect: (started) => {
        aSim = freshworks(started.aSim);
        bSim = freshworks(started.bSim);
        for (let i = 0; i < PAIRS; i++) {
          aIds.push(aSim.addTicket({ subject: `Migrated ${i}`, email: `r${i}@acme.example` }));
          bIds.push(onB(`Migrated ${i}`, `r${i}@initech.example`, started.b.clock.ms()));
        }
      },
      setUp: async (started) => {
        await addTrigger(started.b.deps, { connection: started.ids.b, query: '', actor: 'test:bob' });
      },
      timeoutMs: 60_000,
    },
  );
  /** A ticket on B last updated an hour before `now`. */
  function onB(subject: string, email: string, now: number): number {
    const hourAgo = new Date(now - 3_600_000).toISOString();
    return bSim.addTicket({ subject, email, created_at: hourAgo, updated_at: hourAgo });
  }

  const counts = () => ({ a: aSim.ticketCount(), b: bSim.ticketCount() });
  const linked = (node: ConnectedPair['a'], connectionId: string) =>
    rows<{ local: string; remote: string }>(
      node,
      'SELECT local_entity_id AS local, remote_entity_id AS remote FROM twin_links WHERE connection_id = ? AND unlinked_at IS NULL ORDER BY CAST(local_entity_id AS INTEGER)',
      connectionId,
    );

  it('links all 200 from a CSV with progress, creates no ticket, and later changes flow both ways', async () => {
    const before = counts();
    expect(before).toEqual({ a: PAIRS, b: PAIRS });
    const csv = ['local,remote', ...aIds.map((id, i) => `#${id},#${bIds[i]}`), '', ''].join('\n');
    const progress: Array<[number, number]> = [];
    const result = await connectEntities(pair.a.deps, {
      connection: pair.ids.a,
      actor: 'test:alice',
      pairs: parsePairsCsv(csv),
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(result.unmatched).toEqual([]);
    expect(result.pairs).toHaveLength(PAIRS);
    // The header is line 1: the first pair is on line 2.
    expect(result.pairs[0]).toMatchObject({ local: `#${aIds[0]}`, remote: `#${bIds[0]}`, line: 2 });
    expect(progress.at(-1)).toEqual([PAIRS, PAIRS]);
    expect(progress.length).toBeGreaterThan(1);

    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);

    const onA = linked(pair.a, pair.ids.a);
    const onB = linked(pair.b, pair.ids.b);
    expect(onA).toHaveLength(PAIRS);
    expect(onB).toHaveLength(PAIRS);
    expect(onA).toEqual(aIds.map((id, i) => ({ local: String(id), remote: String(bIds[i]) })));
    expect(onB).toEqual(bIds.map((id, i) => ({ local: String(id), remote: String(aIds[i]) })));
    expect(counts()).toEqual(before);
    expect(
      rows<{ n: number }>(pair.a, 'SELECT entities_under_sync AS n FROM connections WHERE id = ?', pair.ids.a)[0]!.n,
    ).toBe(PAIRS);

    // A change on A reaches its pair on B, and one on B its pair on A; still nothing created.
    aSim.agentUpdate(aIds[7]!, { subject: 'Changed on acme' });
    bSim.agentUpdate(bIds[150]!, { subject: 'Changed on initech' });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    expect((await pair.bAgent.getEntity(String(bIds[7]))).summary).toBe('Changed on acme');
    expect((await pair.aAgent.getEntity(String(aIds[150]))).summary).toBe('Changed on initech');
    // Their neighbours did not move.
    expect((await pair.bAgent.getEntity(String(bIds[8]))).summary).toBe('Migrated 8');
    expect((await pair.aAgent.getEntity(String(aIds[151]))).summary).toBe('Migrated 151');
    expect(counts()).toEqual(before);
  }, 60_000);

  it('a chunk that fails links none of its pairs; the chunks before stay linked, are audited and reach the other side', async () => {
    const more = 120;
    const locals: number[] = [];
    const remotes: number[] = [];
    for (let i = 0; i < more; i++) {
      locals.push(aSim.addTicket({ subject: `Second batch ${i}`, email: `s${i}@acme.example` }));
      remotes.push(onB(`Second batch ${i}`, `s${i}@initech.example`, pair.b.clock.ms()));
    }
    const csv = ['local,remote', ...locals.map((id, i) => `#${id},#${remotes[i]}`)].join('\n');
    // Once the first chunk (50 pairs) is in, the 60th local ticket gets linked elsewhere (another admin's connect):
    // the second chunk's own check, inside its transaction, finds it.
    const taken = locals[59]!;
    let interfered = false;
    const onProgress = () => {
      if (interfered) return;
      interfered = true;
      const at = pair.a.clock.ms();
      pair.a.deps.db.$client
        .prepare(
          "INSERT INTO twin_links (connection_id, local_entity_id, local_key, remote_entity_id, comment_map, attachment_map, updated_at, created_at) VALUES (?, ?, ?, 'elsewhere', '{}', '{}', ?, ?)",
        )
        .run(pair.ids.a, String(taken), `#${taken}`, at, at);
    };
    await expect(
      connectEntities(pair.a.deps, {
        connection: pair.ids.a,
        actor: 'test:alice',
        pairs: parsePairsCsv(csv),
        onProgress,
      }),
    ).rejects.toThrow(
      new RegExp(
        `^50 of ${more} pairs were linked; the rest were not: #${taken} cannot be linked: it is already linked to elsewhere\\.$`,
      ),
    );
    const audits = rows<{ details: string }>(
      pair.a,
      "SELECT details FROM audit_log WHERE action = 'entities.connect' AND subject_id = ? ORDER BY id",
      pair.ids.a,
    ).map((r) => JSON.parse(r.details) as { linked: number; notLinked?: number; failed?: string });
    expect(audits.at(-1)).toMatchObject({
      linked: 50,
      notLinked: more - 50,
      failed: `#${taken} cannot be linked: it is already linked to elsewhere.`,
    });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const second = new Set(locals.map(String));
    const linkedHere = linked(pair.a, pair.ids.a).filter((t) => second.has(t.local) && t.remote !== 'elsewhere');
    expect(linkedHere).toEqual(locals.slice(0, 50).map((id, i) => ({ local: String(id), remote: String(remotes[i]) })));
    const theirs = new Set(remotes.map(String));
    expect(linked(pair.b, pair.ids.b).filter((t) => theirs.has(t.local))).toEqual(
      remotes.slice(0, 50).map((id, i) => ({ local: String(id), remote: String(locals[i]) })),
    );
  }, 60_000);
});
