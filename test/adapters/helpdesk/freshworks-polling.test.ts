import { afterEach, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../../adapters/helpdesk/freshservice/simulator.ts';
import type { FreshworksSimulator } from '../../../adapters/helpdesk/freshworks/simulator-core.ts';
import { createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { fastOptions, manualClock } from './support.ts';

/**
 * Issue 16, item 8. Freshdesk's `/search/tickets` answers 30 tickets a page for pages 1 to 10 (at most 300) and
 * compares dates by day (reference §1.3: developers.freshdesk.com/api/#filter_tickets, restated by the glama
 * freshdesk_search_tickets tool, "page 1-10; 30 results per page, per_page ignored"). Freshservice's
 * `/tickets/filter` documents 30 a page and no cap of its own (reference §2.2; FreshservicePS Get-FreshServiceTicket
 * -Filter): the simulators take the stricter reading, the same 300. The ticket list with `updated_since` has no such
 * cap, so trigger polling lists and filters here: a ticket that newly matches is found whatever the day's volume.
 */
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const DAY = '2026-03-02';

async function start(platform: 'freshdesk' | 'freshservice') {
  const clock = manualClock(Date.parse(`${DAY}T08:00:00Z`));
  const options = {
    clock,
    rateLimitPerMinute: 100_000,
    seed: { customFields: platform === 'freshdesk' ? ['cf_region'] : ['region'] },
  };
  const sim: FreshworksSimulator =
    platform === 'freshdesk' ? await startFreshdeskSimulator(options) : await startFreshserviceSimulator(options);
  closers.push(() => sim.close());
  const client = createHelpdesk(
    { platform, baseUrl: sim.url, credentials: { kind: 'apiKey', apiKey: sim.apiKey } },
    fastOptions(clock),
  );
  // The ticket that will newly match: created weeks ago, so the filter API (newest created first) lists it last.
  const late = sim.addTicket({
    subject: 'old',
    email: 'old@example.com',
    priority: 1,
    created_at: '2026-02-01T00:00:00Z',
  });
  // 320 matching tickets changed this morning: more than the filter API's 300.
  for (let i = 0; i < 320; i++) {
    const at = new Date(Date.parse(`${DAY}T08:00:00Z`) + i * 1000).toISOString();
    sim.addTicket({ subject: `busy ${i}`, email: `r${i}@example.com`, priority: 3, created_at: at, updated_at: at });
  }
  return { sim, client, clock, late };
}

async function search(sim: FreshworksSimulator, platform: 'freshdesk' | 'freshservice', query: string, page: number) {
  const path = platform === 'freshdesk' ? '/api/v2/search/tickets' : '/api/v2/tickets/filter';
  const url = `${sim.url}${path}?query=${encodeURIComponent(`"${query}"`)}&page=${page}&per_page=100`;
  const response = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${sim.apiKey}:X`).toString('base64')}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

for (const platform of ['freshdesk', 'freshservice'] as const) {
  describe(`${platform}: trigger polling with more than 300 changes in a day`, () => {
    it('the simulated filter API caps at 10 pages of 30 and compares by day, as documented', async () => {
      const { sim } = await start(platform);
      const key = platform === 'freshdesk' ? 'results' : 'tickets';
      const first = await search(sim, platform, `priority:3 AND updated_at:>'${DAY}'`, 1);
      expect(first.status).toBe(200);
      expect(first.body.total).toBe(320);
      expect(first.body[key]).toHaveLength(30); // per_page is ignored
      expect((await search(sim, platform, `priority:3 AND updated_at:>'${DAY}'`, 10)).body[key]).toHaveLength(30);
      const eleventh = await search(sim, platform, 'priority:3', 11);
      expect(eleventh.status).toBe(400);
      expect(eleventh.body).toMatchObject({
        description: 'Validation failed',
        errors: [{ field: 'page', code: 'invalid_value' }],
      });
      // Day granularity: a time of day is not part of the language.
      expect((await search(sim, platform, `updated_at:>'${DAY}T09:00:00Z'`, 1)).status).toBe(400);
    });

    it('finds a ticket that newly matches after 320 matching changes that day, in one listing', async () => {
      const { sim, client, clock, late } = await start(platform);
      const cursor = (await client.listChanged(`${DAY}T07:59:00Z`, { query: 'priority:3' })).cursor;
      clock.advance(2 * 60 * 60 * 1000);
      sim.agentUpdate(late, { priority: 3 });
      // The filter API cannot see it: it sorts newest-created first, and the old ticket sits past page 10.
      const key = platform === 'freshdesk' ? 'results' : 'tickets';
      const seen = new Set<number>();
      for (let page = 1; page <= 10; page++) {
        const { body } = await search(sim, platform, `priority:3 AND updated_at:>'${DAY}'`, page);
        for (const t of body[key] as Array<{ id: number }>) seen.add(t.id);
      }
      expect(seen.size).toBe(300);
      expect(seen.has(late)).toBe(false);

      const before = sim.requests.total;
      const batch = await client.listChanged(cursor, { query: 'priority:3' });
      expect(batch.changes.map((c) => c.id)).toEqual([String(late)]);
      expect(batch.truncated).toBe(false);
      expect(sim.requests.total - before).toBe(1);
    });

    it('lists all 321 of the day, past the 300 the filter API could give, oldest first', async () => {
      const { sim, client, clock, late } = await start(platform);
      clock.advance(60 * 60 * 1000);
      sim.agentUpdate(late, { priority: 3 });
      const batch = await client.listChanged(`${DAY}T00:00:00Z`, { query: 'priority:3' });
      expect(batch.changes).toHaveLength(321);
      expect(batch.changes.at(-1)?.id).toBe(String(late));
      expect(batch.truncated).toBe(false);
      expect((await client.listChanged(batch.cursor, { query: 'priority:3' })).changes).toEqual([]);
    });

    it('refuses a query the helpdesk would refuse, before any request', async () => {
      const { sim, client } = await start(platform);
      const before = sim.requests.total;
      for (const query of ["subject:'x'", 'priority:', 'priority:3 AND', `priority:${'1'.repeat(600)}`, 'tags:vip']) {
        await expect(client.listChanged(null, { query })).rejects.toMatchObject({ code: 'helpdesk_validation' });
      }
      if (platform === 'freshdesk')
        await expect(client.listChanged(null, { query: 'region:1' })).rejects.toMatchObject({
          code: 'helpdesk_validation',
        });
      expect(sim.requests.total).toBe(before);
    });

    it('refuses a custom field the tickets do not have, and filters on one they have', async () => {
      const { sim, client } = await start(platform);
      const region = platform === 'freshdesk' ? 'cf_region' : 'region';
      const id = sim.addTicket({ subject: 'r', email: 'x@example.com', custom_fields: { [region]: 'EMEA' } });
      const found = await client.listChanged(null, { query: `${region}:'emea'` });
      expect(found.changes.map((c) => c.id)).toEqual([String(id)]);
      const unknown = platform === 'freshdesk' ? 'cf_colour' : 'colour';
      await expect(client.listChanged(null, { query: `${unknown}:'red'` })).rejects.toMatchObject({
        code: 'helpdesk_validation',
        message: expect.stringContaining(unknown),
      });
    });
  });
}
