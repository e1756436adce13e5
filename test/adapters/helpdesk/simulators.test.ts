import { afterEach, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../../adapters/helpdesk/freshservice/simulator.ts';
import { parseLinkHeader } from '../../../adapters/helpdesk/link-header.ts';
import { startXurrentSimulator } from '../../../adapters/helpdesk/xurrent/simulator.ts';
import { manualClock } from './support.ts';

/** The simulators' wire behaviour (reference §7), spoken to with plain HTTP. */
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:X`).toString('base64')}` });

async function get(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : null };
}

describe('Freshdesk simulator', () => {
  async function start(options: Parameters<typeof startFreshdeskSimulator>[0] = {}) {
    const sim = await startFreshdeskSimulator(options);
    closers.push(sim.close);
    return sim;
  }

  it('checks Basic apikey:X and answers 401 with an error body', async () => {
    const sim = await start();
    const bad = await get(`${sim.url}/api/v2/tickets`, basic('nope'));
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      code: 'invalid_credentials',
      message: 'You have to be logged in to perform this action.',
    });
    expect((await get(`${sim.url}/api/v2/tickets`, {})).status).toBe(401);
    expect((await get(`${sim.url}/api/v2/tickets`, basic(sim.apiKey))).status).toBe(200);
  });

  it('lists only the last 30 days without updated_since, and a bare array with Link rel="next" only before the last page', async () => {
    const clock = manualClock();
    const sim = await start({ clock });
    const day = 24 * 3600_000;
    sim.addTicket({
      subject: 'old',
      email: 'a@example.com',
      created_at: new Date(clock.now() - 40 * day).toISOString(),
    });
    for (let i = 0; i < 4; i++)
      sim.addTicket({
        subject: `new ${i}`,
        email: 'a@example.com',
        created_at: new Date(clock.now() - day).toISOString(),
      });
    const recent = await get(`${sim.url}/api/v2/tickets?per_page=100`, basic(sim.apiKey));
    expect((recent.body as Array<{ subject: string }>).map((t) => t.subject)).not.toContain('old');
    expect(recent.body).toHaveLength(4);
    const all = await get(`${sim.url}/api/v2/tickets?updated_since=2020-01-01T00:00:00Z&per_page=2`, basic(sim.apiKey));
    expect(all.body).toHaveLength(2);
    const next = parseLinkHeader(all.headers.get('link')).next!;
    expect(next).toContain('page=2');
    const page2 = await get(next, basic(sim.apiKey));
    const page3 = await get(parseLinkHeader(page2.headers.get('link')).next!, basic(sim.apiKey));
    expect(page3.body).toHaveLength(1);
    expect(page3.headers.get('link')).toBeNull();
    const exact = await get(
      `${sim.url}/api/v2/tickets?updated_since=2020-01-01T00:00:00Z&per_page=5`,
      basic(sim.apiKey),
    );
    expect(exact.body).toHaveLength(5);
    expect(exact.headers.get('link')).toBeNull();
    expect((await get(`${sim.url}/api/v2/tickets?per_page=101`, basic(sim.apiKey))).status).toBe(400);
    // Lists leave the description out unless asked for.
    expect((recent.body as Array<Record<string, unknown>>)[0]).not.toHaveProperty('description');
  });

  it('searches with the quoted query syntax, 30 a page, 10 pages, 512 characters', async () => {
    const sim = await start();
    for (let i = 0; i < 40; i++)
      sim.addTicket({
        subject: `t${i}`,
        email: 'a@example.com',
        priority: i % 4 === 0 ? 4 : 1,
        tags: i % 2 ? ['vip'] : [],
      });
    const search = (query: string, page = 1) =>
      get(`${sim.url}/api/v2/search/tickets?query=${encodeURIComponent(query)}&page=${page}`, basic(sim.apiKey));
    const urgent = await search('"priority:4"');
    expect(urgent.body).toMatchObject({ total: 10 });
    const vipOrUrgent = await search(`"(priority:4 OR tag:'vip') AND status:2"`);
    expect((vipOrUrgent.body as { total: number; results: unknown[] }).total).toBe(30);
    expect((vipOrUrgent.body as { results: unknown[] }).results).toHaveLength(30);
    const atLeast = await search('"priority:>2"');
    expect((atLeast.body as { total: number }).total).toBe(10);
    expect((await search(`"created_at:>'2000-01-01'"`)).body).toMatchObject({ total: 40 });
    expect((await search('"priority:1"', 2)).body).toMatchObject({ total: 30, results: expect.any(Array) });
    for (const bad of [
      'priority:4',
      "'priority:4'",
      `"${'priority:4 AND '.repeat(40)}priority:4"`,
      '"subject:\'x\'"',
      '"priority:4 AND"',
    ]) {
      const refused = await search(bad);
      expect(refused.status, bad).toBe(400);
      expect(refused.body).toMatchObject({
        description: 'Validation failed',
        errors: [expect.objectContaining({ field: 'query' })],
      });
    }
    expect((await search('"priority:4"', 11)).status).toBe(400);
  });

  it('sends rate-limit headers on every answer and 429 with Retry-After over the limit', async () => {
    const clock = manualClock();
    const sim = await start({ clock, rateLimitPerMinute: 3 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get(`${sim.url}/api/v2/groups`, basic(sim.apiKey)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers[0]!.headers.get('x-ratelimit-total')).toBe('3');
    expect(answers[0]!.headers.get('x-ratelimit-used-currentrequest')).toBe('1');
    expect(answers[3]!.headers.get('retry-after')).toBe('60');
    clock.advance(60_000);
    expect((await get(`${sim.url}/api/v2/groups`, basic(sim.apiKey))).status).toBe(200);
  });

  it('answers 404 with an empty body and parses multipart tags[] and custom_fields[name]', async () => {
    const sim = await start({ seed: { customFields: ['cf_region'] } });
    const missing = await fetch(`${sim.url}/api/v2/tickets/999`, { headers: basic(sim.apiKey) });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('');
    const form = new FormData();
    form.append('subject', 'multipart');
    form.append('email', 'a@example.com');
    form.append('priority', '3');
    form.append('tags[]', 'one');
    form.append('tags[]', 'two');
    form.append('custom_fields[cf_region]', 'EMEA');
    const created = await fetch(`${sim.url}/api/v2/tickets`, {
      method: 'POST',
      headers: basic(sim.apiKey),
      body: form,
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      priority: 3,
      tags: ['one', 'two'],
      custom_fields: { cf_region: 'EMEA' },
    });
  });
});

describe('Freshservice simulator', () => {
  it('wraps bodies, shows the primary workspace by default, filters with {tickets, total}', async () => {
    const sim = await startFreshserviceSimulator();
    closers.push(sim.close);
    sim.addTicket({ subject: 'it', description: 'x', email: 'a@example.com', workspace_id: 2 });
    sim.addTicket({ subject: 'hr', description: 'x', email: 'a@example.com', workspace_id: 3, priority: 4 });
    const primary = await get(`${sim.url}/api/v2/tickets`, basic(sim.apiKey));
    expect(Object.keys(primary.body as object)).toEqual(['tickets']);
    expect((primary.body as { tickets: Array<{ subject: string }> }).tickets.map((t) => t.subject)).toEqual(['it']);
    const every = await get(`${sim.url}/api/v2/tickets?workspace_id=0`, basic(sim.apiKey));
    expect((every.body as { tickets: unknown[] }).tickets).toHaveLength(2);
    const filtered = await get(
      `${sim.url}/api/v2/tickets/filter?query=${encodeURIComponent('"priority:4"')}&workspace_id=0`,
      basic(sim.apiKey),
    );
    expect(filtered.body).toMatchObject({ tickets: [expect.objectContaining({ subject: 'hr' })], total: 1 });
    const workspaces = await get(`${sim.url}/api/v2/workspaces`, basic(sim.apiKey));
    expect(workspaces.body).toMatchObject({
      workspaces: [expect.objectContaining({ id: 2, primary: true }), expect.objectContaining({ id: 3 })],
    });
  });
});

describe('Xurrent simulator', () => {
  async function start(options: Parameters<typeof startXurrentSimulator>[0] = {}) {
    const sim = await startXurrentSimulator(options);
    closers.push(sim.close);
    return sim;
  }

  it('takes a Bearer token with X-Xurrent-Account or X-4me-Account, and refuses one without either', async () => {
    const sim = await start();
    const bearer = { authorization: `Bearer ${sim.token}` };
    expect((await get(`${sim.url}/v1/me`, { ...bearer, 'X-Xurrent-Account': sim.account })).status).toBe(200);
    expect((await get(`${sim.url}/v1/me`, { ...bearer, 'x-4me-account': sim.account })).status).toBe(200);
    // The docs are silent on a missing header (every example sends one); the stricter reading refuses it.
    expect(await get(`${sim.url}/v1/me`, bearer)).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    const otherAccount = await get(`${sim.url}/v1/me`, { ...bearer, 'X-Xurrent-Account': 'someone-else' });
    expect(otherAccount).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect((await get(`${sim.url}/v1/me`, { authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('filters and pages requests with cursors, default fields, and offset timestamps', async () => {
    const sim = await start({ timezoneOffset: '-06:00' });
    const headers = { authorization: `Bearer ${sim.token}`, 'x-xurrent-account': sim.account };
    for (let i = 0; i < 5; i++)
      sim.addRequest({
        subject: `r${i}`,
        status: i < 3 ? 'assigned' : 'in_progress',
        updated_at: `2026-03-01T0${i}:00:00Z`,
      });
    const first = await get(
      `${sim.url}/v1/requests?updated_at=${encodeURIComponent('>=2026-03-01T01:00:00Z')}&sort=updated_at&per_page=2`,
      headers,
    );
    expect((first.body as Array<{ subject: string }>).map((r) => r.subject)).toEqual(['r1', 'r2']);
    expect(Object.keys((first.body as object[])[0]!).sort()).toEqual(
      [
        'id',
        'sourceID',
        'subject',
        'category',
        'impact',
        'status',
        'next_target_at',
        'completed_at',
        'team',
        'member',
        'grouped_into',
        'service_instance',
        'created_at',
        'updated_at',
      ].sort(),
    );
    expect((first.body as Array<{ updated_at: string }>)[0]!.updated_at).toBe('2026-02-28T19:00:00-06:00');
    expect(first.headers.get('x-pagination-total-entries')).toBe('4');
    const links = parseLinkHeader(first.headers.get('link'));
    const cursor = new URL(links.next!).searchParams.get('search_after')!;
    expect(JSON.parse(Buffer.from(cursor, 'base64').toString())).toMatchObject({
      offset: 2,
      cursor: [expect.any(Number), expect.any(Number)],
    });
    const second = await get(links.next!, headers);
    expect((second.body as Array<{ subject: string }>).map((r) => r.subject)).toEqual(['r3', 'r4']);
    expect(parseLinkHeader(second.headers.get('link')).next).toBeUndefined();
    const inList = await get(`${sim.url}/v1/requests?status=in_progress,declined&fields=subject`, headers);
    expect(inList.body).toEqual([
      { id: expect.any(Number), subject: 'r4' },
      { id: expect.any(Number), subject: 'r3' },
    ]);
    expect((await get(`${sim.url}/v1/requests?status=!assigned`, headers)).body).toHaveLength(2);
    expect((await get(`${sim.url}/v1/requests?per_page=101`, headers)).status).toBe(400);
  });

  it('counts against X-RateLimit-Limit/Remaining/Reset and answers 429 with Retry-After', async () => {
    const clock = manualClock();
    const sim = await start({ clock, rateLimitPerMinute: 2 });
    const headers = { authorization: `Bearer ${sim.token}`, 'x-xurrent-account': sim.account };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await get(`${sim.url}/v1/me`, headers));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[0]!.headers.get('x-ratelimit-limit')).toBe('2');
    expect(answers[1]!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(answers[0]!.headers.get('x-ratelimit-reset'))).toBe(Math.floor(clock.now() / 1000) + 60);
    expect(answers[2]!.headers.get('retry-after')).toBe('60');
    expect(answers[2]!.body).toEqual({ message: 'Too Many Requests' });
  });

  it('uploads in three steps through local storage and serves expiring attachment URIs', async () => {
    const clock = manualClock();
    const sim = await start({ clock, attachmentUrlTtlSeconds: 30 });
    const headers = { authorization: `Bearer ${sim.token}`, 'x-xurrent-account': sim.account };
    const storage = (await get(`${sim.url}/v1/attachments/storage`, headers)).body as {
      provider: string;
      upload_uri: string;
      size_limit: number;
      local: Record<string, string | number>;
    };
    expect(storage).toMatchObject({
      provider: 'local',
      size_limit: 20 * 1024 * 1024,
      allowed_extensions: expect.any(Array),
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Xurrent's upload key template has a literal ${filename}.
    expect(String(storage.local.key)).toContain('${filename}');
    const form = new FormData();
    for (const [k, v] of Object.entries(storage.local)) form.append(k, String(v));
    form.append('Content-Type', 'text/plain');
    form.append('file', new Blob(['hello world']), 'hello.txt');
    const uploaded = await fetch(storage.upload_uri, { method: 'POST', headers, body: form });
    const { key } = (await uploaded.json()) as { key: string };
    expect(key).toMatch(/hello\.txt$/);
    const id = sim.addRequest({ subject: 'x' });
    const note = await fetch(`${sim.url}/v1/requests/${id}/notes`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'see file', attachments: [{ key, filesize: 11 }] }),
    });
    // "Create a note" answers the id only; the attachment shows on the request.
    expect(Object.keys((await note.json()) as object)).toEqual(['id']);
    const request = (await get(`${sim.url}/v1/requests/${id}`, headers)).body as {
      attachments: Array<{ uri: string; size: number }>;
    };
    const attachment = request.attachments[0]!;
    expect(attachment.uri).toMatch(/X-4me-Expiration=\d+&X-4me-Signature=/);
    expect(await (await fetch(attachment.uri)).text()).toBe('hello world');
    clock.advance(31_000);
    expect((await fetch(attachment.uri)).status).toBe(403);
    const unknownKey = await fetch(`${sim.url}/v1/requests/${id}/notes`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x', attachments: [{ key: 'attachments/none' }] }),
    });
    expect(unknownKey.status).toBe(422);
  });

  it('requires a completion reason to complete a request, and accepts PUT as well as PATCH', async () => {
    const sim = await start();
    const id = sim.addRequest({ subject: 'x' });
    const send = (method: string, body: unknown) =>
      fetch(`${sim.url}/v1/requests/${id}`, {
        method,
        headers: {
          authorization: `Bearer ${sim.token}`,
          'x-xurrent-account': sim.account,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const refused = await send('PATCH', { status: 'completed' });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({
      message: 'Validation Failed',
      errors: [['completion_reason', "can't be blank"]],
    });
    const done = await send('PUT', { status: 'completed', completion_reason: 'no_reply', note: 'Closing' });
    expect(await done.json()).toMatchObject({
      status: 'completed',
      completion_reason: 'no_reply',
      completed_at: expect.stringMatching(/[+-]\d{2}:\d{2}$/),
    });
  });
});
