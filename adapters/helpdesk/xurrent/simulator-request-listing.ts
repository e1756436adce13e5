import { formatLinkHeader } from '../link-header.ts';
import { SimHttpError, type SimRequest, type SimResponse } from '../simulator-kit/server.ts';
import { xurrentError } from './simulator-errors.ts';
import type { StoredRequest } from './simulator-store.ts';

/**
 * Xurrent's collections as the simulator answers them: `GET /requests` with its filters (`field=value`, lists,
 * `!`, empty, `>=a<b` ranges), `sort`, `fields` and `search_after` cursors; and the plain `page` lists of the rest.
 * Both send the `X-Pagination-*` headers and a Link header.
 */

const collectionDefaultFields = [
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
];
const filterableFields = new Set([
  'id',
  'source',
  'sourceID',
  'subject',
  'category',
  'impact',
  'status',
  'workflow',
  'next_target_at',
  'completed_at',
  'created_by',
  'grouping',
  'grouped_into',
  'knowledge_article',
  'requested_by',
  'requested_for',
  'service_instance',
  'supplier_requestID',
  'created_at',
  'updated_at',
  'team',
  'member',
  'template',
  'major_incident_status',
  'organization',
]);
const sortableFields = new Set([
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
  'service_instance',
  'created_at',
  'updated_at',
]);
const controlParams = new Set(['per_page', 'page', 'sort', 'fields', 'search_after', 'api_token']);
/** The filters that name a reference, and the stored field that holds its id. */
const referenceFilters: Record<string, string> = {
  team: 'team_id',
  member: 'member_id',
  service_instance: 'service_instance_id',
  requested_by: 'requested_by_id',
  requested_for: 'requested_for_id',
  created_by: 'created_by_id',
  template: 'template_id',
};

function sortValue(r: StoredRequest, field: string): number | string {
  const f = r.fields;
  switch (field) {
    case 'created_at':
      return r.created_at;
    case 'updated_at':
      return r.updated_at;
    case 'completed_at':
      return Number(f.completed_at ?? 0);
    case 'id':
      return r.id;
    case 'team':
      return Number(f.team_id ?? 0);
    case 'member':
      return Number(f.member_id ?? 0);
    case 'service_instance':
      return Number(f.service_instance_id ?? 0);
    case 'next_target_at':
      return 0;
    default:
      return String(f[field] ?? '');
  }
}

function filterValue(r: StoredRequest, field: string): unknown {
  const f = r.fields;
  if (field === 'id') return r.id;
  if (field === 'created_at') return r.created_at;
  if (field === 'updated_at') return r.updated_at;
  if (field in referenceFilters) return f[referenceFilters[field]!] ?? null;
  return f[field] ?? null;
}

/** One filter parameter's value against a request's: empty is "not set", `!` "set", ranges, lists, `!` lists. */
export function matchesFilter(actual: unknown, raw: string, isTime: boolean): boolean {
  if (raw === '') return actual === null || actual === undefined || actual === '';
  if (raw === '!') return !(actual === null || actual === undefined || actual === '');
  const toComparable = (v: string) => (isTime ? Date.parse(v) : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  const range = /^(>=|>)?([^<>]*)(?:(<=|<)(.*))?$/.exec(raw);
  if ((raw.startsWith('>') || raw.startsWith('<')) && range) {
    let lowerOp: string | undefined;
    let lower: string | undefined;
    let upperOp = range[3];
    let upper = range[4];
    if (raw.startsWith('>')) {
      lowerOp = range[1];
      lower = range[2];
    } else {
      const m = /^(<=|<)(.*)$/.exec(raw)!;
      upperOp = m[1];
      upper = m[2];
    }
    if (actual === null || actual === undefined) return false;
    const value = typeof actual === 'number' ? actual : String(actual);
    if (lower !== undefined && lower !== '') {
      const bound = toComparable(lower);
      if (lowerOp === '>=' ? value < bound : value <= bound) return false;
    }
    if (upper !== undefined && upper !== '') {
      const bound = toComparable(upper);
      if (upperOp === '<=' ? value > bound : value >= bound) return false;
    }
    return true;
  }
  const negate = raw.startsWith('!');
  const list = (negate ? raw.slice(1) : raw).split(',');
  const hit = list.some((v) => String(actual) === v);
  return negate ? !hit : hit;
}

function perPageOf(req: SimRequest): number {
  const perPage = Number(req.query.get('per_page') ?? 20);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
    throw new SimHttpError(xurrentError(400, 'per_page must be between 1 and 100'));
  return perPage;
}

/** `GET /requests` (and its `/open`, `/completed` presets): the requests given, filtered, sorted and cut at a cursor. */
export function listRequests(
  req: SimRequest,
  requests: Iterable<StoredRequest>,
  render: (r: StoredRequest) => Record<string, unknown>,
  baseUrl: string,
): SimResponse {
  const errors: string[] = [];
  const perPage = perPageOf(req);
  let items = [...requests];
  for (const [name, value] of req.query) {
    if (controlParams.has(name)) continue;
    if (!filterableFields.has(name)) {
      errors.push(name);
      continue;
    }
    const isTime = name.endsWith('_at');
    items = items.filter((r) => matchesFilter(filterValue(r, name), value, isTime));
  }
  if (errors.length > 0) throw new SimHttpError(xurrentError(400, `Unknown filter: ${errors.join(', ')}`));
  const sortParam = req.query.get('sort') ?? '-id';
  const descending = sortParam.startsWith('-');
  const sortField = sortParam.replace(/^-/, '');
  if (!sortableFields.has(sortField)) throw new SimHttpError(xurrentError(400, `Unknown sort field: ${sortField}`));
  const cmp = (a: StoredRequest, b: StoredRequest) => {
    const va = sortValue(a, sortField);
    const vb = sortValue(b, sortField);
    const primary = va < vb ? -1 : va > vb ? 1 : 0;
    return (primary || a.id - b.id) * (descending ? -1 : 1);
  };
  items.sort(cmp);
  const total = items.length;
  let offset = 0;
  const after = req.query.get('search_after');
  if (after) {
    let cursor: { offset?: number; cursor?: [number | string, number] };
    try {
      cursor = JSON.parse(Buffer.from(after, 'base64').toString('utf8')) as typeof cursor;
    } catch {
      throw new SimHttpError(xurrentError(400, 'Invalid search_after'));
    }
    const [value, id] = cursor.cursor ?? [];
    const start = items.findIndex((r) => {
      const v = sortValue(r, sortField);
      const beyond = descending ? v < value! || (v === value && r.id < id!) : v > value! || (v === value && r.id > id!);
      return beyond;
    });
    offset = cursor.offset ?? 0;
    items = start < 0 ? [] : items.slice(start);
  }
  const page = items.slice(0, perPage);
  const fieldsParam = req.query.get('fields');
  const fields = fieldsParam
    ? [
        'id',
        ...fieldsParam
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ]
    : collectionDefaultFields;
  const headers: Record<string, string> = {
    'x-pagination-per-page': String(perPage),
    'x-pagination-current-page': String(Math.floor(offset / perPage) + 1),
    'x-pagination-total-pages': String(Math.max(1, Math.ceil(total / perPage))),
    'x-pagination-total-entries': String(total),
  };
  const links: Record<string, string> = {};
  const first = new URLSearchParams(req.query);
  first.delete('search_after');
  links.first = `${baseUrl}${req.path}?${first.toString()}`;
  const last = page.at(-1);
  if (items.length > perPage && last) {
    const next = new URLSearchParams(req.query);
    const token = Buffer.from(
      JSON.stringify({ offset: offset + perPage, cursor: [sortValue(last, sortField), last.id] }),
    ).toString('base64');
    next.set('search_after', token);
    links.next = `${baseUrl}${req.path}?${next.toString()}`;
    headers['x-pagination-end-cursor'] = token;
  }
  headers.link = formatLinkHeader(links);
  const json = page.map((r) => {
    const full = render(r);
    return Object.fromEntries(fields.filter((name) => name in full).map((name) => [name, full[name]]));
  });
  return { status: 200, headers, json };
}

/** Any other collection: `page` and `per_page` (at most 100), Link rel="next" before the last page. */
export function pagedList<T>(
  req: SimRequest,
  items: T[],
  render: (item: T) => Record<string, unknown>,
  baseUrl: string,
): SimResponse {
  const perPage = perPageOf(req);
  const page = Math.max(1, Number(req.query.get('page') ?? 1));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {
    'x-pagination-per-page': String(perPage),
    'x-pagination-current-page': String(page),
    'x-pagination-total-pages': String(Math.max(1, Math.ceil(items.length / perPage))),
    'x-pagination-total-entries': String(items.length),
  };
  if (items.length > page * perPage) {
    const next = new URLSearchParams(req.query);
    next.set('page', String(page + 1));
    headers.link = formatLinkHeader({ next: `${baseUrl}${req.path}?${next.toString()}` });
  }
  return { status: 200, headers, json: slice.map(render) };
}
