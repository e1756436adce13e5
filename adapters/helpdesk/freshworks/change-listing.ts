import { z } from 'zod';
import { DomainError } from '../../../src/domain/errors.ts';
import type { ChangedEntity } from '../../../src/domain/helpdesk.ts';
import { parseLinkHeader } from '../link-header.ts';
import { toHubTime } from '../timestamps.ts';
import type { HelpdeskTransport } from '../transport.ts';
import {
  evaluateFilter,
  type FieldReader,
  type FilterNode,
  FilterQueryError,
  fieldsOf,
  MAX_QUERY_LENGTH,
  parseFilterQuery,
} from './filter-query.ts';
import { freshworksTicketSchema, type FreshworksTicket, wrapped } from './schemas.ts';

/**
 * Trigger polling without the filter API. `/search/tickets` (Freshdesk) answers at most 10 pages of 30 and compares
 * `updated_at` by day, so once more than 300 matching tickets change in a day a newly matching one can fall past
 * page 10; Freshservice's `/tickets/filter` documents the same 30 per page and no higher cap, so the stricter reading
 * (the same 300) applies. The ticket list with `updated_since` has no such cap (100 per page, Link rel="next", page
 * numbers up to 300, i.e. 30,000 tickets per call) and is exact to the second, so polling lists what changed since
 * the cursor and applies the trigger query here, with the same evaluator the simulators use.
 */

/**
 * The next page from a Link header. Both vendors document it as `< https://…/tickets?…&page=2>;rel="next"`, a space
 * inside the brackets (developers.freshdesk.com/api/ and api.freshservice.com, Pagination); RFC 8288 has none, so
 * the URL is trimmed to take either form.
 */
export function nextPageUrl(headers: Headers): string | undefined {
  return parseLinkHeader(headers.get('link')).next || undefined;
}

/** The ticket list's page-number cap (reference §1.2): past it, the batch is truncated and the cursor continues. */
export const LIST_MAX_PAGE = 300;
const LIST_PAGE_SIZE = 100;

/** Standard filter fields (reference §1.3, §2.2); anything else must be a custom field the tickets carry. */
const standardFields: Record<'freshdesk' | 'freshservice', readonly string[]> = {
  freshdesk: [
    'agent_id',
    'group_id',
    'priority',
    'status',
    'tag',
    'type',
    'due_by',
    'fr_due_by',
    'created_at',
    'updated_at',
    'requester_id',
    'email',
    'company_id',
    'product_id',
  ],
  freshservice: [
    'agent_id',
    'group_id',
    'priority',
    'status',
    'impact',
    'urgency',
    'tag',
    'type',
    'due_by',
    'fr_due_by',
    'created_at',
    'updated_at',
    'requester_id',
    'email',
    'workspace_id',
    'department_id',
    'category',
    'sub_category',
    'item_category',
  ],
};

/** Ticket attributes the filter APIs do not filter on (a query naming one is refused, as the helpdesk would). */
const notFilterable = new Set([
  'id',
  'subject',
  'description',
  'description_text',
  'source',
  'responder_id',
  'tags',
  'cc_emails',
  'fwd_emails',
  'reply_cc_emails',
  'to_emails',
  'spam',
  'deleted',
  'is_escalated',
  'fr_escalated',
  'email_config_id',
  'attachments',
  'custom_fields',
  'conversations',
]);

export interface TriggerQuery {
  node: FilterNode;
  fields: string[];
}

/** Parses a trigger query as the helpdesk would, with a message a person can act on. */
export function parseTriggerQuery(query: string, platform: 'freshdesk' | 'freshservice', label: string): TriggerQuery {
  if (query.length > MAX_QUERY_LENGTH)
    throw new DomainError(
      'helpdesk_validation',
      `The trigger query is too long for ${label}: keep it under ${MAX_QUERY_LENGTH} characters.`,
    );
  try {
    const node = parseFilterQuery(query);
    const fields = [...new Set(fieldsOf(node))];
    // Freshdesk's custom fields are all cf_…; Freshservice's go by any name.
    const custom = (f: string) => platform === 'freshservice' || f.startsWith('cf_');
    const refused = fields.find((f) => notFilterable.has(f) || !(standardFields[platform].includes(f) || custom(f)));
    if (refused) throw new FilterQueryError(`Invalid field: ${refused} cannot be filtered on`);
    return { node, fields };
  } catch (error) {
    if (error instanceof FilterQueryError)
      throw new DomainError('helpdesk_validation', `${label} would refuse the trigger query: ${error.message}.`, {
        field: 'query',
      });
    throw error;
  }
}

function readerFor(ticket: FreshworksTicket, platform: 'freshdesk' | 'freshservice'): FieldReader {
  const raw = ticket as Record<string, unknown>;
  const custom = ticket.custom_fields ?? {};
  return (field) => {
    if (field === 'agent_id') return { value: ticket.responder_id ?? null };
    if (field === 'tag') return { value: ticket.tags ?? [] };
    if (field === 'email') return { value: ticket.requester?.email ?? null };
    if (standardFields[platform].includes(field)) return { value: raw[field] ?? null };
    if (field in custom) return { value: custom[field] ?? null };
    return undefined;
  };
}

function matches(node: FilterNode, read: FieldReader, label: string): boolean {
  try {
    return evaluateFilter(node, read);
  } catch (error) {
    if (error instanceof FilterQueryError)
      throw new DomainError('helpdesk_validation', `${label} would refuse the trigger query: ${error.message}.`, {
        field: 'query',
      });
    throw error;
  }
}

export interface ChangeListing {
  found: ChangedEntity[];
  truncated: boolean;
}

/** Every ticket updated since `since` (inclusive, to the second) that matches the query, oldest first. */
export async function listChangedTickets(input: {
  transport: HelpdeskTransport;
  platform: 'freshdesk' | 'freshservice';
  label: string;
  wrap: boolean;
  since: string;
  listParams: Record<string, string>;
  query: TriggerQuery | null;
}): Promise<ChangeListing> {
  const { query, platform } = input;
  const includes: string[] = [];
  // Freshservice lists tags only with include=tags; neither lists the requester's email without include=requester.
  if (query?.fields.includes('tag') && platform === 'freshservice') includes.push('tags');
  if (query?.fields.includes('email')) includes.push('requester');
  const schema = wrapped(input.wrap, 'tickets', z.array(freshworksTicketSchema));
  const found: ChangedEntity[] = [];
  let next: string | undefined = input.transport.url('/tickets', {
    updated_since: input.since,
    per_page: LIST_PAGE_SIZE,
    ...input.listParams,
    ...(includes.length > 0 ? { include: includes.join(',') } : {}),
  });
  let page = 0;
  let unknown: string | null = null;
  while (next) {
    page += 1;
    const { data, headers }: { data: FreshworksTicket[]; headers: Headers } = await input.transport.json(
      { method: 'GET', path: next, what: 'the changed tickets' },
      schema,
    );
    for (const ticket of data) {
      if (query) {
        const read = readerFor(ticket, platform);
        unknown ??= query.fields.find((f) => read(f) === undefined) ?? null;
        if (unknown) break;
        if (!matches(query.node, read, input.label)) continue;
      }
      found.push({ id: String(ticket.id), updated: toHubTime(ticket.updated_at) ?? ticket.updated_at });
    }
    if (unknown)
      throw new DomainError(
        'helpdesk_validation',
        `${input.label} has no ticket field "${unknown}" to filter on (custom fields go by their API name${platform === 'freshdesk' ? ', cf_…' : ''}).`,
        { field: 'query' },
      );
    next = nextPageUrl(headers);
    if (next && page >= LIST_MAX_PAGE) return { found, truncated: true };
  }
  return { found, truncated: false };
}
