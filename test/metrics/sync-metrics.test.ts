import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTrigger } from '../../src/app/triggers.ts';
import { TestClock } from '../support/nodes.ts';
import { parseExposition, samplesOf, sumOf, type Exposition } from '../support/prometheus-text.ts';
import {
  agentOf,
  connect,
  registerOn,
  settle,
  startSimulator,
  startSyncNode,
  stopSyncPair,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';

/**
 * GET /metrics on two real nodes syncing a Freshdesk ticket to Freshservice through their simulators, the engines
 * driven step by step so each scrape falls at a known point of the sync. The scrapes are read with a parser of the
 * Prometheus text format (test/support/prometheus-text.ts, written from the exposition format's specification).
 */
const TOKEN = 'metrics-token-0123456789abcdef';
/** prom-client's answer for the text format 0.0.4, the version the exposition format documents. */
const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

async function scrape(node: SyncNode): Promise<Exposition> {
  const res = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(TEXT_FORMAT);
  return parseExposition(await res.text());
}

const depth = (e: Exposition, connection: string, stage: string) =>
  sumOf(e, 'deskbridge_queue_depth', { connection, stage });

describe('GET /metrics during a sync', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let ids: { a: string; b: string };
  let email: string;

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
    const env = { METRICS_TOKEN: TOKEN };
    [a, b] = await Promise.all([startSyncNode('metrics-a', env, clock), startSyncNode('metrics-b', env, clock)]);
    await registerOn(a, 'acme', fd);
    await registerOn(b, 'initech', fs);
    const [group] = await agentOf(fd).listProjects();
    const [workspace] = await agentOf(fs).listProjects();
    ids = await connect(a, 'acme', b, 'initech', { mode: 'basic', aProject: group!.id, bProject: workspace!.id });
    await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'test:alice' });
    email = 'pat@acme.example';
    await settle([a, b], [fd, fs]);
  }, 30_000);

  afterAll(() => stopSyncPair([a, b], [fd, fs]));

  /** A ticket created by an agent in Freshdesk: its webhook is delivered (the change queued on A) before this returns. */
  async function newTicket(subject: string): Promise<number> {
    if (fd.platform === 'xurrent') throw new Error('unexpected platform');
    const id = fd.addTicket({ subject, description: '<p>Third floor</p>', email });
    fd.agentUpdate(id, { priority: 2 });
    await fd.webhooks.settle();
    return id;
  }

  it('shows the queue draining stage by stage, and the helpdesk calls, node requests and rule runs counted', async () => {
    if (fd.platform === 'xurrent' || fs.platform === 'xurrent') throw new Error('unexpected platform');
    const [a0, b0] = [await scrape(a), await scrape(b)];
    const calls0 = { fd: fd.requests.total, fs: fs.requests.total };
    // The first read of the ticket is throttled for a second, the next one fails with a 500: both are waited out.
    fd.faults.add({ kind: 'throttle', retryAfterSeconds: 1, method: 'GET', path: '/api/v2/tickets' });
    fd.faults.add({ kind: 'status', status: 500, method: 'GET', path: '/api/v2/tickets' });
    await newTicket('Printer on fire');

    const queued = await scrape(a);
    expect(depth(queued, ids.a, 'change')).toBe(1);
    expect(depth(queued, ids.a, 'outbox')).toBe(0);
    expect(
      sumOf(queued, 'deskbridge_queue_oldest_age_seconds', { connection: ids.a, stage: 'change' }),
    ).toBeGreaterThanOrEqual(0);

    await a.sync.processChanges();
    const replicated = await scrape(a);
    expect(depth(replicated, ids.a, 'change')).toBe(0);
    expect(depth(replicated, ids.a, 'outbox')).toBe(1);
    const delta = (name: string, labels: Record<string, string>) =>
      sumOf(replicated, name, labels) - sumOf(a0, name, labels);
    expect(
      delta('deskbridge_helpdesk_requests_total', { platform: 'freshdesk', status: '429', outcome: 'retried' }),
    ).toBe(1);
    expect(
      delta('deskbridge_helpdesk_requests_total', { platform: 'freshdesk', status: '500', outcome: 'retried' }),
    ).toBe(1);
    expect(
      delta('deskbridge_helpdesk_requests_total', { platform: 'freshdesk', status: '200', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(delta('deskbridge_helpdesk_throttled_total', { platform: 'freshdesk' })).toBe(1);
    // Retry-After: 1 (second) plus the budget's 50 ms margin, less the few ms between the 429 and the next call.
    const waited = delta('deskbridge_helpdesk_rate_limit_wait_seconds_total', { platform: 'freshdesk' });
    expect(waited).toBeGreaterThan(0.9);
    expect(waited).toBeLessThanOrEqual(1.05);
    expect(delta('deskbridge_rule_runs_total', { direction: 'outgoing', outcome: 'ok' })).toBe(1);
    expect(delta('deskbridge_rule_run_duration_seconds_count', { direction: 'outgoing' })).toBe(1);

    await a.sync.sendOutbox();
    const sent = await scrape(a);
    expect(depth(sent, ids.a, 'outbox')).toBe(0);
    expect(
      sumOf(sent, 'deskbridge_sync_messages_sent_total', { connection: ids.a }) -
        sumOf(a0, 'deskbridge_sync_messages_sent_total', { connection: ids.a }),
    ).toBe(1);
    const received = await scrape(b);
    expect(depth(received, ids.b, 'inbox')).toBe(1);
    const messagesRoute = { method: 'POST', route: '/v1/connections/:id/messages', status: '200' };
    expect(
      sumOf(received, 'deskbridge_http_requests_total', messagesRoute) -
        sumOf(b0, 'deskbridge_http_requests_total', messagesRoute),
    ).toBe(1);

    await b.sync.applyInbox();
    const applied = await scrape(b);
    expect(depth(applied, ids.b, 'inbox')).toBe(0);
    // The ack for A waits in B's outbox.
    expect(depth(applied, ids.b, 'outbox')).toBe(1);
    expect(
      sumOf(applied, 'deskbridge_sync_messages_applied_total', { connection: ids.b }) -
        sumOf(b0, 'deskbridge_sync_messages_applied_total', { connection: ids.b }),
    ).toBe(1);
    expect(
      sumOf(applied, 'deskbridge_rule_runs_total', { direction: 'incoming', outcome: 'ok' }) -
        sumOf(b0, 'deskbridge_rule_runs_total', { direction: 'incoming', outcome: 'ok' }),
    ).toBe(1);
    expect(fs.ticketCount()).toBe(1);

    await settle([a, b], [fd, fs]);
    const [aEnd, bEnd] = [await scrape(a), await scrape(b)];
    for (const stage of ['change', 'outbox', 'inbox']) {
      expect(depth(aEnd, ids.a, stage)).toBe(0);
      expect(depth(bEnd, ids.b, stage)).toBe(0);
      expect(sumOf(aEnd, 'deskbridge_queue_oldest_age_seconds', { connection: ids.a, stage })).toBe(0);
    }
    // A received B's ack through the node protocol.
    expect(
      sumOf(aEnd, 'deskbridge_http_requests_total', messagesRoute) -
        sumOf(a0, 'deskbridge_http_requests_total', messagesRoute),
    ).toBeGreaterThanOrEqual(1);
    // Every call a node made reached its simulator, counted once: the two faults answer before the simulator counts.
    const callsOf = (e: Exposition, platform: string) => sumOf(e, 'deskbridge_helpdesk_requests_total', { platform });
    expect(callsOf(aEnd, 'freshdesk') - callsOf(a0, 'freshdesk')).toBe(fd.requests.total - calls0.fd + 2);
    expect(callsOf(bEnd, 'freshservice') - callsOf(b0, 'freshservice')).toBe(fs.requests.total - calls0.fs);
    expect(callsOf(aEnd, 'freshservice')).toBe(0);
    expect(sumOf(aEnd, 'deskbridge_connections', { status: 'active' })).toBe(1);
    expect(sumOf(aEnd, 'deskbridge_connections', { status: 'error' })).toBe(0);
    expect(sumOf(aEnd, 'deskbridge_sync_step_duration_seconds_count', { step: 'apply' })).toBeGreaterThan(0);
    // The poller's cycles, timed.
    await a.poller.runHealthCheck();
    await a.poller.runTriggerPoll();
    const polled = await scrape(a);
    expect(sumOf(polled, 'deskbridge_poller_cycle_duration_seconds_count', { job: 'health' })).toBe(1);
    expect(sumOf(polled, 'deskbridge_poller_cycle_duration_seconds_count', { job: 'triggers' })).toBe(1);
    // The process defaults are there too.
    expect(aEnd.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(aEnd.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  }, 30_000);

  it('counts an apply that failed, and the calls it failed with, until the retry applies it', async () => {
    if (fs.platform === 'xurrent') throw new Error('unexpected platform');
    const tickets = fs.ticketCount();
    const before = await scrape(b);
    // Freshservice is unavailable for one whole create: four 503s, the connector's attempts (the first three retried).
    fs.faults.add({ kind: 'status', status: 503, method: 'POST', path: '/api/v2/tickets', times: 4 });
    await newTicket('Scanner jammed');
    await a.sync.processChanges();
    await a.sync.sendOutbox();
    await b.sync.applyInbox();
    const failed = await scrape(b);
    const delta = (e: Exposition, name: string, labels: Record<string, string>) =>
      sumOf(e, name, labels) - sumOf(before, name, labels);
    expect(delta(failed, 'deskbridge_sync_failures_total', { connection: ids.b, stage: 'inbox' })).toBe(1);
    expect(depth(failed, ids.b, 'inbox')).toBe(1);
    const unavailable = { platform: 'freshservice', status: '503' };
    expect(delta(failed, 'deskbridge_helpdesk_requests_total', { ...unavailable, outcome: 'retried' })).toBe(3);
    expect(delta(failed, 'deskbridge_helpdesk_requests_total', { ...unavailable, outcome: 'failed' })).toBe(1);
    expect(delta(failed, 'deskbridge_sync_messages_applied_total', { connection: ids.b })).toBe(0);

    await settle([a, b], [fd, fs]);
    const recovered = await scrape(b);
    expect(fs.ticketCount()).toBe(tickets + 1);
    expect(depth(recovered, ids.b, 'inbox')).toBe(0);
    expect(delta(recovered, 'deskbridge_sync_messages_applied_total', { connection: ids.b })).toBe(1);
    expect(delta(recovered, 'deskbridge_sync_failures_total', { connection: ids.b, stage: 'inbox' })).toBe(1);
  }, 30_000);

  it('refuses a scrape without the token, or with another, and shows no figure to it', async () => {
    const refused = async (headers: Record<string, string>) => {
      const res = await fetch(`${a.url}/metrics`, { headers });
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="deskbridge-metrics"');
      expect(text).not.toContain('deskbridge_');
      expect(text).not.toContain('# TYPE');
      expect(JSON.parse(text)).toEqual({
        error: { code: 'unauthorized', message: 'A scrape of /metrics needs Authorization: Bearer <METRICS_TOKEN>.' },
      });
    };
    const before = await scrape(a);
    await refused({});
    await refused({ authorization: 'Bearer wrong-token-0123456789abcdef' });
    await refused({ authorization: `Bearer ${TOKEN}x` });
    await refused({ authorization: `Bearer ${TOKEN.slice(0, -1)}` });
    await refused({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` });
    await refused({ authorization: TOKEN });
    // The scheme is case-insensitive (RFC 7235 section 2.1).
    const lower = await fetch(`${a.url}/metrics`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(lower.status).toBe(200);
    await lower.text();
    const after = await scrape(a);
    const refusals = { method: 'GET', route: '/metrics', status: '401' };
    expect(
      sumOf(after, 'deskbridge_http_requests_total', refusals) -
        sumOf(before, 'deskbridge_http_requests_total', refusals),
    ).toBe(6);
  });

  it('keeps the series bounded and free of what strangers send: random paths, ids, slugs, tokens, ticket text', async () => {
    const markers: string[] = [];
    const hostileRound = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const m = `evil${randomUUID().replace(/-/g, '')}`;
        markers.push(m);
        const call = async (path: string, init: RequestInit = {}) => {
          const res = await fetch(`${a.url}${path}`, init);
          await res.arrayBuffer();
          return res.status;
        };
        const signed = {
          'x-deskbridge-timestamp': String(a.clock.ms()),
          'x-deskbridge-signature': m,
          'idempotency-key': m,
        };
        expect(await call(`/${m}`)).toBe(404);
        expect(await call(`/v1/connections/${m}/status`, { headers: signed })).toBe(401);
        expect(await call(`/v1/connections/${m}/messages`, { method: 'POST', headers: signed, body: '{}' })).toBe(401);
        expect(await call(`/i/${m}`)).toBe(404);
        expect(await call(`/webhooks/${m}?secret=${m}`, { method: 'POST', body: '{}' })).toBe(404);
        expect(await call(`/i/%E0${m}`)).toBe(400);
        expect(await call('/healthz', { method: 'DELETE' })).toBe(405);
        expect(await call('/metrics', { headers: { authorization: `Bearer ${m}` } })).toBe(401);
      }
    };
    const deskbridgeSeries = (e: Exposition) => e.samples.filter((s) => s.name.startsWith('deskbridge_'));

    if (fs.platform === 'xurrent') throw new Error('unexpected platform');
    const tickets = fs.ticketCount();
    // A ticket synced first, so every call and status a ticket's sync makes has its series already.
    await newTicket(`Warm-up ${randomUUID()}`);
    await settle([a, b], [fd, fs]);
    await hostileRound(3);
    const first = deskbridgeSeries(await scrape(a)).length;

    await hostileRound(20);
    for (let i = 0; i < 5; i++) {
      const m = `evil${randomUUID().replace(/-/g, '')}`;
      markers.push(m);
      await newTicket(`${m} <script>alert(1)</script>`);
    }
    await settle([a, b], [fd, fs]);
    expect(fs.ticketCount()).toBe(tickets + 6);
    const end = await scrape(a);
    expect(deskbridgeSeries(end).length).toBe(first);

    const text = await (await fetch(`${a.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    for (const m of markers) expect(text).not.toContain(m);
    expect(text).not.toContain('script>');
    // Every label value of ours is from a closed set, or this node's own connection id.
    const allowed: Record<string, (value: string) => boolean> = {
      connection: (v) => v === ids.a,
      stage: (v) => ['change', 'outbox', 'inbox'].includes(v),
      step: (v) => ['poll', 'process', 'send', 'pull', 'apply'].includes(v),
      platform: (v) => ['freshdesk', 'freshservice', 'xurrent'].includes(v),
      status: (v) => /^([1-5]\d\d|[1-5]xx|none|aborted|pending|active|deactivated|error|expired)$/.test(v),
      outcome: (v) => ['ok', 'retried', 'failed', 'script_error', 'limit', 'busy', 'stopped'].includes(v),
      direction: (v) => ['outgoing', 'incoming'].includes(v),
      method: (v) => ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'other'].includes(v),
      route: (v) =>
        ['unmatched', '/healthz', '/readyz', '/metrics', '/i/:slug', '/webhooks/:slug'].includes(v) ||
        v.startsWith('/v1/'),
      job: (v) => ['health', 'triggers'].includes(v),
      le: (v) => v === '+Inf' || Number.isFinite(Number(v)),
    };
    for (const sample of deskbridgeSeries(end))
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(allowed[label], `label ${label} of ${sample.name}`).toBeDefined();
        expect(allowed[label]!(value), `${sample.name}{${label}="${value}"}`).toBe(true);
      }
    const routes = new Set(samplesOf(end, 'deskbridge_http_requests_total').map((s) => s.labels.route));
    expect([...routes].filter((r) => r!.startsWith('/v1/')).every((r) => !r!.includes(ids.a))).toBe(true);
  }, 60_000);
});
