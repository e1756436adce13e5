/**
 * Poller benchmark (not a test): one health cycle over 10,000 connections whose other nodes are simulated on
 * loopback. The other nodes are one small node:http server, in a process of its own as they would be on other
 * machines, answering `GET /v1/connections/{id}/status` after the real signature check (verifySignature with each
 * connection's own key, the five-minute window, replayed request ids refused), and the helpdesk credential check
 * (once per instance per cycle, as the poller makes it). The connections are seeded straight through the schema into
 * a temp data dir, by another child process, so the measured process is the poller alone: it opens the data dir and
 * runs one cycle, with the production code (runHealthCycle, the node client, the default probe).
 *
 * Run: npx tsx bench/poller.bench.ts   (BENCH_CONNECTIONS=10000 BENCH_INSTANCES=100 BENCH_CONCURRENCY=64 by default)
 * Prints JSON lines: the seed, the cycle (duration, connections checked, failing) and resident memory (RSS).
 */
import { fork } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { databasePath, openDatabase } from '../db/client.ts';
import { connections, instances } from '../db/schema/index.ts';
import type { AppDeps } from '../src/app/deps.ts';
import type { Helpdesk } from '../src/domain/helpdesk.ts';
import { verifySignature } from '../src/domain/request-signing.ts';
import { createLogger } from '../src/logger.ts';
import { defaultHealthProbe, pollerNodeClient, runHealthCycle } from '../src/poller/health-check.ts';
import { outboundPolicy } from '../src/http/outbound-policy.ts';
import { RulePool } from '../src/rules/pool/rule-pool.ts';
import { SecretBox } from '../src/secrets.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const role = process.env.BENCH_ROLE ?? 'main';

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Each connection's key, derivable on both sides from the run's secret: the remote needs no table of 10,000 keys. */
function connectionKey(runSecret: string, remoteConnectionId: string): Buffer {
  return createHmac('sha256', runSecret).update(remoteConnectionId).digest();
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

// ---- role: the other nodes (and the helpdesks' credential endpoint) ------------------------------------------------

async function remoteRole(runSecret: string): Promise<void> {
  const seen = new Set<string>();
  let answered = 0;
  let refused = 0;
  let helpdeskChecks = 0;
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const path = req.url ?? '/';
      const status = /^\/v1\/connections\/([^/]+)\/status$/.exec(path);
      if (status) {
        try {
          const key = connectionKey(runSecret, decodeURIComponent(status[1]!));
          const { idempotencyKey } = verifySignature(
            key,
            { method: req.method ?? 'GET', path, body, headers: req.headers },
            Date.now(),
          );
          if (seen.has(idempotencyKey)) throw new Error('replayed');
          seen.add(idempotencyKey);
        } catch {
          refused++;
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ error: { code: 'unauthorized', message: 'The request signature does not match.' } }),
          );
          return;
        }
        answered++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'active', protocol: 1, entitiesUnderSync: 0, lastSync: null }));
        return;
      }
      if (path.startsWith('/helpdesk/')) {
        helpdeskChecks++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"agent":{"id":1}}');
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  process.on('message', (message: { report?: boolean }) => {
    if (message.report) process.send!({ answered, refused, helpdeskChecks });
  });
}

// ---- role: seed the data dir through the schema ---------------------------------------------------------------------

function seedRole(dataDir: string, masterKey: string, runSecret: string, remoteUrl: string): void {
  const started = performance.now();
  const db = openDatabase(databasePath(dataDir));
  const secrets = new SecretBox(Buffer.from(masterKey, 'hex'));
  const credentialsEnc = secrets.seal(JSON.stringify({ kind: 'apiKey', apiKey: 'bench-key' }));
  db.transaction((tx) => {
    for (let i = 0; i < INSTANCES; i++) {
      tx.insert(instances)
        .values({
          id: `inst-${i}`,
          slug: `inst-${i}`,
          name: `Instance ${i}`,
          platform: 'freshdesk',
          baseUrl: `https://inst-${i}.example.test`,
          credentialsEnc,
          public: true,
          licenseKind: 'paid',
        })
        .run();
    }
    for (let i = 0; i < CONNECTIONS; i++) {
      const remoteConnectionId = `remote-${i}`;
      tx.insert(connections)
        .values({
          id: `conn-${i}`,
          instanceId: `inst-${i % INSTANCES}`,
          role: 'initiator',
          name: `Connection ${i}`,
          localShortName: 'Local',
          remoteShortName: 'Remote',
          mode: 'basic',
          status: 'active',
          remoteUrl: `${remoteUrl}/i/remote-${i}`,
          remoteNodeUrl: remoteUrl,
          remoteConnectionId,
          remotePlatform: 'xurrent',
          keyEnc: secrets.seal(connectionKey(runSecret, remoteConnectionId).toString('base64')),
        })
        .run();
    }
  });
  db.$client.close();
  emit({
    bench: 'poller',
    step: 'seed',
    connections: CONNECTIONS,
    instances: INSTANCES,
    ms: Math.round(performance.now() - started),
  });
}

// ---- main: the poller's health cycle ------------------------------------------------------------------------------

function child(env: Record<string, string>) {
  return fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskbridge-poller-bench-'));
  const masterKey = randomBytes(32).toString('hex');
  const runSecret = randomBytes(16).toString('hex');

  const remote = child({ BENCH_ROLE: 'remote', BENCH_RUN_SECRET: runSecret });
  const remoteUrl = await new Promise<string>((resolve) =>
    remote.once('message', (m: { url: string }) => resolve(m.url)),
  );
  const seeder = child({
    BENCH_ROLE: 'seed',
    BENCH_DATA_DIR: dataDir,
    BENCH_MASTER_KEY: masterKey,
    BENCH_RUN_SECRET: runSecret,
    BENCH_REMOTE_URL: remoteUrl,
  });
  const seeded = await new Promise<number | null>((resolve) => seeder.once('exit', resolve));
  if (seeded !== 0) throw new Error(`seeding failed (${seeded})`);

  // What the service builds for the poller, without the chat surfaces: this process is the poller only.
  // Each instance's connector, as the service keeps one per instance; the health cycle only checks credentials.
  const connectors = new Map<string, Pick<Helpdesk, 'verifyCredentials'>>();
  const helpdeskFor = (instance: { id: string; baseUrl: string }) => {
    let connector = connectors.get(instance.id);
    if (!connector) {
      connector = {
        async verifyCredentials() {
          // One HTTP call to the instance's helpdesk, as a connector's credential check makes.
          const response = await fetch(`${remoteUrl}/helpdesk/${encodeURIComponent(instance.baseUrl)}`);
          if (!response.ok) throw new Error(`helpdesk answered ${response.status}`);
          await response.arrayBuffer();
        },
      };
      connectors.set(instance.id, connector);
    }
    return connector as Helpdesk;
  };
  const secrets = new SecretBox(Buffer.from(masterKey, 'hex'));
  // The service's node timeout default (DESKBRIDGE_NODE_TIMEOUT_MS).
  // The remote nodes of the benchmark listen on loopback: private addresses allowed, as in local mode.
  const client = pollerNodeClient(Number(process.env.BENCH_TIMEOUT_MS ?? 5000), outboundPolicy(true));
  const deps: AppDeps = {
    db: openDatabase(databasePath(dataDir)),
    secrets,
    clock: () => new Date(),
    publicUrl: 'http://127.0.0.1:0',
    invitationTtlMs: 72 * 3_600_000,
    helpdeskFor,
    remote: client,
    // The health cycle runs no sync rule: the pool starts no worker.
    rules: new RulePool(),
    logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
  };

  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const report = await runHealthCycle(deps, {
    probe: defaultHealthProbe(deps, client),
    concurrency: CONCURRENCY,
    privateSilenceMs: 600_000,
  });
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  if (process.env.BENCH_DEBUG)
    emit({ debug: Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mb(v)])) });

  remote.send({ report: true });
  const served = await new Promise<{ answered: number; refused: number; helpdeskChecks: number }>((resolve) =>
    remote.once('message', resolve),
  );
  emit({
    bench: 'poller',
    step: 'health-cycle',
    connections: report.checked,
    failing: report.failing,
    transitions: report.transitions.length,
    concurrency: CONCURRENCY,
    durationMs: report.durationMs,
    perConnectionMs: Math.round((report.durationMs / Math.max(1, report.checked)) * 1000) / 1000,
    remoteStatusAnswers: served.answered,
    remoteRefused: served.refused,
    helpdeskChecks: served.helpdeskChecks,
  });
  emit({
    bench: 'poller',
    step: 'memory',
    rssBeforeCycleMb: mb(rssBefore),
    peakRssDuringCycleMb: mb(peakRss),
    maxRssProcessMb: mb(maxRss),
    targets: { durationMs: 30_000, rssMb: 200 },
    withinTargets: report.durationMs < 30_000 && maxRss < 200 * 1024 * 1024,
  });

  remote.kill();
  deps.db.$client.close();
  rmSync(dataDir, { recursive: true, force: true });
}

if (role === 'remote') await remoteRole(process.env.BENCH_RUN_SECRET!);
else if (role === 'seed')
  seedRole(
    process.env.BENCH_DATA_DIR!,
    process.env.BENCH_MASTER_KEY!,
    process.env.BENCH_RUN_SECRET!,
    process.env.BENCH_REMOTE_URL!,
  );
else await main();
