import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { fastOptions, manualClock } from './support.ts';

/**
 * Conversations as documented: python-freshdesk's reply fixture (fixtures/freshdesk-reply.json, with its source in
 * fixtures/README.md) replayed against the connector through a loopback server that answers with it, and the
 * simulator's customer reply held to the same keys and types. The docs say a conversation's `incoming` marks one
 * "created from the outside" and give `source` as a number without a public table; the fixture's reply is source 0.
 * The stricter reading for a customer reply: public (`private: false`), `incoming: true`, source 0 (email).
 */
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A stand-in that answers every request with the documented bodies (no simulator in between). */
async function documented(bodies: Record<string, unknown>): Promise<string> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const body = bodies[path];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Freshdesk conversations, documented examples', () => {
  it('the connector reads the documented reply as a public comment by Rachel', async () => {
    const reply = fixture('freshdesk-reply.json');
    const ticket = { ...fixture('freshdesk-ticket.json'), conversations: [reply] };
    const url = await documented({ '/api/v2/tickets/1': ticket });
    const client = createHelpdesk(
      { platform: 'freshdesk', baseUrl: url, credentials: { kind: 'apiKey', apiKey: 'k' } },
      fastOptions(manualClock()),
    );
    const entity = await client.getEntity('1');
    expect(entity.comments).toEqual([
      {
        id: '2',
        body: '<div>This is a reply</div>',
        author: { id: '1', email: 'rachel@freshdesk.com', displayName: 'Rachel' },
        internal: false,
        created: '2016-05-19T05:36:14.000Z',
        updated: '2016-05-19T05:36:14.000Z',
      },
    ]);
  });

  it('a customer reply carries the requester as its author', async () => {
    const reply = {
      ...fixture('freshdesk-reply.json'),
      incoming: true,
      user_id: 43026449322,
      from_email: 'dummyname@example.com',
    };
    const ticket = { ...fixture('freshdesk-ticket.json'), conversations: [reply] };
    const url = await documented({ '/api/v2/tickets/1': ticket });
    const client = createHelpdesk(
      { platform: 'freshdesk', baseUrl: url, credentials: { kind: 'apiKey', apiKey: 'k' } },
      fastOptions(manualClock()),
    );
    const [comment] = (await client.getEntity('1')).comments;
    expect(comment?.author).toEqual({ id: '43026449322', email: 'dummyname@example.com', displayName: 'Dummyname' });
  });

  it("the simulator's customer reply has every documented key, with the documented types", async () => {
    const sim = await startFreshdeskSimulator({ clock: manualClock() });
    closers.push(() => sim.close());
    const id = sim.addTicket({ subject: 's', email: 'sam@example.com', name: 'Sam' });
    sim.customerReply(id, '<div>Any news?</div>');
    const response = await fetch(`${sim.url}/api/v2/tickets/${id}/conversations`, {
      headers: { authorization: `Basic ${Buffer.from(`${sim.apiKey}:X`).toString('base64')}` },
    });
    const [conversation] = (await response.json()) as Array<Record<string, unknown>>;
    const documentedReply = fixture('freshdesk-reply.json');
    for (const [key, value] of Object.entries(documentedReply)) {
      expect(key in conversation!, key).toBe(true);
      // support_email and cc/bcc are null in the agent reply quoted; a customer's email names the mailbox and lists.
      if (value !== null) expect(typeof conversation![key], key).toBe(typeof value);
    }
    expect(conversation).toMatchObject({
      incoming: true,
      private: false,
      source: 0,
      from_email: 'Sam <sam@example.com>',
    });
  });
});
