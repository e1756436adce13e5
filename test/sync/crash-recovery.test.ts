import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { machineClock } from '../support/nodes.ts';
import { runDeskbridge, startServiceProcess } from '../support/processes.ts';
import {
  connectInitechToAcme,
  processNode,
  seedNotedTickets,
  serviceCommand,
  waitFor,
  type ProcessNode,
} from '../support/process-nodes.ts';
import { agentOf, startSimulator, type Simulator } from '../support/sync-nodes.ts';

const TICKETS = 300;

describe('exactly once across a SIGKILL of the receiving node', () => {
  let fs: Simulator;
  let fd: Simulator;
  let a: ProcessNode;
  let b: ProcessNode;

  afterAll(async () => {
    await Promise.all([a?.service?.stop(), b?.service?.stop()]);
    await Promise.all([fs?.close(), fd?.close()]);
    for (const node of [a, b]) if (node) rmSync(node.dataDir, { recursive: true, force: true });
  });

  it(`bulk-syncs ${TICKETS} tickets; the receiver is killed mid-way and restarted; each arrives once with its note`, async () => {
    // The nodes run in processes of their own, on the machine's clock: the simulators share it.
    [fs, fd] = await Promise.all([
      startSimulator('freshservice', machineClock),
      startSimulator('freshdesk', machineClock),
    ]);
    if (fs.platform === 'xurrent' || fd.platform === 'xurrent') throw new Error('unexpected platform');
    seedNotedTickets(fs, TICKETS);
    [a, b] = await Promise.all([processNode('a'), processNode('b')]);
    const bDeps = await connectInitechToAcme({ a, b }, { fs, fd });

    // Slow creates down a little, so the kill lands while some are between "created" and "recorded".
    fd.faults.add({ kind: 'latency', ms: 15, method: 'POST', times: 100_000 });
    const bulk = runDeskbridge(['sync', 'bulk', 'Initech to Acme'], a.env);
    await waitFor('the first tickets on the receiving side', () => fd.platform !== 'xurrent' && fd.ticketCount() >= 60);
    b.service!.child.kill('SIGKILL');
    await new Promise((r) => b.service!.child.once('exit', r));
    const atKill = 'ticketCount' in fd ? fd.ticketCount() : 0;
    expect(atKill).toBeLessThan(TICKETS);
    await new Promise((r) => setTimeout(r, 500));
    // The port answers no more: the node is really gone (and the restart below is a new process, not the old one).
    await expect(fetch(`${b.url}/healthz`)).rejects.toThrow();
    b.service = await startServiceProcess(b.env, `${b.url}/healthz`, serviceCommand);

    const result = await bulk;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`synced ${TICKETS}/${TICKETS}`));
    const inboxLeft = () =>
      bDeps.db.$client.prepare('select count(*) as n from inbox where applied_at is null').get() as { n: number };
    await waitFor(
      'every message applied',
      () => inboxLeft().n === 0 && fd.platform !== 'xurrent' && fd.ticketCount() >= TICKETS,
    );

    const fdAgent = agentOf(fd);
    const all = await fdAgent.listChanged(null);
    const ids = all.changes.map((c) => c.id);
    expect(ids).toHaveLength(TICKETS);
    const summaries = new Map<string, number>();
    let notes = 0;
    for (const id of ids) {
      const ticket = await fdAgent.getEntity(id);
      summaries.set(ticket.summary, (summaries.get(ticket.summary) ?? 0) + 1);
      expect(
        ticket.comments.map((c) => c.body),
        ticket.summary,
      ).toEqual([
        expect.stringContaining(`Note for ${ticket.summary.slice(7)}`),
        // The first-sync link note (on by default), once even where the kill fell between create and record.
        expect.stringContaining('Synced with Initech ticket'),
      ]);
      notes += ticket.comments.length;
    }
    expect(summaries.size).toBe(TICKETS);
    expect([...summaries.values()].every((n) => n === 1)).toBe(true);
    expect(notes).toBe(2 * TICKETS);
    const twins = bDeps.db.$client
      .prepare(
        'select count(*) as n, count(distinct local_entity_id) as l, count(distinct remote_entity_id) as r from twin_links',
      )
      .get();
    expect(twins).toEqual({ n: TICKETS, l: TICKETS, r: TICKETS });
    bDeps.db.$client.close();
  }, 120_000);
});
