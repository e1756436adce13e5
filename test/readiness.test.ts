import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { databasePath } from '../db/client.ts';
import { NodeClient } from '../src/node/client.ts';
import { outboundPolicy } from '../src/http/outbound-policy.ts';
import { repoRoot } from './support/processes.ts';
import { storedConnectionKey } from './support/story.ts';
import { startConnectedPair, startSyncNode, stopSyncPair, type SyncNode } from './support/sync-nodes.ts';

/** The newest migration this code knows, from drizzle's journal (what /readyz compares the database with). */
const journal = (
  JSON.parse(readFileSync(join(repoRoot, 'db', 'migrations', 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string; when: number }>;
  }
).entries;

async function probe(node: { url: string }, path: '/readyz' | '/healthz') {
  const response = await fetch(`${node.url}${path}`);
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('/readyz', () => {
  const started: SyncNode[] = [];
  afterAll(async () => {
    await Promise.all(started.map((node) => node.stop()));
  });

  it('is ready when the database carries the newest migration and the engine runs; /healthz is alive either way', async () => {
    const node = await startSyncNode('ready', { SYNC_INTERVAL_MS: '50' });
    started.push(node);
    expect(await probe(node, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await probe(node, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });

    // A database one migration behind the code (as an upgrade that did not run would leave it): not ready.
    const sqlite = node.deps.db.$client;
    const newest = journal.at(-1)!;
    const row = sqlite.prepare('select hash from __drizzle_migrations where created_at = ?').get(newest.when) as {
      hash: string;
    };
    sqlite.prepare('delete from __drizzle_migrations where created_at = ?').run(newest.when);
    expect(await probe(node, '/readyz')).toEqual({
      status: 503,
      body: {
        status: 'starting',
        reason: `the database is not migrated: its newest migration is ${journal.at(-2)!.tag}, this code's is ${newest.tag}`,
      },
    });
    expect((await probe(node, '/healthz')).status).toBe(200);
    sqlite.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run(row.hash, newest.when);
    expect((await probe(node, '/readyz')).status).toBe(200);

    // It follows the engine: stopped, not ready; started again, ready.
    await node.sync.stop();
    expect(await probe(node, '/readyz')).toMatchObject({ status: 503, body: { status: 'starting' } });
    node.sync.start();
    expect(await probe(node, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('is not ready when the newest migration has our journal time but not our hash (as restore refuses it)', async () => {
    const node = await startSyncNode('spoofed', { SYNC_INTERVAL_MS: '50' });
    started.push(node);
    const sqlite = node.deps.db.$client;
    const newest = journal.at(-1)!;
    // drizzle's migrator records a migration's SQL hash and its journal time: this row is another migration's.
    sqlite.prepare('update __drizzle_migrations set hash = ? where created_at = ?').run('e'.repeat(64), newest.when);
    expect(await probe(node, '/readyz')).toEqual({
      status: 503,
      body: {
        status: 'starting',
        reason: `the database is not migrated: its newest migration is one that is not DeskBridge's (hash eeeeeeeeeeee), this code's is ${newest.tag}`,
      },
    });
  });

  it('is not ready while the sync engine does not run (SYNC_INTERVAL_MS=0)', async () => {
    const node = await startSyncNode('no-engine', { SYNC_INTERVAL_MS: '0' });
    started.push(node);
    expect(await probe(node, '/readyz')).toEqual({
      status: 503,
      body: { status: 'starting', reason: 'the sync engine is not running (SYNC_INTERVAL_MS=0 runs none)' },
    });
    expect((await probe(node, '/healthz')).status).toBe(200);
  });
});

describe('a shutdown', () => {
  it('answers 503 at once (readyz "stopping"; webhooks and node pushes with Retry-After), finishes the entity in flight and starts no other', async () => {
    // B runs its engine one entity at a time; A is driven by the test.
    const pair = await startConnectedPair(
      { slug: 'initech', platform: 'freshservice' },
      { slug: 'acme', platform: 'freshdesk' },
      { mode: 'basic', nodeEnv: { b: { SYNC_INTERVAL_MS: '20', SYNC_CONCURRENCY: '1' } } },
    );
    const { a, b, aSim, bSim, ids } = pair;
    let closed = false;
    try {
      if (aSim.platform === 'xurrent' || bSim.platform === 'xurrent') throw new Error('unexpected platform');
      expect((await probe(b, '/readyz')).status).toBe(200);
      aSim.addTicket({ subject: 'First', description: '<p>one</p>', email: 'one@initech.example' });
      aSim.addTicket({ subject: 'Second', description: '<p>two</p>', email: 'two@initech.example' });
      // Each create on B's helpdesk takes a while: the shutdown begins while the first is being written.
      bSim.faults.add({ kind: 'latency', ms: 700, method: 'POST', path: '/api/v2/tickets', times: 10 });
      await a.sync.pollOnce(true);
      await a.sync.processChanges();
      await a.sync.sendOutbox();
      const deadline = Date.now() + 10_000;
      while (!b.sync.inFlight().some((work) => work.startsWith('incoming ')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      expect(b.sync.inFlight()).toEqual([expect.stringMatching(new RegExp(`^incoming ${ids.b} `))]);

      const closing = b.close().then(() => {
        closed = true;
      });
      expect(await probe(b, '/readyz')).toEqual({
        status: 503,
        body: { status: 'stopping', reason: 'DeskBridge is shutting down' },
      });
      expect((await probe(b, '/healthz')).status).toBe(200);
      const webhook = await fetch(`${b.url}/webhooks/acme`, { method: 'POST', body: '{"ticket_id":1}' });
      expect(webhook.status).toBe(503);
      expect(webhook.headers.get('retry-after')).toBe('5');
      expect(await webhook.json()).toEqual({
        error: { code: 'shutting_down', message: 'DeskBridge is shutting down; send this again in a moment.' },
      });
      // A's node client sees a 503 it retries later (shutting_down is transient for the engine).
      const client = new NodeClient({ timeoutMs: 2000, outbound: outboundPolicy(true), clock: a.clock.now });
      const peer = { key: storedConnectionKey(a.deps, ids.a), nodeUrl: b.url, remoteConnectionId: ids.b };
      await expect(client.signed(peer, 'POST', '/messages', { messages: [] })).rejects.toMatchObject({
        code: 'shutting_down',
      });
      expect(closed).toBe(false);
      await closing;

      // The entity in flight was written whole and recorded; the second was not started and waits, not half-applied.
      expect(bSim.ticketCount()).toBe(1);
      const db = new Database(databasePath(b.dataDir), { readonly: true });
      const inbox = db
        .prepare("select state, apply_marker is not null as marked from inbox where kind = 'replica' order by id")
        .all();
      const twins = db.prepare('select count(*) as n from twin_links').get();
      db.close();
      expect(inbox).toEqual([
        { state: 'applied', marked: 1 },
        { state: 'received', marked: 0 },
      ]);
      expect(twins).toEqual({ n: 1 });
    } finally {
      if (!closed) await b.close().catch(() => {});
      await stopSyncPair([a], [aSim, bSim]);
      rmSync(b.dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
