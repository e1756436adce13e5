/**
 * The helper objects a script is handed: commentHelper, attachmentHelper, nodeHelper, debug and log, after
 * Exalate's script helper pages (docs.exalate.com/docs/<helper method>, named at each helper). nodeHelper.getStatus
 * returns null for an unknown name, as Exalate documents, and logs a warning with the known names; assigning an
 * unknown name directly (`entity.status = "Dne"`) stays an error that lists them.
 */
import type { HubUser } from '../domain/entity.ts';
import type { Platform } from '../domain/instance.ts';
import { platformLabels } from '../domain/instance.ts';
import { findOption, priorityTable, statusTable, type NamedCode } from '../domain/status-priority.ts';
import { ScriptFault } from './faults.ts';
import { httpClientHelper, newHttpRun, type HttpRun, type ScriptHttp } from './http-client.ts';
import {
  attachmentType,
  commentType,
  constructObject,
  hubKeyType,
  optionRecord,
  userType,
  type OptionResolver,
} from './model.ts';
import { htmlToMarkdown as markdownOf, stripHtmlText as stripHtmlBody } from './html.ts';
import { chargeText, checkString, currentRun, scriptError } from './runtime.ts';
import { suggest } from '../domain/suggest.ts';
import { GClosure, GHelper, GMap, GRecord, groovyToString, type HelperMethod, type Value } from './values.ts';

export interface NodeLookups {
  /** Extra statuses of this helpdesk (Freshdesk custom statuses, codes 6 and up), added to the platform's. */
  statuses?: readonly NamedCode[];
  priorities?: readonly NamedCode[];
  /** Finds a helpdesk user; the service looks users up before the run (scripts run synchronously). */
  userByEmail?: (email: string) => HubUser | null;
  /** Finds a helpdesk user by id (nodeHelper.getUser); without it getUser returns null. */
  userById?: (id: string) => HubUser | null;
  /**
   * The twin's URL on the other side: the script's `issueUrl` (Exalate 5.0.2 "Add remote issue url to scripts
   * context"; incoming scripts post it as a link, `commentHelper.addComment(issueUrl, ...)`). Null or absent before
   * the twin exists.
   */
  twinUrl?: string | null;
  /** This node's public URL of the instance, and the other side's (syncHelper.getExalateUrl, getRemoteExalateUrl). */
  nodeUrl?: string | null;
  remoteNodeUrl?: string | null;
  /** Whether a local entity is under sync: through this connection (connectionName null) or the one named. */
  isUnderSync?: (entityId: string, connectionName: string | null) => boolean;
  /** The local twin (id and key) of an entity of the other side, by that entity's id; null when none is linked. */
  localTwinOf?: (remoteId: string) => { id: string; key: string } | null;
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
    // "<comment.author.displayName>  commented: \n<comment.body>" (docs.exalate.com/docs/mergecomments).
    const author = field(field(rc, 'author'), 'displayName');
    if (author !== null)
      copy.f.set('body', `${groovyToString(author)} commented: \n${groovyToString(field(rc, 'body') ?? '')}`);
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

/**
 * addComment(String body, List comments) or addComment(String body, Boolean sync, List comments)
 * (docs.exalate.com/docs/addcomment): "If the body argument is empty, the comment is not synchronized." DeskBridge
 * cannot keep a written comment from the outgoing sync, so sync = false is refused rather than leaked.
 */
function addComment(args: Value[]): Value {
  if (args.length !== 2 && args.length !== 3)
    throw scriptError(
      'addComment(body[, sync], comments) takes 2 or 3 arguments',
      'missing_method',
      'MissingMethodException',
    );
  const comments = listArg(args[args.length - 1] as Value, 'addComment: comments');
  if (args.length === 3 && args[1] !== true)
    throw scriptError(
      'addComment(body, false, comments): a comment that is not synced is not supported; every comment on the entity reaches the outgoing sync',
      'type_error',
      'IllegalArgumentException',
    );
  const body = args[0] === null || args[0] === undefined ? '' : groovyToString(args[0]);
  if (body === '') return [...comments];
  const comment = constructObject('Comment', []) as GRecord;
  comment.f.set('body', body);
  return [...comments, comment];
}

function textArg(v: Value | undefined): string {
  return v === null || v === undefined ? '' : groovyToString(v);
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Inline Markdown of one line, its text already escaped: code, bold, italics and http(s)/mailto links. */
function inlineHtml(text: string): string {
  // link text stops at the next `[` too: `[^\]]*` alone rescans the rest of the line from every `[` (quadratic)
  return text
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
    .replace(/\[([^[\]]*)\]\(((?:https?:|mailto:)[^)\s]*)\)/g, '<a href="$2">$1</a>');
}

/**
 * Markdown to HTML (nodeHelper.toHtml, the other way of toMarkDownFromHtml): headings, paragraphs, list items, line
 * breaks, bold, italics, code and links. Text is escaped first, so HTML in the input stays text, and only http(s)
 * and mailto links become links.
 */
function markdownToHtml(markdown: string): string {
  chargeText(2 * markdown.length);
  const lines = markdown
    .replace(/\r\n?/g, '\n')
    .replace(/[&<>"]/g, (c) => htmlEscapes[c] as string)
    .split('\n');
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: 'ul' | 'ol' | null = null;
  const flush = () => {
    if (paragraph.length > 0) out.push(`<p>${paragraph.map(inlineHtml).join('<br>')}</p>`);
    paragraph = [];
  };
  const closeList = () => {
    if (list) out.push(`</${list}>`);
    list = null;
  };
  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*(?:([-*+])|\d+[.)])\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      closeList();
      const n = (heading[1] as string).length;
      out.push(`<h${n}>${inlineHtml((heading[2] as string).trim())}</h${n}>`);
    } else if (item) {
      flush();
      const kind = item[1] ? 'ul' : 'ol';
      if (list !== kind) {
        closeList();
        out.push(`<${kind}>`);
        list = kind;
      }
      out.push(`<li>${inlineHtml(item[2] as string)}</li>`);
    } else if (line.trim() === '') {
      flush();
      closeList();
    } else {
      closeList();
      paragraph.push(line.trim());
    }
  }
  flush();
  closeList();
  return checkString(out.join(''));
}

/** Copies of the comments with each body converted (the list a script assigns to entity or replica comments). */
function convertComments(v: Value | undefined, what: string, convert: (body: string) => string): Value {
  return listArg(v ?? null, what).map((c) => {
    const copy = copyRecord(c, commentType);
    copy.f.set('body', convert(textArg(field(c, 'body'))));
    return copy;
  });
}

/** An HTML conversion (html.ts, linear time) charged by the length of its input: a few passes for a stripped text. */
function stripHtmlText(text: string): string {
  chargeText(text.length);
  return checkString(stripHtmlBody(text));
}

/** A Markdown conversion makes about a dozen passes over its input. */
function htmlToMarkdown(html: string): string {
  chargeText(4 * html.length);
  return checkString(markdownOf(html));
}

function stripHtml(args: Value[]): Value {
  return stripHtmlText(textArg(args[0]));
}

/** What a run was handed; the helper objects are shared and read it from the run state. */
interface HostContext {
  readonly platform: Platform;
  readonly statuses: readonly NamedCode[];
  readonly priorities: readonly NamedCode[];
  readonly userByEmail: ((email: string) => HubUser | null) | undefined;
  readonly userById: ((id: string) => HubUser | null) | undefined;
  readonly log: LogSink;
  readonly options: OptionResolver;
  readonly sync: Pick<NodeLookups, 'nodeUrl' | 'remoteNodeUrl' | 'isUnderSync' | 'localTwinOf'>;
  readonly http: HttpRun;
}

function host(): HostContext {
  return currentRun().host as HostContext;
}

/**
 * nodeHelper.getStatus / getPriority: "Returns a hub status with the provided name"; for Freshdesk and
 * Freshservice, "If an invalid status name is provided, both the ID and name will be set to null", and scripts test
 * the result (`if (desiredStatus) issue.status = desiredStatus`, docs.exalate.com/docs/getstatus). Null here, with
 * a warning in the run's log that names the known ones.
 */
function lookupOrNull(kind: 'status' | 'priority', v: Value): GRecord | null {
  if (v === null) return null;
  const h = host();
  const options = kind === 'status' ? h.statuses : h.priorities;
  const wanted = typeof v === 'number' ? v : groovyToString(v);
  const found = findOption(options, wanted);
  if (found) return optionRecord(found);
  h.log(
    'warn',
    `line ${currentRun().line}: nodeHelper.get${kind === 'status' ? 'Status' : 'Priority'}('${wanted}') is null: no such ${kind} for ${platformLabels[h.platform]}; known: ${options.map((o) => o.name).join(', ')}`,
  );
  return null;
}

function userRecordOf(user: HubUser | null): Value {
  if (!user) return null;
  return new GRecord(
    userType,
    new Map<string, Value>([
      ['id', user.id],
      ['email', user.email],
      ['displayName', user.displayName],
    ]),
  );
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

function arityOf(name: string, args: Value[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max)
    throw scriptError(
      `syncHelper.${name}${usage} takes ${min === max ? min : `${min} or ${max}`} argument${max === 1 ? '' : 's'}`,
      'missing_method',
      'MissingMethodException',
    );
}

/**
 * syncHelper's questions about the sync (docs.exalate.com/docs/synchelper-in-script-helpers): whether an entity is
 * under sync, the local twin of a remote entity, the nodes' URLs. Its scheduling methods (syncBackAfterProcessing,
 * unExalateAfterProcessing) are not offered: a run only builds a replica or an entity. Without the engine's answers
 * (a `rules run` from the CLI) nothing is under sync and nothing is linked.
 */
const syncHelper = helper('syncHelper', [
  // isUnderSync(entityId, entityType[, connection]), isIssueUnderSync(entityId) (docs.exalate.com/docs/isundersync)
  [
    'isUnderSync',
    (a) => {
      arityOf('isUnderSync', a, 2, 3, '(entityId, entityType[, connection])');
      const connection = a.length === 3 && a[2] !== null ? groovyToString(a[2] as Value) : null;
      return host().sync.isUnderSync?.(textArg(a[0]), connection) ?? false;
    },
  ],
  [
    'isIssueUnderSync',
    (a) => {
      arityOf('isIssueUnderSync', a, 1, 1, '(entityId)');
      return host().sync.isUnderSync?.(textArg(a[0]), null) ?? false;
    },
  ],
  // "Finds a local issue key linked to a remote issue ... If no local issue is linked to the provided remote issue
  // ID, the method will return null" (docs.exalate.com/docs/getlocalissuekeyfromremoteid); scripts read its .id.
  [
    'getLocalIssueKeyFromRemoteId',
    (a) => {
      arityOf('getLocalIssueKeyFromRemoteId', a, 1, 2, '(remoteId[, entityType])');
      if (a[0] === null) return null;
      const twin = host().sync.localTwinOf?.(textArg(a[0])) ?? null;
      if (!twin) return null;
      return new GRecord(
        hubKeyType,
        new Map<string, Value>([
          ['id', twin.id],
          ['key', twin.key],
        ]),
      );
    },
  ],
  // "Returns the URL of the current Exalate node" / "of the remote Exalate node" (docs.exalate.com/docs/getexalateurl,
  // docs.exalate.com/docs/getremoteexalateurl): here the instance's public URL on each node.
  [
    'getExalateUrl',
    (a) => {
      arityOf('getExalateUrl', a, 0, 0, '()');
      return host().sync.nodeUrl ?? null;
    },
  ],
  [
    'getRemoteExalateUrl',
    (a) => {
      arityOf('getRemoteExalateUrl', a, 0, 0, '()');
      return host().sync.remoteNodeUrl ?? null;
    },
  ],
]);

const sharedHelpers: [string, Value][] = [
  [
    'commentHelper',
    helper('commentHelper', [
      ['mergeComments', mergeComments],
      ['addComment', addComment],
    ]),
  ],
  ['attachmentHelper', helper('attachmentHelper', [['mergeAttachments', mergeAttachments]])],
  ['syncHelper', syncHelper],
  ['httpClient', httpClientHelper],
  [
    'nodeHelper',
    helper('nodeHelper', [
      ['getStatus', (a) => lookupOrNull('status', a[0] ?? null)],
      ['getPriority', (a) => lookupOrNull('priority', a[0] ?? null)],
      ['getUserByEmail', (a) => userRecordOf(host().userByEmail?.(textArg(a[0])) ?? null)],
      // "Returns a user object based on a UserName; returns a null in case the user name is not found"
      // (docs.exalate.com/docs/getuserbyusername). Helpdesk people sign in with their email: that is the username.
      ['getUserByUsername', (a) => userRecordOf(host().userByEmail?.(textArg(a[0])) ?? null)],
      // nodeHelper.getUser(key): the user with that id, or null (docs.exalate.com/docs/getuserbyusername points
      // Jira Cloud at it).
      ['getUser', (a) => userRecordOf(host().userById?.(textArg(a[0])) ?? null)],
      // "Returns a label; Null if not found" (docs.exalate.com/docs/getlabel). A helpdesk tag exists once used.
      [
        'getLabel',
        (a) => {
          const label = textArg(a[0]).trim();
          return label === '' ? null : label;
        },
      ],
      ['stripHtml', stripHtml],
      // "Removes the HTML from the comments": replica.comments = nodeHelper.stripHtmlFromComments(entity.comments)
      // (docs.exalate.com/docs/nostriphtmlfromcomments).
      ['stripHtmlFromComments', (a) => convertComments(a[0], 'stripHtmlFromComments: comments', stripHtmlText)],
      ['toMarkDownFromHtml', (a) => htmlToMarkdown(textArg(a[0]))],
      ['toHtml', (a) => markdownToHtml(textArg(a[0]))],
      // "Converts comments from HTML to Markdown" (docs.exalate.com/docs/tomarkdowncomments).
      ['toMarkDownComments', (a) => convertComments(a[0], 'toMarkDownComments: comments', htmlToMarkdown)],
    ]),
  ],
  [
    'debug',
    helper('debug', [
      [
        'error',
        (a) => {
          // debug.error stops the sync with the script's own message, as in Exalate; a script cannot catch it.
          const { line, col } = currentRun();
          throw new ScriptFault(a.map((x) => groovyToString(x)).join(' '), 'debug', line, col);
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

/** Each helper object's method names, for the static check of `rules check`. */
export function helperMethodNames(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, h] of sharedHelpers) if (h instanceof GHelper) out.set(name, [...h.methods.keys()]);
  return out;
}

export interface ScriptHelpers {
  globals: readonly [string, Value][];
  host: unknown;
}

export function makeHelpers(platform: Platform, lookups: NodeLookups, log: LogSink, http?: ScriptHttp): ScriptHelpers {
  const context: HostContext = {
    platform,
    statuses: lookups.statuses?.length ? [...statusTable[platform], ...lookups.statuses] : statusTable[platform],
    priorities: lookups.priorities?.length
      ? [...priorityTable[platform], ...lookups.priorities]
      : priorityTable[platform],
    userByEmail: lookups.userByEmail,
    userById: lookups.userById,
    log,
    options: statusResolver,
    sync: {
      nodeUrl: lookups.nodeUrl,
      remoteNodeUrl: lookups.remoteNodeUrl,
      isUnderSync: lookups.isUnderSync,
      localTwinOf: lookups.localTwinOf,
    },
    http: newHttpRun(http, platform),
  };
  // issueUrl: the twin's URL, per run (see NodeLookups.twinUrl).
  return { globals: [...sharedHelpers, ['issueUrl', lookups.twinUrl ?? null]], host: context };
}
