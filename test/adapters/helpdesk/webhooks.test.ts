import { createServer, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../../src/domain/helpdesk.ts';
import { createHttpServer, listen } from '../../../src/http/server.ts';
import { outboundPolicy, type OutboundPolicy } from '../../../src/http/outbound-policy.ts';
import { startFreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../../adapters/helpdesk/freshservice/simulator.ts';
import { signJwt } from '../../../adapters/helpdesk/jwt.ts';
import {
  callbackAllowed,
  FRESHWORKS_WEBHOOK_TEMPLATE,
  verifyAndParseWebhook,
  WEBHOOK_SECRET_HEADER,
  type WebhookInstance,
  webhookRoutes,
} from '../../../adapters/helpdesk/webhooks.ts';
import { startXurrentSimulator } from '../../../adapters/helpdesk/xurrent/simulator.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/**
 * Our service's HTTP server with only the webhook routes, and a recording intake. The helpdesks here listen on
 * loopback, so private addresses are allowed, as DESKBRIDGE_ALLOW_PRIVATE_URLS does, unless a test says otherwise.
 */
async function service(
  instances: Record<string, WebhookInstance>,
  outbound: OutboundPolicy = outboundPolicy(true),
): Promise<{ url: string; notices: ChangeNotice[] }> {
  const notices: ChangeNotice[] = [];
  const routes = webhookRoutes({
    findInstanceBySlug: async (slug) => instances[slug] ?? null,
    intake: async (notice) => {
      notices.push(notice);
    },
    outbound,
  });
  const server: Server = createHttpServer(routes, pino({ level: 'silent' }));
  const address = await listen(server, 0, '127.0.0.1');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${address.port}`, notices };
}

describe('verifyAndParseWebhook', () => {
  const body = Buffer.from(JSON.stringify({ ticket_id: '42', triggered_event: 'ticket_updated' }));

  it('accepts a Freshdesk/Freshservice webhook carrying the instance secret and names the ticket', () => {
    for (const platform of ['freshdesk', 'freshservice'] as const) {
      expect(
        verifyAndParseWebhook({
          platform,
          headers: { [WEBHOOK_SECRET_HEADER]: 's3cret' },
          rawBody: body,
          secret: 's3cret',
        }),
      ).toEqual({
        kind: 'change',
        entityId: '42',
        event: 'ticket_updated',
        deliveryId: null,
      });
    }
  });

  it('refuses a wrong or missing secret, and an instance without one', () => {
    expect(() =>
      verifyAndParseWebhook({
        platform: 'freshdesk',
        headers: { [WEBHOOK_SECRET_HEADER]: 'guess' },
        rawBody: body,
        secret: 's3cret',
      }),
    ).toThrow(/secret/);
    expect(() =>
      verifyAndParseWebhook({ platform: 'freshdesk', headers: {}, rawBody: body, secret: 's3cret' }),
    ).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => verifyAndParseWebhook({ platform: 'freshservice', headers: {}, rawBody: body, secret: null })).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });

  it('explains a body that names no ticket', () => {
    expect(() =>
      verifyAndParseWebhook({
        platform: 'freshdesk',
        headers: { [WEBHOOK_SECRET_HEADER]: 's' },
        rawBody: Buffer.from('{"hello":1}'),
        secret: 's',
      }),
    ).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining(FRESHWORKS_WEBHOOK_TEMPLATE) }),
    );
  });

  for (const algorithm of ['RS256', 'ES512'] as const) {
    it(`verifies a Xurrent JWT signed with ${algorithm} and refuses one signed with another key`, () => {
      const pair = () =>
        algorithm === 'RS256'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: 'P-521' });
      const { privateKey, publicKey } = pair();
      const now = Date.parse('2026-03-02T10:00:00Z');
      const iat = Math.floor(now / 1000);
      const message = { webhook_id: 7, event: 'request.update', object_id: 70001, account: 'https://wdc.xurrent.com' };
      const token = signJwt(
        {
          data: message,
          sub: '7',
          iss: 'https://wdc.xurrent.com',
          aud: 'deskbridge',
          iat,
          nbf: iat,
          exp: iat + 300,
          jti: 'x',
        },
        algorithm,
        privateKey,
      );
      const policy = {
        algorithm: algorithm.toLowerCase(),
        key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        audience: 'deskbridge',
        issuers: ['https://wdc.xurrent.com', 'https://wdc.4me.com'],
      };
      const input = {
        platform: 'xurrent' as const,
        // An invented delivery header is not read: the delivery id is the signed token's jti.
        headers: { 'x-4me-delivery': 'd-1' },
        secret: null,
        xurrentPolicy: policy,
        nowMs: now,
      };
      expect(verifyAndParseWebhook({ ...input, rawBody: Buffer.from(JSON.stringify({ jwt: token })) })).toEqual({
        kind: 'change',
        entityId: '70001',
        event: 'request.update',
        deliveryId: 'x',
      });

      const forged = signJwt(
        { data: message, sub: '7', iss: 'https://wdc.xurrent.com', aud: 'deskbridge', iat, nbf: iat },
        algorithm,
        pair().privateKey,
      );
      expect(() => verifyAndParseWebhook({ ...input, rawBody: Buffer.from(JSON.stringify({ jwt: forged })) })).toThrow(
        expect.objectContaining({ code: 'unauthorized' }),
      );
      expect(() =>
        verifyAndParseWebhook({
          ...input,
          nowMs: now + 3_600_000,
          rawBody: Buffer.from(JSON.stringify({ jwt: token })),
        }),
      ).toThrow(/expired/);
      expect(() =>
        verifyAndParseWebhook({
          ...input,
          xurrentPolicy: { ...policy, audience: 'someone else' },
          rawBody: Buffer.from(JSON.stringify({ jwt: token })),
        }),
      ).toThrow(/audience/);
      expect(() => verifyAndParseWebhook({ ...input, rawBody: Buffer.from(JSON.stringify(message)) })).toThrow(
        /not signed/,
      );
    });
  }

  it('refuses a JWT whose header claims another algorithm than the policy', () => {
    const token = signJwt({ data: { event: 'request.update', object_id: 1 } }, 'HS256', 'public-key-used-as-secret');
    expect(() =>
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: Buffer.from(JSON.stringify({ jwt: token })),
        secret: null,
        xurrentPolicy: { algorithm: 'rs256', key: 'public-key-used-as-secret' },
      }),
    ).toThrow(/HS256, expected RS256/);
  });

  it('accepts an unsigned Xurrent webhook only with the secret parameter', () => {
    const raw = Buffer.from(JSON.stringify({ webhook_id: 1, event: 'request.note-added', object_id: 5 }));
    expect(
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: raw,
        secret: 'abc',
        query: new URLSearchParams('secret=abc'),
      }),
    ).toMatchObject({ kind: 'change', entityId: '5' });
    expect(() =>
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: raw,
        secret: 'abc',
        query: new URLSearchParams('secret=abd'),
      }),
    ).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => verifyAndParseWebhook({ platform: 'xurrent', headers: {}, rawBody: raw, secret: null })).toThrow(
      expect.objectContaining({ code: 'unauthorized' }),
    );
  });

  it('only follows verification callbacks on the helpdesk site', () => {
    expect(callbackAllowed('https://wdc.xurrent.com/webhooks/1/verify?code=x', 'https://api.xurrent.com')).toBe(true);
    expect(callbackAllowed('https://evil.example/webhooks/1/verify', 'https://api.xurrent.com')).toBe(false);
    expect(callbackAllowed('http://wdc.xurrent.com/webhooks/1/verify', 'https://api.xurrent.com')).toBe(false);
    expect(callbackAllowed('https://wdc.4me.com/webhooks/1/verify', null)).toBe(true);
    expect(callbackAllowed('http://127.0.0.1:8080/webhooks/1/verify', 'http://127.0.0.1:8080')).toBe(true);
    // Another port of the helpdesk's host is another service (issue 18, finding 11), and so is a non-default port.
    expect(callbackAllowed('http://127.0.0.1:9/x', 'http://127.0.0.1:8080')).toBe(false);
    expect(callbackAllowed('https://wdc.xurrent.com:8443/webhooks/1/verify', 'https://api.xurrent.com')).toBe(false);
    expect(callbackAllowed('https://wdc.xurrent.com:443/webhooks/1/verify', 'https://api.xurrent.com')).toBe(true);
    expect(callbackAllowed('https://wdc.4me.com:8443/webhooks/1/verify', null)).toBe(false);
    expect(callbackAllowed('https://user:pw@wdc.xurrent.com/webhooks/1/verify', 'https://api.xurrent.com')).toBe(false);
  });

  it('refuses a signed Xurrent webhook without exp: only a policy with "Claim expires in" yields bounded tokens', () => {
    // developer.xurrent.com /v1/webhook_policies, field jwt_claim_expires_in: optional; "The payload of a webhook
    // will have an exp (expiration time) claim based on this value". Without it a captured token works forever.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Date.parse('2026-03-02T10:00:00Z');
    const iat = Math.floor(now / 1000);
    const message = { webhook_id: 7, event: 'request.update', object_id: 70001 };
    const claims = { data: message, sub: '7', iss: 'https://wdc.xurrent.com', aud: 'deskbridge', iat, nbf: iat };
    const policy = { algorithm: 'rs256', key: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    const parse = (extra: Record<string, unknown>) =>
      verifyAndParseWebhook({
        platform: 'xurrent',
        headers: {},
        rawBody: Buffer.from(JSON.stringify({ jwt: signJwt({ ...claims, ...extra }, 'RS256', privateKey) })),
        secret: null,
        xurrentPolicy: policy,
        nowMs: now,
      });
    expect(() => parse({})).toThrow(
      expect.objectContaining({ code: 'unauthorized', message: expect.stringContaining('jwt_claim_expires_in') }),
    );
    expect(() => parse({ exp: String(iat + 300) })).toThrow(/no expiry/);
    expect(() => parse({ exp: null })).toThrow(/no expiry/);
    expect(parse({ exp: iat + 300 })).toMatchObject({ kind: 'change', entityId: '70001' });
  });
});

describe('webhook routes on the service HTTP server', () => {
  it('a Freshdesk automation webhook from the simulator reaches the intake', async () => {
    const svc = await service({ acme: { platform: 'freshdesk', webhookSecret: 'fd-secret' } });
    const sim = await startFreshdeskSimulator();
    closers.push(sim.close);
    sim.webhooks.add({
      url: `${svc.url}/webhooks/acme`,
      template: FRESHWORKS_WEBHOOK_TEMPLATE,
      headers: { [WEBHOOK_SECRET_HEADER]: 'fd-secret' },
    });
    const id = sim.addTicket({ subject: 'x', email: 'a@example.com' });
    sim.agentUpdate(id, { status: 3 });
    await sim.webhooks.settle();
    expect(sim.webhooks.deliveries.map((d) => d.status)).toEqual([202]);
    expect(svc.notices).toEqual([
      expect.objectContaining({
        instanceSlug: 'acme',
        platform: 'freshdesk',
        entityId: String(id),
        event: 'ticket_updated',
      }),
    ]);
  });

  it('a Freshservice webhook with the wrong secret is refused with 401 and changes nothing', async () => {
    const svc = await service({ it: { platform: 'freshservice', webhookSecret: 'right' } });
    const sim = await startFreshserviceSimulator({ webhookRetries: 0 });
    closers.push(sim.close);
    sim.webhooks.add({ url: `${svc.url}/webhooks/it`, headers: { [WEBHOOK_SECRET_HEADER]: 'wrong' } });
    sim.agentUpdate(sim.addTicket({ subject: 'x', email: 'a@example.com' }), { priority: 2 });
    await sim.webhooks.settle();
    expect(sim.webhooks.deliveries.map((d) => d.status)).toEqual([401]);
    expect(svc.notices).toEqual([]);
  });

  it('Xurrent: the verify handshake activates the webhook, then signed changes reach the intake', async () => {
    const sim = await startXurrentSimulator();
    closers.push(sim.close);
    const policy = sim.webhooks.createPolicy({ alg: 'RS256', audience: 'deskbridge' });
    const svc = await service({
      partner: {
        platform: 'xurrent',
        webhookSecret: null,
        baseUrl: sim.url,
        xurrentPolicy: {
          algorithm: 'rs256',
          key: policy.publicKeyPem,
          audience: 'deskbridge',
          issuers: [sim.accountUrl],
        },
      },
    });
    const webhook = await sim.webhooks.register({
      event: 'request.update',
      uri: `${svc.url}/webhooks/partner`,
      policyId: policy.id,
    });
    expect(sim.webhooks.deliveries[0]!.status).toBe(200);
    expect(sim.webhooks.list().find((w) => w.id === webhook.id)?.verified).toBe(true);

    const id = sim.addRequest({ subject: 'x' });
    sim.agentUpdate(id, { impact: 'high' });
    await sim.webhooks.settle();
    expect(svc.notices).toEqual([
      expect.objectContaining({
        instanceSlug: 'partner',
        platform: 'xurrent',
        entityId: String(id),
        event: 'request.update',
        deliveryId: expect.any(String),
      }),
    ]);
  });

  it('Xurrent: a webhook signed by another policy is refused and the webhook stays unverified', async () => {
    const sim = await startXurrentSimulator({ webhookRetries: 0 });
    closers.push(sim.close);
    const ours = sim.webhooks.createPolicy({ alg: 'ES512', audience: 'deskbridge' });
    const theirs = sim.webhooks.createPolicy({ alg: 'ES512', audience: 'deskbridge' });
    const svc = await service({
      partner: {
        platform: 'xurrent',
        webhookSecret: null,
        baseUrl: sim.url,
        xurrentPolicy: { algorithm: 'es512', key: ours.publicKeyPem, audience: 'deskbridge' },
      },
    });
    const webhook = await sim.webhooks.register({
      event: 'request.update',
      uri: `${svc.url}/webhooks/partner`,
      policyId: theirs.id,
    });
    expect(sim.webhooks.deliveries[0]!.status).toBe(401);
    expect(sim.webhooks.list().find((w) => w.id === webhook.id)?.verified).toBe(false);
  });

  /** A loopback HTTP server answering every request with `answer`, recording the paths it was asked for. */
  async function recordingServer(answer: (path: string) => { status: number; headers?: Record<string, string> }) {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      const { status, headers } = answer(req.url ?? '');
      res.writeHead(status, headers).end('internal body: do not echo');
    });
    const address = await listen(server, 0, '127.0.0.1');
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return { url: `http://127.0.0.1:${address.port}`, hits };
  }

  /** A webhook.verify message (unsigned; the secret parameter authenticates it) naming `callback`. */
  const verifyMessage = (callback: string) =>
    JSON.stringify({ webhook_id: 1, event: 'webhook.verify', object_id: 1, payload: { callback } });

  it('Xurrent: a verification callback that redirects is not followed; the target is never called', async () => {
    const inside = await recordingServer(() => ({ status: 200 }));
    const helpdesk = await recordingServer(() => ({
      status: 302,
      headers: { location: `${inside.url}/admin/delete-everything` },
    }));
    const svc = await service({ partner: { platform: 'xurrent', webhookSecret: 's3cret', baseUrl: helpdesk.url } });
    const response = await fetch(`${svc.url}/webhooks/partner?secret=s3cret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: verifyMessage(`${helpdesk.url}/webhooks/1/verify?code=abc`),
    });
    const body = await response.text();
    expect(response.status).toBe(502);
    expect(body).toContain('redirect (HTTP 302)');
    expect(body).not.toContain('internal body');
    expect(helpdesk.hits).toEqual(['/webhooks/1/verify?code=abc']);
    expect(inside.hits).toEqual([]);
  });

  it("Xurrent: a verification callback on another port of the helpdesk's host is refused and not called", async () => {
    const other = await recordingServer(() => ({ status: 200 }));
    const helpdesk = await recordingServer(() => ({ status: 200 }));
    const svc = await service({ partner: { platform: 'xurrent', webhookSecret: 's3cret', baseUrl: helpdesk.url } });
    const response = await fetch(`${svc.url}/webhooks/partner?secret=s3cret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: verifyMessage(`${other.url}/webhooks/1/verify?code=abc`),
    });
    expect(response.status).toBe(403);
    expect(other.hits).toEqual([]);
    // The helpdesk's own port is called, once.
    const ok = await fetch(`${svc.url}/webhooks/partner?secret=s3cret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: verifyMessage(`${helpdesk.url}/webhooks/1/verify?code=abc`),
    });
    expect(ok.status).toBe(200);
    expect(helpdesk.hits).toEqual(['/webhooks/1/verify?code=abc']);
  });

  it('Xurrent: the callback goes through the outbound-address policy: a loopback helpdesk is not called unless allowed', async () => {
    const helpdesk = await recordingServer(() => ({ status: 200 }));
    const svc = await service(
      { partner: { platform: 'xurrent', webhookSecret: 's3cret', baseUrl: helpdesk.url } },
      outboundPolicy(false),
    );
    const response = await fetch(`${svc.url}/webhooks/partner?secret=s3cret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: verifyMessage(`${helpdesk.url}/webhooks/1/verify?code=abc`),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('DESKBRIDGE_ALLOW_PRIVATE_URLS');
    expect(helpdesk.hits).toEqual([]);
  });

  it('Xurrent: a delivery signed by the policy but without exp is refused through the route; nothing reaches the intake', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const svc = await service({
      partner: {
        platform: 'xurrent',
        webhookSecret: null,
        xurrentPolicy: { algorithm: 'es256', key: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      },
    });
    const iat = Math.floor(Date.now() / 1000);
    const message = { webhook_id: 1, event: 'request.update', object_id: 5 };
    const post = (claims: Record<string, unknown>) =>
      fetch(`${svc.url}/webhooks/partner`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jwt: signJwt({ data: message, sub: '1', iat, nbf: iat, ...claims }, 'ES256', privateKey),
        }),
      });
    const refused = await post({});
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('jwt_claim_expires_in');
    expect(svc.notices).toEqual([]);
    expect((await post({ exp: iat + 300 })).status).toBe(202);
    expect(svc.notices).toHaveLength(1);
  });

  it('answers 404 for an unknown instance', async () => {
    const svc = await service({});
    const response = await fetch(`${svc.url}/webhooks/nobody`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
