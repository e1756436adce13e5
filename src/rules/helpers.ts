/**
 * The helper objects a script is handed: commentHelper, attachmentHelper, nodeHelper, debug and log. Unlike
 * Exalate, an unknown status or priority name is an error that lists the valid names.
 */
import type { HubUser } from '../domain/entity.ts';
import type { Platform } from '../domain/instance.ts';
import { platformLabels } from '../domain/instance.ts';
import { findOption, priorityTable, statusTable, type NamedCode } from '../domain/status-priority.ts';
import { ScriptFault } from './faults.ts';
import { commentType, attachmentType, optionRecord, userType, type OptionResolver, constructObject } from './model.ts';
import { R, scriptError } from './runtime.ts';
import { suggest } from '../domain/suggest.ts';
import { GClosure, GHelper, GMap, GRecord, groovyToString, type HelperMethod, type Value } from './values.ts';

export interface NodeLookups {
  /** Extra statuses of this helpdesk (Freshdesk custom statuses, codes 6 and up), added to the platform's. */
  statuses?: readonly NamedCode[];
  priorities?: readonly NamedCode[];
  /** Finds a helpdesk user; the service looks users up before the run (scripts run synchronously). */
  userByEmail?: (email: string) => HubUser | null;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, message: string) => void;

function field(v: Value, name: string): Value {
  if (v instanceof GRecord) return v.f.get(name) ?? null;
  if (v instanceof GMap) return v.get(name);
  return null;
}

function idText(v: Value): string | null {
  return v === null ? null : groovyToString(v);
}

function listArg(v: Value, what: string): Value[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  throw scriptError(`${what} must be a list`, 'type_error', 'ClassCastException');
}

function recordArg(v: Value, what: string): GRecord {
  if (v instanceof GRecord) return v;
  throw scriptError(`${what} must be the entity or the replica`, 'type_error', 'IllegalArgumentException');
}

function copyRecord(v: Value, type: typeof commentType): GRecord {
  const f = new Map<string, Value>();
  for (const p of type.props) f.set(p, field(v, p));
  return new GRecord(type, f);
}

/**
 * Merges the replica's items into the local list: adds new ones (remoteId = the remote id), updates changed ones,
 * drops those the remote side removed, and skips our own items echoed back by the other side.
 */
function mergeItems(
  local: Value[],
  remote: Value[],
  type: typeof commentType,
  prepare: (remoteItem: Value) => GRecord,
  same: (a: GRecord, b: Value) => boolean,
): Value[] {
  const localIds = new Set<string>();
  for (const c of local) {
    const id = idText(field(c, 'id'));
    if (id) localIds.add(id);
  }
  const remoteIds = new Set<string>();
  for (const rc of remote) {
    const id = idText(field(rc, 'id'));
    if (id) remoteIds.add(id);
  }
  const result: Value[] = [];
  const byRemoteId = new Map<string, Value>();
  for (const c of local) {
    const rid = idText(field(c, 'remoteId'));
    if (rid === null) result.push(c);
    else if (remoteIds.has(rid)) {
      result.push(c);
      if (!byRemoteId.has(rid)) byRemoteId.set(rid, c);
    }
  }
  for (const rc of remote) {
    const rid = idText(field(rc, 'id'));
    const echo = idText(field(rc, 'remoteId'));
    if (echo !== null && localIds.has(echo)) continue;
    const existing = rid === null ? undefined : byRemoteId.get(rid);
    const incoming = prepare(rc);
    if (existing instanceof GRecord) {
      if (!same(existing, incoming)) {
        for (const p of ['body', 'internal', 'filename', 'filesize', 'mimetype', 'url', 'hash']) {
          if (type.props.includes(p)) existing.f.set(p, incoming.f.get(p) ?? null);
        }
        if (type.props.includes('updated')) existing.f.set('updated', field(rc, 'updated') ?? field(rc, 'created'));
      }
      continue;
    }
    if (existing) continue;
    incoming.f.set('id', '');
    incoming.f.set('remoteId', rid);
    result.push(incoming);
    if (rid !== null) byRemoteId.set(rid, incoming);
  }
  return result;
}

function mergeComments(args: Value[]): Value {
  if (args.length < 2 || args.length > 3)
    throw scriptError(
      'mergeComments(entity, replica[, closure]) takes 2 or 3 arguments',
      'missing_method',
      'MissingMethodException',
    );
  const entity = recordArg(args[0] as Value, 'mergeComments: the first argument');
  const replica = recordArg(args[1] as Value, 'mergeComments: the second argument');
  const transform = args[2] instanceof GClosure ? args[2] : null;
  if (args.length === 3 && transform === null)
    throw scriptError('mergeComments: the third argument must be a closure', 'type_error', 'IllegalArgumentException');
  const local = listArg(entity.f.get('comments') ?? null, 'entity.comments');
  const remoteValue = replica.f.get('comments') ?? null;
  if (remoteValue === null) return [...local];
  const remote = listArg(remoteValue, 'replica.comments');
  const prepare = (rc: Value): GRecord => {
    const copy = copyRecord(rc, commentType);
    copy.f.set('internal', field(rc, 'internal') === true);
    copy.f.set('body', groovyToString(field(rc, 'body') ?? ''));
    if (transform) {
      const r = transform.call([copy]);
      return r instanceof GRecord && r.type === commentType ? r : copy;
    }
    const author = field(field(rc, 'author'), 'displayName');
    if (author !== null)
      copy.f.set('body', `${groovyToString(author)} commented: ${groovyToString(field(rc, 'body') ?? '')}`);
    return copy;
  };
  return mergeItems(
    local,
    remote,
    commentType,
    prepare,
    (a, b) => field(a, 'body') === field(b, 'body') && field(a, 'internal') === field(b, 'internal'),
  );
}

function mergeAttachments(args: Value[]): Value {
  if (args.length !== 2)
    throw scriptError(
      'mergeAttachments(entity, replica) takes 2 arguments',
      'missing_method',
      'MissingMethodException',
    );
  const entity = recordArg(args[0] as Value, 'mergeAttachments: the first argument');
  const replica = recordArg(args[1] as Value, 'mergeAttachments: the second argument');
  const local = listArg(entity.f.get('attachments') ?? null, 'entity.attachments');
  const remoteValue = replica.f.get('attachments') ?? null;
  if (remoteValue === null) return [...local];
  // The same bytes already here (same hash) need no second copy.
  const hashes = new Set(local.map((a) => idText(field(a, 'hash'))).filter((h): h is string => h !== null));
  const remote = listArg(remoteValue, 'replica.attachments').filter((ra) => {
    const h = idText(field(ra, 'hash'));
    const linked = local.some((a) => idText(field(a, 'remoteId')) === idText(field(ra, 'id')));
    return linked || h === null || !hashes.has(h);
  });
  return mergeItems(
    local,
    remote,
    attachmentType,
    (ra) => copyRecord(ra, attachmentType),
    (a, b) => field(a, 'hash') === field(b, 'hash') && field(a, 'filename') === field(b, 'filename'),
  );
}

function addComment(args: Value[]): Value {
  if (args.length !== 2)
    throw scriptError('addComment(body, comments) takes 2 arguments', 'missing_method', 'MissingMethodException');
  const comment = constructObject('Comment', []) as GRecord;
  comment.f.set('body', groovyToString(args[0] as Value));
  return [...listArg(args[1] as Value, 'addComment: comments'), comment];
}

function stripHtml(args: Value[]): Value {
  const text = args[0] === null || args[0] === undefined ? '' : groovyToString(args[0]);
  return text
    .replace(/<(br|\/p|\/div|\/li)\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

/** What a run was handed; the helper objects are shared and read it from the run state. */
interface HostContext {
  readonly platform: Platform;
  readonly statuses: readonly NamedCode[];
  readonly priorities: readonly NamedCode[];
  readonly userByEmail: ((email: string) => HubUser | null) | undefined;
  readonly log: LogSink;
  readonly options: OptionResolver;
}

function host(): HostContext {
  return R.host as HostContext;
}

function lookup(kind: 'status' | 'priority', v: Value): GRecord {
  const h = host();
  const options = kind === 'status' ? h.statuses : h.priorities;
  const wanted = v === null ? null : typeof v === 'number' ? v : groovyToString(v);
  const found = wanted === null ? null : findOption(options, wanted);
  if (found) return optionRecord(found);
  const names = options.map((o) => o.name);
  throw scriptError(
    `unknown ${kind} ${wanted === null ? 'null' : `'${wanted}'`} for ${platformLabels[h.platform]}; valid ${kind === 'status' ? 'statuses' : 'priorities'}: ${names.join(', ')}`,
    kind === 'status' ? 'unknown_status' : 'unknown_priority',
    'IssueTrackerException',
    wanted === null ? [] : suggest(String(wanted), names),
  );
}

const helper = (name: string, methods: [string, HelperMethod][]): GHelper => new GHelper(name, new Map(methods));

const logMethod =
  (level: LogLevel): HelperMethod =>
  (args) => {
    host().log(level, args.map((a) => groovyToString(a)).join(' '));
    return null;
  };

const sharedHelpers: [string, Value][] = [
  [
    'commentHelper',
    helper('commentHelper', [
      ['mergeComments', mergeComments],
      ['addComment', addComment],
    ]),
  ],
  ['attachmentHelper', helper('attachmentHelper', [['mergeAttachments', mergeAttachments]])],
  [
    'nodeHelper',
    helper('nodeHelper', [
      ['getStatus', (a) => lookup('status', a[0] ?? null)],
      ['getPriority', (a) => lookup('priority', a[0] ?? null)],
      [
        'getUserByEmail',
        (a) => {
          const email = a[0] === null || a[0] === undefined ? '' : groovyToString(a[0]);
          const user = host().userByEmail?.(email) ?? null;
          if (!user) return null;
          return new GRecord(
            userType,
            new Map<string, Value>([
              ['id', user.id],
              ['email', user.email],
              ['displayName', user.displayName],
            ]),
          );
        },
      ],
      ['stripHtml', stripHtml],
    ]),
  ],
  [
    'debug',
    helper('debug', [
      [
        'error',
        (a) => {
          // debug.error stops the sync with the script's own message, as in Exalate; a script cannot catch it.
          throw new ScriptFault(a.map((x) => groovyToString(x)).join(' '), 'debug', R.line, R.col);
        },
      ],
      ['info', logMethod('info')],
    ]),
  ],
  [
    'log',
    helper('log', [
      ['debug', logMethod('debug')],
      ['info', logMethod('info')],
      ['warn', logMethod('warn')],
      ['error', logMethod('error')],
      ['trace', logMethod('debug')],
    ]),
  ],
];

const statusResolver: OptionResolver = {
  status: (v) => lookup('status', v),
  priority: (v) => lookup('priority', v),
};

export const currentOptions = (): OptionResolver => statusResolver;

export interface ScriptHelpers {
  globals: readonly [string, Value][];
  host: unknown;
}

export function makeHelpers(platform: Platform, lookups: NodeLookups, log: LogSink): ScriptHelpers {
  const context: HostContext = {
    platform,
    statuses: lookups.statuses?.length ? [...statusTable[platform], ...lookups.statuses] : statusTable[platform],
    priorities: lookups.priorities?.length
      ? [...priorityTable[platform], ...lookups.priorities]
      : priorityTable[platform],
    userByEmail: lookups.userByEmail,
    log,
    options: statusResolver,
  };
  return { globals: sharedHelpers, host: context };
}
