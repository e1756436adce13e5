import { describe, expect, it } from 'vitest';
import { advanceCursor, decodeCursor } from '../../../adapters/helpdesk/change-cursor.ts';
import { backoffDelay } from '../../../adapters/helpdesk/backoff.ts';
import { freshdeskStatuses } from '../../../adapters/helpdesk/freshdesk/codes.ts';
import {
  evaluateFilter,
  FilterQueryError,
  parseFilterQuery,
  unwrapQueryParam,
} from '../../../adapters/helpdesk/freshworks/filter-query.ts';
import { formatLinkHeader, parseLinkHeader } from '../../../adapters/helpdesk/link-header.ts';
import { RateBudget } from '../../../adapters/helpdesk/rate-budget.ts';
import { formatWithOffset, toHubTime } from '../../../adapters/helpdesk/timestamps.ts';
import { xurrentStatuses } from '../../../adapters/helpdesk/xurrent/codes.ts';
import { manualClock } from './support.ts';

describe('Freshworks filter language', () => {
  const ticket: Record<string, unknown> = {
    status: 2,
    priority: 4,
    tag: ['vip', 'emea'],
    agent_id: null,
    created_at: '2024-03-05T10:00:00Z',
  };
  const matches = (query: string) =>
    evaluateFilter(parseFilterQuery(query), (field) => (field in ticket ? { value: ticket[field] } : undefined));

  it('gives AND precedence over OR and honours parentheses', () => {
    expect(matches('status:3 AND priority:1 OR priority:4')).toBe(true);
    expect(matches('status:3 AND (priority:1 OR priority:4)')).toBe(false);
  });

  it('treats :> and :< as inclusive, compares dates by day, and tests null', () => {
    expect(matches('priority:>4 AND priority:<4')).toBe(true);
    expect(matches("created_at:>'2024-03-05' AND created_at:<'2024-03-05'")).toBe(true);
    expect(matches("created_at:>'2024-03-06'")).toBe(false);
    expect(matches('agent_id:null')).toBe(true);
    expect(matches("tag:'VIP'")).toBe(true);
  });

  it('requires double quotes, at most 512 characters, and quoted strings', () => {
    expect(unwrapQueryParam('"status:2"')).toBe('status:2');
    expect(() => unwrapQueryParam('status:2')).toThrow(FilterQueryError);
    expect(() => unwrapQueryParam(`"${'x'.repeat(513)}"`)).toThrow(/512/);
    expect(() => parseFilterQuery('tag:vip')).toThrow(/single quotes/);
    expect(() => parseFilterQuery('(status:2')).toThrow(/\)/);
  });
});

describe('change cursor', () => {
  it('repeats the last second but not the ids it already returned', () => {
    const start = decodeCursor('2026-03-01T00:00:00Z', () => 'unused');
    const first = advanceCursor(start, [
      { id: '2', updated: '2026-03-01T08:00:00.000Z' },
      { id: '1', updated: '2026-03-01T07:00:00.000Z' },
    ]);
    expect(first.changes.map((c) => c.id)).toEqual(['1', '2']);
    const again = advanceCursor(
      decodeCursor(first.cursor, () => 'unused'),
      [
        { id: '2', updated: '2026-03-01T08:00:00.000Z' },
        { id: '3', updated: '2026-03-01T08:00:00.000Z' },
      ],
    );
    expect(again.changes.map((c) => c.id)).toEqual(['3']);
    expect(() => decodeCursor('not-a-cursor', () => 'x')).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });
});

describe('status and priority tables', () => {
  it('maps names and codes both ways', () => {
    expect(freshdeskStatuses.fromCode(3)).toEqual({ id: 3, name: 'Pending' });
    expect(freshdeskStatuses.toCode({ id: null, name: 'resolved' })).toBe(4);
    expect(freshdeskStatuses.fromCode(7)).toEqual({ id: 7, name: '7' });
    expect(freshdeskStatuses.toCode(7)).toBe(7);
    expect(() => freshdeskStatuses.toCode('Snoozed')).toThrow(
      expect.objectContaining({
        code: 'helpdesk_validation',
        message: expect.stringContaining('Open, Pending, Resolved, Closed'),
      }),
    );
    expect(xurrentStatuses.toCode({ id: null, name: 'Waiting for Customer' })).toBe('waiting_for_customer');
    expect(xurrentStatuses.fromName('in progress')).toEqual({ id: 'in_progress', name: 'In Progress' });
  });
});

describe('small helpers', () => {
  it('parses and formats Link headers', () => {
    const header = formatLinkHeader({ first: 'https://x/a?page=1', next: 'https://x/a?page=2' });
    expect(parseLinkHeader(header)).toEqual({ first: 'https://x/a?page=1', next: 'https://x/a?page=2' });
    expect(parseLinkHeader(null)).toEqual({});
    // As Freshdesk's and Freshservice's API docs write it (Pagination): a blank inside the brackets, no blank after `;`.
    expect(parseLinkHeader('< https://domain.freshdesk.com/api/v2/tickets?page=2>;rel="next"')).toEqual({
      next: 'https://domain.freshdesk.com/api/v2/tickets?page=2',
    });
  });

  it('formats Xurrent offsets and reads them back as UTC', () => {
    const ms = Date.parse('2016-03-14T08:56:11Z');
    expect(formatWithOffset(ms, '-06:00')).toBe('2016-03-14T02:56:11-06:00');
    expect(toHubTime('2016-03-14T02:56:11-06:00')).toBe('2016-03-14T08:56:11.000Z');
  });

  it('backs off exponentially with jitter and a ceiling', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 500]);
    expect(backoffDelay(2, policy, () => 1)).toBe(400);
  });

  it('a rate budget holds requests back once the learned limit is spent in the window', async () => {
    const clock = manualClock();
    const budget = new RateBudget(clock, { windowMs: 60_000, marginMs: 0 });
    await budget.acquire();
    budget.observe({ limit: 2, remaining: 1, resetAt: null });
    await budget.acquire();
    expect(clock.slept).toBe(0);
    await budget.acquire();
    expect(clock.slept).toBe(60_000);
  });
});
