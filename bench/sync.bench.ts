/**
 * Sync benchmark (not a test): two nodes on loopback, Freshdesk simulator -> Freshservice simulator, webhooks on.
 * N tickets with 3 comments each appear on the Freshdesk side at a steady rate (each announced by one webhook);
 * we measure throughput, change-to-twin latency and helpdesk API calls per synced ticket.
 *
 * Run: npx tsx bench/sync.bench.ts
 *   BENCH_TICKETS (1000), BENCH_RATE (60 tickets/s offered), BENCH_CONCURRENCY (SYNC_CONCURRENCY, 16),
 *   BENCH_BATCH_SIZE (SYNC_BATCH_SIZE, 200), BENCH_INTERVAL_MS (SYNC_INTERVAL_MS, 1000),
 *   BENCH_PROCESSES=1 (everything in this process), BENCH_DEBUG=1 (step times, CPU per process, latency by stage),
 *   BENCH_CPU_PROF=dir (a CPU profile per child process).
 *
 * Each simulator and each node runs in a process of its own (this file, forked with BENCH_ROLE), as they would in
 * production, so the machine's cores are used. The simulators' rate limits are raised (1,000,000/min) so the figures
 * measure DeskBridge, not the quota. The nodes run their engine timers as the service does: woken by webhooks and
 * incoming messages at once, SYNC_INTERVAL_MS being only the idle pause.
 *
 * The minimum API calls per ticket is 5: 1 read of the source ticket (Freshdesk embeds its conversations with
 * include=conversations), 1 create on the target carrying the description, 1 per comment (neither API creates notes
 * with the ticket). The webhooks of our own writes on the target cost one more read (the echo check), so 6 is the
 * budget (minimum + 1).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHelpdesk } from '../adapters/helpdesk/index.ts';
import { outboundPolicy } from '../src/http/outbound-policy.ts';
import { WEBHOOK_SECRET_HEADER } from '../adapters/helpdesk/webhooks.ts';
import { acceptInvitation } from '../src/app/accept-invitation.ts';
import { initiateConnection } from '../src/app/initiate-connection.ts';
import { registerInstance } from '../src/app/instances.ts';
import { addTrigger } from '../src/app/triggers.ts';
import { instanceWebhook } from '../src/app/webhook-secrets.ts';
import { startSimulator, startSyncNode, type Simulator, type SyncNode } from '../test/support/sync-nodes.ts';
import { machineClock } from '../test/support/nodes.ts';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 60);
const COMMENTS = 3;
const STEPS = ['pollOnce', 'processChanges', 'sendOutbox', 'pullRemote', 'applyInbox'] as const;

/** CPU time of this process since `cpuMark` (the load's start), so start-up and module loading are left out. */
function cpuMeter(): Handlers {
  let mark = process.cpuUsage();
  return {
    cpuMark: () => {
      mark = process.cpuUsage();
    },
    cpuMs: () => {
      const used = process.cpuUsage(mark);
      return Math.round((used.user + used.system) / 1000);
    },
  };
}

// ---- the roles: a simulator, a node ------------------------------------------------------------------------------

type Handlers = Record<string, (...args: never[]) => unknown>;

interface SimInfo {
  platform: 'freshdesk' | 'freshservice';
  url: string;
  apiKey: string;
}

function simulatorRole(): Handlers {
  let sim: Simulator | null = null;
  const need = () => {
    if (!sim || sim.platform === 'xurrent') throw new Error('no Freshworks simulator started');
    return sim;
  };
  return {
    async start(platform: 'freshdesk' | 'freshservice'): Promise<SimInfo> {
      const started = await startSimulator(platform, machineClock, 1_000_000);
      sim = started;
      const s = need();
      return { platform, url: s.url, apiKey: s.apiKey };
    },
    addWebhook: (url: string, secret: string) =>
      need().webhooks.add({ url, headers: { [WEBHOOK_SECRET_HEADER]: secret } }),
    /** A ticket appears with its comments (seeded: no API calls of ours), then an agent edit fires the webhook. */
    newTicket(i: number): { id: string; at: number } {
      const s = need();
      const id = s.addTicket({
        subject: `Bench ticket ${i}`,
        description: `<p>Benchmark ticket ${i}</p>`,
        email: `user${i}@acme.example`,
        conversations: Array.from({ length: COMMENTS }, (_, c) => ({
          body: `Comment ${c + 1} on ${i}`,
          private: false,
        })),
      });
      const at = Date.now();
      s.agentUpdate(id, { priority: 2 });
      return { id: String(id), at };
    },
    requests: () => ({ ...need().requests }),
    ...cpuMeter(),
    ticketCount: () => need().ticketCount(),
    settle: () => need().webhooks.settle(),
    close: async () => {
      await sim?.close();
    },
  };
}

function nodeRole(): Handlers {
  let node: SyncNode | null = null;
  let lastRowid = 0;
  const timing: Record<string, number> = {};
  const need = () => {
    if (!node) throw new Error('no node started');
    return node;
  };
  return {
    async start(name: string, env: Record<string, string>) {
      node = await startSyncNode(name, env, machineClock);
      if (process.env.BENCH_DEBUG) {
        for (const step of STEPS) {
          const original = node.sync[step].bind(node.sync) as () => Promise<number>;
          (node.sync as unknown as Record<string, unknown>)[step] = async () => {
            const t = performance.now();
            try {
              return await original();
            } finally {
              timing[step] = (timing[step] ?? 0) + performance.now() - t;
            }
          };
        }
      }
      return { publicUrl: node.config.publicUrl };
    },
    async register(slug: string, sim: SimInfo) {
      const n = need();
      await registerInstance(n.deps, {
        platform: sim.platform,
        baseUrl: sim.url,
        credentials: { kind: 'apiKey', apiKey: sim.apiKey },
        name: slug,
        slug,
        actor: 'bench',
      });
      return instanceWebhook(n.deps, { instance: slug, actor: 'bench' });
    },
    async initiate(slug: string, destinationUrl: string, remoteShortName: string, project: string) {
      const { code, connection } = await initiateConnection(need().deps, {
        instance: slug,
        destinationUrl,
        mode: 'basic',
        localShortName: slug,
        remoteShortName,
        name: `${slug} to ${remoteShortName}`,
        incomingProjectId: project,
        actor: 'bench',
      });
      return { code, id: connection.id };
    },
    async accept(slug: string, code: string, project: string) {
      return (await acceptInvitation(need().deps, { instance: slug, code, incomingProjectId: project, actor: 'bench' }))
        .id;
    },
    async addTrigger(connection: string) {
      await addTrigger(need().deps, { connection, query: '', actor: 'bench' });
    },
    startEngine: () => need().sync.start(),
    /** Twins made since the last call: the other side's entity id and when the twin was committed. */
    newTwins() {
      const rows = need()
        .deps.db.$client.prepare(
          'select rowid as rowid, remote_entity_id as id, created_at as at from twin_links where rowid > ? order by rowid',
        )
        .all(lastRowid) as Array<{ rowid: number; id: string; at: number }>;
      if (rows.length > 0) lastRowid = rows.at(-1)!.rowid;
      return rows.map(({ id, at }) => ({ id, at }));
    },
    ...cpuMeter(),
    /** Debug: per entity, when its replica was queued and delivered (sender) or received (receiver). */
    stages: () =>
      need()
        .deps.db.$client.prepare(
          `select entity_id as id, created_at as queued, delivered_at as delivered from outbox where kind = 'replica'
           union all select remote_entity_id as id, received_at as queued, apply_started_at as delivered from inbox where kind = 'replica'`,
        )
        .all() as Array<{ id: string; queued: number; delivered: number | null }>,
    timing: () => Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])),
    async stop() {
      await node?.sync.stop();
      await node?.stop();
    },
  };
}

const roles: Record<string, () => Handlers> = { simulator: simulatorRole, node: nodeRole };

/** A child process serving one role over IPC. */
function serveRole(role: string): void {
  const handlers = roles[role]!();
  process.on('message', (message: { id: number; op: string; args: unknown[] }) => {
    void (async () => {
      try {
        const result = await (handlers[message.op] as (...args: unknown[]) => unknown)(...message.args);
        const last = message.op === 'close' || message.op === 'stop';
        process.send!({ id: message.id, ok: true, result }, () => {
          if (last) process.exit(0);
        });
      } catch (error) {
        process.send!({
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
    })();
  });
}

// ---- the driver ---------------------------------------------------------------------------------------------------

interface Peer {
  call<T = unknown>(op: string, ...args: unknown[]): Promise<T>;
}

function inProcess(role: string): Peer {
  const handlers = roles[role]!();
  return {
    call: async <T>(op: string, ...args: unknown[]) =>
      (await (handlers[op] as (...a: unknown[]) => unknown)(...args)) as T,
  };
}

function child(role: string, children: ChildProcess[]): Peer {
  // BENCH_CPU_PROF=dir writes a CPU profile per process there (node --cpu-prof).
  const execArgv = process.env.BENCH_CPU_PROF
    ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${role}-${children.length}`]
    : process.execArgv;
  const proc = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, BENCH_ROLE: role }, execArgv });
  children.push(proc);
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  proc.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const waiter = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) waiter?.resolve(m.result);
    else waiter?.reject(new Error(`${role}: ${m.error}`));
  });
  proc.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${role} process exited with ${code}`));
  });
  return {
    call: <T>(op: string, ...args: unknown[]) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, op, args });
      }),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function firstProject(sim: SimInfo): Promise<string> {
  const [project] = await createHelpdesk(
    {
      platform: sim.platform,
      baseUrl: sim.url,
      credentials: { kind: 'apiKey', apiKey: sim.apiKey },
    },
    { outbound: outboundPolicy(true) },
  ).listProjects();
  return project!.id;
}

async function main(): Promise<void> {
  const single = process.env.BENCH_PROCESSES === '1';
  const children: ChildProcess[] = [];
  const peer = (role: string) => (single ? inProcess(role) : child(role, children));
  const fdPeer = peer('simulator');
  const fsPeer = peer('simulator');
  const aPeer = peer('node');
  const bPeer = peer('node');
  const [fd, fs] = await Promise.all([
    fdPeer.call<SimInfo>('start', 'freshdesk'),
    fsPeer.call<SimInfo>('start', 'freshservice'),
  ]);
  const env = {
    SYNC_INTERVAL_MS: process.env.BENCH_INTERVAL_MS ?? '1000',
    SYNC_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '16',
    SYNC_BATCH_SIZE: process.env.BENCH_BATCH_SIZE ?? '200',
    SYNC_POLL_INTERVAL_MS: '3600000',
    LOG_LEVEL: 'silent',
  };
  const [_a, b] = await Promise.all([
    aPeer.call<{ publicUrl: string }>('start', 'bench-a', env),
    bPeer.call<{ publicUrl: string }>('start', 'bench-b', env),
  ]);
  for (const [node, sim, simPeer, slug] of [
    [aPeer, fd, fdPeer, 'acme'],
    [bPeer, fs, fsPeer, 'initech'],
  ] as const) {
    const hook = await node.call<{ url: string; secret: string }>('register', slug, sim);
    await simPeer.call('addWebhook', hook.url, hook.secret);
  }
  const initiated = await aPeer.call<{ code: string; id: string }>(
    'initiate',
    'acme',
    `${b.publicUrl}/i/initech`,
    'initech',
    await firstProject(fd),
  );
  await bPeer.call('accept', 'initech', initiated.code, await firstProject(fs));
  await aPeer.call('addTrigger', initiated.id);
  await Promise.all([aPeer.call('startEngine'), bPeer.call('startEngine')]);

  if (!single) await Promise.all([fdPeer, fsPeer, aPeer, bPeer].map((p) => p.call('cpuMark')));
  const baseline = {
    fd: (await fdPeer.call<{ total: number }>('requests')).total,
    fs: (await fsPeer.call<{ total: number }>('requests')).total,
  };
  const changedAt = new Map<string, number>();
  const twinAt = new Map<string, number>();
  const collectTwins = async () => {
    for (const row of await bPeer.call<Array<{ id: string; at: number }>>('newTwins')) twinAt.set(row.id, row.at);
  };
  const started = Date.now();
  let lastCollect = started;
  for (let i = 0; i < TICKETS; i++) {
    const wait = started + (i * 1000) / RATE - Date.now();
    if (wait > 0) await sleep(wait);
    const made = await fdPeer.call<{ id: string; at: number }>('newTicket', i);
    changedAt.set(made.id, made.at);
    if (Date.now() - lastCollect > 250) {
      lastCollect = Date.now();
      await collectTwins();
    }
  }
  const offeredSeconds = (Date.now() - started) / 1000;

  const deadline = Date.now() + 10 * 60_000;
  while (twinAt.size < TICKETS && Date.now() < deadline) {
    await collectTwins();
    if (twinAt.size < TICKETS) await sleep(50);
  }
  const finished = Math.max(...twinAt.values());
  // Let the echoes (webhooks of our own writes) and acks finish, so their API calls are counted too.
  await sleep(1500);
  await Promise.all([fdPeer.call('settle'), fsPeer.call('settle')]);
  await sleep(1500);

  const latencies = [...twinAt.entries()].map(([id, at]) => at - changedAt.get(id)!).sort((x, y) => x - y);
  const requests = {
    fd: await fdPeer.call<{ total: number; throttled: number }>('requests'),
    fs: await fsPeer.call<{ total: number; throttled: number }>('requests'),
  };
  const calls = { source: requests.fd.total - baseline.fd, target: requests.fs.total - baseline.fs };
  const seconds = (finished - started) / 1000;
  const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
  line({
    metric: 'throughput',
    tickets: twinAt.size,
    comments_per_ticket: COMMENTS,
    seconds: Number(seconds.toFixed(2)),
    tickets_per_second: Number((twinAt.size / seconds).toFixed(1)),
    offered_rate: RATE,
    offered_rate_achieved: Number((TICKETS / offeredSeconds).toFixed(1)),
    processes: single ? 1 : 5,
  });
  line({
    metric: 'latency_ms',
    from: 'webhook-announced change',
    to: 'twin with comments committed',
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    max: latencies.at(-1),
  });
  line({
    metric: 'api_calls_per_ticket',
    total: Number(((calls.source + calls.target) / twinAt.size).toFixed(2)),
    source_freshdesk: Number((calls.source / twinAt.size).toFixed(2)),
    target_freshservice: Number((calls.target / twinAt.size).toFixed(2)),
    minimum: 5,
    budget: 6,
  });
  const targetTickets = await fsPeer.call<number>('ticketCount');
  line({
    metric: 'check',
    target_tickets: targetTickets,
    duplicates: targetTickets - twinAt.size,
    rate_limited_responses: requests.fd.throttled + requests.fs.throttled,
  });
  if (process.env.BENCH_DEBUG) {
    line({ metric: 'debug_step_ms', a: await aPeer.call('timing'), b: await bPeer.call('timing') });
    type Stage = { id: string; queued: number; delivered: number | null };
    const sent = new Map((await aPeer.call<Stage[]>('stages')).map((r) => [r.id, r]));
    const received = new Map((await bPeer.call<Stage[]>('stages')).map((r) => [r.id, r]));
    const parts: Record<string, number[]> = {
      webhook_to_outbox: [],
      outbox_to_received: [],
      received_to_apply_start: [],
      apply_start_to_twin: [],
    };
    for (const [id, at] of twinAt) {
      const out = sent.get(id);
      const inb = received.get(id);
      if (!out || !inb) continue;
      parts.webhook_to_outbox!.push(out.queued - changedAt.get(id)!);
      parts.outbox_to_received!.push(inb.queued - out.queued);
      parts.received_to_apply_start!.push((inb.delivered ?? at) - inb.queued);
      parts.apply_start_to_twin!.push(at - (inb.delivered ?? at));
    }
    line({
      metric: 'debug_latency_parts_ms',
      ...Object.fromEntries(
        Object.entries(parts).map(([k, v]) => [
          k,
          {
            p50: percentile(
              v.sort((x, y) => x - y),
              50,
            ),
            p95: percentile(v, 95),
          },
        ]),
      ),
    });
    if (!single) {
      const cpu = async (p: Peer) => p.call<number>('cpuMs');
      line({
        metric: 'debug_cpu_ms',
        node_a: await cpu(aPeer),
        node_b: await cpu(bPeer),
        sim_freshdesk: await cpu(fdPeer),
        sim_freshservice: await cpu(fsPeer),
      });
    }
  }

  await Promise.all([aPeer.call('stop'), bPeer.call('stop')]);
  await Promise.all([fdPeer.call('close'), fsPeer.call('close')]);
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
}

if (process.env.BENCH_ROLE) serveRole(process.env.BENCH_ROLE);
else await main();
