import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freshdeskFlavor } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { FreshworksStore } from '../../../adapters/helpdesk/freshworks/simulator-store.ts';
import { FreshworksWebhooks } from '../../../adapters/helpdesk/freshworks/simulator-webhooks.ts';
import { freshserviceFlavor } from '../../../adapters/helpdesk/freshservice/simulator.ts';
import type { FilePart } from '../../../adapters/helpdesk/simulator-kit/multipart.ts';
import { RollingWindowQuota } from '../../../adapters/helpdesk/simulator-kit/rate-window.ts';
import { SimHttpError } from '../../../adapters/helpdesk/simulator-kit/server.ts';
import { startXurrentSimulator } from '../../../adapters/helpdesk/xurrent/simulator.ts';
import { matchesFilter } from '../../../adapters/helpdesk/xurrent/simulator-request-listing.ts';
import { XurrentStore } from '../../../adapters/helpdesk/xurrent/simulator-store.ts';
import { TestClock } from '../../support/nodes.ts';

/**
 * The simulators' parts on their own: the stores' writes (a refused one changes nothing), Xurrent's filter syntax
 * and webhook verification callback, and the Freshworks automation webhooks' templates.
 */
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** The error answer a store write threw. */
function refusal(run: () => unknown): { status: number; json: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof SimHttpError) return { status: error.response.status, json: error.response.json };
    throw error;
  }
  throw new Error('the write was accepted');
}

/** A webhook endpoint on loopback that keeps what it was sent and answers 200. */
async function receiver(): Promise<{ url: string; calls: Array<{ body: string; headers: Record<string, unknown> }> }> {
  const calls: Array<{ body: string; headers: Record<string, unknown> }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      calls.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, calls };
}

const PERSON = 56;

const file = (name: string, bytes: number): FilePart => ({
  filename: name,
  mimetype: 'text/plain',
  data: Buffer.alloc(bytes, 'a'),
});

describe('Xurrent simulator store', () => {
  it('a refused create names every wrong field, stores nothing and uses no id', () => {
    const store = new XurrentStore(new TestClock().ms, 'acme', 'token');
    const refused = refusal(() =>
      store.writeRequest({ subject: ' ', category: 'incident', impact: 'huge' }, null, PERSON),
    );
    expect(refused).toEqual({
      status: 422,
      json: {
        message: 'Validation Failed',
        errors: [
          ['subject', "can't be blank"],
          ['impact', 'is not included in the list'],
          ['impact', "can't be blank"],
        ],
      },
    });
    expect(store.requests.size).toBe(0);
    const { request } = store.writeRequest({ subject: 'Printer', category: 'incident', impact: 'low' }, null, PERSON);
    expect(request.id).toBe(70001);
    expect(store.requests.get(70001)?.fields).toMatchObject({ subject: 'Printer', created_by_id: PERSON });
  });

  it('a refused update leaves the request as it was: fields, custom fields, notes and updated_at', () => {
    const clock = new TestClock();
    const store = new XurrentStore(clock.ms, 'acme', 'token');
    store.seed({ customFields: ['cf_region'] });
    const id = store.addRequest({
      subject: 'Printer',
      category: 'incident',
      impact: 'low',
      custom_fields: [{ id: 'cf_region', value: 'EU' }],
    });
    const before = structuredClone(store.requests.get(id));
    clock.advance(60_000);
    const refused = refusal(() =>
      store.writeRequest(
        {
          subject: 'Renamed',
          status: 'completed',
          note: 'done',
          custom_fields: [{ id: 'cf_colour', value: 'red' }],
          note_attachments: [{ key: 'never-uploaded' }],
        },
        store.requests.get(id)!,
        PERSON,
      ),
    );
    expect(refused.json).toEqual({
      message: 'Validation Failed',
      errors: [
        ['custom_fields', 'cf_colour is not a field of the UI extension'],
        ['completion_reason', "can't be blank"],
        ['note_attachments', 'attachment never-uploaded is not uploaded'],
      ],
    });
    expect(store.requests.get(id)).toEqual(before);
  });

  it('an accepted update counts a new assignment, stamps completed_at at the clock and clears it on reopening', () => {
    const clock = new TestClock();
    const store = new XurrentStore(clock.ms, 'acme', 'token');
    const request = store.requests.get(store.addRequest({ subject: 'Printer' }))!;
    store.writeRequest({ member_id: 8529 }, request, PERSON);
    store.writeRequest({ member_id: 8529 }, request, PERSON);
    expect(request.fields.assignment_count).toBe(1);
    clock.advance(5_000);
    const completed = store.writeRequest({ status: 'completed', completion_reason: 'solved' }, request, PERSON);
    expect(completed.previousStatus).toBe('assigned');
    expect(request.fields.completed_at).toBe(clock.ms());
    store.writeRequest({ status: 'in_progress' }, request, PERSON);
    expect(request.fields.completed_at).toBeNull();
  });

  it('a note must have text of at most 64 KB; a refused one adds nothing', () => {
    const store = new XurrentStore(new TestClock().ms, 'acme', 'token');
    const request = store.requests.get(store.addRequest({ subject: 'Printer' }))!;
    expect(refusal(() => store.addNote(request, { text: 'x'.repeat(64 * 1024 + 1) }, PERSON)).json).toEqual({
      message: 'Validation Failed',
      errors: [['text', 'is too long (maximum is 64 KB)']],
    });
    expect(refusal(() => store.addNote(request, { text: '' }, PERSON)).status).toBe(422);
    expect(request.notes).toEqual([]);
    expect(store.addNote(request, { text: 'Replaced the toner', internal: 'true' }, PERSON)).toMatchObject({
      text: 'Replaced the toner',
      internal: true,
    });
  });
});

describe('Xurrent request filters (the syntax table of developer.xurrent.com/v1/general/filtering, reference §3.3)', () => {
  const may1 = Date.parse('2024-05-01T00:00:00Z');
  it.each([
    ['equals', 'assigned', 'assigned', false, true],
    ['equals, another value', 'accepted', 'assigned', false, false],
    ['in', 'accepted', 'assigned,accepted,in_progress', false, true],
    ['not equal', 'completed', '!completed', false, false],
    ['not in', 'accepted', '!assigned,accepted', false, false],
    ['not in, outside the list', 'completed', '!assigned,accepted', false, true],
    ['greater than', may1, '>2024-05-01T00:00:00Z', true, false],
    ['greater than or equal', may1, '>=2024-05-01T00:00:00Z', true, true],
    ['less than', may1, '<2024-05-01T00:00:00Z', true, false],
    ['less than or equal', may1, '<=2024-05-01T00:00:00Z', true, true],
    ['range, inside', may1, '>2024-04-30T00:00:00Z<2024-05-02T00:00:00Z', true, true],
    ['range, upper bound excluded', may1, '>2024-04-01T00:00:00Z<2024-05-01T00:00:00Z', true, false],
    ['range, both bounds included', may1, '>=2024-05-01T00:00:00Z<=2024-05-01T00:00:00Z', true, true],
    ['numbers compare as numbers', 70010, '>9000', false, true],
    ['present', 8529, '!', false, true],
    ['present, but not set', null, '!', false, false],
    ['empty', null, '', false, true],
    ['empty, but set', 8529, '', false, false],
  ])('%s: %j against %s', (_name, actual, filter, isTime, expected) => {
    expect(matchesFilter(actual, filter, isTime)).toBe(expected);
  });

  it('GET /requests takes a range, present and empty over HTTP, and refuses an unknown filter by name', async () => {
    const sim = await startXurrentSimulator({ clock: new TestClock().forSimulator });
    closers.push(sim.close);
    const headers = { authorization: `Bearer ${sim.token}`, 'x-xurrent-account': sim.account };
    const subjects = async (query: string) => {
      const response = await fetch(`${sim.url}/v1/requests?${query}&fields=subject&sort=id`, { headers });
      expect(response.status).toBe(200);
      return ((await response.json()) as Array<{ subject: string }>).map((r) => r.subject);
    };
    sim.addRequest({ subject: 'early', updated_at: '2024-04-01T00:00:00Z', member_id: 8529 });
    sim.addRequest({ subject: 'middle', updated_at: '2024-05-01T00:00:00Z' });
    sim.addRequest({ subject: 'late', updated_at: '2024-06-01T00:00:00Z', member_id: 8529 });
    const range = encodeURIComponent('>=2024-04-15T00:00:00Z<2024-06-01T00:00:00Z');
    expect(await subjects(`updated_at=${range}`)).toEqual(['middle']);
    expect(await subjects(`member=${encodeURIComponent('!')}`)).toEqual(['early', 'late']);
    expect(await subjects('member=')).toEqual(['middle']);
    const unknown = await fetch(`${sim.url}/v1/requests?colour=red`, { headers });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ message: 'Unknown filter: colour' });
  });
});

describe('Xurrent webhook verification callback (reference §3.8: valid for 24 h; inactive until called)', () => {
  it('a wrong code answers 404, a link past 24 h 410; neither verifies, and only the verified webhook hears of a change', async () => {
    const clock = new TestClock();
    const sim = await startXurrentSimulator({ clock: clock.forSimulator });
    closers.push(sim.close);
    const hook = await receiver();
    const callbackOf = (index: number) =>
      new URL((JSON.parse(hook.calls[index]!.body) as { payload: { callback: string } }).payload.callback);

    const first = await sim.webhooks.register({ event: 'request.update', uri: hook.url });
    const wrong = callbackOf(0);
    wrong.searchParams.set('code', 'not-the-code');
    expect((await fetch(wrong)).status).toBe(404);
    expect(first.verified).toBe(false);
    const right = await fetch(callbackOf(0), { method: 'POST' });
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ message: 'Webhook verified' });

    const second = await sim.webhooks.register({ event: 'request.update', uri: hook.url });
    clock.advance(24 * 60 * 60 * 1000 + 1000);
    const late = await fetch(callbackOf(1));
    expect(late.status).toBe(410);
    expect(await late.json()).toEqual({ message: 'The verification link has expired' });
    expect(second.verified).toBe(false);

    const id = sim.addRequest({ subject: 'Printer' });
    sim.agentUpdate(id, { subject: 'Printer on floor 2' });
    await sim.webhooks.settle();
    const changes = sim.webhooks.deliveries.filter((d) => d.event === 'request.update');
    expect(changes.map((d) => d.webhookId)).toEqual([first.id]);
    expect(JSON.parse(hook.calls.at(-1)!.body)).toMatchObject({ event: 'request.update', object_id: id });
  });
});

describe('Freshworks simulator store', () => {
  it('a refused create names every wrong field (the error catalogue codes), stores nothing and makes no contact', () => {
    const store = new FreshworksStore(freshdeskFlavor, new TestClock().ms, 20 * 1024 * 1024, 'key');
    const refused = refusal(() =>
      store.createTicket({ subject: 'Printer', email: 'ann@example.com', status: 9, colour: 'red' }, []),
    );
    expect(refused).toEqual({
      status: 400,
      json: {
        description: 'Validation failed',
        errors: [
          { field: 'colour', message: 'Unexpected/invalid field in request', code: 'invalid_field' },
          { field: 'status', message: "It should be one of these values: '2,3,4,5'", code: 'invalid_value' },
        ],
      },
    });
    expect(store.tickets.size).toBe(0);
    expect(store.contacts.size).toBe(0);
    const ticket = store.createTicket({ subject: 'Printer', email: 'ann@example.com', name: 'Ann' }, []);
    expect(ticket.id).toBe(1);
    expect(store.contacts.get(Number(ticket.fields.requester_id))).toMatchObject({
      name: 'Ann',
      email: 'ann@example.com',
    });
  });

  it('Freshservice refuses a create without subject and description, and a workspace it does not have', () => {
    const store = new FreshworksStore(freshserviceFlavor, new TestClock().ms, 15 * 1024 * 1024, 'key');
    expect(refusal(() => store.createTicket({ requester_id: 1, workspace_id: 99 }, [])).json).toEqual({
      description: 'Validation failed',
      errors: [
        {
          field: 'workspace_id',
          message: 'There is no workspace matching the given workspace_id',
          code: 'invalid_value',
        },
        { field: 'subject', message: 'It should be a/an String', code: 'missing_field' },
        { field: 'description', message: 'It should be a/an String', code: 'missing_field' },
      ],
    });
    expect(store.tickets.size).toBe(0);
    expect(store.createTicket({ requester_id: 1, subject: 'VPN', description: 'down' }, []).fields.workspace_id).toBe(
      2,
    );
  });

  it('an update that would pass the attachment cap is refused and changes nothing', () => {
    const clock = new TestClock();
    const store = new FreshworksStore(freshdeskFlavor, clock.ms, 10, 'key');
    const ticket = store.createTicket({ subject: 'Printer', requester_id: 1 }, [file('log.txt', 6)]);
    // JSON keeps the attachments' bytes comparable (structuredClone turns a Buffer into a Uint8Array).
    const before = JSON.stringify(ticket);
    clock.advance(60_000);
    expect(refusal(() => store.updateTicket(ticket, { subject: 'Renamed', status: 4 }, [file('more.txt', 5)]))).toEqual(
      {
        status: 400,
        json: {
          description: 'Validation failed',
          errors: [
            {
              field: 'attachments',
              message: "The total size of all of a ticket's attachments cannot exceed 10 bytes",
              code: 'invalid_value',
            },
          ],
        },
      },
    );
    expect(JSON.stringify(ticket)).toBe(before);
  });

  it('a note takes only the fields a note takes; a refused one adds nothing, a public one is the first response', () => {
    const clock = new TestClock();
    const store = new FreshworksStore(freshdeskFlavor, clock.ms, 1024, 'key');
    const ticket = store.createTicket({ subject: 'Printer', requester_id: 1 }, []);
    expect(
      refusal(() => store.addConversation(ticket, 'note', { body: 'hi', from_email: 'x@example.com' }, [])).json,
    ).toEqual({
      description: 'Validation failed',
      errors: [{ field: 'from_email', message: 'Unexpected/invalid field in request', code: 'invalid_field' }],
    });
    expect(refusal(() => store.addConversation(ticket, 'note', { body: '  ' }, [])).status).toBe(400);
    expect(ticket.conversations).toEqual([]);
    clock.advance(1_000);
    const note = store.addConversation(ticket, 'note', { body: 'Seen', private: false }, []);
    expect(note).toMatchObject({ private: false, source: 2, cc_emails: null });
    expect(ticket.stats.first_responded_at).toBe(clock.ms());
    expect(ticket.updated_at).toBe(clock.ms());
  });
});

describe('Freshworks automation webhooks', () => {
  it('fill {{ticket.*}} JSON-escaped, so a subject with quotes and a newline still parses; a hook hears only its events', async () => {
    const clock = new TestClock();
    const store = new FreshworksStore(freshdeskFlavor, clock.ms, 1024, 'key');
    const quota = new RollingWindowQuota(clock.ms, 10, 60_000);
    const webhooks = new FreshworksWebhooks({ flavor: freshdeskFlavor, quota, baseUrl: () => 'http://sim.test' });
    const hook = await receiver();
    webhooks.add({
      url: hook.url,
      events: ['ticket_updated'],
      template:
        '{"id":"{{ticket.id}}","subject":"{{ticket.subject}}","status":"{{ticket.status}}","url":"{{ticket.url}}"}',
      headers: { 'x-deskbridge-secret': 's3cret' },
    });
    const ticket = store.createTicket({ subject: 'He said "hi"\nthen left', requester_id: 1, status: 3 }, []);
    webhooks.fire('ticket_created', ticket);
    webhooks.fire('ticket_updated', ticket);
    await webhooks.settle();
    expect(webhooks.deliveries.map((d) => [d.event, d.status, d.attempts])).toEqual([['ticket_updated', 200, 1]]);
    expect(JSON.parse(hook.calls[0]!.body)).toEqual({
      id: String(ticket.id),
      subject: 'He said "hi"\nthen left',
      status: 'Pending',
      url: `http://sim.test/a/tickets/${ticket.id}`,
    });
    expect(hook.calls[0]!.headers).toMatchObject({
      'x-deskbridge-secret': 's3cret',
      'user-agent': 'Freshdesk-Webhook',
    });
    // Webhook calls spend the account's API quota (reference §1.10: they count against the rate limit).
    expect(quota.take().remaining).toBe(8);
  });
});
