import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError, isDomainError } from '../domain/errors.ts';
import type { Entity } from '../domain/entity.ts';
import type { Helpdesk } from '../domain/helpdesk.ts';
import type { PeerConnection, PeerEntity, PeerEntityQuery } from '../domain/remote.ts';
import { audit } from '../store/audit.ts';
import { type ConnectionRow, requireConnectionRow } from '../store/connections.ts';
import { helpdeskOfInstance } from '../store/helpdesks.ts';
import {
  forEachLimited,
  linkConflict,
  linkPairs,
  sharedByTriggers,
  twinByLocal,
  twinByLocalKey,
  unlinkPair,
} from '../sync/index.ts';
import type { Actor, AppDeps } from './deps.ts';
import { validateInput } from './validate.ts';

/**
 * Connecting tickets that already exist on both sides (`entities connect`, Exalate's Bulk Connect) and unlinking a
 * pair (`entities unlink`, Exalate's Unexalate). The other node is asked about its tickets with a signed lookup
 * before anything is linked; the link itself travels as a signed 'link' message, which the other node checks again
 * against its own helpdesk and triggers. Nothing is created or deleted in either helpdesk.
 */

/** The most pairs one connect links (a CSV's lines, or the tickets a match looks at on each side). */
export const MAX_CONNECT_PAIRS = 5000;
/** The most tickets a `--match` reads on each side (the most recently updated ones). */
export const MAX_MATCH_CANDIDATES = 200;
/**
 * Keys asked about in one lookup request (the other node reads each from its helpdesk within the node timeout, a few
 * at a time), and pairs linked in one transaction.
 */
const LOOKUP_CHUNK = 50;
const LOOKUP_CONCURRENCY = 8;
const LINK_CHUNK = 50;

const keySchema = z
  .string()
  .trim()
  .min(1, 'give the ticket key')
  .max(100, 'a ticket key is at most 100 characters')
  .regex(/^#?[A-Za-z0-9_.-]+$/, 'a ticket key is its number or id, like #123 or 70001');

/** A pair an admin names: this side's key and the other side's, with the CSV line it came from. */
export interface PairRequest {
  local: string;
  remote: string;
  line?: number;
}

export type MatchRule = { kind: 'subject' } | { kind: 'field'; field: string };

const connectInput = z.object({
  connection: z.string().min(1),
  actor: z.string().min(1),
  dryRun: z.boolean().default(false),
  pairs: z
    .array(z.object({ local: keySchema, remote: keySchema, line: z.number().int().positive().optional() }))
    .max(MAX_CONNECT_PAIRS, `at most ${MAX_CONNECT_PAIRS} pairs at once`)
    .optional(),
  match: z
    .union([
      z.object({ kind: z.literal('subject') }),
      z.object({
        kind: z.literal('field'),
        field: z
          .string()
          .min(1)
          .max(100)
          .regex(/^[A-Za-z0-9_.-]+$/, 'a custom field name is letters, digits, _ . and -'),
      }),
    ])
    .optional(),
});

export interface LinkedPair {
  local: string;
  localEntityId: string;
  remote: string;
  remoteEntityId: string;
  line: number | null;
}

export interface UnmatchedPair {
  local: string | null;
  remote: string | null;
  line: number | null;
  reason: string;
}

export interface ConnectResult {
  connectionId: string;
  connectionName: string;
  dryRun: boolean;
  /** Linked (or, in a dry run, that would be). */
  pairs: LinkedPair[];
  /** Those that could not be matched or linked, each with why. */
  unmatched: UnmatchedPair[];
}

const bareKey = (key: string) => key.trim().replace(/^#/, '');

/** A connection pairs can be linked on: active, with a node this one can call. */
function linkableConnection(deps: AppDeps, ref: string): { row: ConnectionRow; peer: PeerConnection } {
  const row = requireConnectionRow(deps.db, ref);
  if (row.status !== 'active')
    throw new DomainError('conflict', `Connection "${row.name}" is ${row.status}; pairs are linked on an active one.`);
  if (row.remoteIsPrivate || !row.remoteNodeUrl || !row.remoteConnectionId || !row.keyEnc)
    throw new DomainError(
      'conflict',
      `This node cannot call the other side of "${row.name}" (it is private): run \`deskbridge entities connect\` on the other side.`,
    );
  return {
    row,
    peer: {
      key: Buffer.from(deps.secrets.open(row.keyEnc), 'base64'),
      nodeUrl: row.remoteNodeUrl,
      remoteConnectionId: row.remoteConnectionId,
    },
  };
}

/** A local ticket by its key, or null when the helpdesk has none. */
async function localEntity(helpdesk: Helpdesk, key: string): Promise<Entity | null> {
  try {
    return await helpdesk.getEntity(bareKey(key));
  } catch (error) {
    if (isDomainError(error) && error.code === 'helpdesk_not_found') return null;
    throw error;
  }
}

/**
 * How far back a match (and the other node's subject lookup) reads this side's changes: the last day, then the last
 * week, then the last 30 days, until a window holds enough tickets; each window at most RECENT_PAGES pages of the
 * helpdesk's listing. So one match costs at most 3 x RECENT_PAGES listing calls however large the helpdesk (the other
 * node can ask for it repeatedly). Tickets not updated in 30 days (and, on a helpdesk busier than those pages, the
 * ones beyond them) are linked from a CSV of pairs.
 */
const RECENT_WINDOWS_DAYS = [1, 7, 30];
const RECENT_PAGES = 2;

/** The most recently updated tickets (ids), at most `limit`, oldest first: what a match looks at (bounded above). */
async function recentIds(helpdesk: Helpdesk, limit: number, now: Date): Promise<string[]> {
  let ids: string[] = [];
  for (const days of RECENT_WINDOWS_DAYS) {
    ids = [];
    let cursor = new Date(now.getTime() - days * 86_400_000).toISOString();
    for (let page = 0; page < RECENT_PAGES; page++) {
      const batch = await helpdesk.listChanged(cursor);
      for (const change of batch.changes) ids.push(change.id);
      cursor = batch.cursor;
      if (!batch.truncated) break;
    }
    ids = [...new Set(ids)];
    if (ids.length >= limit) break;
  }
  return ids.slice(-limit);
}

/** This side's most recently updated tickets not under sync on the connection (read a few at a time), oldest first. */
async function unlinkedCandidates(deps: AppDeps, row: ConnectionRow, helpdesk: Helpdesk): Promise<Entity[]> {
  const ids = (await recentIds(helpdesk, MAX_MATCH_CANDIDATES, deps.clock())).filter((id) => {
    const twin = twinByLocal(deps.db, row.id, id);
    return !twin || twin.unlinkedAt !== null;
  });
  const found = new Map<string, Entity>();
  await forEachLimited(ids, LOOKUP_CONCURRENCY, async (id) => {
    const entity = await localEntity(helpdesk, id);
    if (entity) found.set(id, entity);
  });
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** What a subject is matched by: trimmed, spaces collapsed, case ignored; digested before it goes to the other node. */
function subjectDigest(text: string): string {
  return createHash('sha256').update(text.trim().replace(/\s+/g, ' ').toLowerCase()).digest('hex');
}

/** Pairs by subject: a subject found once on each side pairs those two; any other count is reported. */
async function pairsBySubject(
  deps: AppDeps,
  row: ConnectionRow,
  peer: PeerConnection,
  helpdesk: Helpdesk,
): Promise<{ pairs: PairRequest[]; unmatched: UnmatchedPair[] }> {
  const mine = new Map<string, Entity[]>();
  for (const entity of await unlinkedCandidates(deps, row, helpdesk)) {
    const digest = subjectDigest(entity.summary);
    const list = mine.get(digest) ?? [];
    list.push(entity);
    mine.set(digest, list);
  }
  const theirs = new Map<string, PeerEntity[]>();
  if (mine.size > 0) {
    const answer = await deps.remote.lookupEntities(peer, { subjects: [...mine.keys()] });
    for (const e of answer) {
      // Only digests that were asked about count, whatever else a hostile answer names.
      if (!e.found || e.linked || !e.subject || !mine.has(e.subject)) continue;
      const list = theirs.get(e.subject) ?? [];
      list.push(e);
      theirs.set(e.subject, list);
    }
  }
  const pairs: PairRequest[] = [];
  const unmatched: UnmatchedPair[] = [];
  for (const [digest, locals] of mine) {
    const remotes = theirs.get(digest) ?? [];
    const first = locals[0]!;
    if (locals.length > 1)
      unmatched.push({
        local: first.key,
        remote: null,
        line: null,
        reason: `${locals.length} tickets here have the subject "${first.summary}" (${locals.map((e) => e.key).join(', ')})`,
      });
    else if (remotes.length === 0)
      unmatched.push({
        local: first.key,
        remote: null,
        line: null,
        reason: 'no ticket on the other side has its subject',
      });
    else if (remotes.length > 1)
      unmatched.push({
        local: first.key,
        remote: null,
        line: null,
        reason: `${remotes.length} tickets on the other side have its subject (${remotes.map((e) => e.entityKey ?? e.key).join(', ')})`,
      });
    else pairs.push({ local: first.key, remote: remotes[0]!.entityKey ?? remotes[0]!.key });
  }
  return { pairs, unmatched };
}

/** Pairs by a custom field on this side's tickets that holds the other side's key. */
async function pairsByField(
  deps: AppDeps,
  row: ConnectionRow,
  helpdesk: Helpdesk,
  field: string,
): Promise<{ pairs: PairRequest[]; unmatched: UnmatchedPair[] }> {
  const pairs: PairRequest[] = [];
  const unmatched: UnmatchedPair[] = [];
  for (const entity of await unlinkedCandidates(deps, row, helpdesk)) {
    const value = entity.customFields[field];
    if (value === null || value === undefined || value === '') continue;
    const key = keySchema.safeParse(String(value));
    if (key.success) pairs.push({ local: entity.key, remote: key.data });
    else
      unmatched.push({
        local: entity.key,
        remote: null,
        line: null,
        reason: `its field ${field} holds no ticket key (${String(value).slice(0, 40)})`,
      });
  }
  return { pairs, unmatched };
}

/**
 * Links pairs of existing tickets: named pairs (one, or a CSV's), or pairs found by matching (`subject`, or a custom
 * field holding the other side's key). Each ticket is looked up on its side (the other node is asked); pairs whose
 * ticket is missing, or already linked on this connection, or named twice, are reported with why and left out. A dry
 * run only reports. With one named pair, anything in the way is an error and nothing changes.
 */
export async function connectEntities(
  deps: AppDeps,
  request: z.input<typeof connectInput> & { onProgress?: (done: number, total: number) => void },
): Promise<ConnectResult> {
  const data = validateInput(connectInput, request);
  if ((data.pairs === undefined) === (data.match === undefined))
    throw new DomainError('invalid_input', 'Give the pairs to link, or a way to match them (subject or a field).');
  const { row, peer } = linkableConnection(deps, data.connection);
  const helpdesk = helpdeskOfInstance(deps, row.instanceId);
  let wanted: PairRequest[];
  const unmatched: UnmatchedPair[] = [];
  if (data.pairs) wanted = data.pairs;
  else {
    const found =
      data.match!.kind === 'subject'
        ? await pairsBySubject(deps, row, peer, helpdesk)
        : await pairsByField(deps, row, helpdesk, data.match!.field);
    wanted = found.pairs;
    unmatched.push(...found.unmatched);
  }
  const skip = (pair: PairRequest, reason: string) =>
    unmatched.push({ local: pair.local, remote: pair.remote, line: pair.line ?? null, reason });

  // Each key once on each side: a ticket has one twin.
  const seenLocal = new Map<string, PairRequest>();
  const seenRemote = new Map<string, PairRequest>();
  const distinct: PairRequest[] = [];
  for (const pair of wanted) {
    const twiceLocal = seenLocal.get(bareKey(pair.local));
    const twiceRemote = seenRemote.get(bareKey(pair.remote));
    const where = (p: PairRequest) => (p.line ? `line ${p.line}` : 'another pair');
    if (twiceLocal) skip(pair, `${pair.local} is named twice (also on ${where(twiceLocal)})`);
    else if (twiceRemote) skip(pair, `${pair.remote} is named twice (also on ${where(twiceRemote)})`);
    else {
      seenLocal.set(bareKey(pair.local), pair);
      seenRemote.set(bareKey(pair.remote), pair);
      distinct.push(pair);
    }
  }

  const remote = new Map<string, PeerEntity>();
  for (let i = 0; i < distinct.length; i += LOOKUP_CHUNK) {
    const keys = distinct.slice(i, i + LOOKUP_CHUNK).map((p) => p.remote);
    const answer = await deps.remote.lookupEntities(peer, { keys });
    // Only what was asked about counts: a hostile answer naming other keys is ignored.
    const asked = new Set(keys.map(bareKey));
    for (const e of answer) if (asked.has(bareKey(e.key))) remote.set(bareKey(e.key), e);
  }

  const locals = new Map<string, Entity | null>();
  await forEachLimited(distinct, LOOKUP_CONCURRENCY, async (pair) => {
    if (remote.get(bareKey(pair.remote))?.found) locals.set(pair.local, await localEntity(helpdesk, pair.local));
  });
  const ready: Array<{ entity: Entity; remoteEntityId: string; pair: PairRequest; remoteKey: string }> = [];
  for (const pair of distinct) {
    const theirs = remote.get(bareKey(pair.remote));
    if (!theirs?.found || !theirs.entityId) {
      skip(pair, `there is no ticket ${pair.remote} on the other side`);
      continue;
    }
    if (theirs.linked) {
      skip(pair, `${pair.remote} is already linked on the other side`);
      continue;
    }
    const entity = locals.get(pair.local) ?? null;
    if (!entity) {
      skip(pair, `there is no ticket ${pair.local} here`);
      continue;
    }
    const conflict = linkConflict(deps.db, row.id, entity.id, theirs.entityId);
    if (conflict) {
      skip(pair, `${entity.key}: ${conflict}`);
      continue;
    }
    ready.push({ entity, remoteEntityId: theirs.entityId, pair, remoteKey: theirs.entityKey ?? pair.remote });
  }

  const single = data.pairs?.length === 1 && data.pairs[0]!.line === undefined;
  if (single && unmatched.length > 0)
    throw new DomainError('conflict', `Nothing was linked: ${unmatched[0]!.reason}.`, { field: 'pair' });

  const pairs: LinkedPair[] = ready.map(({ entity, remoteEntityId, pair, remoteKey }) => ({
    local: entity.key,
    localEntityId: entity.id,
    remote: remoteKey,
    remoteEntityId,
    line: pair.line ?? null,
  }));
  const result: ConnectResult = {
    connectionId: row.id,
    connectionName: row.name,
    dryRun: data.dryRun,
    pairs,
    unmatched,
  };
  if (data.dryRun || ready.length === 0) return result;

  // Each chunk is linked all or none; what the committed chunks linked is audited and sent even when a later one fails.
  let linked = 0;
  const audited = (failure?: string) => {
    const done = pairs.slice(0, linked);
    audit(deps.db, {
      at: deps.clock(),
      actor: data.actor,
      action: 'entities.connect',
      subjectType: 'connection',
      subjectId: row.id,
      details: {
        linked: done.length,
        unmatched: unmatched.length,
        pairs: done.slice(0, 50).map((p) => [p.local, p.remote]),
        ...(failure === undefined ? {} : { failed: failure, notLinked: ready.length - linked }),
      },
    });
    if (linked > 0) deps.kickSync?.();
  };
  try {
    for (let i = 0; i < ready.length; i += LINK_CHUNK) {
      await linkPairs(deps, row, ready.slice(i, i + LINK_CHUNK));
      linked = Math.min(i + LINK_CHUNK, ready.length);
      request.onProgress?.(linked, ready.length);
    }
  } catch (error) {
    audited((error as Error).message);
    if (linked === 0 || !isDomainError(error)) throw error;
    throw new DomainError(
      error.code,
      `${linked} of ${ready.length} pairs were linked; the rest were not: ${error.message}`,
      error.details,
    );
  }
  audited();
  return result;
}

/** Lookups answered at once per connection: each reads up to 200 tickets from this side's helpdesk. */
const lookupsRunning = new Set<string>();

/**
 * The other node's lookup (`POST /v1/connections/{id}/entities/lookup`): its keys looked up in this side's helpdesk,
 * or this side's recent tickets whose subject has one of the digests it sent; each says whether it is linked on this
 * connection already. Only tickets this side shares (selected by an active trigger, or linked) are found. No subject
 * text leaves this node, and one lookup at a time runs per connection (each costs helpdesk calls of this side's rate
 * budget).
 */
export async function answerEntityLookup(
  deps: AppDeps,
  row: ConnectionRow,
  query: PeerEntityQuery,
): Promise<PeerEntity[]> {
  if (row.status !== 'active')
    throw new DomainError(
      'conflict',
      `The connection is ${row.status} on this side; pairs are linked on an active one.`,
    );
  if (lookupsRunning.has(row.id))
    throw new DomainError('conflict', 'A lookup on this connection is already running; try again when it is done.');
  lookupsRunning.add(row.id);
  try {
    const helpdesk = helpdeskOfInstance(deps, row.instanceId);
    const byKey = 'keys' in query;
    const wanted = byKey ? null : new Set(query.subjects);
    const keys = byKey ? [...new Set(query.keys)] : await recentIds(helpdesk, MAX_MATCH_CANDIDATES, deps.clock());
    const answer: PeerEntity[] = [];
    await forEachLimited(keys, LOOKUP_CONCURRENCY, async (key) => {
      let entity = await localEntity(helpdesk, key);
      const digest = entity && wanted ? subjectDigest(entity.summary) : null;
      if (wanted && (digest === null || !wanted.has(digest))) return;
      const twin = entity ? twinByLocal(deps.db, row.id, entity.id) : undefined;
      const linked = twin !== undefined && twin.unlinkedAt === null;
      // A ticket this side does not share (no active trigger selects it, and it is not linked) is answered as one
      // that does not exist: the other node learns nothing of it, and a link to it would be refused.
      if (entity && !linked && !(await sharedByTriggers(deps.db, row.id, helpdesk, entity))) {
        if (wanted) return;
        entity = null;
      }
      answer.push({
        key: byKey ? key : (entity?.key ?? key),
        found: entity !== null,
        entityId: entity?.id ?? null,
        entityKey: entity?.key ?? null,
        subject: entity ? digest : null,
        linked: entity !== null && linked,
      });
    });
    return answer;
  } finally {
    lookupsRunning.delete(row.id);
  }
}

const unlinkInput = z.object({ connection: z.string().min(1), key: keySchema, actor: z.string().min(1) });

export interface UnlinkResult {
  connectionId: string;
  connectionName: string;
  localKey: string;
  remoteEntityId: string | null;
  unlinkedAt: Date;
}

/**
 * Stops syncing one pair (`entities unlink`, the ticket view's Unlink): this side marks it unlinked and tells the other,
 * which does the same. Neither ticket is deleted; a later bulk sync naming it, or `entities connect`, links it again.
 */
export function unlinkEntity(deps: AppDeps, request: z.input<typeof unlinkInput>): UnlinkResult {
  const data = validateInput(unlinkInput, request);
  const row = requireConnectionRow(deps.db, data.connection);
  if (row.status === 'pending' || row.status === 'expired')
    throw new DomainError('conflict', `Connection "${row.name}" is ${row.status}; nothing on it is under sync.`);
  const bare = bareKey(data.key);
  const twin = twinByLocalKey(deps.db, row.id, data.key) ?? twinByLocalKey(deps.db, row.id, `#${bare}`);
  if (!twin)
    throw new DomainError('not_found', `Ticket ${data.key} is not under sync on connection "${row.name}".`, {
      field: 'key',
    });
  if (twin.unlinkedAt)
    throw new DomainError(
      'conflict',
      `Ticket ${twin.localKey ?? data.key} was already unlinked on ${twin.unlinkedAt.toISOString()}.`,
    );
  const at = deps.clock();
  unlinkPair(deps, row.id, twin, at);
  audit(deps.db, {
    at,
    actor: data.actor as Actor,
    action: 'entities.unlink',
    subjectType: 'connection',
    subjectId: row.id,
    details: { entity: twin.localKey ?? twin.localEntityId, remoteEntityId: twin.remoteEntityId },
  });
  deps.kickSync?.();
  return {
    connectionId: row.id,
    connectionName: row.name,
    localKey: twin.localKey ?? twin.localEntityId,
    remoteEntityId: twin.remoteEntityId,
    unlinkedAt: at,
  };
}

/** The largest CSV of pairs `entities connect --csv` reads, in bytes; its lines are capped at MAX_CONNECT_PAIRS. */
export const MAX_PAIRS_CSV_BYTES = 512 * 1024;

const csvCell = (cell: string) =>
  cell
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim();

/**
 * A CSV of pairs, two columns `local,remote` (this side's key, the other side's): an optional header line (cells
 * without a digit), blank lines skipped. Every bad line is reported with its number, and then nothing is linked.
 */
export function parsePairsCsv(text: string): PairRequest[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_PAIRS_CSV_BYTES)
    throw new DomainError('invalid_input', `The CSV is larger than ${MAX_PAIRS_CSV_BYTES / 1024} KiB; split it.`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const pairs: PairRequest[] = [];
  const problems: string[] = [];
  let first = true;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const cells = raw.split(',').map(csvCell);
    const isHeader = first && cells.every((c) => !/\d/.test(c));
    first = false;
    if (isHeader) return;
    if (cells.length !== 2) {
      problems.push(`line ${line}: expected two columns (local,remote), found ${cells.length}`);
      return;
    }
    const local = keySchema.safeParse(cells[0]);
    const remote = keySchema.safeParse(cells[1]);
    if (!local.success || !remote.success) {
      problems.push(`line ${line}: ${local.success ? 'the remote' : 'the local'} key is not a ticket key (like #123)`);
      return;
    }
    pairs.push({ local: local.data, remote: remote.data, line });
  });
  if (problems.length > 0)
    throw new DomainError(
      'invalid_input',
      `Nothing was linked: ${problems.length} bad line${problems.length === 1 ? '' : 's'} in the CSV (${problems.slice(0, 10).join('; ')}${problems.length > 10 ? '; …' : ''}).`,
    );
  if (pairs.length > MAX_CONNECT_PAIRS)
    throw new DomainError('invalid_input', `The CSV has ${pairs.length} pairs; at most ${MAX_CONNECT_PAIRS} at once.`);
  if (pairs.length === 0) throw new DomainError('invalid_input', 'The CSV has no pairs in it.');
  return pairs;
}
