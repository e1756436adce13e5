import { randomUUID } from 'node:crypto';
import type { FaultPlan } from '../simulator-kit/faults.ts';
import { type FilePart, isMultipart, parseMultipart } from '../simulator-kit/multipart.ts';
import type { RollingWindowQuota } from '../simulator-kit/rate-window.ts';
import {
  header,
  SimHttpError,
  type SimPlatform,
  type SimRequest,
  type SimResponse,
  type SimRoute,
} from '../simulator-kit/server.ts';
import type { UrlSigner } from '../simulator-kit/signed-urls.ts';
import { formatUtcSeconds } from '../timestamps.ts';
import { type FreshworksFlavor, writableFields } from './simulator-flavor.ts';
import type { FreshworksRenderer } from './simulator-render.ts';
import type { ConversationKind, FreshworksStore, StoredTicket } from './simulator-store.ts';
import { FreshworksTicketListing, includesOf } from './simulator-ticket-listing.ts';
import type { FreshworksWebhooks } from './simulator-webhooks.ts';
import {
  freshworksAuthError,
  freshworksNotFound,
  freshworksServerError,
  freshworksThrottled,
  validationFailed,
} from './wire.ts';

/**
 * The Freshdesk / Freshservice v2 API as the simulator serves it: who may call (Basic `<api key>:X`, read-only keys,
 * the per-minute quota and its `X-Ratelimit-*` headers), JSON and multipart bodies, the routes, and the signed
 * attachment downloads (S3-style XML errors).
 */

export interface FreshworksApiDeps {
  flavor: FreshworksFlavor;
  store: FreshworksStore;
  render: FreshworksRenderer;
  webhooks: FreshworksWebhooks;
  faults: FaultPlan;
  quota: RollingWindowQuota;
  /** Every call counted, and those refused over the quota. */
  stats: { total: number; throttled: number };
  signer: UrlSigner;
  now(): number;
  baseUrl(): string;
}

interface TicketInput {
  fields: Record<string, unknown>;
  files: FilePart[];
}

const api = '/api/v2';

export function freshworksApi(deps: FreshworksApiDeps): SimPlatform {
  const { flavor, store, render, webhooks, quota, stats, signer, now } = deps;
  const listing = new FreshworksTicketListing({ flavor, store, render, now, baseUrl: deps.baseUrl });

  function findTicket(req: SimRequest): StoredTicket {
    const ticket = store.tickets.get(Number(req.params.id));
    if (!ticket || !/^\d+$/.test(req.params.id ?? '')) throw new SimHttpError(freshworksNotFound);
    return ticket;
  }

  /** Multipart form values are strings: the integer and boolean fields are read as such. */
  function coerceMultipart(fields: Record<string, unknown>): Record<string, unknown> {
    const kinds = writableFields(flavor);
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      const kind = kinds[name];
      if (typeof value === 'string' && kind === 'int' && /^-?\d+$/.test(value)) out[name] = Number(value);
      else if (typeof value === 'string' && kind === 'bool') out[name] = value === 'true';
      else out[name] = value;
    }
    return out;
  }

  /** A JSON object, or multipart with `name[]` lists, `name[key]` maps and files under `attachments[]` only. */
  async function readInput(req: SimRequest): Promise<TicketInput> {
    if (isMultipart(req.headers)) {
      const form = await parseMultipart(req.headers, req.body);
      const fields: Record<string, unknown> = {};
      for (const [name, value] of form.fields) {
        const array = /^(\w+)\[\]$/.exec(name);
        const nested = /^(\w+)\[(\w+)\]$/.exec(name);
        if (array) {
          fields[array[1]!] ??= [];
          (fields[array[1]!] as unknown[]).push(value);
        } else if (nested) {
          fields[nested[1]!] ??= {};
          (fields[nested[1]!] as Record<string, unknown>)[nested[2]!] = value;
        } else fields[name] = value;
      }
      const files = form.files.filter(([name]) => name === 'attachments[]').map(([, file]) => file);
      const stray = form.files.find(([name]) => name !== 'attachments[]');
      if (stray)
        throw new SimHttpError(
          validationFailed([
            { field: stray[0], message: 'Unexpected/invalid field in request', code: 'invalid_field' },
          ]),
        );
      return { fields: coerceMultipart(fields), files };
    }
    const type = header(req, 'content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/json')) {
      throw new SimHttpError({
        status: 415,
        json: { code: 'invalid_content_type', message: `Content-Type header should have 'application/json'` },
      });
    }
    try {
      const parsed: unknown = JSON.parse(req.body.toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      return { fields: parsed as Record<string, unknown>, files: [] };
    } catch {
      throw new SimHttpError(
        validationFailed([{ field: '', message: 'Request body has invalid json format', code: 'invalid_json' }]),
      );
    }
  }

  function admit(req: SimRequest): { reject?: SimResponse; headers: Record<string, string> } {
    stats.total += 1;
    const headers: Record<string, string> = { 'x-request-id': randomUUID() };
    const auth = header(req, 'authorization') ?? '';
    const match = /^Basic\s+(.+)$/i.exec(auth);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    const role = store.apiKeys.get(key);
    if (!role) return { reject: freshworksAuthError(401), headers };
    const decision = quota.take();
    Object.assign(headers, {
      'x-ratelimit-total': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-used-currentrequest': '1',
    });
    if (!decision.allowed) {
      stats.throttled += 1;
      return { reject: freshworksThrottled(decision.retryAfterSeconds), headers };
    }
    if (role === 'readonly' && req.method !== 'GET') return { reject: freshworksAuthError(403), headers };
    return { headers };
  }

  async function createTicket(req: SimRequest): Promise<SimResponse> {
    const { fields, files } = await readInput(req);
    const ticket = store.createTicket(fields, files);
    webhooks.fire('ticket_created', ticket);
    return {
      status: 201,
      headers: { location: `${deps.baseUrl()}${api}/tickets/${ticket.id}` },
      // The documented create and update answers carry tags (Freshservice too, where a read needs include=tags).
      json: render.one('ticket', render.ticket(ticket, new Set(['tags']))),
    };
  }

  async function updateTicket(req: SimRequest): Promise<SimResponse> {
    const ticket = findTicket(req);
    const { fields, files } = await readInput(req);
    store.updateTicket(ticket, fields, files);
    webhooks.fire('ticket_updated', ticket);
    return { status: 200, json: render.one('ticket', render.ticket(ticket, new Set(['tags']))) };
  }

  async function addConversation(req: SimRequest, kind: ConversationKind): Promise<SimResponse> {
    const ticket = findTicket(req);
    const { fields, files } = await readInput(req);
    const conversation = store.addConversation(ticket, kind, fields, files);
    webhooks.fire('note_added', ticket);
    return { status: 201, json: render.one('conversation', render.conversation(conversation)) };
  }

  /** A signed attachment URL: no credentials; an expired or tampered one gets S3's 403 XML. */
  function download(req: SimRequest): SimResponse {
    const path = req.path;
    const expires = Number(req.query.get('expires'));
    const verdict = signer.verify(path, expires, req.query.get('signature') ?? '', now());
    if (verdict !== 'ok') {
      const message =
        verdict === 'expired'
          ? 'Request has expired'
          : 'The request signature we calculated does not match the signature you provided.';
      return {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        raw: Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`,
        ),
      };
    }
    const found = store.findAttachment(Number(req.params.id));
    if (found)
      return {
        status: 200,
        headers: {
          'content-type': found.content_type,
          'content-disposition': `attachment; filename="${found.name}"`,
        },
        raw: found.data,
      };
    return {
      status: 404,
      headers: { 'content-type': 'application/xml' },
      raw: Buffer.from('<Error><Code>NoSuchKey</Code></Error>'),
    };
  }

  const routes: SimRoute[] = [
    { method: 'GET', path: `${api}/tickets`, handle: (req) => listing.list(req) },
    { method: 'POST', path: `${api}/tickets`, handle: createTicket },
    { method: 'GET', path: flavor.searchPath, handle: (req) => listing.search(req) },
    {
      method: 'GET',
      path: `${api}/tickets/:id`,
      handle: (req) => ({ status: 200, json: render.one('ticket', render.ticket(findTicket(req), includesOf(req))) }),
    },
    { method: 'PUT', path: `${api}/tickets/:id`, handle: updateTicket },
    {
      // Delete a Ticket moves it to the trash, answering 204 with no body; it is still read, with "deleted": true
      // (developers.freshdesk.com/api/#delete_a_ticket, api.freshservice.com/#delete_a_ticket). The docs do not say
      // what a second delete answers: a ticket already in the trash is taken as not found (the stricter reading).
      method: 'DELETE',
      path: `${api}/tickets/:id`,
      handle: (req) => {
        const ticket = findTicket(req);
        if (ticket.deleted) return freshworksNotFound;
        store.trashTicket(ticket);
        return { status: 204 };
      },
    },
    {
      // Restore a Ticket: `PUT /tickets/:id/restore`, 204 with no body.
      method: 'PUT',
      path: `${api}/tickets/:id/restore`,
      handle: (req) => {
        const ticket = findTicket(req);
        if (!ticket.deleted) return freshworksNotFound;
        store.restoreTicket(ticket);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: `${api}/tickets/:id/conversations`,
      handle: (req) => {
        const ticket = findTicket(req);
        return listing.paged(req, ticket.conversations, (slice) =>
          render.one(
            'conversations',
            slice.map((c) => render.conversation(c)),
          ),
        );
      },
    },
    { method: 'POST', path: `${api}/tickets/:id/notes`, handle: (req) => addConversation(req, 'note') },
    { method: 'POST', path: `${api}/tickets/:id/reply`, handle: (req) => addConversation(req, 'reply') },
    { method: 'GET', path: `${api}/agents/me`, handle: () => ({ status: 200, json: render.agent(store.agents[0]!) }) },
    {
      // View an Agent (GET /api/v2/agents/[id]): what a sync script's httpClient.get reads an author from.
      method: 'GET',
      path: `${api}/agents/:id`,
      handle: (req) => {
        const agent = store.agents.find((a) => String(a.id) === req.params.id);
        return agent ? { status: 200, json: render.agent(agent) } : freshworksNotFound;
      },
    },
    { method: 'GET', path: '/sim-cdn/attachments/:id/:name', anonymous: true, handle: download },
    store.ticketFields.route(),
  ];
  if (flavor.workspaces) {
    routes.push({
      method: 'GET',
      path: `${api}/workspaces`,
      handle: (req) =>
        listing.paged(req, store.workspaces, (slice) => ({
          workspaces: slice.map((w) => ({
            id: w.id,
            name: w.name,
            description: null,
            state: 'active',
            primary: w.primary === true,
            template_name: 'IT',
            restricted: false,
            created_at: formatUtcSeconds(0),
            updated_at: formatUtcSeconds(0),
          })),
        })),
    });
  } else {
    routes.push({
      method: 'GET',
      path: `${api}/groups`,
      handle: (req) =>
        listing.paged(req, store.groups, (slice) =>
          slice.map((g) => ({
            id: g.id,
            name: g.name,
            description: null,
            escalate_to: null,
            unassigned_for: null,
            business_hour_id: null,
            group_type: 'support_agent_group',
            created_at: formatUtcSeconds(0),
            updated_at: formatUtcSeconds(0),
          })),
        ),
    });
  }

  return {
    routes,
    faults: deps.faults,
    admit,
    notFound: () => freshworksNotFound,
    serverError: freshworksServerError,
    throttled: (retryAfter) => {
      stats.throttled += 1;
      return freshworksThrottled(retryAfter);
    },
  };
}
