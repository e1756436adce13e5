/**
 * Sync benchmark (not a test): two nodes on loopback, Freshdesk simulator -> Freshservice simulator, webhooks on.
 * N tickets with 3 comments each appear on the Freshdesk side at a steady rate (each announced by one webhook);
 * we measure throughput, change-to-twin latency and helpdesk API calls per synced ticket.
 * Run: npx tsx bench/sync.bench.ts   (BENCH_TICKETS=1000 BENCH_RATE=60 by default)
 * The simulators' rate limits are raised (1,000,000/min) so the figures measure DeskBridge, not the quota.
 */
import { addTrigger } from '../src/app/triggers.ts';
import { agentOf, connect, registerOn, startSimulator, startSyncNode } from '../test/support/sync-nodes.ts';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 60);
const COMMENTS = 3;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const fd = await startSimulator('freshdesk', 1_000_000);
  const fs = await startSimulator('freshservice', 1_000_000);
  if (fd.platform !== 'freshdesk' || fs.platform !== 'freshservice') throw new Error('unexpected simulators');
  const env = { SYNC_INTERVAL_MS: '5', SYNC_CONCURRENCY: '16', SYNC_BATCH_SIZE: '200', SYNC_POLL_INTERVAL_MS: '3600000', LOG_LEVEL: 'silent' };
  const a = await startSyncNode('bench-a', env);
  const b = await startSyncNode('bench-b', env);
  await registerOn(a, 'acme', fd);
  await registerOn(b, 'initech', fs);
  const [group] = await agentOf(fd).listProjects();
  const [workspace] = await agentOf(fs).listProjects();
  const ids = await connect(a, 'acme', b, 'initech', { mode: 'basic', aProject: group!.id, bProject: workspace!.id });
  await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'bench' });
  const timing: Record<string, number> = {};
  if (process.env.BENCH_DEBUG) {
    for (const [name, node] of [['a', a], ['b', b]] as const) {
      for (const step of ['pollOnce', 'processChanges', 'sendOutbox', 'pullRemote', 'applyInbox'] as const) {
        const original = node.sync[step].bind(node.sync) as () => Promise<number>;
        (node.sync as unknown as Record<string, unknown>)[step] = async () => {
          const t = performance.now();
          try {
            return await original();
          } finally {
            timing[`${name}.${step}`] = (timing[`${name}.${step}`] ?? 0) + performance.now() - t;
          }
        };
      }
    }
  }
  a.sync.start();
  b.sync.start();

  const baseline = { fd: fd.requests.total, fs: fs.requests.total };
  const changedAt = new Map<string, number>();
  const started = Date.now();
  // Tickets appear with their comments already there (seeded, no API calls of ours), then an agent edit fires the
  // webhook: the change the latency is measured from.
  for (let i = 0; i < TICKETS; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = fd.addTicket({
      subject: `Bench ticket ${i}`,
      description: `<p>Benchmark ticket ${i}</p>`,
      email: `user${i}@acme.example`,
      conversations: Array.from({ length: COMMENTS }, (_, c) => ({ body: `Comment ${c + 1} on ${i}`, private: false })),
    });
    changedAt.set(String(id), Date.now());
    fd.agentUpdate(id, { priority: 2 });
  }

  const twinAt = new Map<string, number>();
  const deadline = Date.now() + 10 * 60_000;
  const query = b.deps.db.$client.prepare('select remote_entity_id as id, created_at as at from twin_links');
  while (twinAt.size < TICKETS && Date.now() < deadline) {
    for (const row of query.all() as { id: string; at: number }[]) if (!twinAt.has(row.id)) twinAt.set(row.id, row.at);
    await new Promise((r) => setTimeout(r, 20));
  }
  const finished = Math.max(...twinAt.values());
  // Let the echoes (webhooks of our own writes) and acks finish, so their API calls are counted too.
  await new Promise((r) => setTimeout(r, 1500));
  await Promise.all([fd.webhooks.settle(), fs.webhooks.settle()]);
  await new Promise((r) => setTimeout(r, 1000));

  const latencies = [...twinAt.entries()].map(([id, at]) => at - changedAt.get(id)!).sort((x, y) => x - y);
  const calls = { source: fd.requests.total - baseline.fd, target: fs.requests.total - baseline.fs };
  const seconds = (finished - started) / 1000;
  const line = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
  line({ metric: 'throughput', tickets: twinAt.size, comments_per_ticket: COMMENTS, seconds: Number(seconds.toFixed(2)), tickets_per_second: Number((twinAt.size / seconds).toFixed(1)), offered_rate: RATE });
  line({ metric: 'latency_ms', from: 'webhook-announced change', to: 'twin with comments committed', p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) });
  line({
    metric: 'api_calls_per_ticket',
    total: Number(((calls.source + calls.target) / twinAt.size).toFixed(2)),
    source_freshdesk: Number((calls.source / twinAt.size).toFixed(2)),
    target_freshservice: Number((calls.target / twinAt.size).toFixed(2)),
    minimum: 5,
  });
  const duplicates = fs.ticketCount() - twinAt.size;
  line({ metric: 'check', target_tickets: fs.ticketCount(), duplicates, rate_limited_responses: fd.requests.throttled + fs.requests.throttled });

  if (process.env.BENCH_DEBUG) line({ metric: 'debug_step_ms', ...Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])) });
  await a.sync.stop();
  await b.sync.stop();
  await a.stop();
  await b.stop();
  await fd.close();
  await fs.close();
}

await main();
