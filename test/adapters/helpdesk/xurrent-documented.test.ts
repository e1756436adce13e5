import { createHmac, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { jwtAlgorithms, parseJwtAlgorithm, signJwt } from '../../../adapters/helpdesk/jwt.ts';
import { verifyAndParseWebhook } from '../../../adapters/helpdesk/webhooks.ts';
import { XurrentClient } from '../../../adapters/helpdesk/xurrent/client.ts';
import { startXurrentSimulator, type XurrentSimulator } from '../../../adapters/helpdesk/xurrent/simulator.ts';
import type { HelpdeskTarget } from '../../../src/domain/helpdesk.ts';
import { defaultScripts, runIncoming } from '../../../src/rules/index.ts';
import { MARKER_FIELD } from '../../../src/domain/entity.ts';
import { expectDomainError, fastOptions, manualClock } from './support.ts';

/**
 * Xurrent's own documented examples (fixtures/xurrent-documented-examples.json names the page of each), replayed
 * against the connector (through a loopback server answering exactly the documented bodies) and the simulator.
 */
const docs = JSON.parse(
  readFileSync(new URL('./fixtures/xurrent-documented-examples.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, unknown>>;
const doc = <T>(name: string, part: string) => structuredClone(docs[name]![part]) as T;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A loopback Xurrent that answers what the docs show, and records what the connector sent. */
async function documentedXurrent(
  answer: (r: Recorded) => { status: number; body: unknown } | null,
): Promise<{ url: string; seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : null,
      };
      seen.push(recorded);
      const reply = answer(recorded) ?? { status: 404, body: {} };
      res
        .writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function clientFor(url: string, account = 'wdc'): XurrentClient {
  const target: HelpdeskTarget = {
    platform: 'xurrent',
    baseUrl: url,
    credentials: { kind: 'token', token: 't', account },
  };
  return new XurrentClient(target, fastOptions(manualClock()));
}

async function simulator(seed: Parameters<typeof startXurrentSimulator>[0] = {}): Promise<XurrentSimulator> {
  const sim = await startXurrentSimulator({ clock: manualClock(), ...seed });
  closers.push(sim.close);
  return sim;
}

function simClient(sim: XurrentSimulator): XurrentClient {
  return new XurrentClient(
    { platform: 'xurrent', baseUrl: sim.url, credentials: { kind: 'token', token: sim.token, account: sim.account } },
    fastOptions(manualClock()),
  );
}

async function send(sim: XurrentSimulator, method: string, path: string, body?: unknown, headers = {}) {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sim.token}`,
      'x-xurrent-account': sim.account,
      'content-type': 'application/json',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Xurrent documented examples: the connector', () => {
  it('parses the documented note answer {"id": N} and posts the note exactly once', async () => {
    const xurrent = await documentedXurrent((r) =>
      r.method === 'POST' ? { status: 201, body: doc('createNote', 'response') } : null,
    );
    const comment = await clientFor(xurrent.url).addComment('68673', {
      body: 'Just came out of a meeting',
      internal: false,
    });
    expect(comment).toMatchObject({ id: '2', body: 'Just came out of a meeting', internal: false });
    expect(xurrent.seen.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/requests/68673/notes']);
    const sent = xurrent.seen[0]!;
    // Only fields of the documented note input, and the account header on every call.
    expect(Object.keys(sent.body as object).sort()).toEqual(Object.keys(doc('createNote', 'request')).sort());
    expect(sent.headers['x-xurrent-account']).toBe('wdc');
  });

  it('creates a request with a category, an impact and the crash marker in source/sourceID, parsing the documented answer', async () => {
    const created = doc<Record<string, unknown>>('listRequests', 'response');
    const xurrent = await documentedXurrent((r) => {
      if (r.method === 'POST') return { status: 201, body: created };
      if (r.path === '/v1/service_instances/126') return { status: 200, body: doc('serviceInstance', 'response') };
      return null;
    });
    const entity = await clientFor(xurrent.url).createEntity({
      summary: 'Test',
      description: 'Attachment test',
      type: 'incident',
      priority: { id: null, name: 'High' },
      customFields: { [MARKER_FIELD]: 'deskbridge-0123456789abc' },
      native: { requested_for: 51 },
    });
    const body = xurrent.seen[0]!.body as Record<string, unknown>;
    expect(body).toEqual({
      subject: 'Test',
      note: 'Attachment test',
      category: 'incident',
      impact: 'high',
      requested_for_id: 51,
      source: 'DeskBridge',
      sourceID: 'deskbridge-0123456789abc',
    });
    // Every key but the marker's and impact (an incident's) is one the documented create example uses.
    const documented = new Set(Object.keys(doc('createRequest', 'request')));
    expect(
      Object.keys(body)
        .filter((k) => !documented.has(k))
        .sort(),
    ).toEqual(['impact', 'source', 'sourceID']);
    expect(entity).toMatchObject({ id: '70470', summary: 'Add memory to Sales Tracking production server cluster' });
    // The documented reference carries only id and name: the service comes from the service instance (id 20).
    expect(entity.native).toMatchObject({ serviceInstanceId: 126, serviceId: 20 });
  });

  it('sends filter timestamps in the documented yyyy-mm-ddThh:mm:ssZ form', async () => {
    const xurrent = await documentedXurrent(() => ({ status: 200, body: [] }));
    await clientFor(xurrent.url).listChanged('2026-03-01T10:15:30.456Z');
    const since = xurrent.seen[0]!.query.get('updated_at')!;
    const documented = doc<string>('timestampInput', 'example');
    expect(since).toBe('>=2026-03-01T10:15:30Z');
    expect(since.slice(2)).toMatch(new RegExp(`^${documented.replace(/\d/g, '\\d')}$`));
  });

  it('reads serviceId through the service instance, once per instance', async () => {
    const request = { ...doc<Record<string, unknown>>('listRequests', 'response'), custom_fields: [] };
    const xurrent = await documentedXurrent((r) => {
      if (r.path === '/v1/requests/70470') return { status: 200, body: request };
      if (r.path === '/v1/requests/70470/notes') return { status: 200, body: [] };
      if (r.path === '/v1/service_instances/126') return { status: 200, body: doc('serviceInstance', 'response') };
      return null;
    });
    const client = clientFor(xurrent.url);
    expect((await client.getEntity('70470')).native.serviceId).toBe(20);
    expect((await client.getEntity('70470')).native.serviceId).toBe(20);
    expect(xurrent.seen.filter((r) => r.path.startsWith('/v1/service_instances'))).toHaveLength(1);
  });
});

describe('Xurrent documented examples: the simulator', () => {
  it('answers the documented create request with the documented fields, and a note create with {id} only', async () => {
    const sim = await simulator({ seed: { people: [{ id: 51, name: 'Howard Tanner' }] } });
    // Step 1 and 2 of the documented upload, then the documented create with the key the storage handed out.
    const storage = await send(sim, 'GET', '/v1/attachments/storage');
    expect(Object.keys(storage.body).sort()).toEqual(
      Object.keys(doc<Record<string, unknown>>('storageLocal', 'response')).sort(),
    );
    const form = new FormData();
    for (const [k, v] of Object.entries(storage.body.local as Record<string, string>)) form.append(k, String(v));
    form.append('Content-Type', 'text/plain');
    form.append('file', new Blob(['hello world 1234']), 'helloworld.txt');
    const uploaded = await fetch(String(storage.body.upload_uri), {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.token}`, 'x-xurrent-account': sim.account },
      body: form,
    });
    const { key } = (await uploaded.json()) as { key: string };
    expect(Object.keys({ key })).toEqual(Object.keys(doc<object>('storageLocal', 'uploadResponse')));
    const input = doc<Record<string, unknown>>('createRequest', 'request');
    input.note_attachments = [{ key, filesize: '16' }];
    const created = await send(sim, 'POST', '/v1/requests', input);
    expect(created.status).toBe(201);
    for (const field of Object.keys(doc<object>('listRequests', 'response')))
      expect(created.body).toHaveProperty(field);
    expect(created.body).toMatchObject({ subject: 'Test', category: 'other', requested_for: { id: 51 } });

    const note = await send(sim, 'POST', `/v1/requests/${created.body.id}/notes`, doc('createNote', 'request'));
    expect(note.status).toBe(201);
    expect(Object.keys(note.body)).toEqual(Object.keys(doc<object>('createNote', 'response')));
  });

  it('refuses what Xurrent refuses: no category, an incident without impact, unknown categories and custom fields, no account header', async () => {
    const sim = await simulator({ seed: { customFields: ['region'] } });
    const refusals: Array<[unknown, string]> = [
      [{ subject: 'x' }, 'category'],
      [{ subject: 'x', category: 'incident' }, 'impact'],
      [{ subject: 'x', category: 'printer' }, 'category'],
      [{ subject: 'x', category: 'other', custom_fields: [{ id: 'colour', value: 'red' }] }, 'custom_fields'],
      [{ subject: 'x', category: 'other', source: 'x'.repeat(31) }, 'source'],
    ];
    for (const [body, field] of refusals) {
      const answer = await send(sim, 'POST', '/v1/requests', body);
      expect(answer.status).toBe(422);
      expect((answer.body.errors as string[][]).map((e) => e[0])).toContain(field);
    }
    expect(sim.requestCount()).toBe(0);
    const withoutAccount = await fetch(`${sim.url}/v1/requests`, { headers: { authorization: `Bearer ${sim.token}` } });
    expect(withoutAccount.status).toBe(401);
    const legacy = await send(sim, 'GET', '/v1/requests', undefined, {
      'x-xurrent-account': '',
      'x-4me-account': sim.account,
    });
    expect(legacy.status).toBe(401);
    const accepted = await send(sim, 'POST', '/v1/requests', {
      subject: 'x',
      category: 'incident',
      impact: 'low',
      custom_fields: [{ id: 'region', value: 'EMEA' }],
    });
    expect(accepted.status).toBe(201);
  });
});

describe('Xurrent connector against the simulator', () => {
  it('keeps the crash marker in source/sourceID and reads it back under the engine field', async () => {
    const sim = await simulator();
    const client = simClient(sim);
    const entity = await client.createEntity({
      summary: 'VPN down',
      type: 'incident',
      priority: { id: null, name: 'Low' },
      customFields: { [MARKER_FIELD]: 'deskbridge-feedc0ffee123' },
    });
    expect(sim.request(Number(entity.id))).toMatchObject({
      source: 'DeskBridge',
      sourceID: 'deskbridge-feedc0ffee123',
      custom_fields: [],
    });
    expect((await client.getEntity(entity.id)).customFields).toEqual({ [MARKER_FIELD]: 'deskbridge-feedc0ffee123' });
    // A request someone else imported keeps its own source: it is no marker of ours.
    const foreign = sim.addRequest({ subject: 'imported', source: 'HPSM', sourceID: 'deskbridge-x' });
    expect((await client.getEntity(String(foreign))).customFields).toEqual({});
  });

  it('names the missing category or impact before sending anything', async () => {
    const sim = await simulator();
    const client = simClient(sim);
    const before = sim.requests.total;
    await expectDomainError(client.createEntity({ summary: 'x' }), 'helpdesk_validation', /category.*entity\.category/);
    await expectDomainError(
      client.createEntity({ summary: 'x', type: 'incident' }),
      'helpdesk_validation',
      /impact.*entity\.impact/,
    );
    expect(sim.requests.total).toBe(before);
    expect(sim.requestCount()).toBe(0);
  });

  it('writes serviceId through a service instance of that service and reads it back', async () => {
    const sim = await simulator();
    const client = simClient(sim);
    const entity = await client.createEntity({ summary: 'x', type: 'rfi', native: { serviceId: 50 } });
    expect(sim.request(Number(entity.id))).toMatchObject({ service_instance: { id: 1336 } });
    expect(entity.native).toMatchObject({ serviceId: 50, serviceInstanceId: 1336 });
    expect((await client.getEntity(entity.id)).native).toMatchObject({ serviceId: 50, serviceInstanceId: 1336 });
    await expectDomainError(
      client.createEntity({ summary: 'x', type: 'rfi', native: { serviceId: 51 } }),
      'helpdesk_not_found',
    );
  });

  it('syncs custom-field changes on every update, in the [{id, value}] shape', async () => {
    const sim = await simulator({ seed: { customFields: ['region'] } });
    const client = simClient(sim);
    const entity = await client.createEntity({ summary: 'x', type: 'other', customFields: { region: 'AMER' } });
    await client.updateEntity(entity.id, { customFields: { region: 'EMEA' } });
    expect(sim.request(Number(entity.id))?.custom_fields).toEqual([{ id: 'region', value: 'EMEA' }]);
    const again = await client.updateEntity(entity.id, { customFields: { region: 'APAC' } });
    expect(again.customFields).toEqual({ region: 'APAC' });
    await expectDomainError(
      client.updateEntity(entity.id, { customFields: { colour: 'red' } }),
      'helpdesk_validation',
      /custom_fields/,
    );
    expect(sim.request(Number(entity.id))?.custom_fields).toEqual([{ id: 'region', value: 'APAC' }]);
  });

  it('a comment with an attachment makes one note, and the answer is enough', async () => {
    const sim = await simulator();
    const client = simClient(sim);
    const entity = await client.createEntity({ summary: 'x', type: 'other', description: 'first' });
    const comment = await client.addComment(entity.id, {
      body: 'see file',
      internal: false,
      attachments: [{ filename: 'a.txt', mimetype: 'text/plain', data: new Uint8Array(Buffer.from('hi')) }],
    });
    const read = await client.getEntity(entity.id);
    expect(read.comments.map((c) => [c.id, c.body])).toEqual([[comment.id, 'see file']]);
    expect(read.attachments.map((a) => a.filename)).toEqual(['a.txt']);
  });
});

describe('Xurrent webhook policies: every algorithm Xurrent offers but none', () => {
  const now = Date.parse('2026-03-02T10:00:00Z');
  const iat = Math.floor(now / 1000);
  const message = { webhook_id: 7, event: 'request.update', object_id: 70001 };
  const claims = { data: message, sub: '7', aud: 'deskbridge', iat, nbf: iat, exp: iat + 60, jti: 'delivery-1' };
  const parse = (jwt: string, policy: { algorithm: string; key: string }) =>
    verifyAndParseWebhook({
      platform: 'xurrent',
      headers: {},
      rawBody: Buffer.from(JSON.stringify({ jwt })),
      secret: null,
      xurrentPolicy: { ...policy, audience: 'deskbridge' },
      nowMs: now,
    });

  it('offers each documented jwt_alg but none', () => {
    const documented = doc<string[]>('webhookPolicyAlgorithms', 'values');
    expect([...jwtAlgorithms].map((a) => a.toLowerCase()).sort()).toEqual(documented.filter((a) => a !== 'none'));
    expect(() => parseJwtAlgorithm('none')).toThrow(/Unsupported/);
  });

  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    it(`verifies ${alg} with the policy's secret, from the simulator's signed delivery`, async () => {
      const clock = manualClock();
      const sim = await simulator({ clock });
      const policy = sim.webhooks.createPolicy({ alg, audience: 'deskbridge' });
      const received: string[] = [];
      const hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200).end('{}');
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise((resolve) => hook.close(() => resolve())));
      await sim.webhooks.register({
        event: 'request.update',
        uri: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
        policyId: policy.id,
      });
      const { jwt } = JSON.parse(received[0]!) as { jwt: string };
      expect(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg });
      const parsed = verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: Buffer.from(received[0]!),
        secret: null,
        xurrentPolicy: { algorithm: alg.toLowerCase(), key: policy.publicKeyPem, audience: 'deskbridge' },
        nowMs: clock.now(),
      });
      expect(parsed.kind).toBe('verify-handshake');
      expect(() =>
        parse(signJwt(claims, alg, 'another secret'), { algorithm: alg.toLowerCase(), key: policy.publicKeyPem }),
      ).toThrow(/signature does not match/);
      expect(parse(signJwt(claims, alg, 'shared'), { algorithm: alg.toLowerCase(), key: 'shared' })).toEqual({
        kind: 'change',
        entityId: '70001',
        event: 'request.update',
        deliveryId: 'delivery-1',
      });
    });
  }

  it('refuses algorithm confusion: an HS token made with an RS policy public key, and a public key as an HS secret', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // The attacker knows the public key and HMACs with it, as a naive verifier would check.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ typ: 'JWT', alg: 'HS256' })}.${b64(claims)}`;
    const forged = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(() => parse(forged, { algorithm: 'rs256', key: pem })).toThrow(/signed with HS256, expected RS256/);
    // A policy misconfigured as HS with the public key would otherwise accept the forgery.
    expect(() => parse(forged, { algorithm: 'hs256', key: pem })).toThrow(/not a public key/);
  });

  it('refuses alg none, an oversized token and a body without a JWT', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expect(() => parse(none, { algorithm: 'hs256', key: 'shared' })).toThrow(/signed with none/);
    expect(() => parse(`${'a'.repeat(300_000)}.b.c`, { algorithm: 'hs256', key: 'shared' })).toThrow(/too large/);
    expect(() =>
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: Buffer.from(JSON.stringify(message)),
        secret: null,
        xurrentPolicy: { algorithm: 'hs512', key: 'shared' },
        nowMs: now,
      }),
    ).toThrow(/expects a JWT/);
  });
});

describe('the Xurrent default incoming script', () => {
  const replica = (priority: string | null) => ({
    summary: 'Printer on fire',
    description: 'It is on fire',
    labels: [],
    comments: [],
    attachments: [],
    priority: priority === null ? null : { id: null, name: priority },
  });
  const run = (priority: string | null, firstSync = true) =>
    runIncoming({
      script: defaultScripts('xurrent').incoming,
      entity: null,
      replica: replica(priority),
      platform: 'xurrent',
      firstSync,
    });

  it('maps each remote priority to an impact by rank (Urgent becomes top), low when there is none', () => {
    const levels = Object.keys(doc<Record<string, string>>('impactLevels', 'levels'));
    const mapped = ['Low', 'Medium', 'High', 'Urgent'].map((p) => run(p).native.impact);
    expect(mapped).toEqual(levels);
    expect(run(null).native).toMatchObject({ category: 'incident', impact: 'low' });
  });
});
