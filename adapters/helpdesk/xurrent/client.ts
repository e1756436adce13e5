import { z } from 'zod';
import type { Entity, HubAttachment, HubComment } from '../../../src/domain/entity.ts';
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
import type { Platform, Project } from '../../../src/domain/instance.ts';
import type { ScriptHttpRequest, ScriptHttpResponse } from '../../../src/domain/script-api.ts';
import { downloadAttachment } from '../attachment-download.ts';
import { performScriptRequest } from '../script-request.ts';
import { advanceCursor, decodeCursor } from '../change-cursor.ts';
import type { FieldError } from '../helpdesk-errors.ts';
import { type ConnectorOptions, HelpdeskTransport, numberHeader } from '../transport.ts';
import { formatUtcSeconds, toHubTime } from '../timestamps.ts';
import { xurrentCategories, xurrentPriorities, xurrentStatuses } from './codes.ts';
import { fromSourceMarker, toSourceMarker } from './marker.ts';
import { requireCategoryAndImpact } from './required-fields.ts';
import { checkXurrentSetup } from './setup-check.ts';
import {
  type XurrentAttachment,
  xurrentAttachmentSchema,
  xurrentCreatedSchema,
  xurrentNoteSchema,
  type XurrentNote,
  xurrentRequestSchema,
  type XurrentRequest,
  xurrentServiceInstanceSchema,
  xurrentStorageSchema,
} from './schemas.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const LABEL = 'Xurrent';
/** Service instances seldom move to another service; their service is remembered for this many of them. */
const SERVICE_CACHE_SIZE = 500;

/** The hub's native names and the request fields they are written to. */
const nativeWrites: Record<string, string> = {
  serviceInstanceId: 'service_instance_id',
  teamId: 'team_id',
  memberId: 'member_id',
  requested_for: 'requested_for_id',
  requested_by: 'requested_by_id',
  template: 'template_id',
  category: 'category',
  impact: 'impact',
  /** Why a request is completed (required with status completed; "solved" when not given). */
  completion_reason: 'completion_reason',
};

function readXurrentFailure(_status: number, body: unknown): { message: string | null; fieldErrors: FieldError[] } {
  if (typeof body !== 'object' || body === null)
    return { message: typeof body === 'string' && body ? body : null, fieldErrors: [] };
  const record = body as { message?: unknown; errors?: unknown };
  const fieldErrors: FieldError[] = [];
  // Xurrent lists validation errors as [field, message] pairs.
  if (Array.isArray(record.errors)) {
    for (const pair of record.errors) {
      if (Array.isArray(pair)) fieldErrors.push({ field: String(pair[0] ?? ''), message: String(pair[1] ?? '') });
      else if (typeof pair === 'string') fieldErrors.push({ field: '', message: pair });
    }
  }
  return { message: typeof record.message === 'string' ? record.message : null, fieldErrors };
}

/** An account id as it appears in a host name (`wdc`, `widget-data`). */
const ACCOUNT_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The web app of an account: the API host with `api.` replaced by the account (`https://api.xurrent.com/v1` and
 * account `mycompany` -> `https://mycompany.xurrent.com`; regional and QA hosts alike, as
 * developer.xurrent.com/v1/webhooks shows the UI link `https://mycompany.xurrent.com/requests/219` beside the API's
 * `https://api.xurrent.com/v1/requests/219`). A host without `api.` (on premises, a simulator) keeps its origin.
 */
function xurrentWebRoot(baseUrl: string, account: string): string {
  const url = new URL(baseUrl);
  const label = account.trim().toLowerCase();
  if (url.hostname.startsWith('api.') && ACCOUNT_LABEL.test(label)) {
    url.hostname = `${label}.${url.hostname.slice('api.'.length)}`;
  }
  return url.origin;
}

export function xurrentApiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

/** The Xurrent (4me) REST v1 connector. */
export class XurrentClient implements Helpdesk {
  readonly platform: Platform = 'xurrent';
  readonly statuses = xurrentStatuses;
  readonly priorities = xurrentPriorities;
  readonly transport: HelpdeskTransport;
  private readonly authHeaders: Record<string, string>;
  /** What a script's answer must never show. */
  private readonly secrets: readonly string[];
  private readonly serviceOfInstance = new Map<number, number | null>();
  /** The API's base URL and the account: the account's web app is derived from them (xurrentWebRoot). */
  private readonly web: { baseUrl: string; account: string };

  constructor(target: HelpdeskTarget, options: ConnectorOptions = {}) {
    if (target.credentials.kind !== 'token') {
      throw new DomainError(
        'invalid_input',
        'Xurrent signs in with a personal access token and an account id; this instance has an API key instead.',
      );
    }
    this.secrets = [target.credentials.token];
    this.web = { baseUrl: target.baseUrl, account: target.credentials.account };
    this.authHeaders = {
      authorization: `Bearer ${target.credentials.token}`,
      'x-xurrent-account': target.credentials.account,
    };
    this.transport = new HelpdeskTransport(
      {
        label: LABEL,
        apiRoot: xurrentApiRoot(target.baseUrl),
        authHeaders: this.authHeaders,
        quotaWindowMs: null,
        readQuota: (headers) => {
          const reset = numberHeader(headers, 'x-ratelimit-reset');
          return {
            limit: numberHeader(headers, 'x-ratelimit-limit'),
            remaining: numberHeader(headers, 'x-ratelimit-remaining'),
            resetAt: reset === null ? null : reset * 1000,
          };
        },
        readFailure: readXurrentFailure,
      },
      options,
    );
  }

  async verifyCredentials(): Promise<void> {
    await this.transport.json(
      { method: 'GET', path: '/me', what: 'a credentials check' },
      z.looseObject({ id: z.number() }),
    );
  }

  checkSetup(input: SetupCheckInput): Promise<SetupFinding[]> {
    return checkXurrentSetup(this, input);
  }

  scriptRequest(request: ScriptHttpRequest): Promise<ScriptHttpResponse> {
    return performScriptRequest(this.transport, this.platform, request, this.secrets);
  }

  async listProjects(): Promise<Project[]> {
    const services = await this.transport.collect(
      { method: 'GET', path: '/services', query: { per_page: 100 }, what: 'the services' },
      z.array(z.looseObject({ id: z.number(), name: z.string() })),
    );
    return services.map((s) => ({ id: String(s.id), name: s.name }));
  }

  /** Where an agent opens the request: `{account web app}/requests/{id}` (see xurrentWebRoot). */
  entityUrl(id: string): string {
    return `${xurrentWebRoot(this.web.baseUrl, this.web.account)}/requests/${this.requestId(id)}`;
  }

  async getEntity(id: string): Promise<Entity> {
    const requestId = this.requestId(id);
    const { data } = await this.transport.json(
      { method: 'GET', path: `/requests/${requestId}`, what: `request ${requestId}` },
      xurrentRequestSchema,
    );
    return this.toEntity(data, await this.notes(requestId), await this.serviceOf(data));
  }

  /** A request's service_instance reference has only id and name: the service is read from the instance. */
  private async serviceOf(request: XurrentRequest): Promise<number | null> {
    const instanceId = request.service_instance?.id;
    if (instanceId === undefined) return null;
    if (this.serviceOfInstance.has(instanceId)) return this.serviceOfInstance.get(instanceId) ?? null;
    const { data } = await this.transport.json(
      { method: 'GET', path: `/service_instances/${instanceId}`, what: `service instance ${instanceId}` },
      xurrentServiceInstanceSchema,
    );
    const serviceId = data.service?.id ?? null;
    if (this.serviceOfInstance.size >= SERVICE_CACHE_SIZE) this.serviceOfInstance.clear();
    this.serviceOfInstance.set(instanceId, serviceId);
    return serviceId;
  }

  /** After a write the change is made: a failed lookup must not turn it into an error that repeats the write. */
  private async serviceAfterWrite(request: XurrentRequest, written: number | null): Promise<number | null> {
    if (written !== null) return written;
    return this.serviceOf(request).catch(() => null);
  }

  /**
   * Requests have no service field: writing `serviceId` picks the service's first active service instance (unless
   * the write names a service instance itself).
   */
  private async serviceInstanceFor(serviceId: unknown): Promise<number> {
    const id = Number(serviceId);
    if (!Number.isInteger(id) || id <= 0)
      throw new DomainError('helpdesk_validation', `serviceId ${String(serviceId)} is not a Xurrent service id.`);
    const instances = await this.transport.json(
      {
        method: 'GET',
        path: `/services/${id}/service_instances/active`,
        query: { per_page: 1 },
        what: `the service instances of service ${id}`,
      },
      z.array(xurrentServiceInstanceSchema),
    );
    const first = instances.data[0];
    if (!first)
      throw new DomainError(
        'helpdesk_validation',
        `Xurrent service ${id} has no active service instance for requests; set entity.serviceInstanceId in the incoming script instead.`,
      );
    this.serviceOfInstance.set(first.id, id);
    return first.id;
  }

  private notes(requestId: number): Promise<XurrentNote[]> {
    return this.transport.collect(
      {
        method: 'GET',
        path: `/requests/${requestId}/notes`,
        query: { per_page: 100 },
        what: `the notes of request ${requestId}`,
      },
      z.array(xurrentNoteSchema),
    );
  }

  async listChanged(cursor: string | null, options: ListChangedOptions = {}): Promise<ChangeBatch> {
    const state = decodeCursor(cursor, () => new Date(this.transport.clock.now() - 30 * DAY_MS).toISOString());
    // A trigger is a set of Xurrent filters (`status=assigned,in_progress&team=12`); the time window is ours.
    const query: Record<string, string> = Object.fromEntries(new URLSearchParams(options.query ?? ''));
    // Filters take timestamps as yyyy-mm-ddThh:mm:ssZ (developer.xurrent.com/v1/general/data_types, Input).
    const since = formatUtcSeconds(Date.parse(state.since));
    Object.assign(query, { updated_at: `>=${since}`, sort: 'updated_at', per_page: '100', fields: 'updated_at' });
    const requests = await this.transport.collect(
      { method: 'GET', path: '/requests', query, what: options.query ? 'the trigger query' : 'the changed requests' },
      z.array(z.looseObject({ id: z.number(), updated_at: z.string() })),
    );
    const found = requests.map((r) => ({ id: String(r.id), updated: toHubTime(r.updated_at) ?? r.updated_at }));
    return { ...advanceCursor(state, found), truncated: false };
  }

  async createEntity(write: EntityWrite): Promise<Entity> {
    const { body, serviceId } = await this.requestBody(write, 'create');
    if (write.description) body.note = write.description;
    if (!body.requested_for_id && write.reporter?.id) body.requested_for_id = Number(write.reporter.id);
    requireCategoryAndImpact(body);
    const data = await this.writeRequest({ method: 'POST', path: '/requests', json: body, what: 'the new request' });
    const entity = this.toEntity(data, [], await this.serviceAfterWrite(data, serviceId));
    return { ...entity, description: write.description ?? '' };
  }

  async updateEntity(id: string, write: EntityWrite): Promise<Entity> {
    const requestId = this.requestId(id);
    // The description is the first note and notes cannot be edited, so a new description is not written back.
    const { body, serviceId } = await this.requestBody(write, 'update');
    const data = await this.writeRequest({
      method: 'PATCH',
      path: `/requests/${requestId}`,
      json: body,
      what: `request ${requestId}`,
    });
    return this.toEntity(data, await this.notes(requestId), await this.serviceAfterWrite(data, serviceId));
  }

  /**
   * Create and update answer the whole request (developer.xurrent.com/v1/requests, "similar to Get a request"), but
   * only its id is relied on: an answer missing other fields is read again rather than failing a write that happened.
   */
  private async writeRequest(request: {
    method: 'POST' | 'PATCH';
    path: string;
    json: Record<string, unknown>;
    what: string;
  }): Promise<XurrentRequest> {
    const { data } = await this.transport.json(request, xurrentCreatedSchema);
    const full = xurrentRequestSchema.safeParse(data);
    if (full.success) return full.data;
    const reread = await this.transport.json(
      { method: 'GET', path: `/requests/${data.id}`, what: `request ${data.id}` },
      xurrentRequestSchema,
    );
    return reread.data;
  }

  async addComment(entityId: string, comment: CommentWrite): Promise<HubComment> {
    const requestId = this.requestId(entityId);
    const attachments = [];
    for (const file of comment.attachments ?? []) attachments.push(await this.store(file));
    const noteId = await this.postNote(requestId, {
      text: comment.body,
      internal: comment.internal,
      ...(attachments.length > 0 ? { attachments } : {}),
    });
    // "Create a note" answers only the id: the rest is what was written.
    return {
      id: String(noteId),
      body: comment.body,
      author: null,
      internal: comment.internal,
      created: new Date(this.transport.clock.now()).toISOString(),
      updated: null,
    };
  }

  async uploadAttachment(entityId: string, file: AttachmentUpload): Promise<HubAttachment> {
    const requestId = this.requestId(entityId);
    const stored = await this.store(file);
    // Xurrent keeps attachments on notes; an internal note carries the file.
    await this.postNote(requestId, { text: `Attachment: ${file.filename}`, internal: true, attachments: [stored] });
    return {
      id: stored.key,
      filename: file.filename,
      mimetype: file.mimetype,
      filesize: file.data.length,
      created: new Date(this.transport.clock.now()).toISOString(),
      url: await this.downloadUrlAfterUpload(requestId, stored.key),
    };
  }

  /**
   * The signed download URL shows only on a read of the request. The note exists by now, so a failed read leaves
   * the URL out (a later download reads it afresh) instead of failing an upload that happened.
   */
  private async downloadUrlAfterUpload(requestId: number, key: string): Promise<string | null> {
    try {
      const { data } = await this.transport.json(
        {
          method: 'GET',
          path: `/requests/${requestId}`,
          query: { fields: 'attachments' },
          what: `request ${requestId}`,
        },
        z.looseObject({ attachments: z.array(xurrentAttachmentSchema).nullable().optional() }),
      );
      return data.attachments?.find((a) => a.key === key)?.uri ?? null;
    } catch {
      return null;
    }
  }

  async downloadAttachment(entityId: string, attachment: HubAttachment): Promise<AttachmentContent> {
    return downloadAttachment({
      transport: this.transport,
      attachment,
      reread: () => this.getEntity(entityId),
      gone: `Xurrent no longer has the attachment ${attachment.filename} on request ${entityId}.`,
    });
  }

  /** "Create a note" (developer.xurrent.com/v1/requests/notes) answers `{"id": N}`: nothing else is read. */
  private async postNote(requestId: number, body: Record<string, unknown>): Promise<number> {
    const { data } = await this.transport.json(
      { method: 'POST', path: `/requests/${requestId}/notes`, json: body, what: `a note on request ${requestId}` },
      xurrentCreatedSchema,
    );
    return data.id;
  }

  /** Xurrent's three-step upload: ask where to store, post the file there, then refer to it by key. */
  private async store(file: AttachmentUpload): Promise<{ key: string; filesize: number }> {
    const { data: storage } = await this.transport.json(
      { method: 'GET', path: '/attachments/storage', what: 'the attachment storage' },
      xurrentStorageSchema,
    );
    if (file.data.length > storage.size_limit) {
      throw new DomainError(
        'helpdesk_validation',
        `${file.filename} is ${file.data.length} bytes; Xurrent accepts attachments up to ${storage.size_limit} bytes.`,
      );
    }
    const extension = file.filename.includes('.') ? file.filename.split('.').pop()!.toLowerCase() : '';
    const allowed = storage.allowed_extensions ?? [];
    if (allowed.length > 0 && !allowed.includes(extension)) {
      throw new DomainError(
        'helpdesk_validation',
        `Xurrent does not accept .${extension || '(none)'} files (${file.filename}); allowed: ${allowed.join(', ')}.`,
      );
    }
    const fields = storage[storage.provider] ?? {};
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
    form.append('Content-Type', file.mimetype);
    // The file part must come last.
    form.append('file', new Blob([file.data], { type: file.mimetype }), file.filename);
    const local = storage.provider === 'local';
    const response = await this.transport.send({
      method: 'POST',
      path: storage.upload_uri,
      form,
      anonymous: !local,
      idempotent: false,
      what: `the upload of ${file.filename}`,
    });
    let key: string | undefined;
    if (local)
      key = this.transport.parse(response, z.object({ key: z.string() }), `the upload of ${file.filename}`).key;
    else key = /<Key>([^<]+)<\/Key>/.exec(Buffer.from(response.bytes).toString('utf8'))?.[1];
    if (!key)
      throw new DomainError(
        'helpdesk_unavailable',
        `Xurrent's attachment storage did not return a key for ${file.filename}.`,
      );
    return { key, filesize: file.data.length };
  }

  private requestId(id: string): number {
    const number = Number(id);
    if (!Number.isInteger(number) || number <= 0)
      throw new DomainError('invalid_input', `"${id}" is not a Xurrent request id.`);
    return number;
  }

  private async requestBody(
    write: EntityWrite,
    kind: 'create' | 'update',
  ): Promise<{ body: Record<string, unknown>; serviceId: number | null }> {
    const body: Record<string, unknown> = {};
    if (write.summary !== undefined) body.subject = write.summary;
    if (write.status) body.status = this.statuses.toCode(write.status);
    if (write.priority) body.impact = this.priorities.toCode(write.priority);
    if (write.type) {
      const category = write.type.toLowerCase();
      if ((xurrentCategories as readonly string[]).includes(category)) body.category = category;
    }
    if (write.assignee !== undefined) body.member_id = write.assignee?.id ? Number(write.assignee.id) : null;
    const { customFields, source } = toSourceMarker(write.customFields ?? {});
    // Custom fields are written as Xurrent shows them, [{id, value}], on every write that changes one.
    if (Object.keys(customFields).length > 0)
      body.custom_fields = Object.entries(customFields).map(([id, value]) => ({ id, value }));
    // The crash marker rides on source/sourceID, which Xurrent keeps for integrations; only a create sets them.
    if (source && kind === 'create') Object.assign(body, source);
    for (const [name, value] of Object.entries(write.native ?? {})) {
      const field = nativeWrites[name];
      if (field && value !== undefined) body[field] = value;
    }
    let serviceId: number | null = null;
    const wantedService = write.native?.serviceId;
    if (wantedService !== undefined && wantedService !== null) {
      serviceId = Number(wantedService);
      if (body.service_instance_id === undefined) body.service_instance_id = await this.serviceInstanceFor(serviceId);
      else serviceId = null;
    }
    // Completing a request needs a reason; "solved" is what an agent picks by default.
    if (body.status === 'completed' && body.completion_reason === undefined) body.completion_reason = 'solved';
    return { body, serviceId };
  }

  private toAttachment(a: XurrentAttachment, created: string | null, mimetype?: string): HubAttachment {
    return {
      id: a.key,
      filename: a.name,
      mimetype: mimetype ?? guessMimetype(a.name),
      filesize: a.size ?? 0,
      created,
      url: a.uri ?? null,
    };
  }

  private toComment(n: XurrentNote): HubComment {
    return {
      id: String(n.id),
      body: n.text ?? '',
      author: n.person ? { id: String(n.person.id), email: null, displayName: n.person.name ?? null } : null,
      internal: n.internal,
      created: toHubTime(n.created_at) ?? n.created_at,
      updated: null,
    };
  }

  private toEntity(r: XurrentRequest, notes: XurrentNote[], serviceId: number | null): Entity {
    const ordered = [...notes].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
    const [first, ...rest] = ordered;
    const attachments = new Map<string, HubAttachment>();
    for (const a of r.attachments ?? []) attachments.set(a.key, this.toAttachment(a, null));
    for (const note of ordered)
      for (const a of note.attachments ?? []) attachments.set(a.key, this.toAttachment(a, toHubTime(note.created_at)));
    const person = (p: { id: number; name?: string | null } | null | undefined) =>
      p ? { id: String(p.id), email: null, displayName: p.name ?? null } : null;
    return {
      platform: 'xurrent',
      id: String(r.id),
      key: String(r.id),
      summary: r.subject ?? '',
      // Xurrent has no description field: the first note is the description.
      description: first?.text ?? '',
      status: this.statuses.fromCode(r.status),
      priority: r.impact ? this.priorities.fromCode(r.impact) : null,
      type: r.category ?? null,
      labels: [],
      reporter: person(r.requested_for),
      assignee: person(r.member),
      comments: rest.map((n) => this.toComment(n)),
      attachments: [...attachments.values()],
      customFields: {
        ...Object.fromEntries((r.custom_fields ?? []).map((c) => [c.id, c.value])),
        ...fromSourceMarker(r.source, r.sourceID),
      },
      created: toHubTime(r.created_at) ?? r.created_at,
      updated: toHubTime(r.updated_at) ?? r.updated_at,
      native: {
        serviceId,
        serviceInstanceId: r.service_instance?.id ?? null,
        category: r.category ?? null,
        team: r.team?.name ?? null,
        teamId: r.team?.id ?? null,
        memberId: r.member?.id ?? null,
        requested_for: r.requested_for?.id ?? null,
        requested_by: r.requested_by?.id ?? null,
        template: r.template?.id ?? null,
        impact: r.impact ?? null,
      },
    };
  }
}

function guessMimetype(name: string): string {
  const extension = name.split('.').pop()?.toLowerCase();
  const known: Record<string, string> = {
    txt: 'text/plain',
    pdf: 'application/pdf',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    csv: 'text/csv',
    json: 'application/json',
    zip: 'application/zip',
  };
  return (extension && known[extension]) || 'application/octet-stream';
}

export function createXurrentClient(target: HelpdeskTarget, options?: ConnectorOptions): XurrentClient {
  return new XurrentClient(target, options);
}
