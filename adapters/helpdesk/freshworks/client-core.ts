import { z } from 'zod';
import type { Entity, HubAttachment, HubComment, HubUser } from '../../../src/domain/entity.ts';
import { DomainError } from '../../../src/domain/errors.ts';
import type {
  AttachmentContent,
  AttachmentUpload,
  ChangeBatch,
  CommentWrite,
  EntityWrite,
  Helpdesk,
  HelpdeskTarget,
  ListChangedOptions,
  SetupCheckInput,
  SetupFinding,
} from '../../../src/domain/helpdesk.ts';
import type { ScriptHttpRequest, ScriptHttpResponse } from '../../../src/domain/script-api.ts';
import type { Platform, Project } from '../../../src/domain/instance.ts';
import { downloadAttachment } from '../attachment-download.ts';
import { performScriptRequest } from '../script-request.ts';
import { advanceCursor, decodeCursor } from '../change-cursor.ts';
import type { CodeTable } from '../code-table.ts';
import type { FieldError } from '../helpdesk-errors.ts';
import { type ConnectorOptions, HelpdeskTransport, numberHeader, type RequestSpec } from '../transport.ts';
import { formatUtcSeconds, toHubTime } from '../timestamps.ts';
import { listChangedTickets, nextPageUrl, parseTriggerQuery } from './change-listing.ts';
import { checkFreshworksSetup } from './setup-check.ts';
import {
  type FreshworksAttachment,
  freshworksConversationSchema,
  type FreshworksConversation,
  freshworksTicketSchema,
  freshworksTicketWithConversationsSchema,
  type FreshworksTicket,
  wrapped,
} from './schemas.ts';

/** What tells the Freshdesk and Freshservice connectors apart. */
export interface FreshworksClientFlavor {
  platform: Extract<Platform, 'freshdesk' | 'freshservice'>;
  label: string;
  wrap: boolean;
  statuses: CodeTable<number>;
  priorities: CodeTable<number>;
  /** Query parameters that make the ticket list cover everything we sync, oldest change first where it can. */
  listParams: Record<string, string>;
  /** Includes on a single-ticket read. */
  ticketIncludes: string;
  /** A cheap read that needs valid credentials, and the shape of its answer (so a wrong URL is noticed too). */
  verifyPath: string;
  verifySchema: z.ZodType<unknown>;
  listProjects(client: FreshworksClient): Promise<Project[]>;
  nativeFields: readonly string[];
  /** Fields a new ticket must carry (Freshservice: status and priority). */
  createDefaults: Record<string, unknown>;
}

/**
 * A single-ticket read with `include=conversations` embeds at most this many conversations (the reference's
 * figure for both APIs); a ticket showing that many may have more, so only then are they listed separately.
 */
export const EMBEDDED_CONVERSATIONS_CAP = 10;
const DAY_MS = 24 * 60 * 60 * 1000;

function readFreshworksFailure(_status: number, body: unknown): { message: string | null; fieldErrors: FieldError[] } {
  if (typeof body !== 'object' || body === null)
    return { message: typeof body === 'string' && body ? body : null, fieldErrors: [] };
  const record = body as { description?: unknown; message?: unknown; errors?: unknown };
  const fieldErrors: FieldError[] = [];
  if (Array.isArray(record.errors)) {
    for (const e of record.errors) {
      if (typeof e === 'object' && e !== null) {
        const item = e as { field?: unknown; message?: unknown; code?: unknown };
        fieldErrors.push({
          field: String(item.field ?? ''),
          message: String(item.message ?? ''),
          ...(item.code ? { code: String(item.code) } : {}),
        });
      }
    }
  }
  const message =
    typeof record.message === 'string'
      ? record.message
      : typeof record.description === 'string'
        ? record.description
        : null;
  return { message, fieldErrors };
}

export function freshworksApiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v2') ? trimmed : `${trimmed}/api/v2`;
}

/** The Freshdesk and Freshservice REST connector: the two APIs share auth, paging, errors, search and multipart. */
export class FreshworksClient implements Helpdesk {
  readonly platform: Platform;
  readonly statuses: CodeTable<number>;
  readonly priorities: CodeTable<number>;
  readonly transport: HelpdeskTransport;
  /** What a script's answer must never show (the API key, and the Basic token made from it). */
  private readonly secrets: readonly string[];
  /** Built once per connector: zod compiles a schema on its first parse, so a fresh one per call costs every call. */
  private readonly schemas;
  /** Where the helpdesk is (its web app is the origin: the API lives under /api/v2 of the same host). */
  private readonly baseUrl: string;

  constructor(
    private readonly flavor: FreshworksClientFlavor,
    target: HelpdeskTarget,
    options: ConnectorOptions = {},
  ) {
    if (target.credentials.kind !== 'apiKey') {
      throw new DomainError(
        'invalid_input',
        `${flavor.label} signs in with an API key; this instance has a token instead.`,
      );
    }
    this.schemas = {
      ticket: wrapped(flavor.wrap, 'ticket', freshworksTicketSchema),
      ticketWithConversations: wrapped(flavor.wrap, 'ticket', freshworksTicketWithConversationsSchema),
      conversations: wrapped(flavor.wrap, 'conversations', z.array(freshworksConversationSchema)),
      conversation: wrapped(flavor.wrap, 'conversation', freshworksConversationSchema),
    };
    this.platform = flavor.platform;
    this.baseUrl = target.baseUrl;
    const basic = Buffer.from(`${target.credentials.apiKey}:X`).toString('base64');
    this.secrets = [target.credentials.apiKey, basic];
    this.statuses = flavor.statuses;
    this.priorities = flavor.priorities;
    this.transport = new HelpdeskTransport(
      {
        label: flavor.label,
        apiRoot: freshworksApiRoot(target.baseUrl),
        authHeaders: { authorization: `Basic ${basic}` },
        quotaWindowMs: 60_000,
        readQuota: (headers) => ({
          limit: numberHeader(headers, 'x-ratelimit-total'),
          remaining: numberHeader(headers, 'x-ratelimit-remaining'),
          resetAt: null,
        }),
        readFailure: readFreshworksFailure,
      },
      options,
    );
  }

  async verifyCredentials(): Promise<void> {
    await this.transport.json(
      { method: 'GET', path: this.flavor.verifyPath, what: 'a credentials check' },
      this.flavor.verifySchema,
    );
  }

  checkSetup(input: SetupCheckInput): Promise<SetupFinding[]> {
    return checkFreshworksSetup(this, input);
  }

  listProjects(): Promise<Project[]> {
    return this.flavor.listProjects(this);
  }

  scriptRequest(request: ScriptHttpRequest): Promise<ScriptHttpResponse> {
    return performScriptRequest(this.transport, this.platform, request, this.secrets);
  }

  /** Every page of a list, following Link rel="next" in the form the vendors document (see nextPageUrl). */
  async collect<T>(spec: RequestSpec, schema: z.ZodType<T[]>): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = this.transport.url(spec.path, spec.query);
    while (next) {
      const page: { data: T[]; headers: Headers } = await this.transport.json(
        { ...spec, path: next, query: {} },
        schema,
      );
      items.push(...page.data);
      next = nextPageUrl(page.headers);
    }
    return items;
  }

  private ticketSchema() {
    return this.schemas.ticket;
  }

  /**
   * Agents open a ticket at `{helpdesk}/a/tickets/{id}` in Freshdesk and Freshservice alike (the agent portal; the
   * Freshworks app SDK's test instructions open `https://<domain>.freshdesk.com/a/tickets/<id>?dev=true`).
   */
  entityUrl(id: string): string {
    return `${new URL(this.baseUrl).origin}/a/tickets/${this.ticketId(id)}`;
  }

  /** One call in the usual case: the ticket with its conversations embedded (a second only past the embed cap). */
  async getEntity(id: string): Promise<Entity> {
    const ticketId = this.ticketId(id);
    const { data: ticket } = await this.transport.json(
      {
        method: 'GET',
        path: `/tickets/${ticketId}`,
        query: { include: `${this.flavor.ticketIncludes},conversations` },
        what: `ticket ${ticketId}`,
      },
      this.schemas.ticketWithConversations,
    );
    // A deleted ticket is in the trash: the API still shows it, with `"deleted": true` (restorable until the trash is
    // emptied, then a 404). It is no ticket to sync: reported as not found, as a permanently deleted one is.
    if ((ticket as { deleted?: unknown }).deleted === true)
      throw new DomainError(
        'helpdesk_not_found',
        `${this.flavor.label} ticket ${ticketId} is in the trash (deleted); restore it there to work on it again.`,
        { status: 200, deleted: true },
      );
    const embedded = ticket.conversations;
    const conversations =
      embedded && embedded.length < EMBEDDED_CONVERSATIONS_CAP ? embedded : await this.conversations(ticketId);
    return this.toEntity(ticket, conversations);
  }

  private conversations(ticketId: number): Promise<FreshworksConversation[]> {
    return this.collect(
      {
        method: 'GET',
        path: `/tickets/${ticketId}/conversations`,
        query: { per_page: 100 },
        what: `the conversations of ticket ${ticketId}`,
      },
      this.schemas.conversations,
    );
  }

  /**
   * The ticket list since the cursor, with the trigger query applied here (change-listing.ts says why the filter API
   * is not used: it caps at 300 results and compares by day).
   */
  async listChanged(cursor: string | null, options: ListChangedOptions = {}): Promise<ChangeBatch> {
    const query = options.query ? parseTriggerQuery(options.query, this.flavor.platform, this.flavor.label) : null;
    const state = decodeCursor(cursor, () => new Date(this.transport.clock.now() - 30 * DAY_MS).toISOString());
    const { found, truncated } = await listChangedTickets({
      transport: this.transport,
      platform: this.flavor.platform,
      label: this.flavor.label,
      wrap: this.flavor.wrap,
      since: formatUtcSeconds(Date.parse(state.since)),
      listParams: this.flavor.listParams,
      query,
    });
    return { ...advanceCursor(state, found), truncated };
  }

  /**
   * The create answer is the ticket minus what a read would add through includes: the requester (its email and name)
   * and, on Freshservice, the tags. Those are what we sent, so the entity is completed from the write instead of a
   * read-back (one call saved per created ticket).
   */
  async createEntity(write: EntityWrite): Promise<Entity> {
    const body = { ...this.flavor.createDefaults, ...this.ticketBody(write, true) };
    const { data } = await this.transport.json(
      { method: 'POST', path: '/tickets', json: body, what: 'the new ticket' },
      this.ticketSchema(),
    );
    const entity = this.toEntity(data, []);
    const sent = write.reporter;
    if (!data.requester && sent?.email && entity.reporter) {
      entity.reporter = { ...entity.reporter, email: sent.email, displayName: sent.displayName ?? null };
      entity.native.email = sent.email;
    }
    if (data.tags === undefined && write.labels !== undefined) entity.labels = [...write.labels];
    return entity;
  }

  async updateEntity(id: string, write: EntityWrite): Promise<Entity> {
    const ticketId = this.ticketId(id);
    const { data } = await this.transport.json(
      { method: 'PUT', path: `/tickets/${ticketId}`, json: this.ticketBody(write, false), what: `ticket ${ticketId}` },
      this.ticketSchema(),
    );
    return this.toEntity(data, await this.conversations(ticketId));
  }

  async addComment(entityId: string, comment: CommentWrite): Promise<HubComment> {
    const ticketId = this.ticketId(entityId);
    const fields = { body: comment.body, private: comment.internal };
    const spec: RequestSpec =
      comment.attachments && comment.attachments.length > 0
        ? {
            method: 'POST',
            path: `/tickets/${ticketId}/notes`,
            form: toForm(fields, comment.attachments),
            what: `a note on ticket ${ticketId}`,
          }
        : { method: 'POST', path: `/tickets/${ticketId}/notes`, json: fields, what: `a note on ticket ${ticketId}` };
    const { data } = await this.transport.json(spec, this.schemas.conversation);
    return this.toComment(data);
  }

  async uploadAttachment(entityId: string, file: AttachmentUpload): Promise<HubAttachment> {
    const ticketId = this.ticketId(entityId);
    const { data } = await this.transport.json(
      {
        method: 'PUT',
        path: `/tickets/${ticketId}`,
        form: toForm({}, [file]),
        idempotent: false,
        what: `the attachment ${file.filename} on ticket ${ticketId}`,
      },
      this.ticketSchema(),
    );
    const added = (data.attachments ?? [])
      .filter((a) => a.name === file.filename)
      .sort((a, b) => (b.id ?? 0) - (a.id ?? 0))[0];
    if (!added)
      throw new DomainError(
        'helpdesk_unavailable',
        `${this.flavor.label} accepted ${file.filename} but does not list it on ticket ${ticketId}.`,
      );
    return this.toAttachment(added);
  }

  async downloadAttachment(entityId: string, attachment: HubAttachment): Promise<AttachmentContent> {
    return downloadAttachment({
      transport: this.transport,
      attachment,
      reread: () => this.getEntity(entityId),
      gone: `${this.flavor.label} no longer has the attachment ${attachment.filename} on ticket ${entityId}.`,
    });
  }

  private ticketId(id: string): number {
    const number = Number(id.replace(/^#/, ''));
    if (!Number.isInteger(number) || number <= 0)
      throw new DomainError('invalid_input', `"${id}" is not a ${this.flavor.label} ticket number.`);
    return number;
  }

  private ticketBody(write: EntityWrite, creating: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    if (write.summary !== undefined) body.subject = write.summary;
    if (write.description !== undefined) body.description = write.description;
    if (write.status) body.status = this.statuses.toCode(write.status);
    if (write.priority) body.priority = this.priorities.toCode(write.priority);
    if (write.type !== undefined) body.type = write.type;
    if (write.labels !== undefined) body.tags = write.labels;
    if (write.customFields !== undefined) body.custom_fields = write.customFields;
    if (write.assignee !== undefined) body.responder_id = write.assignee?.id ? Number(write.assignee.id) : null;
    if (creating && write.reporter) {
      if (write.reporter.email) {
        body.email = write.reporter.email;
        // Names the contact when the email is new to this helpdesk (an existing contact keeps its own name).
        if (write.reporter.displayName) body.name = write.reporter.displayName;
      } else if (write.reporter.id) body.requester_id = Number(write.reporter.id);
    }
    for (const [name, value] of Object.entries(write.native ?? {})) {
      if (this.flavor.nativeFields.includes(name) && value !== undefined) body[name] = value;
    }
    return body;
  }

  private toAttachment(a: FreshworksAttachment): HubAttachment {
    return {
      // Without an id (as in Freshservice's documented View a Ticket), the name and creation time stay stable
      // across reads, unlike the expiring attachment_url.
      id: a.id === undefined ? `${a.name}@${a.created_at ?? ''}` : String(a.id),
      filename: a.name,
      mimetype: a.content_type ?? 'application/octet-stream',
      filesize: a.size ?? a.file_size ?? 0,
      created: toHubTime(a.created_at),
      url: a.attachment_url ?? null,
    };
  }

  private toComment(c: FreshworksConversation, requester?: FreshworksTicket['requester']): HubComment {
    return {
      id: String(c.id),
      body: c.body ?? '',
      author: conversationAuthor(c, requester),
      internal: c.private,
      created: toHubTime(c.created_at) ?? c.created_at,
      updated: toHubTime(c.updated_at),
    };
  }

  private toEntity(t: FreshworksTicket, conversations: FreshworksConversation[]): Entity {
    const raw = t as Record<string, unknown>;
    const native: Record<string, unknown> = {};
    for (const name of this.flavor.nativeFields) if (name in raw) native[name] = raw[name];
    if (t.requester?.email) native.email = t.requester.email;
    const attachments = [...(t.attachments ?? []), ...conversations.flatMap((c) => c.attachments ?? [])].map((a) =>
      this.toAttachment(a),
    );
    return {
      platform: this.platform,
      id: String(t.id),
      key: `#${t.id}`,
      summary: t.subject ?? '',
      description: t.description ?? '',
      status: this.statuses.fromCode(t.status),
      priority: this.priorities.fromCode(t.priority),
      type: t.type ?? null,
      labels: t.tags ?? [],
      reporter:
        t.requester_id === null || t.requester_id === undefined
          ? null
          : { id: String(t.requester_id), email: t.requester?.email ?? null, displayName: t.requester?.name ?? null },
      assignee:
        t.responder_id === null || t.responder_id === undefined
          ? null
          : { id: String(t.responder_id), email: null, displayName: null },
      comments: conversations
        .map((c) => this.toComment(c, t.requester))
        .sort((a, b) => a.created.localeCompare(b.created)),
      attachments,
      customFields: { ...(t.custom_fields ?? {}) },
      created: toHubTime(t.created_at) ?? t.created_at,
      updated: toHubTime(t.updated_at) ?? t.updated_at,
      native,
    };
  }
}

/**
 * Who wrote a conversation. A reply carries `from_email` as `Name <address>` (python-freshdesk's reply fixture:
 * "Rachel <rachel@freshdesk.com>"); a customer's reply or forward (`incoming: true`) comes from the requester, whose
 * name and email the ticket read includes. Notes carry only the user id.
 */
function conversationAuthor(c: FreshworksConversation, requester: FreshworksTicket['requester']): HubUser {
  const id = c.user_id === null || c.user_id === undefined ? null : String(c.user_id);
  const from = /^\s*(?:"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))\s*$/.exec(c.from_email ?? '');
  const email = from ? (from[2] ?? from[3] ?? null) : null;
  const name = from?.[1]?.trim() || null;
  if (requester && c.user_id === requester.id)
    return { id, email: requester.email ?? email, displayName: requester.name ?? name ?? requester.email ?? null };
  return { id, email, displayName: name ?? (from ? email : (c.from_email ?? null)) };
}

/** multipart/form-data the Freshworks way: `name[]` for arrays, `custom_fields[name]` for custom fields. */
export function toForm(fields: Record<string, unknown>, files: AttachmentUpload[]): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) form.append(`${name}[]`, String(item));
    else if (typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) form.append(`${name}[${key}]`, String(inner));
    else form.append(name, String(value));
  }
  for (const file of files) form.append('attachments[]', new Blob([file.data], { type: file.mimetype }), file.filename);
  return form;
}
