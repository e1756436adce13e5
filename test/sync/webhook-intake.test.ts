import { createServer, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../src/domain/helpdesk.ts';
import { createHttpServer, listen } from '../../src/http/server.ts';
import { outboundPolicy, type OutboundPolicy } from '../../src/http/outbound-policy.ts';
import { startFreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../adapters/helpdesk/freshservice/simulator.ts';
import { signJwt } from '../../adapters/helpdesk/jwt.ts';
import { FRESHWORKS_WEBHOOK_TEMPLATE, WEBHOOK_SECRET_HEADER } from '../../adapters/helpdesk/webhooks.ts';
import { callbackAllowed, type WebhookInstance, webhookRoutes } from '../../src/sync/webhook-intake.ts';
import { startXurrentSimulator } from '../../adapters/helpdesk/xurrent/simulator.ts';

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

describe('callbackAllowed', () => {
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
