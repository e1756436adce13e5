import { and, eq, or } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.ts';
import { connections, statusEvents } from '../../../db/schema.ts';
import type { Connection, Status } from '../../domain/connection.ts';
import { DomainError } from '../../domain/errors.ts';

export type ConnectionRow = typeof connections.$inferSelect;
/** A drizzle transaction or the database itself: writes that must happen together take the transaction. */
export type { DbOrTx };

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

/** A connection by id, or by name (within an instance when one is given); ambiguous names are an error. */
export function requireConnectionRow(db: Db, ref: string, instanceId?: string): ConnectionRow {
  const byId = db.select().from(connections).where(eq(connections.id, ref)).get();
  if (byId && (!instanceId || byId.instanceId === instanceId)) return byId;
  const nameMatch = instanceId
    ? and(eq(connections.name, ref), eq(connections.instanceId, instanceId))
    : or(eq(connections.name, ref));
  const byName = db.select().from(connections).where(nameMatch).all();
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new DomainError(
      'conflict',
      `${byName.length} connections are named "${ref}"; use the connection id instead.`,
    );
  }
  throw new DomainError('not_found', `There is no connection "${ref}"${instanceId ? ' on this instance' : ''}.`);
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
