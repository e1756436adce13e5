import type { Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../../src/domain/helpdesk.ts';
import { createHttpServer, listen } from '../../../src/http/server.ts';
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

/** Our service's HTTP server with only the webhook routes, and a recording intake. */
async function service(instances: Record<string, WebhookInstance>): Promise<{ url: string; notices: ChangeNotice[] }> {
  const notices: ChangeNotice[] = [];
  const routes = webhookRoutes({
    findInstanceBySlug: async (slug) => instances[slug] ?? null,
    intake: async (notice) => {
      notices.push(notice);
    },
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
    expect(callbackAllowed('http://127.0.0.1:9/x', 'http://127.0.0.1:8080')).toBe(true);
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

  it('answers 404 for an unknown instance', async () => {
    const svc = await service({});
    const response = await fetch(`${svc.url}/webhooks/nobody`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
