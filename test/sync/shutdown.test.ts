import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databasePath } from '../../db/client.ts';
import { machineClock } from '../support/nodes.ts';
import { runDeskbridge, startServiceProcess, type CliResult } from '../support/processes.ts';
import {
  connectInitechToAcme,
  processNode,
  seedNotedTickets,
  serviceCommand,
  waitFor,
  type ProcessNode,
} from '../support/process-nodes.ts';
import { agentOf, type FreshworksSimulator, startSimulator } from '../support/sync-nodes.ts';

interface BulkPair {
  fs: FreshworksSimulator;
  fd: FreshworksSimulator;
  a: ProcessNode;
  b: ProcessNode;
  /** `deskbridge sync bulk` on A, running until every ticket is synced. */
  bulk: Promise<CliResult>;
}

let started: Partial<BulkPair> = {};

afterEach(async () => {
  const { fs, fd, a, b, bulk } = started;
  await Promise.all([a?.service?.stop(), b?.service?.stop()]);
  await bulk?.catch(() => {});
  await Promise.all([fs?.close(), fd?.close()]);
  for (const node of [a, b]) if (node) rmSync(node.dataDir, { recursive: true, force: true });
  started = {};
});

/**
 * Two node processes (Freshservice on A, Freshdesk on B, Basic mode, every ticket selected), the simulators in this
 * process, and `tickets` tickets with a note each on A's side, bulk-synced once `slowWrites` is set on B's helpdesk.
 */
async function startBulkPair(
  tickets: number,
  env: Record<string, string>,
  slowWrites: { ms: number; times: number; path?: RegExp },
): Promise<BulkPair> {
  const [fs, fd] = (await Promise.all([
    startSimulator('freshservice', machineClock),
    startSimulator('freshdesk', machineClock),
  ])) as [FreshworksSimulator, FreshworksSimulator];
  started = { fs, fd };
  seedNotedTickets(fs, tickets);
  const [a, b] = await Promise.all([processNode('a', env), processNode('b', env)]);
  started = { fs, fd, a, b };
  // No first-sync link note: the counts below are of the synced notes alone.
  const bDeps = await connectInitechToAcme({ a, b }, { fs, fd }, { linkNote: false });
  bDeps.db.$client.close();
  fd.faults.add({ kind: 'latency', method: 'POST', ...slowWrites });
  const bulk = runDeskbridge(['sync', 'bulk', 'Initech to Acme'], a.env);
  started.bulk = bulk;
  return { fs, fd, a, b, bulk };
}

/** Sends `signal` to the node's process; resolves with its exit code and how long it took to exit. */
async function signal(node: ProcessNode, ...signals: NodeJS.Signals[]): Promise<{ code: number | null; ms: number }> {
  const child = node.service!.child;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const at = Date.now();
  for (const name of signals) child.kill(name);
  const code = await exited;
  return { code, ms: Date.now() - at };
}

/** What a stopped node left on disk: its replicas by state, and how many twins it recorded. */
function leftOnDisk(node: ProcessNode): { states: Record<string, number>; twins: number } {
  const db = new Database(databasePath(node.dataDir), { readonly: true });
  try {
    const rows = db
      .prepare("select state, count(*) as n from inbox where kind = 'replica' group by state")
      .all() as Array<{ state: string; n: number }>;
    const twins = (db.prepare('select count(*) as n from twin_links').get() as { n: number }).n;
    return { states: Object.fromEntries(rows.map((row) => [row.state, row.n])), twins };
  } finally {
    db.close();
  }
}

/** Restarts B, lets the bulk sync finish, and checks both helpdesks: each ticket once, each with its one note. */
async function finishAndCount(pair: BulkPair, tickets: number): Promise<void> {
  const { fs, fd, b, bulk } = pair;
  b.service = await startServiceProcess(b.env, `${b.url}/healthz`, serviceCommand);
  const result = await bulk;
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(new RegExp(`synced ${tickets}/${tickets}`));
  const db = new Database(databasePath(b.dataDir), { readonly: true });
  try {
    await waitFor(
      'every message applied',
      () =>
        (db.prepare('select count(*) as n from inbox where applied_at is null').get() as { n: number }).n === 0 &&
        fd.ticketCount() >= tickets,
    );
    expect(
      db
        .prepare(
          'select count(*) as n, count(distinct local_entity_id) as l, count(distinct remote_entity_id) as r from twin_links',
        )
        .get(),
    ).toEqual({ n: tickets, l: tickets, r: tickets });
  } finally {
    db.close();
  }
  // Both helpdesks: nothing lost, nothing doubled, nothing echoed back.
  for (const sim of [fd, fs]) {
    const agent = agentOf(sim);
    const ids = (await agent.listChanged(null)).changes.map((c) => c.id);
    expect(ids).toHaveLength(tickets);
    const summaries = new Map<string, number>();
    let comments = 0;
    for (const id of ids) {
      const ticket = await agent.getEntity(id);
      summaries.set(ticket.summary, (summaries.get(ticket.summary) ?? 0) + 1);
      expect(
        ticket.comments.map((c) => c.body),
        `${sim.platform} ${ticket.summary}`,
      ).toEqual([expect.stringContaining(`Note for ${ticket.summary.slice(7)}`)]);
      comments += ticket.comments.length;
    }
    expect(summaries.size).toBe(tickets);
    expect([...summaries.values()].every((n) => n === 1)).toBe(true);
    expect(comments).toBe(tickets);
  }
}

describe('SIGTERM during a bulk sync', () => {
  const TICKETS = 200;
  const SHUTDOWN_TIMEOUT_MS = 8000;

  it(`stops the receiving node within SHUTDOWN_TIMEOUT_MS with nothing half-applied; after a restart each of ${TICKETS} tickets arrives once`, async () => {
    // Slow the receiving helpdesk's writes a little, so the signal lands while entities are being written.
    const pair = await startBulkPair(
      TICKETS,
      { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), LOG_LEVEL: 'info' },
      { ms: 15, times: 100_000 },
    );
    const { fd, b } = pair;
    await waitFor('the first tickets on the receiving side', () => fd.ticketCount() >= 50);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);

    const stopped = await signal(b, 'SIGTERM');
    expect(stopped.code, b.service!.output()).toBe(0);
    expect(stopped.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(b.service!.output()).toContain('shut down cleanly');
    const atStop = fd.ticketCount();
    expect(atStop).toBeLessThan(TICKETS);

    // No message half-applied, and every ticket the node created recorded as a twin: none is created again.
    const left = leftOnDisk(b);
    expect(left.states['applying']).toBeUndefined();
    expect(left.twins).toBe(atStop);

    await finishAndCount(pair, TICKETS);
  }, 150_000);

  it('past SHUTDOWN_TIMEOUT_MS exits 1 naming the work it abandoned; a second signal exits at once; both recover on restart', async () => {
    const TICKETS_HERE = 12;
    // Creates on B's helpdesk hang for 4 s: a shutdown cannot finish the ones in flight within a second.
    const pair = await startBulkPair(
      TICKETS_HERE,
      { SHUTDOWN_TIMEOUT_MS: '1000', LOG_LEVEL: 'info', SYNC_CONCURRENCY: '2' },
      { ms: 4000, times: 3, path: /^\/api\/v2\/tickets$/ },
    );
    const { fd, b } = pair;
    // An abandoned create does not land: its process is gone, and the helpdesk drops a request whose caller left.
    await waitFor('creates in flight on the receiving side', () => fd.faults.fired.length >= 2);
    const timedOut = await signal(b, 'SIGTERM');
    expect(timedOut.code).toBe(1);
    expect(timedOut.ms).toBeGreaterThanOrEqual(1000);
    expect(timedOut.ms).toBeLessThan(4000);
    const line = b
      .service!.output()
      .split('\n')
      .find((text) => text.includes('shutdown did not finish in time'));
    expect(JSON.parse(line!)).toMatchObject({
      level: 50,
      timeoutMs: 1000,
      abandoned: [expect.stringMatching(/^incoming /), expect.stringMatching(/^incoming /)],
    });

    // Restarted with a patient bound, the second create hangs too; a second SIGTERM does not wait for it.
    b.service = await startServiceProcess(
      { ...b.env, SHUTDOWN_TIMEOUT_MS: '30000' },
      `${b.url}/healthz`,
      serviceCommand,
    );
    await waitFor('another create in flight', () => fd.faults.fired.length >= 3);
    const first = b.service.child;
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    first.kill('SIGTERM');
    await waitFor('the shutdown to begin', () => b.service!.output().includes('shutting down'), 5000);
    // Past the moment a wrapper (npm, tsx) would relay the first signal: this one is the operator's second.
    await new Promise((r) => setTimeout(r, 700));
    const at = Date.now();
    first.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(Date.now() - at).toBeLessThan(1500);
    expect(b.service.output()).toContain('second signal: exiting now');

    // Both abandoned creates happened on the helpdesk; the apply markers find them, so none is made twice.
    await finishAndCount(pair, TICKETS_HERE);
  }, 150_000);
});
