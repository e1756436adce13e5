import { formatLinkHeader } from '../link-header.ts';
import { SimHttpError, type SimRequest, type SimResponse } from '../simulator-kit/server.ts';
import {
  evaluateFilter,
  fieldsOf,
  FilterQueryError,
  parseFilterQuery,
  unwrapQueryParam,
  type FilterNode,
} from './filter-query.ts';
import type { FreshworksFlavor } from './simulator-flavor.ts';
import type { FreshworksRenderer } from './simulator-render.ts';
import { DAY_MS, type FreshworksStore, type StoredTicket } from './simulator-store.ts';
import { type FreshworksFieldError, validationFailed } from './wire.ts';

/**
 * The Freshworks collections as the simulator answers them: `page`/`per_page` with Link rel="next", List All Tickets
 * (`updated_since`, 30 days without it, `order_by`/`order_type`, at most 300 pages; Freshservice's `workspace_id`)
 * and the filter query endpoint (30 a page, 10 pages).
 */

const MAX_PER_PAGE = 100;
const MAX_LIST_PAGE = 300;
const SEARCH_PAGE_SIZE = 30;
const MAX_SEARCH_PAGE = 10;

export interface TicketListingDeps {
  flavor: FreshworksFlavor;
  store: FreshworksStore;
  render: FreshworksRenderer;
  now(): number;
  baseUrl(): string;
}

export class FreshworksTicketListing {
  /** The fields a filter query may name, besides custom fields. */
  private readonly filterable: Set<string>;

  constructor(private readonly deps: TicketListingDeps) {
    this.filterable = new Set([
      'agent_id',
      'tag',
      'email',
      'requester_id',
      'group_id',
      'priority',
      'status',
      'type',
      'due_by',
      'fr_due_by',
      'created_at',
      'updated_at',
      ...Object.keys(deps.flavor.extraFields),
    ]);
  }

  /** One page of `items`, rendered by `render`, with Link rel="next" when more follow. */
  paged<T>(req: SimRequest, items: T[], render: (items: T[]) => unknown): SimResponse {
    const { page, perPage } = pageParams(req);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (items.length > page * perPage) {
      const next = new URLSearchParams(req.query);
      next.set('page', String(page + 1));
      next.set('per_page', String(perPage));
      headers.link = formatLinkHeader({ next: `${this.deps.baseUrl()}${req.path}?${next.toString()}` });
    }
    return { status: 200, headers, json: render(slice) };
  }

  /** `GET /tickets`. */
  list(req: SimRequest): SimResponse {
    const { flavor, store, render, now } = this.deps;
    const updatedSinceRaw = req.query.get('updated_since');
    // Deleted tickets are listed only with `filter=deleted` (the documented filters: new_and_my_open, watching, spam,
    // deleted), and then only they.
    const trash = req.query.get('filter') === 'deleted';
    let list = [...store.tickets.values()].filter((t) => t.deleted === trash && this.visibleInWorkspace(t, req));
    if (updatedSinceRaw !== null) {
      const since = Date.parse(updatedSinceRaw);
      if (Number.isNaN(since))
        throw new SimHttpError(
          validationFailed([
            { field: 'updated_since', message: "It should be in the 'valid date time' format", code: 'invalid_value' },
          ]),
        );
      list = list.filter((t) => t.updated_at >= since);
    } else {
      // Without updated_since only the last 30 days of tickets are listed.
      const from = now() - 30 * DAY_MS;
      list = list.filter((t) => t.created_at >= from);
    }
    const orderBy = req.query.get('order_by') ?? 'created_at';
    const orderType = req.query.get('order_type') ?? 'desc';
    const sortKeys: Record<string, (t: StoredTicket) => number> = {
      created_at: (t) => t.created_at,
      updated_at: (t) => t.updated_at,
      status: (t) => Number(t.fields.status),
      due_by: (t) => Number(t.fields.due_by ?? t.created_at + 3 * DAY_MS),
    };
    const key = sortKeys[orderBy];
    if (!key)
      throw new SimHttpError(
        validationFailed([
          {
            field: 'order_by',
            message: "It should be one of these values: 'created_at,due_by,updated_at,status'",
            code: 'invalid_value',
          },
        ]),
      );
    if (orderType !== 'asc' && orderType !== 'desc')
      throw new SimHttpError(
        validationFailed([
          { field: 'order_type', message: "It should be one of these values: 'asc,desc'", code: 'invalid_value' },
        ]),
      );
    list.sort((a, b) => (key(a) - key(b) || a.id - b.id) * (orderType === 'asc' ? 1 : -1));
    const includes = includesOf(req);
    return this.paged(req, list, (slice) =>
      flavor.wrap
        ? { tickets: slice.map((t) => render.ticket(t, includes, true)) }
        : slice.map((t) => render.ticket(t, includes, true)),
    );
  }

  /** The filter query endpoint (`flavor.searchPath`): `query="..."`, newest first. */
  search(req: SimRequest): SimResponse {
    const { flavor, store, render } = this.deps;
    let node: FilterNode | undefined;
    const errors: FreshworksFieldError[] = [];
    const pageRaw = req.query.get('page');
    const page = pageRaw === null ? 1 : Number(pageRaw);
    if (!Number.isInteger(page) || page < 1 || page > MAX_SEARCH_PAGE) {
      errors.push({
        field: 'page',
        message: `It should be a Positive Integer less than or equal to ${MAX_SEARCH_PAGE}`,
        code: 'invalid_value',
      });
    }
    try {
      node = parseFilterQuery(unwrapQueryParam(req.query.get('query')));
    } catch (error) {
      if (!(error instanceof FilterQueryError)) throw error;
      errors.push({ field: 'query', message: error.message, code: 'invalid_value' });
    }
    for (const field of node ? fieldsOf(node) : []) {
      if (!this.filterable.has(field) && !store.customFields.has(field))
        errors.push({ field: 'query', message: `Invalid field: ${field}`, code: 'invalid_value' });
    }
    if (errors.length > 0 || !node) throw new SimHttpError(validationFailed(errors));
    let matches: StoredTicket[];
    try {
      matches = [...store.tickets.values()].filter(
        (t) =>
          !t.deleted &&
          this.visibleInWorkspace(t, req) &&
          evaluateFilter(node, (field) => this.readFilterField(t, field)),
      );
    } catch (error) {
      if (!(error instanceof FilterQueryError)) throw error;
      throw new SimHttpError(validationFailed([{ field: 'query', message: error.message, code: 'invalid_value' }]));
    }
    matches.sort((a, b) => b.created_at - a.created_at);
    const slice = matches.slice((page - 1) * SEARCH_PAGE_SIZE, page * SEARCH_PAGE_SIZE);
    return {
      status: 200,
      json: flavor.searchEnvelope(
        matches.length,
        slice.map((t) => render.ticket(t, new Set(), true)),
      ),
    };
  }

  private readFilterField(ticket: StoredTicket, field: string): { value: unknown } | undefined {
    const { store, render } = this.deps;
    if (field === 'agent_id') return { value: ticket.fields.responder_id ?? null };
    if (field === 'tag') return { value: ticket.fields.tags ?? [] };
    if (field === 'email') return { value: store.contacts.get(Number(ticket.fields.requester_id))?.email ?? null };
    if (store.customFields.has(field)) return { value: ticket.custom_fields[field] ?? null };
    if (!this.filterable.has(field)) return undefined;
    return { value: render.ticket(ticket, new Set(['tags']))[field] ?? null };
  }

  /** Freshservice lists the primary workspace unless `workspace_id` names another (0: all). */
  private visibleInWorkspace(ticket: StoredTicket, req: SimRequest): boolean {
    if (!this.deps.flavor.workspaces) return true;
    const requested = req.query.get('workspace_id');
    if (requested === '0') return true;
    const workspace = requested === null ? this.deps.store.primaryWorkspace() : Number(requested);
    return ticket.fields.workspace_id === workspace;
  }
}

/** The `include=` values of a request. */
export function includesOf(req: SimRequest): Set<string> {
  return new Set((req.query.get('include') ?? '').split(',').filter(Boolean));
}

function pageParams(req: SimRequest, maxPage = MAX_LIST_PAGE): { page: number; perPage: number } {
  const errors: FreshworksFieldError[] = [];
  const perPageRaw = req.query.get('per_page');
  const pageRaw = req.query.get('page');
  const perPage = perPageRaw === null ? 30 : Number(perPageRaw);
  const page = pageRaw === null ? 1 : Number(pageRaw);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
    errors.push({
      field: 'per_page',
      message: `It should be a Positive Integer less than or equal to ${MAX_PER_PAGE}`,
      code: 'invalid_value',
    });
  }
  if (!Number.isInteger(page) || page < 1 || page > maxPage)
    errors.push({
      field: 'page',
      message: `It should be a Positive Integer less than or equal to ${maxPage}`,
      code: 'invalid_value',
    });
  if (errors.length > 0) throw new SimHttpError(validationFailed(errors));
  return { page, perPage };
}
