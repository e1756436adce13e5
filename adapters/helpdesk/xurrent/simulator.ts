import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type JwtAlgorithm, signJwt } from '../jwt.ts';
import { formatLinkHeader } from '../link-header.ts';
import { FaultPlan } from '../simulator-kit/faults.ts';
import { isMultipart, parseMultipart } from '../simulator-kit/multipart.ts';
import { FixedWindowQuota } from '../simulator-kit/rate-window.ts';
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
import { formatWithOffset } from '../timestamps.ts';
import { webhookListRoute } from './simulator-webhooks-api.ts';
import { xurrentCategories, xurrentCompletionReasons, xurrentImpacts, xurrentStatusCodes } from './codes.ts';

/** Xurrent (4me) REST v1 as the simulator plays it. */

export interface XurrentPerson {
  id: number;
  name: string;
  sourceID?: string | null;
  /** Set when the person lives in another account (the reference then carries `account`). */
  account?: { id: string; name: string } | null;
}

export interface XurrentNamed {
  id: number;
  name: string;
}

export interface XurrentServiceInstance extends XurrentNamed {
  localized_name?: string;
  service_id?: number | null;
  /** `in_production` unless told; a `discontinued` one is not active. */
  status?: string;
}

export interface XurrentSeed {
  account?: string;
  people?: XurrentPerson[];
  teams?: XurrentNamed[];
  services?: XurrentNamed[];
  serviceInstances?: XurrentServiceInstance[];
  /**
   * The custom field ids the request template's UI extension defines; Xurrent refuses any other (an account without
   * them accepts none).
   */
  customFields?: string[];
  requests?: Array<Record<string, unknown> & { notes?: Array<Record<string, unknown>> }>;
  tokens?: Record<string, { personId?: number; role?: TokenRole; account?: string }>;
}

export type TokenRole = 'admin' | 'readonly';

export interface XurrentSimClock {
  now(): number;
}

export interface XurrentSimulatorOptions {
  port?: number;
  seed?: XurrentSeed | string;
  /** The default is Xurrent's 3600 per hour; with this the window is a minute. */
  rateLimitPerMinute?: number;
  clock?: XurrentSimClock;
  account?: string;
  token?: string;
  /** The account's time zone offset, as timestamps show it (`-06:00`). */
  timezoneOffset?: string;
  attachmentSizeLimit?: number;
  allowedExtensions?: string[];
  attachmentUrlTtlSeconds?: number;
  webhookRetries?: number;
  webhookRetryDelayMs?: number;
}

interface StoredNote {
  id: number;
  text: string;
  internal: boolean;
  personId: number;
  medium: string;
  attachmentKeys: Array<{ key: string; inline: boolean }>;
  created_at: number;
}

interface StoredRequest {
  id: number;
  fields: Record<string, unknown>;
  custom_fields: Array<{ id: string; value: unknown }>;
  notes: StoredNote[];
  created_at: number;
  updated_at: number;
}

interface StoredFile {
  key: string;
  name: string;
  data: Buffer;
  mimetype: string;
}

export interface WebhookPolicy {
  id: number;
  /** Every `jwt_alg` Xurrent offers but `none`. */
  alg: JwtAlgorithm;
  audience: string;
  expiresInSeconds: number;
  /** The key handed out once, at creation: the public key (RS*, ES*) or the shared secret (HS*). */
  publicKeyPem: string;
  /** What signs: the private key, or the shared secret. */
  privateKey: KeyObject | string;
}

export interface XurrentWebhook {
  id: number;
  name: string;
  event: string;
  uri: string;
  policyId: number | null;
  disabled: boolean;
  verified: boolean;
  verifyCode: string;
  verifyExpiresAt: number;
  consecutiveFailures: number;
  firstFailureAt: number | null;
  last_error: string | null;
}

export interface XurrentDelivery {
  webhookId: number;
  event: string;
  body: string;
  headers: Record<string, string>;
  status: number | null;
  attempts: number;
}

export interface XurrentSimulator {
  url: string;
  apiKey: string;
  /** The same as apiKey: Xurrent signs in with a bearer token. */
  token: string;
  account: string;
  /** The account URL (the JWT issuer). */
  accountUrl: string;
  close(): Promise<void>;
  faults: FaultPlan;
  seed(data: XurrentSeed): void;
  addToken(token: string, role: TokenRole, personId?: number): void;
  addRequest(fields: Record<string, unknown> & { notes?: Array<Record<string, unknown>> }): number;
  agentUpdate(id: number, fields: Record<string, unknown>): void;
  request(id: number): Record<string, unknown> | null;
  requestCount(): number;
  readonly requests: { total: number; throttled: number };
  setRateLimit(perWindow: number): void;
  webhooks: {
    createPolicy(input: { alg: WebhookPolicy['alg']; audience: string; expiresInSeconds?: number }): {
      id: number;
      publicKeyPem: string;
    };
    /** Registers a webhook and sends the `webhook.verify` message; resolves after that delivery. */
    register(input: { event: string; uri: string; name?: string; policyId?: number | null }): Promise<XurrentWebhook>;
    list(): XurrentWebhook[];
    deliveries: XurrentDelivery[];
    settle(): Promise<void>;
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_NOTE_BYTES = 64 * 1024;
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
/** Every field a request shows (write-only ones excluded); absent values are null, as Xurrent sends them. */
const requestFields = [
  'id',
  'subject',
  'category',
  'impact',
  'status',
  'completion_reason',
  'closure_code',
  'team',
  'member',
  'service_instance',
  'requested_by',
  'requested_for',
  'created_by',
  'organization',
  'template',
  'workflow',
  'problem',
  'project',
  'supplier',
  'supplier_requestID',
  'source',
  'sourceID',
  'custom_fields',
  'attachments',
  'next_target_at',
  'response_target_at',
  'resolution_target_at',
  'requester_resolution_target_at',
  'desired_completion_at',
  'downtime_start_at',
  'downtime_end_at',
  'waiting_until',
  'completed_at',
  'created_at',
  'updated_at',
  'grouping',
  'grouped_into',
  'major_incident_status',
  'urgent',
  'reopen_count',
  'assignment_count',
  'addressed',
  'reviewed',
  'satisfaction',
  'feedback',
  'knowledge_article',
  'time_spent',
  'time_spent_effort_class',
  'planned_effort',
  'product_backlog',
  'product_backlog_position',
  'agile_board',
  'agile_board_column',
  'agile_board_column_position',
  'provider_not_accountable',
  'reservation',
  'rfc_type',
  'new_assignment',
  'support_domain',
  'ci',
  'checked_items',
  'summary',
  'task',
  'nodeID',
] as const;

/** An HS policy signs with a shared secret; RS and ES ones with a private key whose public half is handed out. */
function policyKeys(alg: JwtAlgorithm): { privateKey: KeyObject | string; publicKeyPem: string } {
  if (alg.startsWith('HS')) {
    const secret = randomBytes(32).toString('base64url');
    return { privateKey: secret, publicKeyPem: secret };
  }
  const { privateKey, publicKey } = alg.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : alg === 'ES384' ? 'P-384' : 'P-521' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function nodeId(type: string, id: number | string): string {
  return Buffer.from(`4me.com/${type}/${id}`).toString('base64url');
}

function xurrentError(status: number, message: string, errors?: Array<[string, string]>): SimResponse {
  return { status, json: errors ? { message, errors } : { message } };
}

const notFound: SimResponse = { status: 404, json: {} };

export async function startXurrentSimulator(options: XurrentSimulatorOptions = {}): Promise<XurrentSimulator> {
  const now = () => (options.clock ?? Date).now();
  const account = options.account ?? 'sim-account';
  const accountUrl = `https://${account}.xurrent.com`;
  const token = options.token ?? `sim-xurrent-${randomUUID().slice(0, 8)}`;
  const offset = options.timezoneOffset ?? '-06:00';
  const sizeLimit = options.attachmentSizeLimit ?? 20 * 1024 * 1024;
  const allowedExtensions = options.allowedExtensions ?? [
    'txt',
    'pdf',
    'png',
    'jpg',
    'jpeg',
    'gif',
    'csv',
    'log',
    'zip',
    'docx',
    'xlsx',
    'json',
    'bin',
  ];
  const urlTtl = options.attachmentUrlTtlSeconds ?? 300;
  const quota = new FixedWindowQuota(
    now,
    options.rateLimitPerMinute ?? 3600,
    options.rateLimitPerMinute ? 60_000 : 3_600_000,
  );
  const faults = new FaultPlan();
  const signer = new UrlSigner();
  const tokens = new Map<string, { personId: number; role: TokenRole; account: string }>([
    [token, { personId: 56, role: 'admin', account }],
  ]);
  const people = new Map<number, XurrentPerson>([
    [56, { id: 56, name: 'Patrick Spratt' }],
    [8529, { id: 8529, name: 'Tom Edwards' }],
  ]);
  const teams = new Map<number, XurrentNamed>([[372, { id: 372, name: 'End-User Support, Houston' }]]);
  const services = new Map<number, XurrentNamed>([[50, { id: 50, name: 'End-User Support' }]]);
  const serviceInstances = new Map<number, XurrentServiceInstance>([
    [
      1336,
      { id: 1336, name: 'End-User Support, Houston', localized_name: 'End-User Support, Houston', service_id: 50 },
    ],
  ]);
  const requestsById = new Map<number, StoredRequest>();
  const customFieldIds = new Set<string>();
  const files = new Map<string, StoredFile>();
  const pendingUploads = new Set<string>();
  const policies = new Map<number, WebhookPolicy>();
  const webhooks = new Map<number, XurrentWebhook>();
  const deliveries: XurrentDelivery[] = [];
  const inFlight = new Set<Promise<void>>();
  const stats = { total: 0, throttled: 0 };
  let nextRequestId = 70001;
  let nextNoteId = 3001;
  let nextWebhookId = 1;
  let nextPolicyId = 1;
  let baseUrl = '';

  const ts = (ms: number | null | undefined) => (typeof ms === 'number' ? formatWithOffset(ms, offset) : null);

  function personRef(id: unknown): Record<string, unknown> | null {
    const person = people.get(Number(id));
    if (!person) return null;
    return {
      id: person.id,
      name: person.name,
      ...(person.sourceID ? { sourceID: person.sourceID } : {}),
      ...(person.account ? { account: person.account } : {}),
      nodeID: nodeId('Person', person.id),
    };
  }
  const namedRef = (type: string, map: Map<number, XurrentNamed>, id: unknown) => {
    const item = map.get(Number(id));
    return item ? { id: item.id, name: item.name, nodeID: nodeId(type, item.id) } : null;
  };
  function serviceInstanceRef(id: unknown): Record<string, unknown> | null {
    const si = serviceInstances.get(Number(id));
    return si
      ? {
          id: si.id,
          name: si.name,
          localized_name: si.localized_name ?? si.name,
          nodeID: nodeId('ServiceInstance', si.id),
        }
      : null;
  }

  function renderServiceInstance(si: XurrentServiceInstance): Record<string, unknown> {
    return {
      ...serviceInstanceRef(si.id),
      status: si.status ?? 'in_production',
      service: namedRef('Service', services, si.service_id),
    };
  }

  function renderAttachment(key: string, inline: boolean): Record<string, unknown> | null {
    const file = files.get(key);
    if (!file) return null;
    const path = `/sim-files/${encodeURIComponent(key)}`;
    const expires = Math.floor(now() / 1000) + urlTtl;
    return {
      name: file.name,
      key,
      uri: `${baseUrl}${path}?X-4me-Expiration=${expires}&X-4me-Signature=${signer.sign(path, expires)}`,
      inline,
      size: file.data.length,
    };
  }

  function renderRequest(r: StoredRequest): Record<string, unknown> {
    const f = r.fields;
    const body: Record<string, unknown> = Object.fromEntries(requestFields.map((name) => [name, null]));
    Object.assign(body, {
      id: r.id,
      nodeID: nodeId('Req', r.id),
      subject: f.subject ?? null,
      category: f.category ?? null,
      impact: f.impact ?? null,
      status: f.status,
      completion_reason: f.completion_reason ?? null,
      team: namedRef('Team', teams, f.team_id),
      member: personRef(f.member_id),
      service_instance: serviceInstanceRef(f.service_instance_id),
      requested_by: personRef(f.requested_by_id),
      requested_for: personRef(f.requested_for_id),
      created_by: personRef(f.created_by_id),
      source: f.source ?? null,
      sourceID: f.sourceID ?? null,
      supplier_requestID: f.supplier_requestID ?? null,
      custom_fields: r.custom_fields,
      attachments: r.notes
        .flatMap((n) => n.attachmentKeys.filter((a) => !a.inline).map((a) => renderAttachment(a.key, a.inline)))
        .filter(Boolean),
      next_target_at: f.status === 'completed' ? null : 'best_effort',
      desired_completion_at: ts(f.desired_completion_at as number | undefined),
      waiting_until: ts(f.waiting_until as number | undefined),
      completed_at: ts(f.completed_at as number | undefined),
      created_at: ts(r.created_at),
      updated_at: ts(r.updated_at),
      grouping: 'none',
      urgent: f.urgent === true,
      reopen_count: Number(f.reopen_count ?? 0),
      assignment_count: Number(f.assignment_count ?? 0),
      addressed: false,
      reviewed: false,
      provider_not_accountable: false,
      new_assignment: false,
      checked_items: [],
    });
    return body;
  }

  function renderNote(r: StoredRequest, n: StoredNote): Record<string, unknown> {
    return {
      id: n.id,
      text: n.text,
      medium: n.medium,
      internal: n.internal,
      person: personRef(n.personId),
      request: { id: r.id, subject: r.fields.subject ?? null },
      account: { id: account, name: account },
      internal_account: n.internal ? { id: account, name: account } : null,
      inbound_email: null,
      created_at: ts(n.created_at),
      attachments: n.attachmentKeys.map((a) => renderAttachment(a.key, a.inline)).filter(Boolean),
      nodeID: nodeId('Note', n.id),
    };
  }

  // ---- webhooks --------------------------------------------------------------------------------------------

  function deliver(
    webhook: XurrentWebhook,
    message: Record<string, unknown>,
    links: Record<string, string>,
  ): Promise<void> {
    const policy = webhook.policyId === null ? undefined : policies.get(webhook.policyId);
    let body: string;
    if (policy) {
      const iat = Math.floor(now() / 1000);
      body = JSON.stringify({
        jwt: signJwt(
          {
            data: message,
            jti: randomBytes(16).toString('hex'),
            sub: String(webhook.id),
            iss: accountUrl,
            nbf: iat,
            iat,
            exp: iat + policy.expiresInSeconds,
            aud: policy.audience,
          },
          policy.alg,
          policy.privateKey,
        ),
      });
    } else body = JSON.stringify(message);
    // Only the headers developer.xurrent.com/v1/webhooks documents: no delivery-id header (a JWT's jti names one).
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': '4me/1.0 (https://developer.xurrent.com/v1/webhooks)',
    };
    if (Object.keys(links).length > 0) headers.link = formatLinkHeader(links);
    const delivery: XurrentDelivery = {
      webhookId: webhook.id,
      event: String(message.event),
      body,
      headers,
      status: null,
      attempts: 0,
    };
    deliveries.push(delivery);
    const task = (async () => {
      const attempts = 1 + (options.webhookRetries ?? 2);
      for (let i = 0; i < attempts; i++) {
        delivery.attempts += 1;
        try {
          const response = await fetch(webhook.uri, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(10_000),
          });
          delivery.status = response.status;
          await response.arrayBuffer();
          if (response.ok) {
            webhook.consecutiveFailures = 0;
            webhook.firstFailureAt = null;
            return;
          }
          webhook.last_error = `HTTP ${response.status}`;
        } catch (error) {
          webhook.last_error = (error as Error).message;
        }
        await new Promise((resolve) => setTimeout(resolve, options.webhookRetryDelayMs ?? 20));
      }
      // After 20 failed messages over more than a week Xurrent disables the webhook.
      webhook.consecutiveFailures += 1;
      webhook.firstFailureAt ??= now();
      if (webhook.consecutiveFailures >= 20 && now() - webhook.firstFailureAt > 7 * DAY_MS) webhook.disabled = true;
    })().finally(() => inFlight.delete(task));
    inFlight.add(task);
    return task;
  }

  function envelope(
    webhook: XurrentWebhook,
    event: string,
    objectId: number,
    payload: Record<string, unknown>,
    personId: number | null,
  ): Record<string, unknown> {
    const person = personId === null ? null : people.get(personId);
    return {
      webhook_id: webhook.id,
      webhook_nodeID: nodeId('Webhook', webhook.id),
      account_id: account,
      account: accountUrl,
      custom_url: accountUrl,
      name: webhook.name,
      event,
      object_id: objectId,
      object_nodeID: nodeId(event === 'webhook.verify' ? 'Webhook' : 'Req', objectId),
      person_id: person?.id ?? null,
      person_nodeID: person ? nodeId('Person', person.id) : null,
      person_name: person?.name ?? null,
      payload,
    };
  }

  function notify(
    event: string,
    request: StoredRequest,
    personId: number,
    extra: Record<string, unknown> = {},
    related?: string,
  ): void {
    for (const webhook of webhooks.values()) {
      if (webhook.event !== event || !webhook.verified || webhook.disabled) continue;
      const f = request.fields;
      const payload = {
        audit_line_id: null,
        source: f.source ?? null,
        sourceID: f.sourceID ?? null,
        status: f.status,
        team: namedRef('Team', teams, f.team_id),
        member: personRef(f.member_id),
        ...extra,
      };
      const links: Record<string, string> = {
        canonical: `${accountUrl}/requests/${request.id}`,
        resource: `${baseUrl}/v1/requests/${request.id}`,
      };
      if (related) links.related = related;
      void deliver(webhook, envelope(webhook, event, request.id, payload, personId), links);
    }
  }

  // ---- input and validation --------------------------------------------------------------------------------

  function readJson(req: SimRequest): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(req.body.toString('utf8') || '{}');
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      return value as Record<string, unknown>;
    } catch {
      throw new SimHttpError(xurrentError(400, 'Invalid JSON string posted'));
    }
  }

  function checkAttachments(
    field: string,
    value: unknown,
    errors: Array<[string, string]>,
  ): Array<{ key: string; inline: boolean }> {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      errors.push([field, 'is invalid']);
      return [];
    }
    const out: Array<{ key: string; inline: boolean }> = [];
    for (const item of value as Array<{ key?: unknown; inline?: unknown }>) {
      const key = typeof item?.key === 'string' ? item.key : '';
      if (!files.has(key)) errors.push([field, `attachment ${key || '(no key)'} is not uploaded`]);
      else out.push({ key, inline: item.inline === true });
    }
    return out;
  }

  const refFields: Record<string, Map<number, unknown>> = {
    team_id: teams,
    member_id: people,
    service_instance_id: serviceInstances,
    requested_for_id: people,
    requested_by_id: people,
  };

  function applyRequestInput(
    input: Record<string, unknown>,
    existing: StoredRequest | null,
    personId: number,
  ): { request: StoredRequest; notes: StoredNote[]; previousStatus: unknown } {
    const errors: Array<[string, string]> = [];
    const f = { ...(existing?.fields ?? {}) };
    const previousStatus = f.status;
    const has = (name: string) => input[name] !== undefined;
    if (!existing && (typeof input.subject !== 'string' || input.subject.trim() === ''))
      errors.push(['subject', "can't be blank"]);
    if (has('subject')) f.subject = input.subject;
    const enums: Array<[string, readonly string[]]> = [
      ['category', xurrentCategories],
      ['impact', xurrentImpacts],
      ['status', xurrentStatusCodes],
      ['completion_reason', xurrentCompletionReasons],
    ];
    for (const [name, allowed] of enums) {
      if (!has(name)) continue;
      if (input[name] === null && name !== 'status') f[name] = null;
      else if (!allowed.includes(String(input[name]))) errors.push([name, 'is not included in the list']);
      else f[name] = input[name];
    }
    for (const [name, map] of Object.entries(refFields)) {
      if (!has(name)) continue;
      if (input[name] === null) f[name] = null;
      else if (!map.has(Number(input[name]))) errors.push([name.replace(/_id$/, ''), 'is invalid']);
      else f[name] = Number(input[name]);
    }
    for (const name of ['source', 'sourceID', 'supplier_requestID'])
      if (has(name)) f[name] = input[name] === null ? null : String(input[name]);
    // developer.xurrent.com/v1/general/source: source up to 30 characters, sourceID up to 128.
    for (const [name, max] of [
      ['source', 30],
      ['sourceID', 128],
    ] as const)
      if (typeof f[name] === 'string' && (f[name] as string).length > max)
        errors.push([name, `is too long (maximum is ${max} characters)`]);
    if (has('urgent')) f.urgent = /^(1|t|y|true|yes|on)$/i.test(String(input.urgent));
    for (const name of ['desired_completion_at', 'waiting_until']) {
      if (!has(name)) continue;
      const ms = input[name] === null ? null : Date.parse(String(input[name]));
      if (ms !== null && Number.isNaN(ms)) errors.push([name, 'is not a valid date']);
      else f[name] = ms;
    }
    let customFields = existing?.custom_fields ?? [];
    if (has('custom_fields')) {
      const value = input.custom_fields;
      if (
        !Array.isArray(value) ||
        !value.every((c) => typeof c === 'object' && c !== null && typeof (c as { id?: unknown }).id === 'string')
      ) {
        errors.push(['custom_fields', 'is invalid']);
      } else {
        const merged = new Map(customFields.map((c) => [c.id, c.value]));
        for (const c of value as Array<{ id: string; value?: unknown }>) {
          // Only the fields the request template's UI extension defines are accepted.
          if (!customFieldIds.has(c.id)) errors.push(['custom_fields', `${c.id} is not a field of the UI extension`]);
          else merged.set(c.id, c.value ?? null);
        }
        customFields = [...merged].map(([id, v]) => ({ id, value: v }));
      }
    }
    f.status ??= 'assigned';
    // Category has no default (Create a request); an incident needs an impact.
    if (f.category === undefined || f.category === null) errors.push(['category', "can't be blank"]);
    else if (f.category === 'incident' && (f.impact === undefined || f.impact === null))
      errors.push(['impact', "can't be blank"]);
    if (f.status === 'completed' && !f.completion_reason) errors.push(['completion_reason', "can't be blank"]);
    const noteKeys = checkAttachments('note_attachments', input.note_attachments, errors);
    const internalKeys = checkAttachments('internal_note_attachments', input.internal_note_attachments, errors);
    for (const name of ['note', 'internal_note']) {
      if (has(name) && Buffer.byteLength(String(input[name])) > MAX_NOTE_BYTES)
        errors.push([name, 'is too long (maximum is 64 KB)']);
    }
    if (errors.length > 0) throw new SimHttpError(xurrentError(422, 'Validation Failed', errors));
    const at = now();
    if (f.status === 'completed' && previousStatus !== 'completed') f.completed_at = at;
    if (f.status !== 'completed') f.completed_at = null;
    if (has('member_id') && input.member_id !== existing?.fields.member_id)
      f.assignment_count = Number(f.assignment_count ?? 0) + 1;
    const request: StoredRequest = existing ?? {
      id: nextRequestId++,
      fields: {},
      custom_fields: [],
      notes: [],
      created_at: at,
      updated_at: at,
    };
    if (!existing) {
      f.requested_by_id ??= personId;
      f.requested_for_id ??= f.requested_by_id;
      f.created_by_id = personId;
    }
    request.fields = f;
    request.custom_fields = customFields;
    request.updated_at = at;
    const notes: StoredNote[] = [];
    if (typeof input.note === 'string' && input.note !== '')
      notes.push({
        id: nextNoteId++,
        text: input.note,
        internal: false,
        personId,
        medium: 'default',
        attachmentKeys: noteKeys,
        created_at: at,
      });
    if (typeof input.internal_note === 'string' && input.internal_note !== '') {
      notes.push({
        id: nextNoteId++,
        text: input.internal_note,
        internal: true,
        personId,
        medium: 'default',
        attachmentKeys: internalKeys,
        created_at: at,
      });
    }
    request.notes.push(...notes);
    return { request, notes, previousStatus };
  }

  function afterChange(
    request: StoredRequest,
    created: boolean,
    previousStatus: unknown,
    notes: StoredNote[],
    personId: number,
  ): void {
    notify(created ? 'request.create' : 'request.update', request, personId);
    if (!created && previousStatus !== request.fields.status)
      notify('request.status-changed', request, personId, { previous_status: previousStatus });
    for (const note of notes)
      notify(
        'request.note-added',
        request,
        personId,
        { note_id: note.id, note_nodeID: nodeId('Note', note.id) },
        `${baseUrl}/v1/requests/${request.id}/notes/${note.id}`,
      );
  }

  // ---- listing -----------------------------------------------------------------------------------------------

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
    const refs: Record<string, string> = {
      team: 'team_id',
      member: 'member_id',
      service_instance: 'service_instance_id',
      requested_by: 'requested_by_id',
      requested_for: 'requested_for_id',
      created_by: 'created_by_id',
      template: 'template_id',
    };
    if (field === 'id') return r.id;
    if (field === 'created_at') return r.created_at;
    if (field === 'updated_at') return r.updated_at;
    if (field in refs) return f[refs[field]!] ?? null;
    return f[field] ?? null;
  }

  function matchesFilter(actual: unknown, raw: string, isTime: boolean): boolean {
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

  function listRequests(req: SimRequest, preset?: (r: StoredRequest) => boolean): SimResponse {
    const errors: string[] = [];
    const perPage = Number(req.query.get('per_page') ?? 20);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
      throw new SimHttpError(xurrentError(400, 'per_page must be between 1 and 100'));
    let items = [...requestsById.values()];
    if (preset) items = items.filter(preset);
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
        const beyond = descending
          ? v < value! || (v === value && r.id < id!)
          : v > value! || (v === value && r.id > id!);
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
      const full = renderRequest(r);
      return Object.fromEntries(fields.filter((name) => name in full).map((name) => [name, full[name]]));
    });
    return { status: 200, headers, json };
  }

  function simpleList<T>(req: SimRequest, items: T[], render: (item: T) => Record<string, unknown>): SimResponse {
    const perPage = Number(req.query.get('per_page') ?? 20);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
      throw new SimHttpError(xurrentError(400, 'per_page must be between 1 and 100'));
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

  // ---- routes ------------------------------------------------------------------------------------------------

  function findRequest(req: SimRequest): StoredRequest {
    const request = requestsById.get(Number(req.params.id));
    if (!request) throw new SimHttpError(notFound);
    return request;
  }

  const caller = (req: SimRequest) => tokens.get(bearer(req))!;

  async function upload(req: SimRequest): Promise<SimResponse> {
    if (!isMultipart(req.headers)) throw new SimHttpError(xurrentError(400, 'Expected multipart/form-data'));
    const form = await parseMultipart(req.headers, req.body);
    const fields = new Map(form.fields);
    const last = form.files.at(-1);
    const keyTemplate = fields.get('key');
    const expiration = Number(fields.get('X-Xurrent-expiration'));
    const signature = fields.get('X-Xurrent-signature') ?? '';
    if (
      !keyTemplate ||
      !pendingUploads.has(keyTemplate) ||
      signer.verify(keyTemplate, expiration, signature, now()) !== 'ok'
    ) {
      return xurrentError(403, 'Upload not authorized or expired');
    }
    if (last?.[0] !== 'file')
      return xurrentError(422, 'Validation Failed', [['file', "can't be blank (the file part must come last)"]]);
    const file = last[1];
    if (file.data.length > sizeLimit)
      return xurrentError(422, 'Validation Failed', [['file', `is too large (maximum is ${sizeLimit} bytes)`]]);
    const extension = file.filename.includes('.') ? file.filename.split('.').pop()!.toLowerCase() : '';
    if (allowedExtensions.length > 0 && !allowedExtensions.includes(extension))
      return xurrentError(422, 'Validation Failed', [['file', 'has an extension that is not allowed']]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Xurrent's upload key template has a literal ${filename}.
    const key = keyTemplate.replace('${filename}', file.filename);
    files.set(key, {
      key,
      name: file.filename,
      data: file.data,
      mimetype: fields.get('Content-Type') ?? file.mimetype,
    });
    pendingUploads.delete(keyTemplate);
    return { status: 200, json: { key } };
  }

  function download(req: SimRequest): SimResponse {
    const path = req.path;
    const expires = Number(req.query.get('X-4me-Expiration'));
    const verdict = signer.verify(path, expires, req.query.get('X-4me-Signature') ?? '', now());
    if (verdict !== 'ok')
      return {
        status: 403,
        headers: { 'content-type': 'text/plain' },
        raw: Buffer.from(verdict === 'expired' ? 'Link expired' : 'Invalid signature'),
      };
    const file = files.get(decodeURIComponent(req.params.key ?? ''));
    if (!file) return notFound;
    return {
      status: 200,
      headers: { 'content-type': file.mimetype, 'content-disposition': `attachment; filename="${file.name}"` },
      raw: file.data,
    };
  }

  const routes: SimRoute[] = [
    {
      method: 'GET',
      path: '/v1/me',
      handle: (req) => ({
        status: 200,
        json: {
          ...personRef(caller(req).personId),
          primary_email: 'api@simulator.example',
          disabled: false,
          account: { id: account, name: account },
        },
      }),
    },
    {
      method: 'GET',
      path: '/v1/services',
      handle: (req) =>
        simpleList(req, [...services.values()], (s) => ({
          id: s.id,
          name: s.name,
          nodeID: nodeId('Service', s.id),
          disabled: false,
        })),
    },
    {
      method: 'GET',
      path: '/v1/service_instances',
      handle: (req) => simpleList(req, [...serviceInstances.values()], renderServiceInstance),
    },
    {
      method: 'GET',
      path: '/v1/service_instances/:id',
      handle: (req) => {
        const si = serviceInstances.get(Number(req.params.id));
        return si ? { status: 200, json: renderServiceInstance(si) } : notFound;
      },
    },
    ...(['/v1/services/:id/service_instances', '/v1/services/:id/service_instances/active'] as const).map(
      (path): SimRoute => ({
        method: 'GET',
        path,
        handle: (req) => {
          const serviceId = Number(req.params.id);
          if (!services.has(serviceId)) return notFound;
          const all = [...serviceInstances.values()].filter((si) => si.service_id === serviceId);
          const active = path.endsWith('/active')
            ? all.filter((si) => (si.status ?? 'in_production') !== 'discontinued')
            : all;
          return simpleList(req, active, renderServiceInstance);
        },
      }),
    ),
    { method: 'GET', path: '/v1/requests', handle: (req) => listRequests(req) },
    {
      method: 'GET',
      path: '/v1/requests/open',
      handle: (req) => listRequests(req, (r) => r.fields.status !== 'completed'),
    },
    {
      method: 'GET',
      path: '/v1/requests/completed',
      handle: (req) => listRequests(req, (r) => r.fields.status === 'completed'),
    },
    {
      method: 'GET',
      path: '/v1/requests/:id',
      handle: (req) => ({ status: 200, json: renderRequest(findRequest(req)) }),
    },
    {
      method: 'POST',
      path: '/v1/requests',
      handle: (req) => {
        const personId = caller(req).personId;
        const input = readJson(req);
        if (input.source === undefined && header(req, 'x-4me-source')) input.source = header(req, 'x-4me-source');
        const { request, notes } = applyRequestInput(input, null, personId);
        requestsById.set(request.id, request);
        afterChange(request, true, undefined, notes, personId);
        return { status: 201, json: renderRequest(request) };
      },
    },
    ...(['PATCH', 'PUT'] as const).map(
      (method): SimRoute => ({
        method,
        path: '/v1/requests/:id',
        handle: (req) => {
          const existing = findRequest(req);
          const personId = caller(req).personId;
          const { request, notes, previousStatus } = applyRequestInput(readJson(req), existing, personId);
          afterChange(request, false, previousStatus, notes, personId);
          return { status: 200, json: renderRequest(request) };
        },
      }),
    ),
    ...(
      [
        ['/v1/requests/:id/notes', () => true],
        ['/v1/requests/:id/notes/public', (n: StoredNote) => !n.internal],
        ['/v1/requests/:id/notes/internal', (n: StoredNote) => n.internal],
      ] as const
    ).map(
      ([path, keep]): SimRoute => ({
        method: 'GET',
        path,
        handle: (req) => {
          const request = findRequest(req);
          const notes = request.notes.filter(keep).sort((a, b) => b.id - a.id);
          return simpleList(req, notes, (n) => renderNote(request, n));
        },
      }),
    ),
    {
      method: 'POST',
      path: '/v1/requests/:id/notes',
      handle: (req) => {
        const request = findRequest(req);
        const personId = caller(req).personId;
        const input = readJson(req);
        const errors: Array<[string, string]> = [];
        if (typeof input.text !== 'string' || input.text.trim() === '') errors.push(['text', "can't be blank"]);
        else if (Buffer.byteLength(input.text) > MAX_NOTE_BYTES)
          errors.push(['text', 'is too long (maximum is 64 KB)']);
        const keys = checkAttachments('attachments', input.attachments, errors);
        if (errors.length > 0) return xurrentError(422, 'Validation Failed', errors);
        const note: StoredNote = {
          id: nextNoteId++,
          text: String(input.text),
          internal: /^(1|t|y|true|yes|on)$/i.test(String(input.internal ?? 'false')),
          personId,
          medium: 'default',
          attachmentKeys: keys,
          created_at: now(),
        };
        request.notes.push(note);
        request.updated_at = note.created_at;
        afterChange(request, false, request.fields.status, [note], personId);
        // "Create a note" answers the new note's id and nothing else.
        return { status: 201, json: { id: note.id } };
      },
    },
    {
      method: 'GET',
      path: '/v1/attachments/storage',
      handle: () => {
        const expires = Math.floor(now() / 1000) + 3600;
        const key = `attachments/${account}/${new Date(now()).toISOString().slice(0, 10).replace(/-/g, '/')}/${randomUUID()}/\${filename}`;
        pendingUploads.add(key);
        return {
          status: 200,
          json: {
            size_limit: sizeLimit,
            allowed_extensions: allowedExtensions,
            provider: 'local',
            upload_uri: `${baseUrl}/v1/attachments/upload`,
            local: { key, 'X-Xurrent-expiration': expires, 'X-Xurrent-signature': signer.sign(key, expires) },
          },
        };
      },
    },
    { method: 'POST', path: '/v1/attachments/upload', handle: upload },
    webhookListRoute({
      webhooks: () => [...webhooks.values()],
      isAdmin: (req) => caller(req).role === 'admin',
      forbidden: xurrentError(403, 'Forbidden'),
      list: simpleList,
      time: () => ts(now())!,
    }),
    { method: 'GET', path: '/sim-files/:key', anonymous: true, handle: download },
    ...(['GET', 'POST'] as const).map(
      (method): SimRoute => ({
        method,
        path: '/webhooks/:id/verify',
        anonymous: true,
        handle: (req) => {
          const webhook = webhooks.get(Number(req.params.id));
          if (!webhook || req.query.get('code') !== webhook.verifyCode) return notFound;
          if (now() > webhook.verifyExpiresAt) return xurrentError(410, 'The verification link has expired');
          webhook.verified = true;
          return { status: 200, json: { message: 'Webhook verified' } };
        },
      }),
    ),
  ];

  function bearer(req: SimRequest): string {
    const match = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
    return match?.[1]?.trim() ?? '';
  }

  function admit(req: SimRequest): { reject?: SimResponse; headers: Record<string, string> } {
    stats.total += 1;
    const headers: Record<string, string> = { 'x-request-id': randomUUID() };
    const grant = tokens.get(bearer(req));
    // The current and the legacy account header are both accepted (the official Ruby SDK still sends X-4me-Account);
    // a request without either is refused: the docs' every example carries one, and DeskBridge always sends it.
    const requestedAccount = header(req, 'x-xurrent-account') ?? header(req, 'x-4me-account');
    if (!grant || requestedAccount === undefined || requestedAccount !== grant.account)
      return { reject: xurrentError(401, 'Unauthorized'), headers };
    const decision = quota.take();
    Object.assign(headers, {
      'x-ratelimit-limit': String(decision.limit),
      'x-ratelimit-remaining': String(decision.remaining),
      'x-ratelimit-reset': String(Math.ceil(decision.resetAt / 1000)),
    });
    if (!decision.allowed) {
      stats.throttled += 1;
      return {
        reject: {
          ...xurrentError(429, 'Too Many Requests'),
          headers: { 'retry-after': String(decision.retryAfterSeconds) },
        },
        headers,
      };
    }
    if (grant.role === 'readonly' && req.method !== 'GET') return { reject: xurrentError(403, 'Forbidden'), headers };
    return { headers };
  }

  function addRequest(raw: Record<string, unknown> & { notes?: Array<Record<string, unknown>> }): number {
    const { notes = [], created_at, updated_at, id, custom_fields, ...fields } = raw;
    const createdAt = typeof created_at === 'string' ? Date.parse(created_at) : now();
    const requestId = typeof id === 'number' ? id : nextRequestId;
    nextRequestId = Math.max(nextRequestId, requestId + 1);
    const request: StoredRequest = {
      id: requestId,
      fields: {
        status: 'assigned',
        category: 'other',
        requested_by_id: 56,
        requested_for_id: 56,
        created_by_id: 56,
        ...fields,
      },
      custom_fields: Array.isArray(custom_fields) ? (custom_fields as Array<{ id: string; value: unknown }>) : [],
      notes: notes.map((n) => ({
        id: nextNoteId++,
        text: String(n.text ?? ''),
        internal: n.internal === true,
        personId: Number(n.person_id ?? 56),
        medium: 'default',
        attachmentKeys: [],
        created_at: typeof n.created_at === 'string' ? Date.parse(n.created_at) : createdAt,
      })),
      created_at: createdAt,
      updated_at: typeof updated_at === 'string' ? Date.parse(updated_at) : createdAt,
    };
    requestsById.set(request.id, request);
    return request.id;
  }

  function seed(data: XurrentSeed): void {
    for (const p of data.people ?? []) people.set(p.id, p);
    for (const t of data.teams ?? []) teams.set(t.id, t);
    for (const s of data.services ?? []) services.set(s.id, s);
    for (const si of data.serviceInstances ?? []) serviceInstances.set(si.id, si);
    for (const id of data.customFields ?? []) customFieldIds.add(id);
    for (const [value, grant] of Object.entries(data.tokens ?? {}))
      tokens.set(value, {
        personId: grant.personId ?? 56,
        role: grant.role ?? 'admin',
        account: grant.account ?? account,
      });
    for (const r of data.requests ?? []) addRequest(r);
  }

  if (typeof options.seed === 'string') seed(JSON.parse(await readFile(options.seed, 'utf8')) as XurrentSeed);
  else if (options.seed) seed(options.seed);

  const running: RunningSimServer = await startSimServer(
    {
      routes,
      faults,
      admit,
      notFound: () => notFound,
      serverError: (status) => xurrentError(status, 'Internal Server Error'),
      throttled: (retryAfter) => {
        stats.throttled += 1;
        return { ...xurrentError(429, 'Too Many Requests'), headers: { 'retry-after': String(retryAfter) } };
      },
    },
    options.port ?? 0,
  );
  baseUrl = running.url;

  return {
    url: running.url,
    apiKey: token,
    token,
    account,
    accountUrl,
    close: async () => {
      await Promise.allSettled([...inFlight]);
      await running.close();
    },
    faults,
    seed,
    addToken: (value, role, personId = 56) => tokens.set(value, { personId, role, account }),
    addRequest,
    agentUpdate(id, fields) {
      const request = requestsById.get(id);
      if (!request) throw new Error(`No request ${id}`);
      const { request: updated, notes, previousStatus } = applyRequestInput(fields, request, 8529);
      afterChange(updated, false, previousStatus, notes, 8529);
    },
    request: (id) => {
      const request = requestsById.get(id);
      return request ? renderRequest(request) : null;
    },
    requestCount: () => requestsById.size,
    requests: stats,
    setRateLimit: (perWindow) => {
      quota.limit = perWindow;
    },
    webhooks: {
      createPolicy({ alg, audience, expiresInSeconds = 300 }) {
        const policy: WebhookPolicy = {
          id: nextPolicyId++,
          alg,
          audience,
          expiresInSeconds,
          ...policyKeys(alg),
        };
        policies.set(policy.id, policy);
        // As in Xurrent, the public key is handed out once, at creation.
        return { id: policy.id, publicKeyPem: policy.publicKeyPem };
      },
      async register({ event, uri, name, policyId = null }) {
        const webhook: XurrentWebhook = {
          id: nextWebhookId++,
          name: name ?? `${event} webhook`,
          event,
          uri,
          policyId,
          disabled: false,
          verified: false,
          verifyCode: randomBytes(12).toString('hex'),
          verifyExpiresAt: now() + DAY_MS,
          consecutiveFailures: 0,
          firstFailureAt: null,
          last_error: null,
        };
        webhooks.set(webhook.id, webhook);
        const callback = `${baseUrl}/webhooks/${webhook.id}/verify?code=${webhook.verifyCode}&expires_at=${Math.floor(webhook.verifyExpiresAt / 1000)}`;
        await deliver(webhook, envelope(webhook, 'webhook.verify', webhook.id, { callback }, 56), {});
        return webhook;
      },
      list: () => [...webhooks.values()],
      deliveries,
      settle: async () => {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      },
    },
  };
}
