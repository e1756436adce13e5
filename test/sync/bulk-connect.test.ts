import { describe, expect, it } from 'vitest';
import { connectEntities, parsePairsCsv } from '../../src/app/entity-links.ts';
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
 * its pair. A is Freshdesk ("acme"), B Freshservice ("initech"); neither has a trigger, so only the links sync.
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
          bIds.push(bSim.addTicket({ subject: `Migrated ${i}`, email: `r${i}@initech.example` }));
        }
      },
      timeoutMs: 60_000,
    },
  );

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
});
