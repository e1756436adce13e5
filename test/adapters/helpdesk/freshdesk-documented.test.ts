import { describe, expect, it } from 'vitest';
import { startFreshdeskSimulator, type FreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { createFreshdeskClient } from '../../../adapters/helpdesk/freshdesk/client.ts';
import type { FreshworksSeed } from '../../../adapters/helpdesk/freshworks/simulator-core.ts';
import { parseLinkHeader } from '../../../adapters/helpdesk/link-header.ts';
import { basicAuth, shapeGaps, documentedReplay, expectDocumentedRequest } from './documented-stub.ts';
import { expectDomainError, fastOptions, manualClock } from './support.ts';

/**
 * Freshdesk's own documented examples (fixtures/freshdesk-documented-examples.json; each entry names the section of
 * developers.freshdesk.com/api/ and the lines of the public text copy it comes from), replayed against the connector
 * through a loopback server answering exactly the documented bodies, and against the simulator.
 *
 * Where the docs are silent or disagree, the stricter reading:
 * - attachments carry `file_size` in some examples and `size` in others: the connector reads both.
 * - the Link header is documented as `< https://…>;rel="next"` (a space inside the brackets, none before `rel`):
 *   the connector must follow that form as well as RFC 8288's `<…>; rel="next"`.
 * - a conversation's `user_id` 1 is also the requester (id 1) in the View/List examples: the connector takes the
 *   author's identity from the user id, so only the id is asserted there.
 * - Update a Ticket's curl updates ticket 1 and the answer is ticket 20: the connector reports the answer.
 * - "Create a Note" answers without `source` and `from_email`: the connector needs neither.
 * - "A maximum of 300 pages" and "per_page … maximum … 100": the connector asks for 100 a page.
 */
const { docs, doc, nullable, closers, stub } = documentedReplay('freshdesk-documented-examples.json');
// The docs' examples all have a company; a requester without one (as in the simulator's seed) has company_id null.
nullable.add('company_id');
// The docs show an edited conversation; of one never edited they are silent, and the simulator says null.
nullable.add('last_edited_at');
nullable.add('last_edited_user_id');
// The docs' listed note has from_email, cc_emails and bcc_emails; python-freshdesk's note fixture (reference §1.6)
// has them null, as Freshservice's documented note does: the sources disagree, so a note may show either.
for (const key of ['from_email', 'cc_emails', 'bcc_emails']) nullable.add(key);

const API_KEY = 'abcdefgh12345678';

function connector(url: string, clock = manualClock()) {
  return createFreshdeskClient(
    { platform: 'freshdesk', baseUrl: url, credentials: { kind: 'apiKey', apiKey: API_KEY } },
    fastOptions(clock),
  );
}

/** Every key the connector sent with a value of the documented type (keys the example does not show are listed). */
function undocumentedKeys(sent: Record<string, unknown>, documented: Record<string, unknown>): string[] {
  for (const [key, value] of Object.entries(sent)) {
    if (key in documented) expect(typeof value, key).toBe(typeof documented[key]);
  }
  return Object.keys(sent).filter((k) => !(k in documented));
}

describe('Freshdesk documented examples: the connector', () => {
  it('creates a ticket with the documented request and reads the documented answer', async () => {
    const server = await stub((r) => (r.method === 'POST' ? { status: 201, body: doc('createTicket') } : null));
    const entity = await connector(server.url).createEntity({
      summary: 'Support Needed...',
      description: 'Details about the issue...',
      status: { id: null, name: 'Open' },
      priority: { id: null, name: 'Low' },
      reporter: { id: null, email: 'tom@outerspace.com', displayName: null },
    });
    expect(server.seen).toHaveLength(1);
    const sent = server.seen[0]!;
    expectDocumentedRequest(sent, doc('createTicket', 'request'), API_KEY);
    const documented = doc<{ body: Record<string, unknown> }>('createTicket', 'request').body;
    expect(sent.body).toEqual({
      subject: documented.subject,
      description: documented.description,
      status: documented.status,
      priority: documented.priority,
      email: documented.email,
    });
    expect(undocumentedKeys(sent.body as Record<string, unknown>, documented)).toEqual([]);
    expect(entity).toMatchObject({
      id: '1',
      key: '#1',
      summary: 'Support needed..',
      description: '<div>Some details on the issue ..</div>',
      status: { id: 2, name: 'Open' },
      priority: { id: 1, name: 'Low' },
      type: 'Question',
      labels: [],
      reporter: { id: '129', email: 'tom@outerspace.com' },
      assignee: null,
      created: '2015-07-09T13:08:06.000Z',
      updated: '2015-07-23T04:41:12.000Z',
    });
  });

  it('sends custom fields under their names and reads them back', async () => {
    const server = await stub(() => ({ status: 201, body: doc('createTicketWithCustomFields') }));
    const entity = await connector(server.url).createEntity({
      summary: 'Support Needed...',
      reporter: { id: null, email: 'tom@outerspace.com', displayName: null },
      customFields: { category: 'Primary' },
    });
    const documented = doc<{ body: Record<string, unknown> }>('createTicketWithCustomFields', 'request').body;
    expect((server.seen[0]!.body as Record<string, unknown>).custom_fields).toEqual(documented.custom_fields);
    expect(entity.customFields).toEqual({ category: 'Primary' });
  });

  it('reads the documented ticket with requester and conversations embedded, in one call', async () => {
    const ticket = { ...doc<object>('viewTicketWithRequester'), conversations: doc<unknown[]>('listConversations') };
    const server = await stub((r) => (r.path === '/api/v2/tickets/20' ? { status: 200, body: ticket } : null));
    const entity = await connector(server.url).getEntity('20');
    expect(server.seen.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v2/tickets/20']);
    // The documented embeds: requester (its email and name) and conversations (up to ten).
    expect(server.seen[0]!.query.get('include')?.split(',').sort()).toEqual(['conversations', 'requester']);
    expect(entity).toMatchObject({
      id: '20',
      summary: '',
      description: '<div>Not given.</div>',
      status: { name: 'Open' },
      priority: { name: 'Low' },
      type: null,
      labels: [],
      customFields: { category: 'Primary' },
      reporter: { id: '1', email: 'test@test.com', displayName: 'Rachel' },
      created: '2015-08-24T11:56:51.000Z',
    });
    expect(entity.comments).toHaveLength(1);
    expect(entity.comments[0]).toMatchObject({
      id: '3',
      body: '<div>Please reply as soon as possible.</div>',
      internal: true,
      author: { id: '1' },
      created: '2015-08-24T11:59:05.000Z',
    });
  });

  it('lists the conversations past the ten embedded ones, following the documented Link header form', async () => {
    const [conversation] = doc<Array<Record<string, unknown>>>('listConversations');
    const many = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        ...conversation,
        id: from + i,
        created_at: `2015-08-24T12:${String(from + i).padStart(2, '0')}:00Z`,
      }));
    const ticket = { ...doc<object>('viewTicketWithRequester'), conversations: many(1, 10) };
    const documentedLink = String(docs.pagination!.linkHeader);
    const server = await stub((r, url) => {
      if (r.path === '/api/v2/tickets/20') return { status: 200, body: ticket };
      if (r.path !== '/api/v2/tickets/20/conversations') return null;
      if (r.query.get('page') === '2') return { status: 200, body: many(11, 2) };
      const next = `${url}/api/v2/tickets/20/conversations?page=2&per_page=100`;
      return { status: 200, body: many(1, 10), headers: { link: documentedLink.replace(/https:\/\/[^>]+/, next) } };
    });
    const entity = await connector(server.url).getEntity('20');
    expect(entity.comments.map((c) => c.id)).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    const listed = server.seen.filter((r) => r.path.endsWith('/conversations'));
    expect(listed.map((r) => r.query.get('page'))).toEqual([null, '2']);
    expect(Number(listed[0]!.query.get('per_page'))).toBeLessThanOrEqual(100);
  });

  it('updates with the documented body and reads the documented answer', async () => {
    const server = await stub((r) => {
      if (r.method === 'PUT') return { status: 200, body: doc('updateTicket') };
      if (r.path.endsWith('/conversations')) return { status: 200, body: [] };
      return null;
    });
    const entity = await connector(server.url).updateEntity('1', {
      priority: { id: null, name: 'Medium' },
      status: { id: null, name: 'Pending' },
    });
    expectDocumentedRequest(server.seen[0]!, doc('updateTicket', 'request'), API_KEY);
    expect(server.seen[0]!.body).toEqual(doc<{ body: unknown }>('updateTicket', 'request').body);
    expect(entity).toMatchObject({ id: '20', status: { id: 3, name: 'Pending' }, priority: { id: 2, name: 'Medium' } });
  });

  it('creates a public note with documented fields only, once, and reads the documented answer', async () => {
    const server = await stub((r) => (r.method === 'POST' ? { status: 201, body: doc('createNote') } : null));
    const comment = await connector(server.url).addComment('3', { body: 'Hi tom, Still Angry', internal: false });
    expect(server.seen).toHaveLength(1);
    expectDocumentedRequest(server.seen[0]!, doc('createNote', 'request'), API_KEY);
    const documented = doc<{ body: Record<string, unknown> }>('createNote', 'request').body;
    // The docs' note parameters: body, private (default true, so always sent), incoming, notify_emails, user_id.
    expect(server.seen[0]!.body).toEqual({ body: documented.body, private: documented.private });
    expect(comment).toMatchObject({
      id: '5',
      body: '<div>Hi tom, Still Angry</div>',
      internal: false,
      author: { id: '1' },
      created: '2015-08-24T13:49:37.000Z',
    });
  });

  it('sends a note with a file as multipart attachments[] and reads the documented answer', async () => {
    const server = await stub(() => ({ status: 201, body: doc('createNoteWithAttachment') }));
    const comment = await connector(server.url).addComment('20', {
      body: 'Hi tom, Still Angry',
      internal: true,
      attachments: [{ filename: 'attachment1.jpg', mimetype: 'image/jpeg', data: new Uint8Array([1, 2, 3]) }],
    });
    expectDocumentedRequest(server.seen[0]!, doc('createNoteWithAttachment', 'request'), API_KEY);
    const form = server.seen[0]!.form!;
    expect(form.files.map(([name, file]) => [name, file.filename])).toEqual([['attachments[]', 'attachment1.jpg']]);
    expect(Object.fromEntries(form.fields)).toEqual({ body: 'Hi tom, Still Angry', private: 'true' });
    expect(comment).toMatchObject({ id: '5', internal: false });
  });

  it('uploads a file with the ticket update and reads the documented attachment (file_size)', async () => {
    const server = await stub(() => ({ status: 200, body: doc('createTicketWithAttachment') }));
    const attachment = await connector(server.url).uploadAttachment('1', {
      filename: 'attachment2.jpg',
      mimetype: 'image/jpeg',
      data: new Uint8Array([1]),
    });
    expect(`${server.seen[0]!.method} ${server.seen[0]!.path}`).toBe('PUT /api/v2/tickets/1');
    expect(server.seen[0]!.form!.files.map(([name]) => name)).toEqual(['attachments[]']);
    expect(attachment).toEqual({
      id: '4004881086',
      filename: 'attachment2.jpg',
      mimetype: 'image/jpeg',
      filesize: 44134,
      created: '2014-07-28T10:50:03.000Z',
      url: 'https://cdn.freshdesk.com/data/helpdesk/attachments/production/4004881085/original/attachment2.jpg',
    });
  });

  it('lists changes with the documented parameters and reads the documented list (no description)', async () => {
    const server = await stub((r) => (r.path === '/api/v2/tickets' ? { status: 200, body: doc('listTickets') } : null));
    const batch = await connector(server.url).listChanged('2015-08-17T00:00:00.000Z');
    const query = server.seen[0]!.query;
    expect(query.get('updated_since')).toBe('2015-08-17T00:00:00Z');
    const sortBy = docs.listTickets!.sortBy as Record<string, string[]>;
    expect(sortBy.order_by).toContain(query.get('order_by'));
    expect(sortBy.order_type).toContain(query.get('order_type'));
    expect(Number(query.get('per_page'))).toBeLessThanOrEqual(100);
    expect(batch.changes.map((c) => c.id).sort()).toEqual(['17', '18']);
  });

  it('reads the documented validation error into field errors', async () => {
    const server = await stub(() => ({ status: 400, body: doc('validationError') }));
    const error = await expectDomainError(
      connector(server.url).createEntity({ summary: 'x', reporter: { id: null, email: 'a@b.c', displayName: null } }),
      'helpdesk_validation',
      /name: Mandatory attribute missing/,
    );
    expect((error as { details?: { fieldErrors?: unknown } }).details?.fieldErrors).toEqual([
      { field: 'name', message: 'Mandatory attribute missing', code: 'missing_field' },
    ]);
  });

  it('waits out the documented 429 Retry-After before the one retry', async () => {
    const throttled = docs.rateLimit!.throttled as { status: number; headers: Record<string, string> };
    let calls = 0;
    const server = await stub((r) =>
      r.path.endsWith('/conversations')
        ? { status: 200, body: [] }
        : calls++ === 0
          ? { status: throttled.status, headers: throttled.headers, body: {} }
          : { status: 200, body: doc('viewTicket'), headers: docs.rateLimit!.headers as Record<string, string> },
    );
    const clock = manualClock();
    const entity = await connector(server.url, clock).getEntity('20');
    expect(entity.id).toBe('20');
    expect(server.seen.filter((r) => r.path === '/api/v2/tickets/20')).toHaveLength(2);
    expect(clock.slept).toBeGreaterThanOrEqual(Number(throttled.headers['Retry-After']) * 1000);
  });
});

describe('Freshdesk documented examples: the simulator', () => {
  async function simulator(seed: FreshworksSeed = {}): Promise<FreshdeskSimulator> {
    const sim = await startFreshdeskSimulator({ clock: manualClock(), apiKey: API_KEY, seed });
    closers.push(sim.close);
    return sim;
  }

  async function send(sim: FreshdeskSimulator, name: string, path?: string, body?: unknown) {
    const request = doc<{ method: string; path: string; query?: Record<string, string>; body?: unknown }>(
      name,
      'request',
    );
    const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
    const payload = body ?? request.body;
    const response = await fetch(`${sim.url}${path ?? request.path}${query}`, {
      method: request.method,
      headers: { authorization: basicAuth(API_KEY), 'content-type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : null };
  }

  const gaps = (name: string, actual: unknown) => shapeGaps(doc(name), actual, nullable);

  it('answers the documented creates with every documented key and type', async () => {
    const sim = await simulator({ customFields: ['category'] });
    const created = await send(sim, 'createTicket');
    expect(created.status).toBe(docs.createTicket!.status);
    expect(gaps('createTicket', created.body)).toEqual([]);
    expect(created.body).toMatchObject({ subject: 'Support Needed...', priority: 1, status: 2, source: 2 });
    const withFields = await send(sim, 'createTicketWithCustomFields');
    expect(gaps('createTicketWithCustomFields', withFields.body)).toEqual([]);
    expect(withFields.body).toMatchObject({ custom_fields: { category: 'Primary' } });
  });

  it('answers the documented view, embed, update and list with every documented key and type', async () => {
    const sim = await simulator({ customFields: ['category'] });
    const id = (await send(sim, 'createTicketWithCustomFields')).body as { id: number };
    expect(gaps('viewTicket', (await send(sim, 'viewTicket', `/api/v2/tickets/${id.id}`)).body)).toEqual([]);
    const embedded = await send(sim, 'viewTicketWithRequester', `/api/v2/tickets/${id.id}`);
    expect(gaps('viewTicketWithRequester', embedded.body)).toEqual([]);
    expect(embedded.body).toMatchObject({ requester: { email: 'tom@outerspace.com' } });
    const updated = await send(sim, 'updateTicket', `/api/v2/tickets/${id.id}`);
    expect(updated.status).toBe(200);
    expect(gaps('updateTicket', updated.body)).toEqual([]);
    expect(updated.body).toMatchObject({ priority: 2, status: 3 });
    const listed = await send(sim, 'listTickets');
    expect(gaps('listTickets', listed.body)).toEqual([]);
    // "For accounts created after 2018-11-30, you will have to use include to get description."
    expect((listed.body as object[])[0]).not.toHaveProperty('description');
  });

  it('answers the documented note, reply and conversation list with every documented key and type', async () => {
    const sim = await simulator();
    const { id } = (await send(sim, 'createTicket')).body as { id: number };
    const note = await send(sim, 'createNote', `/api/v2/tickets/${id}/notes`);
    expect(note.status).toBe(201);
    expect(gaps('createNote', note.body)).toEqual([]);
    expect(note.body).toMatchObject({ private: false, incoming: false, notified_to: ['tom@yourcompany.com'] });
    const reply = await send(sim, 'createReply', `/api/v2/tickets/${id}/reply`);
    expect(gaps('createReply', reply.body)).toEqual([]);
    const listed = await send(sim, 'listConversations', `/api/v2/tickets/${id}/conversations`);
    expect(gaps('listConversations', listed.body)).toEqual([]);
    const sources = docs.conversationSources!.values as Record<string, number>;
    expect((listed.body as Array<{ source: number }>).map((c) => c.source)).toEqual([sources.Note, sources.Reply]);
  });

  it('refuses what the docs say is refused, with the documented error body', async () => {
    const sim = await simulator();
    const documented = doc<{ errors: object[] }>('validationError');
    // "the Create a ticket API requires the requester_id field … if it is missing, this status code is returned."
    const missing = await send(sim, 'createTicket', undefined, { subject: 'x', description: 'y' });
    expect(missing.status).toBe(docs.validationError!.status);
    expect(gaps('validationError', missing.body)).toEqual([]);
    expect((missing.body as typeof documented).errors).toContainEqual(
      expect.objectContaining({ field: 'requester_id', code: 'missing_field' }),
    );
    // invalid_field: "If any additional field is included in the request payload … this error will occur."
    const extra = await send(sim, 'createTicket', undefined, {
      ...doc<{ body: object }>('createTicket', 'request').body,
      colour: 'red',
    });
    expect(extra.status).toBe(400);
    expect((extra.body as typeof documented).errors).toContainEqual(
      expect.objectContaining({ field: 'colour', code: 'invalid_field' }),
    );
    expect(sim.ticketCount()).toBe(0);
  });

  it('pages with a Link rel="next" until the last page, and sends the documented rate-limit headers', async () => {
    const sim = await simulator();
    for (let i = 0; i < 3; i++) sim.addTicket({ subject: `t${i}`, email: 'sam@example.com' });
    const first = await send(sim, 'listTickets', '/api/v2/tickets?per_page=2');
    const next = parseLinkHeader(first.headers.get('link')).next;
    expect(next).toMatch(/page=2/);
    const last = await fetch(next!, { headers: { authorization: basicAuth(API_KEY) } });
    expect(last.headers.get('link')).toBeNull();
    for (const name of Object.keys(docs.rateLimit!.headers as object))
      expect(first.headers.get(name), name).toMatch(/^\d+$/);
    sim.setRateLimit(1);
    const throttled = await send(sim, 'listTickets');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
