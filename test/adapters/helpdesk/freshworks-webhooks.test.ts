import type { Server } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../../adapters/helpdesk/freshservice/simulator.ts';
import {
  FRESHSERVICE_WEBHOOK_TEMPLATE,
  FRESHWORKS_WEBHOOK_TEMPLATE,
  freshworksTicketNumber,
  freshworksWebhookTemplate,
  verifyAndParseWebhook,
  WEBHOOK_SECRET_HEADER,
} from '../../../adapters/helpdesk/webhooks.ts';
import { webhookRoutes } from '../../../src/sync/webhook-intake.ts';
import type { ChangeNotice } from '../../../src/domain/helpdesk.ts';
import { createHttpServer, listen } from '../../../src/http/server.ts';

/**
 * Issue 16, item 3. Freshservice renders `{{ticket.id}}` as the display id (`#INC-321`, `#SR-321`); its
 * integrations send `{{ticket.id_numeric}}` (public Workflow Automator recipes: SIGNL4's Freshservice connector guide,
 * DesiCrew_Slack_Bot's FRESHSERVICE_WEBHOOK_SETUP.md, and several Azure-function recipes that send both and read the
 * numeric one). Freshdesk's `{{ticket.id}}` is the number (Freshdesk's placeholder list; Cyclr's Freshdesk connector
 * guide sends it as the ticket id). The parser takes both forms and refuses anything else clearly.
 */
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const parse = (platform: 'freshdesk' | 'freshservice', body: string | Buffer) =>
  verifyAndParseWebhook({
    platform,
    headers: { [WEBHOOK_SECRET_HEADER]: 's', 'content-type': 'application/json' },
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
    secret: 's',
  });

describe('the Freshworks webhook templates', () => {
  it('give Freshservice {{ticket.id_numeric}} and Freshdesk {{ticket.id}}', () => {
    expect(freshworksWebhookTemplate('freshservice')).toBe(FRESHSERVICE_WEBHOOK_TEMPLATE);
    expect(FRESHSERVICE_WEBHOOK_TEMPLATE).toContain('{{ticket.id_numeric}}');
    expect(FRESHSERVICE_WEBHOOK_TEMPLATE).not.toContain('{{ticket.id}}');
    expect(freshworksWebhookTemplate('freshdesk')).toBe(FRESHWORKS_WEBHOOK_TEMPLATE);
    expect(FRESHWORKS_WEBHOOK_TEMPLATE).toContain('{{ticket.id}}');
    for (const platform of ['freshdesk', 'freshservice'] as const) {
      expect(() => JSON.parse(freshworksWebhookTemplate(platform).replace(/\{\{[\w.]+\}\}/g, '1'))).not.toThrow();
    }
  });
});

describe('freshworksTicketNumber', () => {
  it('reads the number and, on Freshservice, the display id', () => {
    for (const value of [321, '321', '#321', ' 321 ', '#INC-321', '#SR-321', 'INC-321', 'sr-321', '#INC-0321']) {
      expect(freshworksTicketNumber(value, 'freshservice')).toBe('321');
    }
    for (const value of [321, '321', '#321']) expect(freshworksTicketNumber(value, 'freshdesk')).toBe('321');
  });

  it('refuses everything else', () => {
    const refused: unknown[] = [
      '#INC-321',
      'INC-321',
      0,
      -5,
      1.5,
      Number.MAX_SAFE_INTEGER + 2,
      '0',
      '#INC-',
      'INC321',
      '#CHN-321',
      '1e3',
      '0x10',
      '321; DROP',
      '{{ticket.id}}',
      '9'.repeat(16),
      `#INC-${'1'.repeat(40)}`,
      'x'.repeat(100_000),
      null,
      true,
      {},
      [321],
    ];
    for (const value of refused.slice(0, 2)) expect(freshworksTicketNumber(value, 'freshdesk')).toBeNull();
    for (const value of refused.slice(2)) {
      expect(freshworksTicketNumber(value, 'freshservice')).toBeNull();
      expect(freshworksTicketNumber(value, 'freshdesk')).toBeNull();
    }
  });
});

describe('verifyAndParseWebhook for Freshworks', () => {
  it('accepts both forms of a Freshservice ticket id', () => {
    for (const id of ['#SR-321', '#INC-321', 'INC-321', '321']) {
      expect(parse('freshservice', JSON.stringify({ ticket_id: id }))).toMatchObject({
        kind: 'change',
        entityId: '321',
      });
    }
    expect(parse('freshservice', '{"ticket_id":321}')).toMatchObject({ entityId: '321', event: null });
  });

  it('refuses a display id Freshdesk would never send, a garbage id and an oversized body, naming the template', () => {
    const cases: Array<['freshdesk' | 'freshservice', string | Buffer, RegExp]> = [
      ['freshdesk', '{"ticket_id":"#INC-321"}', /"#INC-321", which is not a ticket number/],
      ['freshservice', '{"ticket_id":"{{ticket.id}}"}', /not a ticket number/],
      ['freshservice', '{"ticket_id":""}', /no ticket id/],
      ['freshservice', `{"ticket_id":"${'7'.repeat(5000)}"}`, /not a ticket number/],
      ['freshservice', Buffer.alloc(20_000, 0x20), /20000 bytes/],
      ['freshservice', '[1,2]', /not a JSON object/],
    ];
    for (const [platform, body, message] of cases) {
      let thrown: unknown;
      try {
        parse(platform, body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
    }
    expect(() => parse('freshservice', '{"ticket_id":"x"}')).toThrow(FRESHSERVICE_WEBHOOK_TEMPLATE);
  });
});

describe('the simulators render the placeholders as the vendors do', () => {
  async function receiver(): Promise<{ url: string; notices: ChangeNotice[]; refused: number[] }> {
    const notices: ChangeNotice[] = [];
    const refused: number[] = [];
    const routes = webhookRoutes({
      findInstanceBySlug: async (slug) => ({ platform: slug as 'freshdesk' | 'freshservice', webhookSecret: 's' }),
      intake: async (notice) => {
        notices.push(notice);
      },
    });
    const server: Server = createHttpServer(routes, pino({ level: 'silent' }));
    const address = await listen(server, 0, '127.0.0.1');
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return { url: `http://127.0.0.1:${address.port}`, notices, refused };
  }

  it('Freshservice sends #INC-n for {{ticket.id}} and n for {{ticket.id_numeric}}; both are accepted', async () => {
    const service = await receiver();
    const sim = await startFreshserviceSimulator({ webhookRetries: 0 });
    closers.push(() => sim.close());
    const headers = { [WEBHOOK_SECRET_HEADER]: 's' };
    sim.webhooks.add({
      url: `${service.url}/webhooks/freshservice`,
      headers,
      template: '{"ticket_id":"{{ticket.id}}"}',
    });
    sim.webhooks.add({ url: `${service.url}/webhooks/freshservice`, headers, template: FRESHSERVICE_WEBHOOK_TEMPLATE });
    const incident = sim.addTicket({ subject: 'a', email: 'r@example.com', type: 'Incident' });
    const request = sim.addTicket({ subject: 'b', email: 'r@example.com', type: 'Service Request' });
    sim.agentUpdate(incident, { priority: 2 });
    sim.agentUpdate(request, { priority: 2 });
    await sim.webhooks.settle();
    expect(sim.webhooks.deliveries.map((d) => d.body)).toEqual([
      `{"ticket_id":"#INC-${incident}"}`,
      `{"ticket_id":"${incident}"}`,
      `{"ticket_id":"#SR-${request}"}`,
      `{"ticket_id":"${request}"}`,
    ]);
    expect(sim.webhooks.deliveries.map((d) => d.status)).toEqual([202, 202, 202, 202]);
    expect(service.notices.map((n) => n.entityId)).toEqual([incident, incident, request, request].map(String));
  });

  it('Freshdesk sends the number for {{ticket.id}}', async () => {
    const service = await receiver();
    const sim = await startFreshdeskSimulator({ webhookRetries: 0 });
    closers.push(() => sim.close());
    sim.webhooks.add({
      url: `${service.url}/webhooks/freshdesk`,
      headers: { [WEBHOOK_SECRET_HEADER]: 's' },
      template: FRESHWORKS_WEBHOOK_TEMPLATE,
    });
    const id = sim.addTicket({ subject: 'a', email: 'r@example.com' });
    sim.agentUpdate(id, { priority: 2 });
    await sim.webhooks.settle();
    expect(sim.webhooks.deliveries.map((d) => d.body)).toEqual([
      `{"ticket_id":"${id}","triggered_event":"ticket_updated"}`,
    ]);
    expect(service.notices.map((n) => n.entityId)).toEqual([String(id)]);
  });
});
