import { SimHttpError } from '../simulator-kit/server.ts';
import { xurrentCategories, xurrentCompletionReasons, xurrentImpacts, xurrentStatusCodes } from './codes.ts';
import { xurrentValidationFailed } from './simulator-errors.ts';

/**
 * What the Xurrent simulator holds (tokens, people, teams, services, requests with their notes, uploaded files) and
 * the writes Xurrent validates, with its messages. A refused write throws the 422 answer and changes nothing.
 */

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

export type XurrentRequestSeed = Record<string, unknown> & { notes?: Array<Record<string, unknown>> };

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
  requests?: XurrentRequestSeed[];
  tokens?: Record<string, { personId?: number; role?: TokenRole; account?: string }>;
}

export type TokenRole = 'admin' | 'readonly';

export interface TokenGrant {
  personId: number;
  role: TokenRole;
  account: string;
}

export interface StoredNote {
  id: number;
  text: string;
  internal: boolean;
  personId: number;
  medium: string;
  attachmentKeys: Array<{ key: string; inline: boolean }>;
  created_at: number;
}

export interface StoredRequest {
  id: number;
  fields: Record<string, unknown>;
  custom_fields: Array<{ id: string; value: unknown }>;
  notes: StoredNote[];
  created_at: number;
  updated_at: number;
  /** In the trash (`POST /requests/:id/trash`): the trash item, until the request is restored. */
  trashed?: { id: number; at: number; by: number };
}

export interface StoredFile {
  key: string;
  name: string;
  data: Buffer;
  mimetype: string;
}

/** What a create or update changed: the request, the notes it added, and the status it had before. */
export interface RequestChange {
  request: StoredRequest;
  notes: StoredNote[];
  previousStatus: unknown;
}

/** The person behind the default token (Patrick Spratt), and the agent behind `agentUpdate` (Tom Edwards). */
export const DEFAULT_PERSON_ID = 56;
export const AGENT_PERSON_ID = 8529;

const MAX_NOTE_BYTES = 64 * 1024;
const truthy = /^(1|t|y|true|yes|on)$/i;

export class XurrentStore {
  readonly tokens = new Map<string, TokenGrant>();
  readonly people = new Map<number, XurrentPerson>([
    [DEFAULT_PERSON_ID, { id: DEFAULT_PERSON_ID, name: 'Patrick Spratt' }],
    [AGENT_PERSON_ID, { id: AGENT_PERSON_ID, name: 'Tom Edwards' }],
  ]);
  readonly teams = new Map<number, XurrentNamed>([[372, { id: 372, name: 'End-User Support, Houston' }]]);
  readonly services = new Map<number, XurrentNamed>([[50, { id: 50, name: 'End-User Support' }]]);
  readonly serviceInstances = new Map<number, XurrentServiceInstance>([
    [
      1336,
      { id: 1336, name: 'End-User Support, Houston', localized_name: 'End-User Support, Houston', service_id: 50 },
    ],
  ]);
  readonly requests = new Map<number, StoredRequest>();
  readonly customFieldIds = new Set<string>();
  readonly files = new Map<string, StoredFile>();
  /** Upload keys handed out by `GET /attachments/storage` and not used yet. */
  readonly pendingUploads = new Set<string>();
  private nextRequestId = 70001;
  private nextTrashId = 1;
  private nextNoteId = 3001;
  /** The reference fields a write may set, and where their ids must exist. */
  private readonly refFields: Record<string, Map<number, unknown>> = {
    team_id: this.teams,
    member_id: this.people,
    service_instance_id: this.serviceInstances,
    requested_for_id: this.people,
    requested_by_id: this.people,
  };

  constructor(
    private readonly now: () => number,
    readonly account: string,
    token: string,
  ) {
    this.tokens.set(token, { personId: DEFAULT_PERSON_ID, role: 'admin', account });
  }

  addToken(value: string, role: TokenRole, personId = DEFAULT_PERSON_ID): void {
    this.tokens.set(value, { personId, role, account: this.account });
  }

  seed(data: XurrentSeed): void {
    for (const p of data.people ?? []) this.people.set(p.id, p);
    for (const t of data.teams ?? []) this.teams.set(t.id, t);
    for (const s of data.services ?? []) this.services.set(s.id, s);
    for (const si of data.serviceInstances ?? []) this.serviceInstances.set(si.id, si);
    for (const id of data.customFields ?? []) this.customFieldIds.add(id);
    for (const [value, grant] of Object.entries(data.tokens ?? {}))
      this.tokens.set(value, {
        personId: grant.personId ?? DEFAULT_PERSON_ID,
        role: grant.role ?? 'admin',
        account: grant.account ?? this.account,
      });
    for (const r of data.requests ?? []) this.addRequest(r);
  }

  /** Puts a request in as it is (no validation, no webhooks): seeds and tests. */
  addRequest(raw: XurrentRequestSeed): number {
    const { notes = [], created_at, updated_at, id, custom_fields, ...fields } = raw;
    const createdAt = typeof created_at === 'string' ? Date.parse(created_at) : this.now();
    const requestId = typeof id === 'number' ? id : this.nextRequestId;
    this.nextRequestId = Math.max(this.nextRequestId, requestId + 1);
    const request: StoredRequest = {
      id: requestId,
      fields: {
        status: 'assigned',
        category: 'other',
        requested_by_id: DEFAULT_PERSON_ID,
        requested_for_id: DEFAULT_PERSON_ID,
        created_by_id: DEFAULT_PERSON_ID,
        ...fields,
      },
      custom_fields: Array.isArray(custom_fields) ? (custom_fields as Array<{ id: string; value: unknown }>) : [],
      notes: notes.map((n) => ({
        id: this.nextNoteId++,
        text: String(n.text ?? ''),
        internal: n.internal === true,
        personId: Number(n.person_id ?? DEFAULT_PERSON_ID),
        medium: 'default',
        attachmentKeys: [],
        created_at: typeof n.created_at === 'string' ? Date.parse(n.created_at) : createdAt,
      })),
      created_at: createdAt,
      updated_at: typeof updated_at === 'string' ? Date.parse(updated_at) : createdAt,
    };
    this.requests.set(request.id, request);
    return request.id;
  }

  /**
   * Creates a request (`existing` null) or updates one as `POST`/`PATCH /requests` do, `note` and `internal_note`
   * included. Every field is checked before anything changes.
   */
  writeRequest(input: Record<string, unknown>, existing: StoredRequest | null, personId: number): RequestChange {
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
    for (const [name, map] of Object.entries(this.refFields)) {
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
    if (has('urgent')) f.urgent = truthy.test(String(input.urgent));
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
          if (!this.customFieldIds.has(c.id))
            errors.push(['custom_fields', `${c.id} is not a field of the UI extension`]);
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
    const noteKeys = this.checkAttachments('note_attachments', input.note_attachments, errors);
    const internalKeys = this.checkAttachments('internal_note_attachments', input.internal_note_attachments, errors);
    for (const name of ['note', 'internal_note']) {
      if (has(name) && Buffer.byteLength(String(input[name])) > MAX_NOTE_BYTES)
        errors.push([name, 'is too long (maximum is 64 KB)']);
    }
    if (errors.length > 0) throw new SimHttpError(xurrentValidationFailed(errors));
    const at = this.now();
    if (f.status === 'completed' && previousStatus !== 'completed') f.completed_at = at;
    if (f.status !== 'completed') f.completed_at = null;
    if (has('member_id') && input.member_id !== existing?.fields.member_id)
      f.assignment_count = Number(f.assignment_count ?? 0) + 1;
    const request: StoredRequest = existing ?? {
      id: this.nextRequestId++,
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
      notes.push(this.newNote(input.note, false, personId, noteKeys, at));
    if (typeof input.internal_note === 'string' && input.internal_note !== '')
      notes.push(this.newNote(input.internal_note, true, personId, internalKeys, at));
    request.notes.push(...notes);
    if (!existing) this.requests.set(request.id, request);
    return { request, notes, previousStatus };
  }

  /** `POST /requests/:id/trash`: the request moves to the trash, where the Trash API lists it. */
  trash(request: StoredRequest, personId: number): NonNullable<StoredRequest['trashed']> {
    request.trashed = { id: this.nextTrashId++, at: this.now(), by: personId };
    return request.trashed;
  }

  /** `POST /requests/:id/restore`: out of the trash again. */
  restore(request: StoredRequest): void {
    delete request.trashed;
    request.updated_at = this.now();
  }

  /** `POST /requests/:id/notes`: text (not blank, at most 64 KB), `internal`, uploaded `attachments`. */
  addNote(request: StoredRequest, input: Record<string, unknown>, personId: number): StoredNote {
    const errors: Array<[string, string]> = [];
    if (typeof input.text !== 'string' || input.text.trim() === '') errors.push(['text', "can't be blank"]);
    else if (Buffer.byteLength(input.text) > MAX_NOTE_BYTES) errors.push(['text', 'is too long (maximum is 64 KB)']);
    const keys = this.checkAttachments('attachments', input.attachments, errors);
    if (errors.length > 0) throw new SimHttpError(xurrentValidationFailed(errors));
    const note = this.newNote(
      String(input.text),
      truthy.test(String(input.internal ?? 'false')),
      personId,
      keys,
      this.now(),
    );
    request.notes.push(note);
    request.updated_at = note.created_at;
    return note;
  }

  private newNote(
    text: string,
    internal: boolean,
    personId: number,
    attachmentKeys: StoredNote['attachmentKeys'],
    at: number,
  ): StoredNote {
    return { id: this.nextNoteId++, text, internal, personId, medium: 'default', attachmentKeys, created_at: at };
  }

  /** Attachments name files uploaded before (`{key, inline}`); an unknown key is refused. */
  private checkAttachments(
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
      if (!this.files.has(key)) errors.push([field, `attachment ${key || '(no key)'} is not uploaded`]);
      else out.push({ key, inline: item.inline === true });
    }
    return out;
  }
}
