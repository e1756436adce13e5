import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { formatLinkHeader } from '../link-header.ts';
import { formatUtcSeconds } from '../timestamps.ts';
import { FaultPlan } from '../simulator-kit/faults.ts';
import { type FilePart, isMultipart, parseMultipart } from '../simulator-kit/multipart.ts';
import { RollingWindowQuota } from '../simulator-kit/rate-window.ts';
import {
  header,
  type RunningSimServer,
  SimHttpError,
  type SimRequest,
  type SimResponse,
  type SimRoute,
  startSimServer,
} from '../simulator-kit/server.ts';
import { UrlSigner } from '../simulator-kit/signed-urls.ts';
import { dropdownErrors } from './simulator-custom-values.ts';
import { type SeedTicketField, SimTicketFields } from './simulator-ticket-fields.ts';
import {
  evaluateFilter,
  fieldsOf,
  FilterQueryError,
  parseFilterQuery,
  unwrapQueryParam,
  type FilterNode,
} from './filter-query.ts';
import {
  freshworksAuthError,
  type FreshworksFieldError,
  freshworksNotFound,
  freshworksServerError,
  freshworksThrottled,
  validationFailed,
} from './wire.ts';

/** What tells Freshdesk and Freshservice apart in a simulator. */
export interface FreshworksFlavor {
  platform: 'freshdesk' | 'freshservice';
  /** Freshservice wraps bodies (`{"ticket": ...}`); Freshdesk does not. */
  wrap: boolean;
  defaultAttachmentCapBytes: number;
  defaultRateLimitPerMinute: number;
  searchPath: string;
  searchEnvelope(total: number, tickets: unknown[]): unknown;
  /** Writable ticket fields besides the common ones, with their kind. */
  extraFields: Record<string, FieldKind>;
  /** Fields every ticket shows, with their default values, besides the common ones. */
  extraDefaults(ticket: StoredTicket): Record<string, unknown>;
  requiredOnCreate: string[];
  validSources: number[];
  /** Freshdesk lists omit the description unless `include=description`. */
  listOmitsDescription: boolean;
  /** Freshservice shows `tags` only with `include=tags`. */
  tagsOnlyWithInclude: boolean;
  /** Freshservice shows only the primary workspace unless `workspace_id` is given. */
  workspaces: boolean;
  /**
   * What a webhook's `{{ticket.*}}` placeholders render besides the common ones: Freshservice's `{{ticket.id}}` is the
   * display id (`#INC-1`), its `{{ticket.id_numeric}}` the number.
   */
  webhookIds(id: number, type: unknown): Record<string, string>;
}

type FieldKind = 'int' | 'string' | 'strings' | 'bool' | 'date';

const commonFields: Record<string, FieldKind> = {
  subject: 'string',
  description: 'string',
  status: 'int',
  priority: 'int',
  source: 'int',
  type: 'string',
  requester_id: 'int',
  email: 'string',
  phone: 'string',
  name: 'string',
  responder_id: 'int',
  group_id: 'int',
  tags: 'strings',
  cc_emails: 'strings',
  due_by: 'date',
  fr_due_by: 'date',
  email_config_id: 'int',
};

export interface StoredAttachment {
  id: number;
  name: string;
  content_type: string;
  data: Buffer;
  created_at: number;
  updated_at: number;
}

export interface StoredConversation {
  id: number;
  ticket_id: number;
  body: string;
  incoming: boolean;
  private: boolean;
  user_id: number | null;
  source: number;
  support_email: string | null;
  to_emails: string[];
  from_email: string | null;
  cc_emails: string[] | null;
  bcc_emails: string[] | null;
  attachments: StoredAttachment[];
  created_at: number;
  updated_at: number;
}

export interface StoredTicket {
  id: number;
  fields: Record<string, unknown>;
  custom_fields: Record<string, unknown>;
  attachments: StoredAttachment[];
  conversations: StoredConversation[];
  created_at: number;
  updated_at: number;
  stats: {
    first_responded_at: number | null;
    resolved_at: number | null;
    closed_at: number | null;
    status_updated_at: number | null;
  };
}

export interface Contact {
  id: number;
  name: string;
  email: string | null;
  mobile: string | null;
  phone: string | null;
}

export interface Agent {
  id: number;
  name: string;
  email: string;
}

export interface Project {
  id: number;
  name: string;
  primary?: boolean;
}

export type ApiKeyRole = 'admin' | 'readonly';

/** A Freshdesk automation rule / Freshservice workflow that calls a webhook when a ticket changes. */
export interface AutomationWebhook {
  url: string;
  /** Which changes fire it; default all. */
  events?: Array<'ticket_created' | 'ticket_updated' | 'note_added'>;
  /** The "advanced" content with `{{ticket.id}}`-style placeholders; the default sends the id and the event. */
  template?: string;
  /** Custom headers (the per-instance secret header goes here). */
  headers?: Record<string, string>;
}

export interface WebhookDelivery {
  url: string;
  event: string;
  body: string;
  status: number | null;
  attempts: number;
}

export interface FreshworksSeed {
  tickets?: Array<Record<string, unknown> & { conversations?: Array<Record<string, unknown>> }>;
  groups?: Project[];
  workspaces?: Project[];
  agents?: Agent[];
  contacts?: Contact[];
  /** Custom field names accepted in `custom_fields` (Freshdesk `cf_*`). */
  customFields?: string[];
  /** Dropdown custom fields and their choices (the field is accepted too); other values are refused. */
  customFieldChoices?: Record<string, string[]>;
  /** Ticket fields to mark required for agents (default ones by name, custom ones are added); see simulator-ticket-fields.ts. */
  ticketFields?: SeedTicketField[];
  apiKeys?: Record<string, ApiKeyRole>;
}

export interface SimClock {
  now(): number;
}

export interface FreshworksSimulatorOptions {
  port?: number;
  seed?: FreshworksSeed | string;
  rateLimitPerMinute?: number;
  clock?: SimClock;
  apiKey?: string;
  attachmentCapBytes?: number;
  /** How long attachment URLs stay valid. */
  attachmentUrlTtlSeconds?: number;
  webhookRetries?: number;
  webhookRetryDelayMs?: number;
}

export interface FreshworksSimulator {
  url: string;
  apiKey: string;
  close(): Promise<void>;
  faults: FaultPlan;
  seed(data: FreshworksSeed): void;
  addApiKey(key: string, role: ApiKeyRole): void;
  /** Adds a ticket directly (no API call, no quota); returns its id. */
  addTicket(fields: Record<string, unknown>): number;
  /** Changes a ticket as an agent would in the UI: bumps updated_at and fires webhooks. */
  agentUpdate(id: number, fields: Record<string, unknown>): void;
  /**
   * The requester answers by email: a public conversation with `incoming: true`, `source` 0 (email), from the
   * requester's contact, as the vendors show a customer reply; fires the webhooks. Returns the conversation id.
   */
  customerReply(id: number, body: string): number;
  /** The ticket as the API would show it (with stats and conversations' count), or null. */
  ticket(id: number): Record<string, unknown> | null;
  ticketCount(): number;
  readonly requests: { total: number; throttled: number };
  setRateLimit(perMinute: number): void;
  webhooks: {
    add(hook: AutomationWebhook): void;
    deliveries: WebhookDelivery[];
    /** Resolves when every delivery started so far has finished (including retries). */
    settle(): Promise<void>;
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_PER_PAGE = 100;
const MAX_LIST_PAGE = 300;
const SEARCH_PAGE_SIZE = 30;
const MAX_SEARCH_PAGE = 10;

function stripHtml(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

function describeCap(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb}MB` : `${bytes} bytes`;
}

export async function startFreshworksSimulator(
  flavor: FreshworksFlavor,
  options: FreshworksSimulatorOptions = {},
): Promise<FreshworksSimulator> {
  const now = () => (options.clock ?? Date).now();
  const apiKey = options.apiKey ?? `sim-${flavor.platform}-${randomUUID().slice(0, 8)}`;
  const apiKeys = new Map<string, ApiKeyRole>([[apiKey, 'admin']]);
  const quota = new RollingWindowQuota(now, options.rateLimitPerMinute ?? flavor.defaultRateLimitPerMinute, 60_000);
  const faults = new FaultPlan();
  const signer = new UrlSigner();
  const capBytes = options.attachmentCapBytes ?? flavor.defaultAttachmentCapBytes;
  const urlTtl = options.attachmentUrlTtlSeconds ?? 300;
  const tickets = new Map<number, StoredTicket>();
  const contacts = new Map<number, Contact>();
  const agents: Agent[] = [{ id: 1001, name: 'Simulator Agent', email: 'agent@simulator.example' }];
  let groups: Project[] = [
    { id: 301, name: 'Support' },
    { id: 302, name: 'Escalations' },
  ];
  let workspaces: Project[] = [
    { id: 2, name: 'IT', primary: true },
    { id: 3, name: 'HR' },
  ];
  const customFields = new Set<string>();
  const dropdowns = new Map<string, string[]>();
  const ticketFields = new SimTicketFields(flavor.platform, customFields);
  const hooks: AutomationWebhook[] = [];
  const deliveries: WebhookDelivery[] = [];
  const inFlight = new Set<Promise<void>>();
  const requests = { total: 0, throttled: 0 };
  let nextTicketId = 1;
  let nextConversationId = 5001;
  let nextAttachmentId = 9001;
  let nextContactId = 7001;
  let baseUrl = '';

  const primaryWorkspace = () => workspaces.find((w) => w.primary)?.id ?? workspaces[0]?.id ?? null;

  /** The contact with this email; a new one takes the `name` given with the ticket (else the email's local part). */
  function contactFor(email: string, name?: unknown): Contact {
    for (const contact of contacts.values()) if (contact.email === email) return contact;
    const given = typeof name === 'string' && name.trim() !== '' ? name : null;
    const contact: Contact = {
      id: nextContactId++,
      name: given ?? email.split('@')[0] ?? email,
      email,
      mobile: null,
      phone: null,
    };
    contacts.set(contact.id, contact);
    return contact;
  }

  // ---- rendering: the wire format --------------------------------------------------------------------------

  function renderAttachment(a: StoredAttachment): Record<string, unknown> {
    const path = `/sim-cdn/attachments/${a.id}/${encodeURIComponent(a.name)}`;
    const expires = Math.floor(now() / 1000) + urlTtl;
    return {
      id: a.id,
      name: a.name,
      content_type: a.content_type,
      size: a.data.length,
      attachment_url: `${baseUrl}${path}?expires=${expires}&signature=${signer.sign(path, expires)}`,
      created_at: formatUtcSeconds(a.created_at),
      updated_at: formatUtcSeconds(a.updated_at),
    };
  }

  function renderConversation(c: StoredConversation): Record<string, unknown> {
    return {
      id: c.id,
      ticket_id: c.ticket_id,
      body: c.body,
      body_text: stripHtml(c.body),
      incoming: c.incoming,
      private: c.private,
      user_id: c.user_id,
      support_email: c.support_email,
      source: c.source,
      to_emails: c.to_emails,
      from_email: c.from_email,
      cc_emails: c.cc_emails,
      bcc_emails: c.bcc_emails,
      created_at: formatUtcSeconds(c.created_at),
      updated_at: formatUtcSeconds(c.updated_at),
      attachments: c.attachments.map(renderAttachment),
      // As Freshdesk documents a conversation (List All Conversations, Create a Note, Create a Reply).
      structured_body: { body_contents: [{ type: 'text', data: { content: stripHtml(c.body) } }] },
      last_edited_at: null,
      last_edited_user_id: null,
      ...(c.source === 2 ? { notified_to: c.to_emails } : c.incoming ? {} : { replied_to: c.to_emails }),
    };
  }

  const date = (value: unknown) => (typeof value === 'number' ? formatUtcSeconds(value) : null);

  function renderTicket(t: StoredTicket, includes: Set<string>, listing = false): Record<string, unknown> {
    const f = t.fields;
    const description = String(f.description ?? '');
    const body: Record<string, unknown> = {
      id: t.id,
      subject: f.subject ?? null,
      type: f.type ?? null,
      status: f.status,
      priority: f.priority,
      source: f.source,
      requester_id: f.requester_id ?? null,
      responder_id: f.responder_id ?? null,
      group_id: f.group_id ?? null,
      email_config_id: f.email_config_id ?? null,
    };
    if (!(listing && flavor.listOmitsDescription && !includes.has('description'))) {
      body.description = description;
      body.description_text = stripHtml(description);
    }
    Object.assign(body, flavor.extraDefaults(t));
    body.custom_fields = { ...Object.fromEntries([...customFields].map((name) => [name, null])), ...t.custom_fields };
    if (!flavor.tagsOnlyWithInclude || includes.has('tags')) body.tags = (f.tags as string[] | undefined) ?? [];
    const cc = (f.cc_emails as string[] | undefined) ?? [];
    Object.assign(body, {
      cc_emails: cc,
      fwd_emails: [],
      reply_cc_emails: cc,
      to_emails: null,
      is_escalated: typeof f.due_by === 'number' && f.due_by < now() && ![4, 5].includes(Number(f.status)),
      fr_escalated: typeof f.fr_due_by === 'number' && f.fr_due_by < now() && t.stats.first_responded_at === null,
      spam: false,
      deleted: false,
      due_by: date(f.due_by ?? t.created_at + 3 * DAY_MS),
      fr_due_by: date(f.fr_due_by ?? t.created_at + DAY_MS),
      created_at: formatUtcSeconds(t.created_at),
      updated_at: formatUtcSeconds(t.updated_at),
    });
    if (!listing) body.attachments = t.attachments.map(renderAttachment);
    if (includes.has('stats')) {
      body.stats = {
        agent_responded_at: date(t.stats.first_responded_at),
        requester_responded_at: null,
        first_responded_at: date(t.stats.first_responded_at),
        status_updated_at: date(t.stats.status_updated_at),
        reopened_at: null,
        resolved_at: date(t.stats.resolved_at),
        closed_at: date(t.stats.closed_at),
        pending_since: null,
      };
    }
    if (includes.has('requester')) {
      const requester = contacts.get(Number(f.requester_id));
      body.requester = requester
        ? {
            id: requester.id,
            name: requester.name,
            email: requester.email,
            mobile: requester.mobile,
            phone: requester.phone,
          }
        : null;
    }
    if (includes.has('conversations')) body.conversations = t.conversations.slice(0, 10).map(renderConversation);
    return body;
  }

  const one = (key: string, value: unknown) => (flavor.wrap ? { [key]: value } : value);
  const renderAgent = (agent: Agent): SimResponse => ({
    status: 200,
    json: one('agent', {
      id: agent.id,
      available: true,
      ticket_scope: 1,
      occasional: false,
      contact: { name: agent.name, email: agent.email },
    }),
  });

  // ---- input ----------------------------------------------------------------------------------------------

  interface TicketInput {
    fields: Record<string, unknown>;
    files: FilePart[];
  }

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

  const allFields = (): Record<string, FieldKind> => ({ ...commonFields, ...flavor.extraFields });

  function coerceMultipart(fields: Record<string, unknown>): Record<string, unknown> {
    const kinds = allFields();
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      const kind = kinds[name];
      if (typeof value === 'string' && kind === 'int' && /^-?\d+$/.test(value)) out[name] = Number(value);
      else if (typeof value === 'string' && kind === 'bool') out[name] = value === 'true';
      else out[name] = value;
    }
    return out;
  }

  function validateTicket(input: Record<string, unknown>, creating: boolean): FreshworksFieldError[] {
    const errors: FreshworksFieldError[] = [];
    const kinds = allFields();
    for (const [name, value] of Object.entries(input)) {
      if (name === 'custom_fields') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          errors.push({
            field: 'custom_fields',
            message: 'It should be a/an key/value pair',
            code: 'datatype_mismatch',
          });
          continue;
        }
        for (const key of Object.keys(value)) {
          if (!customFields.has(key))
            errors.push({ field: key, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
        }
        errors.push(...dropdownErrors(value as Record<string, unknown>, dropdowns));
        continue;
      }
      const kind = kinds[name];
      if (!kind) {
        errors.push({ field: name, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
        continue;
      }
      if (value === null) continue;
      if (kind === 'int' && !Number.isInteger(value))
        errors.push({ field: name, message: 'It should be a/an Positive Integer', code: 'datatype_mismatch' });
      if (kind === 'string' && typeof value !== 'string')
        errors.push({ field: name, message: 'It should be a/an String', code: 'datatype_mismatch' });
      if (kind === 'bool' && typeof value !== 'boolean')
        errors.push({ field: name, message: 'It should be a/an Boolean', code: 'datatype_mismatch' });
      if (kind === 'strings' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
        errors.push({ field: name, message: 'It should be a/an Array', code: 'datatype_mismatch' });
      }
      if (kind === 'date' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
        errors.push({ field: name, message: "It should be in the 'valid date time' format", code: 'invalid_value' });
      }
    }
    if (input.status !== undefined && ![2, 3, 4, 5].includes(Number(input.status))) {
      errors.push({ field: 'status', message: "It should be one of these values: '2,3,4,5'", code: 'invalid_value' });
    }
    if (input.priority !== undefined && ![1, 2, 3, 4].includes(Number(input.priority))) {
      errors.push({ field: 'priority', message: "It should be one of these values: '1,2,3,4'", code: 'invalid_value' });
    }
    if (input.source !== undefined && !flavor.validSources.includes(Number(input.source))) {
      errors.push({
        field: 'source',
        message: `It should be one of these values: '${flavor.validSources.join(',')}'`,
        code: 'invalid_value',
      });
    }
    if (input.group_id !== undefined && input.group_id !== null && !groups.some((g) => g.id === input.group_id)) {
      errors.push({
        field: 'group_id',
        message: 'There is no group matching the given group_id',
        code: 'invalid_value',
      });
    }
    if (flavor.workspaces && input.workspace_id !== undefined && !workspaces.some((w) => w.id === input.workspace_id)) {
      errors.push({
        field: 'workspace_id',
        message: 'There is no workspace matching the given workspace_id',
        code: 'invalid_value',
      });
    }
    if (creating) {
      const requesterGiven = ['requester_id', 'email', 'phone'].some(
        (k) => input[k] !== undefined && input[k] !== null,
      );
      if (!requesterGiven) {
        errors.push({
          field: 'requester_id',
          message: 'Please fill at least 1 of requester_id, phone, email fields',
          code: 'missing_field',
        });
      }
      errors.push(...ticketFields.missingOnCreate(input));
      for (const name of flavor.requiredOnCreate) {
        if (input[name] === undefined || input[name] === null || input[name] === '')
          errors.push({ field: name, message: 'It should be a/an String', code: 'missing_field' });
      }
    }
    return errors;
  }

  function checkAttachmentCap(ticket: StoredTicket | null, files: FilePart[]): void {
    if (files.length === 0) return;
    const existing = ticket
      ? ticket.attachments.reduce((s, a) => s + a.data.length, 0) +
        ticket.conversations.reduce((s, c) => s + c.attachments.reduce((x, a) => x + a.data.length, 0), 0)
      : 0;
    const total = existing + files.reduce((s, f) => s + f.data.length, 0);
    if (total > capBytes) {
      throw new SimHttpError(
        validationFailed([
          {
            field: 'attachments',
            message: `The total size of all of a ticket's attachments cannot exceed ${describeCap(capBytes)}`,
            code: 'invalid_value',
          },
        ]),
      );
    }
  }

  function storeFiles(files: FilePart[]): StoredAttachment[] {
    const at = now();
    return files.map((f) => ({
      id: nextAttachmentId++,
      name: f.filename,
      content_type: f.mimetype,
      data: f.data,
      created_at: at,
      updated_at: at,
    }));
  }

  function applyFields(ticket: StoredTicket, input: Record<string, unknown>): void {
    const kinds = allFields();
    for (const [name, value] of Object.entries(input)) {
      if (name === 'custom_fields') Object.assign(ticket.custom_fields, value);
      else if (name === 'email' || name === 'phone' || name === 'name') continue;
      else if (kinds[name] === 'date') ticket.fields[name] = value === null ? null : Date.parse(String(value));
      else ticket.fields[name] = value;
    }
    if (typeof input.email === 'string') ticket.fields.requester_id = contactFor(input.email, input.name).id;
    if (input.status !== undefined) {
      const at = now();
      ticket.stats.status_updated_at = at;
      if (input.status === 4) ticket.stats.resolved_at = at;
      if (input.status === 5) ticket.stats.closed_at = at;
    }
  }

  function newTicket(input: Record<string, unknown>, at: number): StoredTicket {
    const id = typeof input.id === 'number' ? input.id : nextTicketId;
    nextTicketId = Math.max(nextTicketId, id + 1);
    const ticket: StoredTicket = {
      id,
      fields: { status: 2, priority: 1, source: 2, tags: [], cc_emails: [] },
      custom_fields: {},
      attachments: [],
      conversations: [],
      created_at: at,
      updated_at: at,
      stats: { first_responded_at: null, resolved_at: null, closed_at: null, status_updated_at: null },
    };
    if (flavor.workspaces) ticket.fields.workspace_id = primaryWorkspace();
    return ticket;
  }

  // ---- webhooks --------------------------------------------------------------------------------------------

  const statusNames: Record<number, string> = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' };
  const priorityNames: Record<number, string> = { 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Urgent' };

  function fire(event: 'ticket_created' | 'ticket_updated' | 'note_added', ticket: StoredTicket): void {
    for (const hook of hooks) {
      if (hook.events && !hook.events.includes(event)) continue;
      const template = hook.template ?? '{"ticket_id":"{{ticket.id}}","triggered_event":"{{triggered_event}}"}';
      const values: Record<string, string> = {
        ...flavor.webhookIds(ticket.id, ticket.fields.type),
        'ticket.subject': String(ticket.fields.subject ?? ''),
        'ticket.status': statusNames[Number(ticket.fields.status)] ?? String(ticket.fields.status),
        'ticket.priority': priorityNames[Number(ticket.fields.priority)] ?? String(ticket.fields.priority),
        'ticket.url': `${baseUrl}/a/tickets/${ticket.id}`,
        'ticket.updated_at': formatUtcSeconds(ticket.updated_at),
        triggered_event: event,
      };
      const body = template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, key: string) =>
        JSON.stringify(values[key] ?? '').slice(1, -1),
      );
      const delivery: WebhookDelivery = { url: hook.url, event, body, status: null, attempts: 0 };
      deliveries.push(delivery);
      const task = deliver(hook, delivery).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  }

  async function deliver(hook: AutomationWebhook, delivery: WebhookDelivery): Promise<void> {
    const attempts = 1 + (options.webhookRetries ?? 2);
    for (let i = 0; i < attempts; i++) {
      delivery.attempts += 1;
      // Webhook calls use the account's API quota.
      quota.spend();
      // A timer cleared when the delivery is done (AbortSignal.timeout would fire for every delivery, later).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        const response = await fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': `${flavor.platform === 'freshdesk' ? 'Freshdesk' : 'Freshservice'}-Webhook`,
            ...hook.headers,
          },
          body: delivery.body,
          signal: controller.signal,
        });
        delivery.status = response.status;
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        delivery.status = null;
      } finally {
        clearTimeout(timer);
      }
      await new Promise((resolve) => setTimeout(resolve, options.webhookRetryDelayMs ?? 20));
    }
  }

  // ---- routes ----------------------------------------------------------------------------------------------

  const api = '/api/v2';

  function findTicket(req: SimRequest): StoredTicket {
    const ticket = tickets.get(Number(req.params.id));
    if (!ticket || !/^\d+$/.test(req.params.id ?? '')) throw new SimHttpError(freshworksNotFound);
    return ticket;
  }

  function includesOf(req: SimRequest): Set<string> {
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

  function paged<T>(req: SimRequest, items: T[], render: (items: T[]) => unknown): SimResponse {
    const { page, perPage } = pageParams(req);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (items.length > page * perPage) {
      const next = new URLSearchParams(req.query);
      next.set('page', String(page + 1));
      next.set('per_page', String(perPage));
      headers.link = formatLinkHeader({ next: `${baseUrl}${req.path}?${next.toString()}` });
    }
    return { status: 200, headers, json: render(slice) };
  }

  const filterable = new Set([
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
    ...Object.keys(flavor.extraFields),
  ]);

  function readFilterField(ticket: StoredTicket, field: string): { value: unknown } | undefined {
    if (field === 'agent_id') return { value: ticket.fields.responder_id ?? null };
    if (field === 'tag') return { value: ticket.fields.tags ?? [] };
    if (field === 'email') return { value: contacts.get(Number(ticket.fields.requester_id))?.email ?? null };
    if (customFields.has(field)) return { value: ticket.custom_fields[field] ?? null };
    if (!filterable.has(field)) return undefined;
    return { value: renderTicket(ticket, new Set(['tags']))[field] ?? null };
  }

  function search(req: SimRequest): SimResponse {
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
      if (!filterable.has(field) && !customFields.has(field))
        errors.push({ field: 'query', message: `Invalid field: ${field}`, code: 'invalid_value' });
    }
    if (errors.length > 0 || !node) throw new SimHttpError(validationFailed(errors));
    let matches: StoredTicket[];
    try {
      matches = [...tickets.values()].filter(
        (t) => visibleInWorkspace(t, req) && evaluateFilter(node, (field) => readFilterField(t, field)),
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
        slice.map((t) => renderTicket(t, new Set(), true)),
      ),
    };
  }

  function visibleInWorkspace(ticket: StoredTicket, req: SimRequest): boolean {
    if (!flavor.workspaces) return true;
    const requested = req.query.get('workspace_id');
    if (requested === '0') return true;
    const workspace = requested === null ? primaryWorkspace() : Number(requested);
    return ticket.fields.workspace_id === workspace;
  }

  function listTickets(req: SimRequest): SimResponse {
    const updatedSinceRaw = req.query.get('updated_since');
    let list = [...tickets.values()].filter((t) => visibleInWorkspace(t, req));
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
    return paged(req, list, (slice) =>
      flavor.wrap
        ? { tickets: slice.map((t) => renderTicket(t, includes, true)) }
        : slice.map((t) => renderTicket(t, includes, true)),
    );
  }

  async function createTicket(req: SimRequest): Promise<SimResponse> {
    const { fields, files } = await readInput(req);
    const errors = validateTicket(fields, true);
    if (errors.length > 0) throw new SimHttpError(validationFailed(errors));
    checkAttachmentCap(null, files);
    const at = now();
    const ticket = newTicket({}, at);
    applyFields(ticket, fields);
    ticket.attachments.push(...storeFiles(files));
    tickets.set(ticket.id, ticket);
    fire('ticket_created', ticket);
    return {
      status: 201,
      headers: { location: `${baseUrl}${api}/tickets/${ticket.id}` },
      // The documented create and update answers carry tags (Freshservice too, where a read needs include=tags).
      json: one('ticket', renderTicket(ticket, new Set(['tags']))),
    };
  }

  async function updateTicket(req: SimRequest): Promise<SimResponse> {
    const ticket = findTicket(req);
    const { fields, files } = await readInput(req);
    const errors = validateTicket(fields, false);
    if (errors.length > 0) throw new SimHttpError(validationFailed(errors));
    checkAttachmentCap(ticket, files);
    applyFields(ticket, fields);
    ticket.attachments.push(...storeFiles(files));
    ticket.updated_at = now();
    fire('ticket_updated', ticket);
    return { status: 200, json: one('ticket', renderTicket(ticket, new Set(['tags']))) };
  }

  async function addConversation(req: SimRequest, kind: 'note' | 'reply'): Promise<SimResponse> {
    const ticket = findTicket(req);
    const { fields, files } = await readInput(req);
    const allowed =
      kind === 'note'
        ? ['body', 'private', 'incoming', 'notify_emails', 'user_id']
        : ['body', 'from_email', 'user_id', 'cc_emails', 'bcc_emails'];
    const errors: FreshworksFieldError[] = [];
    for (const name of Object.keys(fields))
      if (!allowed.includes(name))
        errors.push({ field: name, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
    const isPrivate = fields.private === undefined ? true : fields.private === true || fields.private === 'true';
    if (typeof fields.body !== 'string' || fields.body.trim() === '')
      errors.push({ field: 'body', message: 'It should be a/an String', code: 'missing_field' });
    if (
      fields.private !== undefined &&
      typeof fields.private !== 'boolean' &&
      fields.private !== 'true' &&
      fields.private !== 'false'
    ) {
      errors.push({ field: 'private', message: 'It should be a/an Boolean', code: 'datatype_mismatch' });
    }
    if (errors.length > 0) throw new SimHttpError(validationFailed(errors));
    checkAttachmentCap(ticket, files);
    const at = now();
    const conversation: StoredConversation = {
      id: nextConversationId++,
      ticket_id: ticket.id,
      body: String(fields.body),
      incoming: fields.incoming === true || fields.incoming === 'true',
      private: kind === 'note' ? isPrivate : false,
      user_id: typeof fields.user_id === 'number' ? fields.user_id : (agents[0]?.id ?? null),
      source: kind === 'note' ? 2 : 0,
      support_email: kind === 'reply' ? 'support@simulator.example' : null,
      to_emails:
        kind === 'reply'
          ? [contacts.get(Number(ticket.fields.requester_id))?.email ?? 'requester@simulator.example']
          : ((fields.notify_emails as string[] | undefined) ?? []),
      from_email: kind === 'reply' ? String(fields.from_email ?? 'support@simulator.example') : null,
      // A note's cc list: null in python-freshdesk's Freshdesk note, [] in Freshservice's documented one.
      cc_emails:
        kind === 'reply'
          ? ((fields.cc_emails as string[] | undefined) ?? [])
          : flavor.platform === 'freshservice'
            ? []
            : null,
      bcc_emails: kind === 'reply' ? ((fields.bcc_emails as string[] | undefined) ?? []) : null,
      attachments: storeFiles(files),
      created_at: at,
      updated_at: at,
    };
    ticket.conversations.push(conversation);
    if (!conversation.private && ticket.stats.first_responded_at === null) ticket.stats.first_responded_at = at;
    ticket.updated_at = at;
    fire('note_added', ticket);
    return { status: 201, json: one('conversation', renderConversation(conversation)) };
  }

  function download(req: SimRequest): SimResponse {
    const id = Number(req.params.id);
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
    for (const ticket of tickets.values()) {
      const found = [...ticket.attachments, ...ticket.conversations.flatMap((c) => c.attachments)].find(
        (a) => a.id === id,
      );
      if (found)
        return {
          status: 200,
          headers: {
            'content-type': found.content_type,
            'content-disposition': `attachment; filename="${found.name}"`,
          },
          raw: found.data,
        };
    }
    return {
      status: 404,
      headers: { 'content-type': 'application/xml' },
      raw: Buffer.from('<Error><Code>NoSuchKey</Code></Error>'),
    };
  }

  const routes: SimRoute[] = [
    { method: 'GET', path: `${api}/tickets`, handle: listTickets },
    { method: 'POST', path: `${api}/tickets`, handle: createTicket },
    { method: 'GET', path: flavor.searchPath, handle: search },
    {
      method: 'GET',
      path: `${api}/tickets/:id`,
      handle: (req) => ({ status: 200, json: one('ticket', renderTicket(findTicket(req), includesOf(req))) }),
    },
    { method: 'PUT', path: `${api}/tickets/:id`, handle: updateTicket },
    {
      method: 'GET',
      path: `${api}/tickets/:id/conversations`,
      handle: (req) => {
        const ticket = findTicket(req);
        return paged(req, ticket.conversations, (slice) => one('conversations', slice.map(renderConversation)));
      },
    },
    { method: 'POST', path: `${api}/tickets/:id/notes`, handle: (req) => addConversation(req, 'note') },
    { method: 'POST', path: `${api}/tickets/:id/reply`, handle: (req) => addConversation(req, 'reply') },
    { method: 'GET', path: `${api}/agents/me`, handle: () => renderAgent(agents[0]!) },
    {
      // View an Agent (GET /api/v2/agents/[id]): what a sync script's httpClient.get reads an author from.
      method: 'GET',
      path: `${api}/agents/:id`,
      handle: (req) => {
        const agent = agents.find((a) => String(a.id) === req.params.id);
        return agent ? renderAgent(agent) : freshworksNotFound;
      },
    },
    { method: 'GET', path: '/sim-cdn/attachments/:id/:name', anonymous: true, handle: download },
    ticketFields.route(),
  ];
  if (flavor.workspaces) {
    routes.push({
      method: 'GET',
      path: `${api}/workspaces`,
      handle: (req) =>
        paged(req, workspaces, (slice) => ({
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
        paged(req, groups, (slice) =>
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

  function admit(req: SimRequest): { reject?: SimResponse; headers: Record<string, string> } {
    requests.total += 1;
    const headers: Record<string, string> = { 'x-request-id': randomUUID() };
    const auth = header(req, 'authorization') ?? '';
    const match = /^Basic\s+(.+)$/i.exec(auth);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    const role = apiKeys.get(key);
    if (!role) return { reject: freshworksAuthError(401), headers };
    const decision = quota.take();
    Object.assign(headers, {
      'x-ratelimit-total': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-used-currentrequest': '1',
    });
    if (!decision.allowed) {
      requests.throttled += 1;
      return { reject: freshworksThrottled(decision.retryAfterSeconds), headers };
    }
    if (role === 'readonly' && req.method !== 'GET') return { reject: freshworksAuthError(403), headers };
    return { headers };
  }

  function seed(data: FreshworksSeed): void {
    for (const name of data.customFields ?? []) customFields.add(name);
    for (const [name, values] of Object.entries(data.customFieldChoices ?? {})) {
      customFields.add(name);
      dropdowns.set(name, [...values]);
    }
    ticketFields.seed(data.ticketFields);
    if (data.groups) groups = data.groups;
    if (data.workspaces) workspaces = data.workspaces;
    if (data.agents) agents.splice(0, agents.length, ...data.agents);
    for (const contact of data.contacts ?? []) {
      contacts.set(contact.id, contact);
      nextContactId = Math.max(nextContactId, contact.id + 1);
    }
    for (const [key, role] of Object.entries(data.apiKeys ?? {})) apiKeys.set(key, role);
    for (const raw of data.tickets ?? []) addTicket(raw);
  }

  function addTicket(raw: Record<string, unknown> & { conversations?: Array<Record<string, unknown>> }): number {
    const { conversations = [], created_at, updated_at, id, custom_fields, ...fields } = raw;
    const createdAt = typeof created_at === 'string' ? Date.parse(created_at) : now();
    const ticket = newTicket(typeof id === 'number' ? { id } : {}, createdAt);
    if (custom_fields && typeof custom_fields === 'object') {
      for (const key of Object.keys(custom_fields)) customFields.add(key);
    }
    applyFields(ticket, { ...fields, ...(custom_fields ? { custom_fields } : {}) });
    ticket.updated_at = typeof updated_at === 'string' ? Date.parse(updated_at) : createdAt;
    for (const c of conversations) {
      const at = typeof c.created_at === 'string' ? Date.parse(c.created_at) : ticket.updated_at;
      ticket.conversations.push({
        id: nextConversationId++,
        ticket_id: ticket.id,
        body: String(c.body ?? ''),
        incoming: c.incoming === true,
        private: c.private !== false,
        user_id: typeof c.user_id === 'number' ? c.user_id : (agents[0]?.id ?? null),
        source: 2,
        support_email: null,
        to_emails: [],
        from_email: null,
        cc_emails: null,
        bcc_emails: null,
        attachments: [],
        created_at: at,
        updated_at: at,
      });
    }
    tickets.set(ticket.id, ticket);
    return ticket.id;
  }

  if (typeof options.seed === 'string') seed(JSON.parse(await readFile(options.seed, 'utf8')) as FreshworksSeed);
  else if (options.seed) seed(options.seed);

  const running: RunningSimServer = await startSimServer(
    {
      routes,
      faults,
      admit,
      notFound: () => freshworksNotFound,
      serverError: freshworksServerError,
      throttled: (retryAfter) => {
        requests.throttled += 1;
        return freshworksThrottled(retryAfter);
      },
    },
    options.port ?? 0,
  );
  baseUrl = running.url;

  return {
    url: running.url,
    apiKey,
    close: async () => {
      await Promise.allSettled([...inFlight]);
      await running.close();
    },
    faults,
    seed,
    addApiKey: (key, role) => apiKeys.set(key, role),
    addTicket,
    customerReply(id, body) {
      const ticket = tickets.get(id);
      if (!ticket) throw new Error(`No ticket ${id}`);
      const requester = contacts.get(Number(ticket.fields.requester_id));
      const at = now();
      const conversation: StoredConversation = {
        id: nextConversationId++,
        ticket_id: id,
        body,
        incoming: true,
        private: false,
        user_id: requester?.id ?? null,
        source: 0,
        support_email: 'support@simulator.example',
        to_emails: ['support@simulator.example'],
        from_email: requester?.email ? `${requester.name} <${requester.email}>` : null,
        cc_emails: [],
        bcc_emails: [],
        attachments: [],
        created_at: at,
        updated_at: at,
      };
      ticket.conversations.push(conversation);
      ticket.updated_at = at;
      fire('note_added', ticket);
      return conversation.id;
    },
    agentUpdate(id, fields) {
      const ticket = tickets.get(id);
      if (!ticket) throw new Error(`No ticket ${id}`);
      applyFields(ticket, fields);
      ticket.updated_at = now();
      fire('ticket_updated', ticket);
    },
    ticket: (id) => {
      const ticket = tickets.get(id);
      return ticket ? renderTicket(ticket, new Set(['stats', 'tags'])) : null;
    },
    ticketCount: () => tickets.size,
    requests,
    setRateLimit: (perMinute) => {
      quota.limit = perMinute;
    },
    webhooks: {
      add: (hook) => hooks.push(hook),
      deliveries,
      settle: async () => {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      },
    },
  };
}
