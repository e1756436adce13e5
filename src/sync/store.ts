import { eq } from 'drizzle-orm';
import { syncErrors, syncState, type twinLinks } from '../../db/schema/index.ts';
import type { DbOrTx } from '../../db/client.ts';
import type { DomainError } from '../domain/errors.ts';
import { json, ms, statementsOf } from './statements.ts';

export type TwinRow = typeof twinLinks.$inferSelect;
export type SyncStateRow = typeof syncState.$inferSelect;

/** Queues a local entity for the outgoing pipeline; a second change before it is processed joins the first. */
export function enqueueChange(
  db: DbOrTx,
  connectionId: string,
  entityId: string,
  reason: string,
  at: Date,
  force = false,
): void {
  const s = statementsOf(db);
  (force ? s.enqueueForced : s.enqueue).run({ connectionId, entityId, reason, force, at });
}

/** As enqueueChange, but the change is not processed before `notBefore` (a later one may push it further out). */
export function enqueueDeferredChange(
  db: DbOrTx,
  connectionId: string,
  entityId: string,
  reason: string,
  at: Date,
  notBefore: Date,
): void {
  statementsOf(db).enqueueDeferred.run({ connectionId, entityId, reason, at, notBefore });
}

export function twinByLocal(db: DbOrTx, connectionId: string, localEntityId: string): TwinRow | undefined {
  return statementsOf(db).twinByLocal.get({ connectionId, entityId: localEntityId });
}

export function twinByRemote(db: DbOrTx, connectionId: string, remoteEntityId: string): TwinRow | undefined {
  return statementsOf(db).twinByRemote.get({ connectionId, entityId: remoteEntityId });
}

export function syncStateOf(db: DbOrTx, connectionId: string, now: Date): SyncStateRow {
  const row = statementsOf(db).syncState.get({ connectionId });
  if (row) return row;
  db.insert(syncState)
    .values({ connectionId, pollCursor: cursorFrom(now) })
    .onConflictDoNothing()
    .run();
  return statementsOf(db).syncState.get({ connectionId })!;
}

export function updateSyncState(db: DbOrTx, connectionId: string, changes: Partial<SyncStateRow>): void {
  db.update(syncState).set(changes).where(eq(syncState.connectionId, connectionId)).run();
}

/** True while the entity has an unresolved error in that direction: it waits, the others go on. */
export function isBlocked(
  db: DbOrTx,
  connectionId: string,
  direction: 'outgoing' | 'incoming',
  entityId: string,
): boolean {
  return statementsOf(db).blocked.get({ connectionId, direction, entityId }) !== undefined;
}

/** Records what blocks an entity: the type, the message a person can act on, and the script line when there is one. */
export function recordEntityError(
  db: DbOrTx,
  input: {
    connectionId: string;
    direction: 'outgoing' | 'incoming';
    entityId: string;
    entityKey: string | null;
    error: DomainError;
    at: Date;
  },
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
  const s = statementsOf(db);
  const total = s.twinCount.get({ connectionId })?.n ?? 0;
  if (entityKey) s.setCounters.run({ connectionId, total, entityKey, atMs: at.getTime() });
  else s.setCount.run({ connectionId, total });
}

/** A change cursor starting a little before `at`: helpdesks keep update times to the second, so start on the second before. */
export function cursorFrom(at: Date): string {
  return new Date(Math.floor(at.getTime() / 1000) * 1000 - 1000).toISOString();
}

/** A message for the other node, queued for the sender; `once` ignores a second one with the same idempotency key. */
export function queueMessage(
  db: DbOrTx,
  message: {
    connectionId: string;
    entityId: string;
    idempotencyKey: string;
    kind: 'replica' | 'ack';
    payload: unknown;
    at: Date;
  },
  once = false,
): void {
  const s = statementsOf(db);
  const { at, payload, ...rest } = message;
  (once ? s.insertOutboxOnce : s.insertOutbox).run({ ...rest, payload: json(payload), atMs: ms(at) });
}

export function insertTwin(db: DbOrTx, twin: TwinRow): void {
  statementsOf(db).insertTwin.run({
    connectionId: twin.connectionId,
    localEntityId: twin.localEntityId,
    localKey: twin.localKey,
    remoteEntityId: twin.remoteEntityId,
    lastSentHash: twin.lastSentHash,
    lastSentReplica: json(twin.lastSentReplica),
    lastAppliedHash: twin.lastAppliedHash,
    lastAppliedReplica: json(twin.lastAppliedReplica),
    commentMap: json(twin.commentMap),
    attachmentMap: json(twin.attachmentMap),
    updatedAtMs: ms(twin.updatedAt),
    createdAtMs: ms(twin.createdAt),
  });
}

/** What was last sent for a local entity (its hash and replica), with the attachments now awaiting their twins. */
export function recordSent(
  db: DbOrTx,
  twin: {
    connectionId: string;
    localEntityId: string;
    localKey: string | null;
    lastSentHash: string;
    lastSentReplica: Record<string, unknown>;
    attachmentMap: Record<string, string>;
  },
  at: Date,
): void {
  statementsOf(db).recordSent.run({
    connectionId: twin.connectionId,
    localEntityId: twin.localEntityId,
    localKey: twin.localKey,
    lastSentHash: twin.lastSentHash,
    lastSentReplica: json(twin.lastSentReplica),
    attachmentMap: json(twin.attachmentMap),
    atMs: ms(at),
  });
}

/** The other side's ids for our entity, its comments and attachments (from its ack). */
export function recordTwinIds(
  db: DbOrTx,
  twin: {
    connectionId: string;
    localEntityId: string;
    remoteEntityId: string | null;
    commentMap: Record<string, string>;
    attachmentMap: Record<string, string>;
  },
  at: Date,
): void {
  statementsOf(db).recordAck.run({
    connectionId: twin.connectionId,
    localEntityId: twin.localEntityId,
    remoteEntityId: twin.remoteEntityId,
    commentMap: json(twin.commentMap),
    attachmentMap: json(twin.attachmentMap),
    atMs: ms(at),
  });
}

/** Inbox messages done with. */
export function markApplied(db: DbOrTx, ids: number[], at: Date): void {
  const statement = statementsOf(db).markApplied;
  for (const id of ids) statement.run({ id, atMs: ms(at) });
}

/** Removes a change row as it was read: one queued again meanwhile (a newer queuedAt) stays for the next pass. */
export function removeChange(db: DbOrTx, row: { id: number; queuedAt: Date }): void {
  statementsOf(db).removeChange.run({ id: row.id, queuedAtMs: ms(row.queuedAt) });
}
