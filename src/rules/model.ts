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
import { scriptError, R } from './runtime.ts';
import {
  GClosure,
  GDate,
  GDateFormat,
  GEntry,
  GException,
  GMap,
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
export const userType: RecordType = { name: 'HubUser', props: ['id', 'email', 'displayName'], open: false };
export const commentType: RecordType = {
  name: 'HubComment',
  props: ['id', 'body', 'author', 'internal', 'created', 'updated', 'remoteId'],
  open: false,
  coerce: (name, v) => {
    if (name === 'body') return v === null ? '' : groovyToString(v);
    if (name === 'internal') return v === true;
    if (name === 'author') return toUserRecord(v, 'comment.author');
    return v;
  },
};
export const attachmentType: RecordType = {
  name: 'HubAttachment',
  props: ['id', 'filename', 'mimetype', 'filesize', 'created', 'url', 'hash', 'remoteId'],
  open: false,
};

const hubFields = [
  'id', 'key', 'summary', 'description', 'status', 'priority', 'type', 'labels', 'reporter', 'assignee', 'comments',
  'attachments', 'customFields', 'created', 'updated',
] as const;

const allNativeFields = [...new Set(Object.values(nativeFields).flat())];

/** Resolves a status or priority name for the entity being written (nodeHelper.getStatus and friends). */
export interface OptionResolver {
  status(name: Value): GRecord;
  priority(name: Value): GRecord;
}

export function optionRecord(o: HubOption): GRecord {
  return new GRecord(optionType, new Map<string, Value>([['id', fromJson(o.id)], ['name', o.name]]));
}

function toUserRecord(v: Value, what: string): Value {
  if (v === null || (v instanceof GRecord && v.type === userType)) return v;
  if (v instanceof GMap) {
    const f = new Map<string, Value>([['id', null], ['email', null], ['displayName', null]]);
    for (const [k, x] of v.m) {
      const key = groovyToString(keyValue(k));
      if (!userType.props.includes(key)) throw scriptError(`${what}: a user has id, email and displayName, not ${key}`, 'type_error', 'ClassCastException');
      f.set(key, x === null ? null : groovyToString(x));
    }
    return new GRecord(userType, f);
  }
  if (v instanceof GRecord) return new GRecord(userType, new Map<string, Value>(userType.props.map((p) => [p, v.f.get(p) ?? null])));
  throw scriptError(`${what} must be a user (for example nodeHelper.getUserByEmail("...")), not a ${typeName(v)}`, 'type_error', 'ClassCastException');
}

function stringList(v: Value, what: string): Value[] {
  const list = Array.isArray(v) ? v : v instanceof GSet ? v.toList() : v instanceof GRange ? rangeToList(v) : null;
  if (list === null) throw scriptError(`${what} must be a list, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
  return list.map((x) => (typeof x === 'string' ? x : x instanceof GRecord && x.f.has('label') ? groovyToString(x.f.get('label') ?? null) : groovyToString(x)));
}

export function entityType(platform: Platform, options: OptionResolver): RecordType {
  return {
    name: 'entity',
    props: [...hubFields, ...nativeFields[platform]],
    open: false,
    coerce: (name, v) => {
      switch (name) {
        case 'status':
          return v === null || (v instanceof GRecord && v.type === optionType) ? v : options.status(v);
        case 'priority':
          return v === null || (v instanceof GRecord && v.type === optionType) ? v : options.priority(v);
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
          if (list === null) throw scriptError(`entity.${name} must be a list, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
          return list;
        }
        case 'customFields':
          if (v === null) return new GMap();
          if (!(v instanceof GMap)) throw scriptError(`entity.customFields must be a map, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
          return v;
        default:
          return v;
      }
    },
  };
}

export const replicaType: RecordType = {
  name: 'replica',
  props: [...hubFields, ...allNativeFields, 'customKeys', 'platform'],
  open: true,
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

/** Script values to JSON. Closures and other live objects cannot travel and are reported with their path. */
export function toJson(v: Value, path: string, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw scriptError(`${path} is nested more than ${MAX_DEPTH} levels deep`, 'runtime', 'IllegalStateException');
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (v instanceof GLong) return Number.isSafeInteger(Number(v.v)) ? Number(v.v) : v.v.toString();
  if (v instanceof GDecimal) return Number(decimalToString(v));
  if (Array.isArray(v) || v instanceof GSet || v instanceof GRange) {
    const list = Array.isArray(v) ? v : v instanceof GSet ? v.toList() : rangeToList(v);
    return list.map((x, i) => toJson(x, `${path}[${i}]`, depth + 1));
  }
  if (v instanceof GMap) {
    // fromEntries defines own properties, so a key such as "__proto__" stays an ordinary key.
    return Object.fromEntries([...v.m].map(([k, x]) => {
      const key = groovyToString(keyValue(k));
      return [key, toJson(x, `${path}.${key}`, depth + 1)];
    }));
  }
  if (v instanceof GRecord) return Object.fromEntries([...v.f].map(([k, x]) => [k, toJson(x, `${path}.${k}`, depth + 1)]));
  if (v instanceof GEntry) return Object.fromEntries([[groovyToString(v.key), toJson(v.value, path, depth + 1)]]);
  if (v instanceof GDate) return new Date(v.ms).toISOString();
  if (v instanceof GClosure) throw scriptError(`${path} holds a closure, which cannot be stored or sent`, 'type_error', 'IllegalArgumentException');
  return groovyToString(v);
}

function userRecord(u: HubUser | null | undefined): Value {
  if (!u) return null;
  return new GRecord(userType, new Map<string, Value>([['id', u.id ?? null], ['email', u.email ?? null], ['displayName', u.displayName ?? null]]));
}

export function commentRecord(c: HubComment): GRecord {
  return new GRecord(
    commentType,
    new Map<string, Value>([
      ['id', c.id],
      ['body', c.body],
      ['author', userRecord(c.author)],
      ['internal', c.internal === true],
      ['created', c.created ?? null],
      ['updated', c.updated ?? null],
      ['remoteId', c.remoteId ?? null],
    ]),
  );
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
    return new GRecord(optionType, new Map<string, Value>([['id', fromJson(o.id ?? null)], ['name', fromJson(o.name ?? null)]]));
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

export function replicaRecord(r: Replica | null): GRecord {
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
          f.set(k, Array.isArray(v) ? v.map((c) => (c && typeof c === 'object' ? commentRecord(c as HubComment) : fromJson(c))) : fromJson(v));
          break;
        case 'attachments':
          f.set(k, Array.isArray(v) ? v.map((a) => (a && typeof a === 'object' ? attachmentRecord(a as HubAttachment) : fromJson(a))) : fromJson(v));
          break;
        default:
          f.set(k, fromJson(v));
      }
    }
  }
  // Scripts write replica.customFields.x and replica.customKeys.x without creating the maps, as in Exalate.
  if (!(f.get('customFields') instanceof GMap)) f.set('customFields', new GMap());
  if (!(f.get('customKeys') instanceof GMap)) f.set('customKeys', new GMap());
  return new GRecord(replicaType, f);
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
  return { id: optionalText(field(v, 'id')), email: optionalText(field(v, 'email')), displayName: optionalText(field(v, 'displayName')) };
}

function hubOption(v: Value): HubOption | null {
  if (v === null) return null;
  const id = field(v, 'id');
  return { id: id === null ? null : typeof id === 'number' ? id : isNumber(id) ? Number(toBigInt(id)) : groovyToString(id), name: text(field(v, 'name')) };
}

function hubComment(v: Value, path: string): HubComment {
  if (!(v instanceof GRecord || v instanceof GMap)) throw scriptError(`${path} must be a comment, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
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
  if (!(v instanceof GRecord || v instanceof GMap)) throw scriptError(`${path} must be an attachment, not a ${typeName(v)}`, 'type_error', 'ClassCastException');
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
    customFields: custom && typeof custom === 'object' && !Array.isArray(custom) ? (custom as Record<string, unknown>) : {},
    created: text(get('created')),
    updated: text(get('updated')),
    native,
  };
}

export function replicaFromRecord(r: GRecord): Replica {
  return toJson(r, 'replica') as Replica;
}

function nowIso(): string {
  return new Date(R.now()).toISOString();
}

/** `new X(...)` for the allow-listed classes (see sandbox.newableClasses). */
export function constructObject(kind: string, args: Value[]): Value {
  const named = args[0] instanceof GMap ? args[0] : null;
  const fill = (rec: GRecord): GRecord => {
    if (named) for (const [k, v] of named.m) {
      const key = groovyToString(keyValue(k));
      if (!rec.type.props.includes(key)) throw scriptError(`No such property: ${key} for ${rec.type.name}`, 'missing_property', 'MissingPropertyException');
      rec.f.set(key, rec.type.coerce ? rec.type.coerce(key, v) : v);
    }
    return rec;
  };
  switch (kind) {
    case 'Date': {
      if (args.length === 0) return new GDate(R.now());
      const a = args[0] as Value;
      if (typeof a === 'number' || a instanceof GLong) return new GDate(Number(toBigInt(a)));
      throw scriptError('new Date() takes no argument or milliseconds since 1970; use SimpleDateFormat.parse for text', 'type_error', 'GroovyRuntimeException');
    }
    case 'SimpleDateFormat': {
      const p = args[0];
      if (typeof p !== 'string') throw scriptError('new SimpleDateFormat(pattern) needs a pattern string', 'type_error', 'GroovyRuntimeException');
      return new GDateFormat(p);
    }
    case 'Comment':
      return fill(
        new GRecord(commentType, new Map<string, Value>([['id', ''], ['body', ''], ['author', null], ['internal', false], ['created', nowIso()], ['updated', null], ['remoteId', null]])),
      );
    case 'Attachment':
      return fill(
        new GRecord(attachmentType, new Map<string, Value>([['id', ''], ['filename', ''], ['mimetype', 'application/octet-stream'], ['filesize', 0], ['created', nowIso()], ['url', null], ['hash', null], ['remoteId', null]])),
      );
    case 'User':
      return fill(new GRecord(userType, new Map<string, Value>([['id', null], ['email', null], ['displayName', null]])));
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
