import { and, asc, eq, inArray, like, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { connections, instances, statusEvents } from '../../db/schema/index.ts';
import type { Connection, Status } from '../domain/connection.ts';
import { DomainError } from '../domain/errors.ts';

export type ConnectionRow = typeof connections.$inferSelect;

export function toConnection(row: ConnectionRow): Connection {
  return {
    id: row.id,
    instanceId: row.instanceId,
    role: row.role,
    name: row.name,
    description: row.description,
    localShortName: row.localShortName,
    remoteShortName: row.remoteShortName,
    mode: row.mode,
    status: row.status,
    remoteUrl: row.remoteUrl,
    remoteConnectionId: row.remoteConnectionId,
    remotePlatform: row.remotePlatform,
    remoteIsPrivate: row.remoteIsPrivate,
    incomingProject:
      row.incomingProjectId === null
        ? null
        : { id: row.incomingProjectId, name: row.incomingProjectName ?? row.incomingProjectId },
    entitiesUnderSync: row.entitiesUnderSync,
    lastSync: row.lastSyncEntity && row.lastSyncAt ? { entityKey: row.lastSyncEntity, at: row.lastSyncAt } : null,
    createdAt: row.createdAt,
  };
}

/** Characters of an id a connection may be named by: fewer would pick one by chance among a few dozen. */
const MIN_ID_PREFIX = 6;
/** How long an id is shown where space is short (lists, refusals); every such form is a valid prefix. */
const SHORT_ID = 8;
/** Candidates named in one refusal. */
const MAX_CANDIDATES = 10;
const idFragment = /^[0-9a-f-]+$/;
/** Candidates in the order they were made (rowid breaks ties within one millisecond). */
const oldestFirst = [asc(connections.createdAt), sql`rowid`];

/**
 * The shortest form of each id (at least 8 characters) that no other id of `ids` starts with: what a list shows,
 * so that every id it shows picks its connection where the list's connections are the ones looked up.
 */
export function shortConnectionIds(ids: string[]): Map<string, string> {
  const short = new Map<string, string>();
  for (const id of ids) {
    let length = Math.min(SHORT_ID, id.length);
    while (length < id.length && ids.some((other) => other !== id && other.startsWith(id.slice(0, length)))) length++;
    short.set(id, id.slice(0, length));
  }
  return short;
}

/**
 * The one place a connection named by a person is found: by its id, by its name, or by a unique prefix of its id (at
 * least 6 characters), in that order. With `instanceId` (chat: the workspace's instance; CLI: --instance) only that
 * instance's connections are looked at, so a reference never reaches a connection its caller may not see. A name or
 * prefix that fits several connections is refused with each candidate's id (and instance), and changes nothing.
 */
export function requireConnectionRow(db: Db, ref: string, instanceId?: string): ConnectionRow {
  const wanted = ref.trim();
  const scope = instanceId ? eq(connections.instanceId, instanceId) : undefined;
  const byId = db
    .select()
    .from(connections)
    .where(and(eq(connections.id, wanted), scope))
    .get();
  if (byId) return byId;
  const byName = db
    .select()
    .from(connections)
    .where(and(eq(connections.name, wanted), scope))
    .orderBy(...oldestFirst)
    .limit(MAX_CANDIDATES + 1)
    .all();
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new DomainError(
      'conflict',
      `${byName.length > MAX_CANDIDATES ? `More than ${MAX_CANDIDATES}` : byName.length} connections are named "${wanted}"${instanceId ? ' on this instance' : ''}: ${candidates(db, byName, { withName: false, withInstance: !instanceId })}; give the id${instanceId ? '' : ' or --instance'}.`,
    );
  }
  const prefix = wanted.toLowerCase();
  if (idFragment.test(prefix)) {
    if (prefix.replaceAll('-', '').length < MIN_ID_PREFIX) {
      throw new DomainError(
        'not_found',
        `There is no connection named "${wanted}"${instanceId ? ' on this instance' : ''}; to pick one by its id, give at least ${MIN_ID_PREFIX} characters of the id.`,
      );
    }
    const byPrefix = db
      .select()
      .from(connections)
      .where(and(like(connections.id, `${prefix}%`), scope))
      .orderBy(...oldestFirst)
      .limit(MAX_CANDIDATES + 1)
      .all();
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) {
      throw new DomainError(
        'conflict',
        `The id "${wanted}" fits ${byPrefix.length > MAX_CANDIDATES ? `more than ${MAX_CANDIDATES}` : byPrefix.length} connections: ${candidates(db, byPrefix, { withName: true, withInstance: !instanceId })}; give more of the id.`,
      );
    }
  }
  throw new DomainError('not_found', `There is no connection "${wanted}"${instanceId ? ' on this instance' : ''}.`);
}

/** `3f2a9c1e… "Acme to Globex" on acme, …`: the candidates of an ambiguous reference, each by a form that picks it. */
function candidates(db: Db, rows: ConnectionRow[], show: { withName: boolean; withInstance: boolean }): string {
  const shown = rows.slice(0, MAX_CANDIDATES);
  const short = shortConnectionIds(shown.map((r) => r.id));
  const slugs = new Map(
    db
      .select({ id: instances.id, slug: instances.slug })
      .from(instances)
      .where(
        inArray(
          instances.id,
          shown.map((r) => r.instanceId),
        ),
      )
      .all()
      .map((i) => [i.id, i.slug]),
  );
  return shown
    .map((r) => {
      const id = short.get(r.id) ?? r.id;
      const parts = [id.length < r.id.length ? `${id}…` : id];
      if (show.withName) parts.push(`"${r.name}"`);
      if (show.withInstance) parts.push(`on ${slugs.get(r.instanceId) ?? r.instanceId}`);
      else parts.push(`(${r.status})`);
      return parts.join(' ');
    })
    .join(', ');
}

/** Changes the status and records the event in the same transaction. */
export function recordStatusChange(
  tx: DbOrTx,
  row: Pick<ConnectionRow, 'id' | 'status'>,
  to: Status,
  reason: string,
  at: Date,
): void {
  tx.update(connections).set({ status: to }).where(eq(connections.id, row.id)).run();
  tx.insert(statusEvents).values({ connectionId: row.id, fromStatus: row.status, toStatus: to, reason, at }).run();
}
