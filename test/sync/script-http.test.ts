/**
 * The host side of httpClient against real HTTP on loopback: the helpdesk simulators' real routes, and small servers
 * that misbehave the way an attacker's would (redirects elsewhere, endless answers, silence, echoed credentials).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHelpdesk } from '../../adapters/helpdesk/index.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { scriptHttpLimits, type ScriptHttpRequest } from '../../src/domain/script-api.ts';
import type { OutboundPolicy } from '../../src/http/outbound-policy.ts';
import { scriptHttpFor } from '../../src/sync/script-http.ts';
import {
  fastOptions,
  freshdeskHarness,
  type HarnessStart,
  manualClock,
  xurrentHarness,
} from '../adapters/helpdesk/support.ts';

const API_KEY = 'fd-key-7Q2x9Lm4Pz';
const BASIC = Buffer.from(`${API_KEY}:X`).toString('base64');
/** The servers here are on loopback, which the outbound-address policy refuses by default: this one address only. */
const loopbackOnly: OutboundPolicy = { allowPrivate: false, allowAddresses: ['127.0.0.1'] };
const onLoopback = { outbound: loopbackOnly };

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface LoopbackServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

async function loopback(answer: (req: SeenRequest, res: ServerResponse) => void): Promise<LoopbackServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function server(answer: (req: SeenRequest, res: ServerResponse) => void): Promise<LoopbackServer> {
  const s = await loopback(answer);
  open.push(s);
  return s;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function freshdeskAt(baseUrl: string, clock = manualClock()): Helpdesk {
  return createHelpdesk(
    { platform: 'freshdesk', baseUrl, credentials: { kind: 'apiKey', apiKey: API_KEY } },
    fastOptions(clock, onLoopback),
  );
}

async function refusal(call: Promise<unknown>): Promise<DomainError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('the call was not refused');
}

describe('httpClient on the simulators: the instance’s own API with its own credentials', () => {
  let started: HarnessStart | null = null;
  afterEach(async () => {
    await started?.sim.close();
    started = null;
  });

  it('Freshdesk: a GET reaches the real route; other credentials get the helpdesk’s 401 back as a status', async () => {
    started = await freshdeskHarness.start({ clock: manualClock() });
    const http = scriptHttpFor(started.client(onLoopback), { testRun: false });
    const agent = await http({ method: 'GET', path: '/api/v2/agents/1001' });
    expect(agent.status).toBe(200);
    expect(JSON.parse(agent.body)).toMatchObject({ id: 1001, contact: { name: 'Simulator Agent' } });
    expect((await http({ method: 'GET', path: '/api/v2/agents/4242' })).status).toBe(404);
    const stranger = scriptHttpFor(createHelpdesk(started.badTarget(), fastOptions(manualClock(), onLoopback)), {
      testRun: false,
    });
    const denied = await stranger({ method: 'GET', path: '/api/v2/agents/1001' });
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body)).toMatchObject({ code: 'invalid_credentials' });
  });

  it('Freshdesk: a sync may write; a test run sends GET only and the ticket stays as it was', async () => {
    started = await freshdeskHarness.start({ clock: manualClock() });
    const [id] = started.seed(1, '2026-03-01T08:00:00Z');
    const client = started.client(onLoopback);
    const sync = scriptHttpFor(client, { testRun: false });
    const put = await sync({ method: 'PUT', path: `/api/v2/tickets/${id}`, body: '{"subject":"Renamed by a script"}' });
    expect(put.status).toBe(200);
    expect((await client.getEntity(id!)).summary).toBe('Renamed by a script');

    const test = scriptHttpFor(client, { testRun: true });
    const before = started.sim.requests.total;
    const refused = await refusal(
      test({ method: 'PUT', path: `/api/v2/tickets/${id}`, body: '{"subject":"Changed"}' }),
    );
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toBe(
      'httpClient.put is not available in a test run: a test run changes nothing in the helpdesk, so it only sends httpClient.get calls',
    );
    expect(started.sim.requests.total).toBe(before);
    expect((await test({ method: 'GET', path: `/api/v2/tickets/${id}` })).status).toBe(200);
    expect((await client.getEntity(id!)).summary).toBe('Renamed by a script');
  });

  it('Xurrent: the path is under /v1/, the token signs it in and never shows in the answer', async () => {
    started = await xurrentHarness.start({ clock: manualClock() });
    const [id] = started.seed(1, '2026-03-01T08:00:00Z');
    const http = scriptHttpFor(started.client(onLoopback), { testRun: false });
    const answer = await http({ method: 'GET', path: `/v1/requests/${id}` });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ id: Number(id) });
    const token = started.target.credentials.kind === 'token' ? started.target.credentials.token : '';
    expect(token.length).toBeGreaterThan(4);
    expect(JSON.stringify(answer)).not.toContain(token);
    const wrongPrefix = await refusal(http({ method: 'GET', path: `/api/v2/tickets/${id}` }));
    expect(wrongPrefix.message).toContain('paths start with /v1/');
  });
});

describe('httpClient against hostile answers', () => {
  it('sends the stored credentials to the instance’s host only, on the path under its API root', async () => {
    const own = await server((_req, res) => json(res, 200, { ok: true }));
    // A base URL stored with the /api/v2 suffix maps onto the same paths.
    for (const baseUrl of [own.url, `${own.url}/api/v2`]) {
      const http = scriptHttpFor(freshdeskAt(baseUrl), { testRun: false });
      await http({ method: 'POST', path: '/api/v2/tickets/1/notes?x=1', body: '{"body":"hi"}' });
    }
    expect(own.seen.map((r) => [r.method, r.url, r.headers.authorization, r.headers['content-type'], r.body])).toEqual([
      ['POST', '/api/v2/tickets/1/notes?x=1', `Basic ${BASIC}`, 'application/json', '{"body":"hi"}'],
      ['POST', '/api/v2/tickets/1/notes?x=1', `Basic ${BASIC}`, 'application/json', '{"body":"hi"}'],
    ]);
  });

  it('never hands the script a credential, even when the helpdesk echoes them back', async () => {
    const own = await server((req, res) =>
      json(res, 200, { headers: req.headers, note: `key ${API_KEY} token ${BASIC}` }, { 'x-api-key': API_KEY }),
    );
    const answer = await scriptHttpFor(freshdeskAt(own.url), { testRun: false })({
      method: 'GET',
      path: '/api/v2/echo',
    });
    const whole = JSON.stringify(answer);
    expect(Object.keys(answer).sort()).toEqual(['body', 'status']);
    expect(whole).not.toContain(API_KEY);
    expect(whole).not.toContain(BASIC);
    expect(JSON.parse(answer.body).note).toBe('key [redacted] token [redacted]');
  });

  it('follows no redirect: a 302 to another port, or even to its own host, comes back to the script as the status', async () => {
    const other = await server((_req, res) => json(res, 200, { stolen: true }));
    const own = await server((req, res) => {
      const location = req.url === '/api/v2/away' ? `${other.url}/api/v2/tickets` : '/api/v2/tickets/2';
      res.writeHead(req.url === '/api/v2/away' ? 302 : 307, { location, 'content-length': '0' });
      res.end();
    });
    const http = scriptHttpFor(freshdeskAt(own.url), { testRun: false });
    expect(await http({ method: 'GET', path: '/api/v2/away' })).toEqual({ status: 302, body: '' });
    expect(await http({ method: 'PUT', path: '/api/v2/tickets/1', body: '{}' })).toEqual({ status: 307, body: '' });
    expect(other.seen).toEqual([]);
    expect(own.seen.map((r) => r.url)).toEqual(['/api/v2/away', '/api/v2/tickets/1']);
  });

  it('cuts an answer past 1 MiB with a clear error, whether or not it says its length', async () => {
    let wrote = 0;
    const own = await server((req, res) => {
      if (req.url === '/api/v2/declared') {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        res.write('{"a":"');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (wrote < 64 * 1024 * 1024 && !res.destroyed) {
          wrote += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      pump();
    });
    const http = scriptHttpFor(freshdeskAt(own.url), { testRun: false });
    for (const path of ['/api/v2/endless', '/api/v2/declared']) {
      const error = await refusal(http({ method: 'GET', path }));
      expect(error.code).toBe('limit_exceeded');
      expect(error.message).toBe(
        `Freshdesk answered with more than ${scriptHttpLimits.maxResponseBytes} bytes; httpClient reads at most that much (ask for less: a smaller page, fewer fields).`,
      );
    }
    // The connection was dropped early, not read to the end.
    expect(wrote).toBeLessThan(16 * 1024 * 1024);
  });

  it('gives up on a helpdesk that does not answer within the time the run has left', async () => {
    const own = await server(() => {
      // never answers
    });
    const http = scriptHttpFor(freshdeskAt(own.url), { testRun: false });
    const started = performance.now();
    const error = await refusal(http({ method: 'GET', path: '/api/v2/tickets/1', timeoutMs: 200 }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(error.code).toBe('helpdesk_unavailable');
    expect(error.message).toContain('Freshdesk could not be reached (no answer within 0.2 s)');
    expect(scriptHttpLimits.timeoutMs).toBe(10_000);
  });

  it('refuses URLs, other hosts, traversal and other methods before anything is sent', async () => {
    const other = await server((_req, res) => json(res, 200, {}));
    const own = await server((_req, res) => json(res, 200, {}));
    const http = scriptHttpFor(freshdeskAt(own.url), { testRun: false });
    const hostile: ScriptHttpRequest[] = [
      { method: 'GET', path: `${other.url}/api/v2/tickets` },
      { method: 'GET', path: `//127.0.0.1:${new URL(other.url).port}/api/v2/tickets` },
      { method: 'GET', path: 'http://169.254.169.254/latest/meta-data/' },
      { method: 'GET', path: '/api/v2/../../admin' },
      { method: 'GET', path: '/api/v2/%2e%2e/%2e%2e/admin' },
      { method: 'GET', path: '/api/v2/tickets/1 HTTP/1.1\r\nHost: evil' },
      { method: 'GET', path: '/api/v2@127.0.0.1/x' },
      { method: 'GET', path: '/v1/requests/1' },
      { method: 'PATCH' as 'PUT', path: '/api/v2/tickets/1', body: '{}' },
      { method: 'POST', path: '/api/v2/tickets', body: 'x'.repeat(scriptHttpLimits.maxBodyChars + 1) },
    ];
    const codes: string[] = [];
    for (const request of hostile) codes.push((await refusal(http(request))).code);
    expect(codes).toEqual([
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'invalid_input',
      'limit_exceeded',
    ]);
    expect(own.seen).toEqual([]);
    expect(other.seen).toEqual([]);
  });

  it('counts against the instance’s rate budget: after a 429 the connector’s own calls wait too', async () => {
    const clock = manualClock();
    let throttle = true;
    const own = await server((req, res) => {
      if (throttle) {
        throttle = false;
        return json(res, 429, { code: 'rate_limit_exceeded' }, { 'retry-after': '30' });
      }
      if (req.url?.startsWith('/api/v2/agents/me')) return json(res, 200, { id: 1 });
      return json(res, 200, {});
    });
    const helpdesk = freshdeskAt(own.url, clock);
    const error = await refusal(scriptHttpFor(helpdesk, { testRun: false })({ method: 'GET', path: '/api/v2/x' }));
    expect(error.code).toBe('helpdesk_throttled');
    expect(clock.slept).toBe(0);
    await helpdesk.verifyCredentials();
    expect(clock.slept).toBeGreaterThanOrEqual(30_000);
    expect(own.seen.map((r) => r.url)).toEqual(['/api/v2/x', '/api/v2/agents/me']);
  });
});
