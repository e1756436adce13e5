/**
 * Metrics benchmark (not a test): what one scrape of /metrics costs on a node with many connections. The queue depths
 * and connection statuses are read from the database at each scrape (stageCounts for every connection), so the cost
 * grows with the number of connections, and with the history each keeps (delivered outbox rows, applied inbox rows).
 * The data dir is seeded straight through the schema; the scrape runs through the real route on loopback.
 *
 * Run: npx tsx bench/metrics.bench.ts   (BENCH_CONNECTIONS=1000 BENCH_HISTORY=50 BENCH_SCRAPES=20 by default)
 * Prints JSON lines: the seed, then the scrapes (median and slowest ms, series, bytes).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeQueue, connections, inbox, instances, outbox } from '../db/schema/index.ts';
import { buildAppDeps } from '../src/app-deps.ts';
import { metricsSources } from '../src/app/metrics-sources.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpServer, listen } from '../src/http/server.ts';
import { createLogger } from '../src/logger.ts';
import { metricsRoute } from '../src/metrics/endpoint.ts';
import { Metrics } from '../src/metrics/registry.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1000);
/** Delivered outbox rows and applied inbox rows per connection: the history a scrape must not scan. */
const HISTORY = Number(process.env.BENCH_HISTORY ?? 50);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 20);
const TOKEN = 'bench-metrics-token-0123456789';

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'deskbridge-bench-metrics-'));
try {
  const config = loadConfig({
    DESKBRIDGE_DATA_DIR: dataDir,
    DESKBRIDGE_SECRET_KEY: randomBytes(32).toString('hex'),
    METRICS_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
  });
  const logger = createLogger('silent');
  const metrics = new Metrics();
  const deps = buildAppDeps({ config, logger, metrics });
  metrics.readFrom(metricsSources(deps));

  const seeding = performance.now();
  const at = new Date();
  deps.db.transaction((tx) => {
    tx.insert(instances)
      .values({
        id: 'inst-0',
        slug: 'inst-0',
        name: 'Instance',
        platform: 'freshdesk',
        baseUrl: 'https://inst-0.example.test',
        credentialsEnc: deps.secrets.seal(JSON.stringify({ kind: 'apiKey', apiKey: 'bench-key' })),
        public: true,
        licenseKind: 'paid',
      })
      .run();
    for (let i = 0; i < CONNECTIONS; i++) {
      const id = `conn-${i}`;
      tx.insert(connections)
        .values({
          id,
          instanceId: 'inst-0',
          role: 'initiator',
          name: `Connection ${i}`,
          localShortName: 'Local',
          remoteShortName: 'Remote',
          mode: 'basic',
          status: i % 10 === 0 ? 'error' : 'active',
          remotePlatform: 'xurrent',
        })
        .run();
      for (let h = 0; h <= HISTORY; h++) {
        const queued = h === HISTORY;
        tx.insert(outbox)
          .values({
            connectionId: id,
            entityId: String(h),
            idempotencyKey: `${id}:out:${h}`,
            kind: 'replica',
            payload: {},
            status: queued ? 'queued' : 'delivered',
            nextAttemptAt: at,
            createdAt: at,
            ...(queued ? {} : { deliveredAt: at }),
          })
          .run();
        tx.insert(inbox)
          .values({
            connectionId: id,
            idempotencyKey: `${id}:in:${h}`,
            kind: 'replica',
            payload: {},
            receivedAt: at,
            remoteEntityId: String(h),
            ...(queued ? {} : { appliedAt: at, state: 'applied' as const }),
          })
          .run();
      }
      tx.insert(changeQueue).values({ connectionId: id, entityId: '1', reason: 'webhook', queuedAt: at }).run();
    }
  });
  emit({
    bench: 'metrics',
    step: 'seed',
    connections: CONNECTIONS,
    historyPerConnection: HISTORY,
    ms: Math.round(performance.now() - seeding),
  });

  const server = createHttpServer([metricsRoute(metrics, TOKEN)], logger);
  const address = await listen(server, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}/metrics`;
  const times: number[] = [];
  let bytes = 0;
  let series = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
    bytes = Buffer.byteLength(text);
    series = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  }
  times.sort((x, y) => x - y);
  emit({
    bench: 'metrics',
    step: 'scrape',
    connections: CONNECTIONS,
    scrapes: SCRAPES,
    medianMs: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10,
    maxMs: Math.round(times.at(-1)! * 10) / 10,
    series,
    bytes,
  });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await deps.rules.close();
  deps.db.$client.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
