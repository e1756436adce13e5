import { and, count, eq, isNull } from 'drizzle-orm';
import { changeQueue, connections, syncErrors, syncState, twinLinks } from '../../db/schema.ts';
import type { DbOrTx } from '../app/store/connections.ts';
import type { DomainError } from '../domain/errors.ts';

export type TwinRow = typeof twinLinks.$inferSelect;
export type SyncStateRow = typeof syncState.$inferSelect;

/** Queues a local entity for the outgoing pipeline; a second change before it is processed joins the first. */
export function enqueueChange(db: DbOrTx, connectionId: string, entityId: string, reason: string, at: Date, force = false): void {
  db.insert(changeQueue)
    .values({ connectionId, entityId, reason, force, queuedAt: at })
    .onConflictDoUpdate({
      target: [changeQueue.connectionId, changeQueue.entityId],
      set: { queuedAt: at, reason, ...(force ? { force: true } : {}) },
    })
    .run();
}

export function twinByLocal(db: DbOrTx, connectionId: string, localEntityId: string): TwinRow | undefined {
  return db.select().from(twinLinks).where(and(eq(twinLinks.connectionId, connectionId), eq(twinLinks.localEntityId, localEntityId))).get();
}

export function twinByRemote(db: DbOrTx, connectionId: string, remoteEntityId: string): TwinRow | undefined {
  return db.select().from(twinLinks).where(and(eq(twinLinks.connectionId, connectionId), eq(twinLinks.remoteEntityId, remoteEntityId))).get();
}

export function syncStateOf(db: DbOrTx, connectionId: string, now: Date): SyncStateRow {
  const row = db.select().from(syncState).where(eq(syncState.connectionId, connectionId)).get();
  if (row) return row;
  db.insert(syncState).values({ connectionId, pollCursor: cursorFrom(now) }).onConflictDoNothing().run();
  return db.select().from(syncState).where(eq(syncState.connectionId, connectionId)).get()!;
}

export function updateSyncState(db: DbOrTx, connectionId: string, changes: Partial<SyncStateRow>): void {
  db.update(syncState).set(changes).where(eq(syncState.connectionId, connectionId)).run();
}

/** True while the entity has an unresolved error in that direction: it waits, the others go on. */
export function isBlocked(db: DbOrTx, connectionId: string, direction: 'outgoing' | 'incoming', entityId: string): boolean {
  return (
    db
      .select({ id: syncErrors.id })
      .from(syncErrors)
      .where(and(eq(syncErrors.connectionId, connectionId), eq(syncErrors.direction, direction), eq(syncErrors.entityId, entityId), isNull(syncErrors.resolvedAt)))
      .get() !== undefined
  );
}

/** Records what blocks an entity: the type, the message a person can act on, and the script line when there is one. */
export function recordEntityError(
  db: DbOrTx,
  input: { connectionId: string; direction: 'outgoing' | 'incoming'; entityId: string; entityKey: string | null; error: DomainError; at: Date },
): void {
  const details = (input.error.details ?? {}) as { line?: unknown; column?: unknown };
  db.insert(syncErrors)
    .values({
      connectionId: input.connectionId,
      direction: input.direction,
      entityId: input.entityId,
      entityKey: input.entityKey,
      impact: 'entity',
      type: input.error.code,
      message: input.error.message,
      line: typeof details.line === 'number' ? details.line : null,
      column: typeof details.column === 'number' ? details.column : null,
      createdAt: input.at,
    })
    .run();
}

/** Entities under sync and the last one synced, on the connection row. */
export function touchCounters(db: DbOrTx, connectionId: string, entityKey: string | null, at: Date): void {
  const total = db.select({ n: count() }).from(twinLinks).where(eq(twinLinks.connectionId, connectionId)).get()?.n ?? 0;
  db.update(connections)
    .set({ entitiesUnderSync: total, ...(entityKey ? { lastSyncEntity: entityKey, lastSyncAt: at } : {}) })
    .where(eq(connections.id, connectionId))
    .run();
}


/** A change cursor starting a little before `at`: helpdesks keep update times to the second, so start on the second before. */
export function cursorFrom(at: Date): string {
  return new Date(Math.floor(at.getTime() / 1000) * 1000 - 1000).toISOString();
}
