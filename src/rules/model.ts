/**
 * The hub model as scripts see it: entity, replica, comments, attachments, users and status/priority options are
 * records with known properties (a typo is an error with a suggestion, not a silent null), and the conversions
 * between them and the JSON-shaped Entity / Replica at the API boundary. Inputs are copied on the way in, so a
 * script never mutates its caller's objects.
 */
import type { Entity, HubAttachment, HubComment, HubOption, HubUser, Replica } from '../domain/entity.ts';
import { nativeFields } from '../domain/entity.ts';
import { DomainError } from '../domain/errors.ts';
import type { Platform } from '../domain/instance.ts';
import { decimalToString, GDecimal, GLong, integerValue, isNumber, parseDecimal, toBigInt } from './numbers.ts';
import { scriptError, currentRun } from './runtime.ts';
import {
  GClosure,
  GDate,
  GDateFormat,
  GEntry,
  GException,
  GMap,
  GObject,
  GRange,
  GRecord,
  GSet,
  groovyToString,
  keyValue,
  rangeToList,
  typeName,
  type RecordType,
  type Value,
} from './values.ts';

const MAX_DEPTH = 64;

export const optionType: RecordType = { name: 'HubOption', props: ['id', 'name'], open: false };
/**
 * Exalate's user has key, username, email and displayName (docs.exalate.com/docs/getuserbyusername reads
 * replica.assignee.username). Helpdesk users are people with an email and an id: key reads the id and username the
 * email unless a script set them, so nothing extra is stored or sent.
 */
export const userType: RecordType = {
  name: 'HubUser',
  props: ['id', 'email', 'displayName', 'key', 'username'],
  open: false,
  derive: (u, name) =>
    name === 'key' ? (u.f.get('id') ?? null) : name === 'username' ? (u.f.get('email') ?? null) : undefined,
};
/**
 * Exalate's comment: author, executor (who writes it here, docs.exalate.com/docs/mergecomments-custom-formatting),
 * internal, role, created, updated. executor and role are script-side only: the helpdesk API user writes the note.
 */
export const commentType: RecordType = {
  name: 'HubComment',
  props: ['id', 'body', 'author', 'internal', 'created', 'updated', 'remoteId', 'executor', 'role'],
  open: false,
  coerce: (name, v) => {
    if (name === 'body') return v === null ? '' : groovyToString(v);
    if (name === 'internal') return v === true;
    if (name === 'author' || name === 'executor') return toUserRecord(v, `comment.${name}`);
    return v;
  },
};
/** What syncHelper.getLocalIssueKeyFromRemoteId returns: the local twin's id and key. */
export const hubKeyType: RecordType = { name: 'HubKey', props: ['id', 'key'], open: false };
export const attachmentType: RecordType = {
  name: 'HubAttachment',
  props: ['id', 'filename', 'mimetype', 'filesize', 'created', 'url', 'hash', 'remoteId'],
  open: false,
};

const hubFields = [
  'id',
  'key',
  'summary',
  'description',
  'status',
  'priority',
  'type',
  'labels',
  'reporter',
  'assignee',
  'comments',
  'attachments',
  'customFields',
  'created',
  'updated',
] as const;

const allNativeFields = [...new Set(Object.values(nativeFields).flat())];

/** Resolves a status or priority name for the entity being written (nodeHelper.getStatus and friends). */
export interface OptionResolver {
  status(name: Value): GRecord;
  priority(name: Value): GRecord;
}

export function optionRecord(o: HubOption): GRecord {
  return new GRecord(
    optionType,
    new Map<string, Value>([
      ['id', fromJson(o.id)],
      ['name', o.name],
    ]),
  );
}

function toUserRecord(v: Value, what: string): Value {
  if (v === null || (v instanceof GRecord && v.type === userType)) return v;
  if (v instanceof GMap) {
    const f = new Map<string, Value>([
      ['id', null],
      ['email', null],
      ['displayName', null],
    ]);
    for (const [k, x] of v.m) {
      const key = groovyToString(keyValue(k));
      if (!userType.props.includes(key))
        throw scriptError(
          `${what}: a user has id, email, displayName, key and username, not ${key}`,
          'type_error',
          'ClassCastException',
        );
      f.set(key, x === null ? null : groovyToString(x));
    }
    return new GRecord(userType, f);
  }
  if (v instanceof GRecord)
    return new GRecord(
      userType,
      new Map<string, Value>(['id', 'email', 'displayName'].map((p) => [p, v.f.get(p) ?? null])),
    );
  throw scriptError(
    `${what} must be a user (for example nodeHelper.getUserByEmail("...")), not a ${typeName(v)}`,
    'type_error',
    'ClassCastException',
  );
}

function stringList(v: Value, what: string): Value[] {
  const list = Array.isArray(v) ? v : v instanceof GSet ? v.toList() : v instanceof GRange ? rangeToList(v) : null;
  if (list === null)
    throw scriptError(`${what} must be a list, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
  return list.map((x) =>
    typeof x === 'string'
      ? x
      : x instanceof GRecord && x.f.has('label')
        ? groovyToString(x.f.get('label') ?? null)
        : groovyToString(x),
  );
}

const entityTypes = new Map<Platform, RecordType>();

/** The entity record type of a platform; status and priority names are resolved by the run's helpers. */
export function entityType(platform: Platform, options: () => OptionResolver): RecordType {
  const cached = entityTypes.get(platform);
  if (cached) return cached;
  const type: RecordType = {
    name: 'entity',
    props: [...hubFields, ...nativeFields[platform]],
    open: false,
    coerce: (name, v) => {
      switch (name) {
        case 'status':
          return v === null || (v instanceof GRecord && v.type === optionType) ? v : options().status(v);
        case 'priority':
          return v === null || (v instanceof GRecord && v.type === optionType) ? v : options().priority(v);
        case 'summary':
        case 'description':
        case 'key':
        case 'id':
        case 'created':
        case 'updated':
          return v === null ? '' : groovyToString(v);
        case 'type':
          return v === null ? null : groovyToString(v);
        case 'labels':
          return v === null ? [] : stringList(v, 'entity.labels');
        case 'reporter':
        case 'assignee':
          return toUserRecord(v, `entity.${name}`);
        case 'comments':
        case 'attachments': {
          if (v === null) return [];
          const list = Array.isArray(v) ? v : v instanceof GSet ? v.toList() : null;
          if (list === null)
            throw scriptError(
              `entity.${name} must be a list, not a ${typeName(v)}`,
              'type_error',
              'ClassCastException',
            );
          return list;
        }
        case 'customFields':
          if (v === null) return new GMap();
          if (!(v instanceof GMap))
            throw scriptError(
              `entity.customFields must be a map, not a ${typeName(v)}`,
              'type_error',
              'ClassCastException',
            );
          return v;
        default:
          return v;
      }
    },
  };
  entityTypes.set(platform, type);
  return type;
}

/** The replica the sync keeps from last time, per replica record (for addedComments and friends). */
const previousReplicas = new WeakMap<GRecord, GRecord | null>();

function itemIds(v: Value | undefined): Set<string> {
  const ids = new Set<string>();
  for (const x of v === undefined ? [] : listOf(v)) {
    const id = field(x, 'id');
    if (id !== null) ids.add(groovyToString(id));
  }
  return ids;
}

/** Items of `from` whose id is not among the ids of `other`. */
function itemsNotIn(from: Value | undefined, other: Value | undefined): Value[] {
  const ids = itemIds(other);
  return (from === undefined ? [] : listOf(from)).filter((x) => {
    const id = field(x, 'id');
    return id === null || !ids.has(groovyToString(id));
  });
}

/**
 * replica.addedComments / removedComments / addedAttachments / removedAttachments, relative to the replica the
 * sync kept from last time ("it is possible to list all the added and removed comments using the correct
 * properties", docs.idalko.com/exalate/display/ED/FAQ; attachmentHelper.mergeAttachments "is equivalent to
 * issue.attachments += replica.addedAttachments; issue.attachments -= replica.removedAttachments",
 * docs.exalate.com/docs/attachmenthelper-in-script-helpers). On a first sync everything is added.
 * Any other key the other side did not send reads as null, as on Exalate's replica.
 */
function deriveReplica(r: GRecord, name: string): Value {
  const kind = /^(added|removed)(Comments|Attachments)$/.exec(name);
  if (!kind) return null;
  const key = kind[2] === 'Comments' ? 'comments' : 'attachments';
  const previous = previousReplicas.get(r)?.f.get(key);
  const current = r.f.get(key);
  return kind[1] === 'added' ? itemsNotIn(current, previous) : itemsNotIn(previous, current);
}

export const replicaType: RecordType = {
  name: 'replica',
  props: [...hubFields, ...allNativeFields, 'customKeys', 'platform'],
  open: true,
  derive: deriveReplica,
};

function invalidInput(message: string): DomainError {
  return new DomainError('invalid_input', message);
}

/** JSON (from an entity, a replica or a file) to script values: objects become maps, fractions BigDecimal. */
export function fromJson(v: unknown, depth = 0): Value {
  if (depth > MAX_DEPTH) throw invalidInput(`the input is nested more than ${MAX_DEPTH} levels deep`);
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isInteger(v)) {
        if ((v | 0) === v && !Object.is(v, -0)) return v;
        if (Number.isSafeInteger(v)) return integerValue(BigInt(v));
      }
      if (!Number.isFinite(v)) return null;
      return parseDecimal(String(v));
  }
  if (Array.isArray(v)) return v.map((x) => fromJson(x, depth + 1));
  if (typeof v === 'object') {
    const m = new GMap();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromJson(x, depth + 1));
    return m;
  }
  return null;
}

class NotSerializable extends Error {}

function setKey(o: Record<string, unknown>, key: string, value: unknown): void {
  // A key such as "__proto__" must stay an ordinary own property.
  if (key === '__proto__')
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

function toJsonFast(v: Value, depth: number): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (depth > MAX_DEPTH) throw new NotSerializable();
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toJsonFast(v[i] as Value, depth + 1);
    return out;
  }
  // An instance of a script's class travels as its fields, as JsonOutput.toJson writes a Groovy object.
  if (v instanceof GRecord || v instanceof GObject) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.f) setKey(o, k, toJsonFast(x, depth + 1));
    return o;
  }
  if (v instanceof GMap) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.m)
      setKey(o, typeof k === 'string' ? k : groovyToString(keyValue(k)), toJsonFast(x, depth + 1));
    return o;
  }
  if (v instanceof GLong) return Number.isSafeInteger(Number(v.v)) ? Number(v.v) : v.v.toString();
  if (v instanceof GDecimal) return Number(decimalToString(v));
  if (v instanceof GSet) return toJsonFast(v.toList(), depth);
  if (v instanceof GRange) return rangeToList(v);
  if (v instanceof GEntry) {
    const o: Record<string, unknown> = {};
    setKey(o, groovyToString(v.key), toJsonFast(v.value, depth + 1));
    return o;
  }
  if (v instanceof GDate) return new Date(v.ms).toISOString();
  if (v instanceof GClosure) throw new NotSerializable();
  return groovyToString(v);
}

/** Where a value that cannot become JSON sits, for the error message (only computed when there is one). */
function badPath(v: Value, path: string, depth: number): string | null {
  if (depth > MAX_DEPTH || v instanceof GClosure) return path;
  const children: [string, Value][] = Array.isArray(v)
    ? v.map((x, i) => [`${path}[${i}]`, x])
    : v instanceof GSet
      ? v.toList().map((x, i) => [`${path}[${i}]`, x])
      : v instanceof GMap
        ? [...v.m].map(([k, x]) => [`${path}.${groovyToString(keyValue(k))}`, x])
        : v instanceof GRecord || v instanceof GObject
          ? [...v.f].map(([k, x]) => [`${path}.${k}`, x])
          : v instanceof GEntry
            ? [[path, v.value]]
            : [];
  for (const [p, x] of children) {
    const found = badPath(x, p, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Script values to JSON. Closures cannot travel and are reported with their path. */
export function toJson(v: Value, path: string): unknown {
  try {
    return toJsonFast(v, 0);
  } catch (e) {
    if (!(e instanceof NotSerializable)) throw e;
    const where = badPath(v, path, 0) ?? path;
    const deep = !(where && badPathIsClosure(v, where));
    throw scriptError(
      deep
        ? `${where} is nested more than ${MAX_DEPTH} levels deep`
        : `${where} holds a closure, which cannot be stored or sent`,
      'type_error',
      'IllegalArgumentException',
    );
  }
}

function badPathIsClosure(v: Value, _where: string): boolean {
  const stack: [Value, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop() as [Value, number];
    if (x instanceof GClosure) return true;
    if (d > MAX_DEPTH) continue;
    if (Array.isArray(x)) for (const y of x) stack.push([y, d + 1]);
    else if (x instanceof GSet) for (const y of x.toList()) stack.push([y, d + 1]);
    else if (x instanceof GMap) for (const y of x.m.values()) stack.push([y, d + 1]);
    else if (x instanceof GRecord || x instanceof GObject) for (const y of x.f.values()) stack.push([y, d + 1]);
    else if (x instanceof GEntry) stack.push([x.value, d + 1]);
  }
  return false;
}

function userRecord(u: HubUser | null | undefined): Value {
  if (!u) return null;
  const f = new Map<string, Value>();
  f.set('id', u.id ?? null);
  f.set('email', u.email ?? null);
  f.set('displayName', u.displayName ?? null);
  // A replica's user may carry the key and username the other side's script set (Exalate's users have both).
  const named = u as { key?: unknown; username?: unknown };
  if (typeof named.key === 'string') f.set('key', named.key);
  if (typeof named.username === 'string') f.set('username', named.username);
  return new GRecord(userType, f);
}

export function commentRecord(c: HubComment): GRecord {
  const f = new Map<string, Value>();
  f.set('id', c.id);
  f.set('body', c.body);
  f.set('author', userRecord(c.author));
  f.set('internal', c.internal === true);
  f.set('created', c.created ?? null);
  f.set('updated', c.updated ?? null);
  f.set('remoteId', c.remoteId ?? null);
  return new GRecord(commentType, f);
}

export function attachmentRecord(a: HubAttachment): GRecord {
  return new GRecord(
    attachmentType,
    new Map<string, Value>([
      ['id', a.id],
      ['filename', a.filename],
      ['mimetype', a.mimetype],
      ['filesize', fromJson(a.filesize)],
      ['created', a.created ?? null],
      ['url', a.url ?? null],
      ['hash', a.hash ?? null],
      ['remoteId', a.remoteId ?? null],
    ]),
  );
}

function optionFromJson(v: unknown): Value {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'name' in v) {
    const o = v as { id?: unknown; name?: unknown };
    return new GRecord(
      optionType,
      new Map<string, Value>([
        ['id', fromJson(o.id ?? null)],
        ['name', fromJson(o.name ?? null)],
      ]),
    );
  }
  return fromJson(v);
}

function userFromJson(v: unknown): Value {
  if (v && typeof v === 'object' && !Array.isArray(v)) return userRecord(v as HubUser);
  return fromJson(v);
}

/** A blank entity for a first sync (the incoming script fills it in; the connector creates it). */
export function blankEntity(platform: Platform): Entity {
  return {
    platform,
    id: '',
    key: '',
    summary: '',
    description: '',
    status: null,
    priority: null,
    type: null,
    labels: [],
    reporter: null,
    assignee: null,
    comments: [],
    attachments: [],
    customFields: {},
    created: '',
    updated: '',
    native: {},
  };
}

export function entityRecord(e: Entity, type: RecordType): GRecord {
  const f = new Map<string, Value>();
  f.set('id', e.id);
  f.set('key', e.key);
  f.set('summary', e.summary);
  f.set('description', e.description);
  f.set('status', e.status ? optionRecord(e.status) : null);
  f.set('priority', e.priority ? optionRecord(e.priority) : null);
  f.set('type', e.type);
  f.set('labels', [...e.labels]);
  f.set('reporter', userRecord(e.reporter));
  f.set('assignee', userRecord(e.assignee));
  f.set('comments', e.comments.map(commentRecord));
  f.set('attachments', e.attachments.map(attachmentRecord));
  f.set('customFields', fromJson(e.customFields));
  f.set('created', e.created);
  f.set('updated', e.updated);
  for (const name of nativeFields[e.platform]) {
    if (Object.hasOwn(e.native, name)) f.set(name, fromJson(e.native[name]));
  }
  return new GRecord(type, f);
}

export function replicaRecord(r: Replica | null, previous: GRecord | null = null): GRecord {
  const f = new Map<string, Value>();
  if (r) {
    for (const [k, v] of Object.entries(r)) {
      switch (k) {
        case 'status':
        case 'priority':
          f.set(k, optionFromJson(v));
          break;
        case 'reporter':
        case 'assignee':
          f.set(k, userFromJson(v));
          break;
        case 'comments':
          f.set(
            k,
            Array.isArray(v)
              ? v.map((c) => (c && typeof c === 'object' ? commentRecord(c as HubComment) : fromJson(c)))
              : fromJson(v),
          );
          break;
        case 'attachments':
          f.set(
            k,
            Array.isArray(v)
              ? v.map((a) => (a && typeof a === 'object' ? attachmentRecord(a as HubAttachment) : fromJson(a)))
              : fromJson(v),
          );
          break;
        default:
          f.set(k, fromJson(v));
      }
    }
  }
  // Scripts write replica.customFields.x and replica.customKeys.x without creating the maps, as in Exalate.
  if (!(f.get('customFields') instanceof GMap)) f.set('customFields', new GMap());
  if (!(f.get('customKeys') instanceof GMap)) f.set('customKeys', new GMap());
  const record = new GRecord(replicaType, f);
  if (previous) previousReplicas.set(record, previous);
  return record;
}

function text(v: Value | undefined): string {
  return v === null || v === undefined ? '' : groovyToString(v);
}

function optionalText(v: Value | undefined): string | null {
  return v === null || v === undefined ? null : groovyToString(v);
}

function field(v: Value, name: string): Value {
  if (v instanceof GRecord) return v.f.get(name) ?? null;
  if (v instanceof GMap) return v.get(name);
  return null;
}

function hubUser(v: Value): HubUser | null {
  if (v === null) return null;
  return {
    id: optionalText(field(v, 'id')),
    email: optionalText(field(v, 'email')),
    displayName: optionalText(field(v, 'displayName')),
  };
}

function hubOption(v: Value): HubOption | null {
  if (v === null) return null;
  const id = field(v, 'id');
  return {
    id: id === null ? null : typeof id === 'number' ? id : isNumber(id) ? Number(toBigInt(id)) : groovyToString(id),
    name: text(field(v, 'name')),
  };
}

function hubComment(v: Value, path: string): HubComment {
  if (!(v instanceof GRecord || v instanceof GMap))
    throw scriptError(`${path} must be a comment, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
  const c: HubComment = {
    id: text(field(v, 'id')),
    body: text(field(v, 'body')),
    author: hubUser(field(v, 'author')),
    internal: field(v, 'internal') === true,
    created: text(field(v, 'created')),
    updated: optionalText(field(v, 'updated')),
  };
  const remoteId = field(v, 'remoteId');
  if (remoteId !== null) c.remoteId = groovyToString(remoteId);
  return c;
}

function hubAttachment(v: Value, path: string): HubAttachment {
  if (!(v instanceof GRecord || v instanceof GMap))
    throw scriptError(`${path} must be an attachment, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
  const size = field(v, 'filesize');
  const a: HubAttachment = {
    id: text(field(v, 'id')),
    filename: text(field(v, 'filename')),
    mimetype: text(field(v, 'mimetype')),
    filesize: size === null ? 0 : Number(toJson(size, `${path}.filesize`)),
    created: optionalText(field(v, 'created')),
  };
  for (const k of ['url', 'hash', 'remoteId'] as const) {
    const x = field(v, k);
    if (x !== null) a[k] = groovyToString(x);
  }
  return a;
}

function listOf(v: Value): Value[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  if (v instanceof GSet) return v.toList();
  return [v];
}

/** The script's entity back to an Entity: the shape connectors rely on, whatever the script stored. */
export function entityFromRecord(r: GRecord, platform: Platform): Entity {
  const f = r.f;
  const get = (k: string): Value => f.get(k) ?? null;
  const custom = toJson(get('customFields'), 'entity.customFields');
  const native: Record<string, unknown> = {};
  for (const name of nativeFields[platform]) if (f.has(name)) native[name] = toJson(get(name), `entity.${name}`);
  return {
    platform,
    id: text(get('id')),
    key: text(get('key')),
    summary: text(get('summary')),
    description: text(get('description')),
    status: hubOption(get('status')),
    priority: hubOption(get('priority')),
    type: optionalText(get('type')),
    labels: listOf(get('labels')).map((x) => groovyToString(x)),
    reporter: hubUser(get('reporter')),
    assignee: hubUser(get('assignee')),
    comments: listOf(get('comments')).map((c, i) => hubComment(c, `entity.comments[${i}]`)),
    attachments: listOf(get('attachments')).map((a, i) => hubAttachment(a, `entity.attachments[${i}]`)),
    customFields:
      custom && typeof custom === 'object' && !Array.isArray(custom) ? (custom as Record<string, unknown>) : {},
    created: text(get('created')),
    updated: text(get('updated')),
    native,
  };
}

export function replicaFromRecord(r: GRecord): Replica {
  return toJson(r, 'replica') as Replica;
}

function nowIso(): string {
  return new Date(currentRun().now()).toISOString();
}

/** `new X(...)` for the allow-listed classes (see sandbox.newableClasses). */
export function constructObject(kind: string, args: Value[]): Value {
  const named = args[0] instanceof GMap ? args[0] : null;
  const fill = (rec: GRecord): GRecord => {
    if (named)
      for (const [k, v] of named.m) {
        const key = groovyToString(keyValue(k));
        if (!rec.type.props.includes(key))
          throw scriptError(
            `No such property: ${key} for ${rec.type.name}`,
            'missing_property',
            'MissingPropertyException',
          );
        rec.f.set(key, rec.type.coerce ? rec.type.coerce(key, v) : v);
      }
    return rec;
  };
  switch (kind) {
    case 'Date': {
      if (args.length === 0) return new GDate(currentRun().now());
      const a = args[0] as Value;
      if (typeof a === 'number' || a instanceof GLong) return new GDate(Number(toBigInt(a)));
      throw scriptError(
        'new Date() takes no argument or milliseconds since 1970; use SimpleDateFormat.parse for text',
        'type_error',
        'GroovyRuntimeException',
      );
    }
    case 'SimpleDateFormat': {
      const p = args[0];
      if (typeof p !== 'string')
        throw scriptError(
          'new SimpleDateFormat(pattern) needs a pattern string',
          'type_error',
          'GroovyRuntimeException',
        );
      return new GDateFormat(p);
    }
    case 'Comment':
      return fill(
        new GRecord(
          commentType,
          new Map<string, Value>([
            ['id', ''],
            ['body', ''],
            ['author', null],
            ['internal', false],
            ['created', nowIso()],
            ['updated', null],
            ['remoteId', null],
          ]),
        ),
      );
    case 'Attachment':
      return fill(
        new GRecord(
          attachmentType,
          new Map<string, Value>([
            ['id', ''],
            ['filename', ''],
            ['mimetype', 'application/octet-stream'],
            ['filesize', 0],
            ['created', nowIso()],
            ['url', null],
            ['hash', null],
            ['remoteId', null],
          ]),
        ),
      );
    case 'User':
      return fill(
        new GRecord(
          userType,
          new Map<string, Value>([
            ['id', null],
            ['email', null],
            ['displayName', null],
          ]),
        ),
      );
    case 'List': {
      const src = args[0];
      return Array.isArray(src) ? [...src] : src instanceof GSet ? src.toList() : [];
    }
    case 'Map':
      return args[0] instanceof GMap ? new GMap(new Map(args[0].m)) : new GMap();
    case 'Set': {
      const out = new GSet();
      const src = args[0];
      for (const x of Array.isArray(src) ? src : src instanceof GSet ? src.toList() : []) out.add(x);
      return out;
    }
    default: {
      const message = args.length === 0 || args[0] === null ? null : groovyToString(args[0] as Value);
      return new GException(kind, message);
    }
  }
}
