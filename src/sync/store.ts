import { and, asc, count, desc, eq, gt, inArray, isNull, lte, max, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  changeQueue,
  connections,
  inbox,
  outbox,
  syncErrors,
  syncState,
  triggers,
  twinLinks,
} from '../../db/schema/index.ts';
import type { DomainError } from '../domain/errors.ts';
import type { ConnectionRow } from '../store/connections.ts';
import { changeBlocked, inboxBlocked, json, ms, statementsOf } from './statements.ts';
import type { MessageKind, OutgoingMessage } from './transport.ts';

/**
 * The sync engine's queries: the one place in src/sync that reads or writes the database (the queries that run for
 * every entity are prepared once, in statements.ts).
 */

export type TwinRow = typeof twinLinks.$inferSelect;
export type SyncStateRow = typeof syncState.$inferSelect;
export type ChangeRow = typeof changeQueue.$inferSelect;
export type InboxRow = typeof inbox.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type TriggerRow = typeof triggers.$inferSelect;

// ---- connections ------------------------------------------------------------------------------------------------

/** Connections whose changes are collected: active, in error, or deactivated (which queues them). */
export function connectionsCollecting(db: DbOrTx): ConnectionRow[] {
  return statementsOf(db).connectionsCollecting.all();
}

/** Connections that process and exchange messages: active or in error. */
export function connectionsRunning(db: DbOrTx): ConnectionRow[] {
  return statementsOf(db).connectionsRunning.all();
}

/** The connections collecting changes of the instance a webhook names by its slug (none for an unknown slug). */
export function connectionsCollectingFor(db: DbOrTx, instanceSlug: string): Array<{ id: string }> {
  const s = statementsOf(db);
  const instance = s.instanceBySlug.get({ slug: instanceSlug });
  return instance ? s.collectingOfInstance.all({ instanceId: instance.id }) : [];
}

/** The ids of an instance's connections with this name (names are not unique). */
export function connectionIdsNamed(db: DbOrTx, instanceId: string, name: string): string[] {
  return db
    .select({ id: connections.id })
    .from(connections)
    .where(and(eq(connections.instanceId, instanceId), eq(connections.name, name)))
    .all()
    .map((row) => row.id);
}

export function connectionStatusOf(db: DbOrTx, connectionId: string): Pick<ConnectionRow, 'id' | 'status'> | undefined {
  return statementsOf(db).connectionStatus.get({ connectionId });
}

// ---- change detection -------------------------------------------------------------------------------------------

export function activeTriggersOf(db: DbOrTx, connectionId: string): TriggerRow[] {
  return db
    .select()
    .from(triggers)
    .where(and(eq(triggers.connectionId, connectionId), eq(triggers.active, true)))
    .all();
}

/** Whether an active trigger of the connection has an empty query (it selects every entity). */
export function hasCatchAllTrigger(db: DbOrTx, connectionId: string): boolean {
  return statementsOf(db)
    .activeTriggers.all({ connectionId })
    .some((t) => t.query.trim() === '');
}

/** Where a trigger's next poll starts. */
export function setTriggerCursor(db: DbOrTx, triggerId: string, cursor: string | null): void {
  db.update(triggers).set({ pollCursor: cursor }).where(eq(triggers.id, triggerId)).run();
}

/** How many entities the connection has twins for. */
export function twinCount(db: DbOrTx, connectionId: string): number {
  return statementsOf(db).twinCount.get({ connectionId })?.n ?? 0;
}

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

/**
 * Our twin of an entity of the other side, for a message it sent: the row recorded for its entity; before its ack
 * arrived, ours by the id the sender names, but only while that row records no entity of theirs (a sender cannot
 * claim another pair's ticket, nor a pair it unlinked from another of its entities).
 */
export function twinNamedBySender(
  db: DbOrTx,
  connectionId: string,
  senderEntityId: string,
  namedLocalId: string | null | undefined,
): TwinRow | undefined {
  const bySender = twinByRemote(db, connectionId, senderEntityId);
  if (bySender) return bySender;
  if (!namedLocalId) return undefined;
  const named = twinByLocal(db, connectionId, namedLocalId);
  return named && named.remoteEntityId === null ? named : undefined;
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
    kind: MessageKind;
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

/** Queued changes of these connections that are due, oldest first. */
export function dueChanges(db: DbOrTx, connectionIds: string[], now: Date, limit: number): ChangeRow[] {
  return db
    .select()
    .from(changeQueue)
    .where(
      and(
        inArray(changeQueue.connectionId, connectionIds),
        or(isNull(changeQueue.notBefore), lte(changeQueue.notBefore, now)),
      ),
    )
    .orderBy(asc(changeQueue.id))
    .limit(limit)
    .all();
}

/** A change waits until `notBefore`; with `attempts`, after that many failed tries. */
export function holdChange(db: DbOrTx, id: number, hold: { notBefore: Date; attempts?: number }): void {
  db.update(changeQueue).set(hold).where(eq(changeQueue.id, id)).run();
}

/** A change that can never be sent (its error is recorded): removed whatever was queued after it. */
export function dropChange(db: DbOrTx, id: number): void {
  db.delete(changeQueue).where(eq(changeQueue.id, id)).run();
}

/** When the next held-back change comes due (ms since epoch), or null when none waits. */
export function nextDueChangeAt(db: DbOrTx, now: Date): number | null {
  return statementsOf(db).nextDueChange.get({ nowMs: now.getTime() })?.at ?? null;
}

// ---- outbox -----------------------------------------------------------------------------------------------------

/** The next queued messages of a connection, in id order. */
export function queuedMessages(db: DbOrTx, connectionId: string, limit: number): OutboxRow[] {
  return statementsOf(db).queuedMessages.all({ connectionId, limit });
}

/** A queued message as it travels to the other node (pushed, or pulled by it). */
export function outgoingMessageOf(row: OutboxRow): OutgoingMessage {
  return {
    idempotencyKey: row.idempotencyKey,
    kind: row.kind,
    entityKey:
      row.kind === 'replica' || row.kind === 'deleted'
        ? ((row.payload as { entityKey?: string | null }).entityKey ?? null)
        : null,
    payload: row.payload,
  };
}

/** A batch the other node did not take: each message counts the attempt and keeps the reason. */
export function noteSendFailure(db: DbOrTx, messages: OutboxRow[], reason: string): void {
  for (const m of messages)
    db.update(outbox)
      .set({ attempts: m.attempts + 1, lastError: reason })
      .where(eq(outbox.id, m.id))
      .run();
}

export function markDelivered(db: DbOrTx, ids: number[], at: Date): void {
  const statement = statementsOf(db).markDelivered;
  for (const id of ids) statement.run({ id, atMs: at.getTime() });
}

/** What the other side asks for with `after`: queued messages up to it were received there, so they are delivered. */
export function markPulledUpTo(db: DbOrTx, connectionId: string, after: number, at: Date): void {
  db.update(outbox)
    .set({ status: 'delivered', deliveredAt: at })
    .where(and(eq(outbox.connectionId, connectionId), eq(outbox.status, 'queued'), lte(outbox.id, after)))
    .run();
}

/** Messages of a connection after an id, in id order (delivered or not: the puller decides what it has). */
export function messagesAfterId(db: DbOrTx, connectionId: string, after: number, limit: number): OutboxRow[] {
  return db
    .select()
    .from(outbox)
    .where(and(eq(outbox.connectionId, connectionId), gt(outbox.id, after)))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .all();
}

// ---- inbox ------------------------------------------------------------------------------------------------------

/**
 * Stores messages from the other node in the inbox; one seen before (its idempotency key) is not stored twice. Says
 * which were new and which were repeats.
 */
export function storeReceived(
  db: DbOrTx,
  connectionId: string,
  messages: ReadonlyArray<{
    idempotencyKey: string;
    kind: MessageKind;
    entityKey: string | null;
    payload: unknown;
  }>,
  at: Date,
): { accepted: string[]; duplicates: string[] } {
  const accepted: string[] = [];
  const duplicates: string[] = [];
  for (const message of messages) {
    const result = db
      .insert(inbox)
      .values({
        connectionId,
        idempotencyKey: message.idempotencyKey,
        kind: message.kind,
        entityKey: message.entityKey,
        payload: message.payload ?? null,
        receivedAt: at,
      })
      .onConflictDoNothing()
      .run();
    (result.changes === 1 ? accepted : duplicates).push(message.idempotencyKey);
  }
  return { accepted, duplicates };
}

/** Received messages of these connections not applied yet, oldest first. */
export function unappliedInbox(db: DbOrTx, connectionIds: string[], limit: number): InboxRow[] {
  return db
    .select()
    .from(inbox)
    .where(and(inArray(inbox.connectionId, connectionIds), isNull(inbox.appliedAt)))
    .orderBy(asc(inbox.id))
    .limit(limit)
    .all();
}

/** Records which remote entity each message is about (read from its payload once). */
export function nameInboxEntities(db: DbOrTx, named: ReadonlyArray<{ id: number; remoteEntityId: string }>): void {
  for (const { id, remoteEntityId } of named) db.update(inbox).set({ remoteEntityId }).where(eq(inbox.id, id)).run();
}

/** The oldest message of a remote entity not applied yet. */
export function firstUnappliedOf(db: DbOrTx, connectionId: string, remoteEntityId: string): InboxRow | undefined {
  return db
    .select()
    .from(inbox)
    .where(and(eq(inbox.connectionId, connectionId), eq(inbox.remoteEntityId, remoteEntityId), isNull(inbox.appliedAt)))
    .orderBy(asc(inbox.id))
    .get();
}

/** A message waits until `nextAttemptAt`, after that many failed tries. */
export function holdInbox(db: DbOrTx, id: number, hold: { attempts: number; nextAttemptAt: Date }): void {
  db.update(inbox).set(hold).where(eq(inbox.id, id)).run();
}

/** A replica being applied: the marker its create carries, so a crash halfway can find what it made. */
export function markApplying(
  db: DbOrTx,
  id: number,
  applying: { applyMarker: string; applyStartedAt: Date; remoteEntityId: string },
): void {
  db.update(inbox)
    .set({ state: 'applying', ...applying })
    .where(eq(inbox.id, id))
    .run();
}

/** Changes a twin link in place (an existing link, after a replica was applied). */
export function updateTwin(
  db: DbOrTx,
  connectionId: string,
  localEntityId: string,
  changes: Partial<Omit<TwinRow, 'connectionId' | 'localEntityId' | 'createdAt'>>,
): void {
  db.update(twinLinks)
    .set(changes)
    .where(and(eq(twinLinks.connectionId, connectionId), eq(twinLinks.localEntityId, localEntityId)))
    .run();
}

/** The pair stops syncing (an admin unlinked it on either side): the row stays, so a later sync finds the twin. */
export function markUnlinked(db: DbOrTx, connectionId: string, localEntityId: string, at: Date): void {
  updateTwin(db, connectionId, localEntityId, { unlinkedAt: at, unlinkedReason: 'unlinked', updatedAt: at });
}

/** An unlinked pair's row given up for a new link of one of its entities (to another twin). */
export function deleteTwin(db: DbOrTx, connectionId: string, localEntityId: string): void {
  db.delete(twinLinks)
    .where(and(eq(twinLinks.connectionId, connectionId), eq(twinLinks.localEntityId, localEntityId)))
    .run();
}

/** A queued change of an entity whose pair was unlinked: nothing is sent for it any more. */
export function dropChangesOf(db: DbOrTx, connectionId: string, entityId: string): void {
  db.delete(changeQueue)
    .where(and(eq(changeQueue.connectionId, connectionId), eq(changeQueue.entityId, entityId)))
    .run();
}

/** Which side unlinked the pair last: this one (it sent the unlink) or the other (it sent one to us). */
export function unlinkedBy(
  db: DbOrTx,
  connectionId: string,
  localEntityId: string,
  remoteEntityId: string | null,
): 'this side' | 'the other side' {
  const sent = db
    .select({ at: max(outbox.createdAt) })
    .from(outbox)
    .where(and(eq(outbox.connectionId, connectionId), eq(outbox.kind, 'unlink'), eq(outbox.entityId, localEntityId)))
    .get();
  const received =
    remoteEntityId === null
      ? undefined
      : db
          .select({ at: max(inbox.receivedAt) })
          .from(inbox)
          .where(
            and(
              eq(inbox.connectionId, connectionId),
              eq(inbox.kind, 'unlink'),
              sql`json_extract(${inbox.payload}, '$.entityId') = ${remoteEntityId}`,
            ),
          )
          .get();
  const time = (value: unknown) => (value === null || value === undefined ? -1 : Number(value));
  return time(received?.at) > time(sent?.at) ? 'the other side' : 'this side';
}

// ---- what waits (the ticket and queue views: read only) ---------------------------------------------------------

/** One item waiting in a stage of the pipeline: a change to read, a message to send, a message to apply. */
export interface WaitingItem {
  stage: 'change' | 'outbox' | 'inbox';
  id: number;
  /** change/outbox: the local entity (for an ack, the other side's); inbox: the other side's entity, once named. */
  entityId: string | null;
  entityKey: string | null;
  kind: string;
  /** Since when it waits: queued, created or received. */
  since: Date;
  attempts: number;
  /** Not tried again before this (backoff); null when due now. */
  notBefore: Date | null;
  lastError: string | null;
}

const changeItem = (row: ChangeRow, entityKey: string | null): WaitingItem => ({
  stage: 'change',
  id: row.id,
  entityId: row.entityId,
  entityKey,
  kind: row.reason,
  since: row.queuedAt,
  attempts: row.attempts,
  notBefore: row.notBefore,
  lastError: null,
});

/** A message the other node did not take waits for the sender's next attempt (one backoff for the connection). */
const outboxItem = (row: OutboxRow, nextSendAt: Date | null): WaitingItem => ({
  stage: 'outbox',
  id: row.id,
  entityId: row.entityId,
  entityKey: (row.payload as { entityKey?: string | null } | null)?.entityKey ?? null,
  kind: row.kind,
  since: row.createdAt,
  attempts: row.attempts,
  notBefore: row.attempts > 0 ? nextSendAt : null,
  lastError: row.lastError,
});

const inboxItem = (row: InboxRow): WaitingItem => ({
  stage: 'inbox',
  id: row.id,
  entityId: row.remoteEntityId ?? (row.payload as { entityId?: string } | null)?.entityId ?? null,
  entityKey: row.entityKey,
  kind: row.kind,
  since: row.receivedAt,
  attempts: row.attempts,
  notBefore: row.nextAttemptAt,
  lastError: null,
});

/** What waits for one entity: its queued change and replicas (local id), the other side's messages (remote id). */
export function waitingForEntity(
  db: DbOrTx,
  connectionId: string,
  localEntityId: string,
  remoteEntityId: string | null,
): WaitingItem[] {
  const key = twinByLocal(db, connectionId, localEntityId)?.localKey ?? null;
  const changes = db
    .select()
    .from(changeQueue)
    .where(and(eq(changeQueue.connectionId, connectionId), eq(changeQueue.entityId, localEntityId)))
    .all()
    .map((row) => changeItem(row, key));
  const sent = db
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.connectionId, connectionId),
        eq(outbox.status, 'queued'),
        eq(outbox.kind, 'replica'),
        eq(outbox.entityId, localEntityId),
      ),
    )
    .orderBy(asc(outbox.id))
    .all()
    .map((row) => outboxItem(row, senderStateOf(db, connectionId)?.nextSendAt ?? null));
  const received =
    remoteEntityId === null
      ? []
      : db
          .select()
          .from(inbox)
          .where(
            and(
              eq(inbox.connectionId, connectionId),
              isNull(inbox.appliedAt),
              or(
                eq(inbox.remoteEntityId, remoteEntityId),
                sql`json_extract(${inbox.payload}, '$.entityId') = ${remoteEntityId}`,
              ),
            ),
          )
          .orderBy(asc(inbox.id))
          .all()
          .map(inboxItem);
  return [...changes, ...sent, ...received];
}

/** When the entity last went out (a replica the other node took) and last came in (the other side's replica applied). */
export function lastSyncOfEntity(
  db: DbOrTx,
  connectionId: string,
  localEntityId: string,
  remoteEntityId: string | null,
): { sentAt: Date | null; receivedAt: Date | null } {
  const sent = db
    .select({ at: max(outbox.deliveredAt) })
    .from(outbox)
    .where(and(eq(outbox.connectionId, connectionId), eq(outbox.kind, 'replica'), eq(outbox.entityId, localEntityId)))
    .get();
  const received =
    remoteEntityId === null
      ? undefined
      : db
          .select({ at: max(inbox.appliedAt) })
          .from(inbox)
          .where(
            and(
              eq(inbox.connectionId, connectionId),
              eq(inbox.kind, 'replica'),
              eq(inbox.remoteEntityId, remoteEntityId),
            ),
          )
          .get();
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));
  return { sentAt: date(sent?.at), receivedAt: date(received?.at) };
}

/** The other side's key and web address for its entity, as its last message about it said (null while unknown). */
export function remoteNameOf(
  db: DbOrTx,
  connectionId: string,
  remoteEntityId: string,
): { key: string | null; url: string | null } {
  const rows = db
    .select({ kind: inbox.kind, entityKey: inbox.entityKey, payload: inbox.payload })
    .from(inbox)
    .where(
      and(eq(inbox.connectionId, connectionId), sql`json_extract(${inbox.payload}, '$.entityId') = ${remoteEntityId}`),
    )
    .orderBy(desc(inbox.id))
    .limit(20)
    .all();
  const payloadOf = (row: (typeof rows)[number]) => row.payload as { entityKey?: unknown; entityUrl?: unknown } | null;
  const keyed = rows.find((row) => typeof payloadOf(row)?.entityKey === 'string');
  const url = rows.map((row) => payloadOf(row)?.entityUrl).find((u): u is string => typeof u === 'string');
  return { key: keyed ? (payloadOf(keyed)!.entityKey as string) : null, url: url ?? null };
}

/** The twin link of a local entity named by the key people use (`#12`) or its id. */
export function twinByLocalKey(db: DbOrTx, connectionId: string, key: string): TwinRow | undefined {
  return db
    .select()
    .from(twinLinks)
    .where(
      and(eq(twinLinks.connectionId, connectionId), or(eq(twinLinks.localKey, key), eq(twinLinks.localEntityId, key))),
    )
    .get();
}

/** Per stage: how many wait, since when the oldest waits, and how many of them wait on what. */
export interface StageCount {
  count: number;
  oldest: Date | null;
  /** Held by an unresolved error of their entity: they wait for Retry or Resolve on the error, not for time. */
  blocked: number;
  /** Not blocked, and not tried again before a later time (a backoff): Retry now makes them due. */
  onBackoff: number;
  /** The oldest that is not blocked: what a stuck queue is judged by (a blocked entity is an error of its own). */
  oldestUnblocked: Date | null;
}

const dateOf = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)));

/** How many items wait in each stage, since when, and how many are blocked or on a backoff at `now`. */
export function stageCounts(db: DbOrTx, connectionId: string, now: Date): Record<WaitingItem['stage'], StageCount> {
  const s = statementsOf(db);
  const nowMs = now.getTime();
  type Figures = { n: number; oldest: unknown; blocked: unknown; onBackoff: unknown; oldestUnblocked: unknown };
  const figure = (row: Figures | undefined): StageCount => ({
    count: row?.n ?? 0,
    oldest: dateOf(row?.oldest),
    blocked: Number(row?.blocked ?? 0),
    onBackoff: Number(row?.onBackoff ?? 0),
    oldestUnblocked: dateOf(row?.oldestUnblocked),
  });
  const sent = s.stageOutbox.get({ connectionId });
  // Messages to the other node wait on one backoff, the connection's: all of them go when it ends.
  const nextSendAt = senderStateOf(db, connectionId)?.nextSendAt ?? null;
  const sending = nextSendAt !== null && nextSendAt.getTime() > nowMs;
  return {
    change: figure(s.stageChange.get({ connectionId, nowMs })),
    outbox: figure(sent && { ...sent, blocked: 0, onBackoff: sending ? sent.n : 0, oldestUnblocked: sent.oldest }),
    inbox: figure(s.stageInbox.get({ connectionId, nowMs })),
  };
}

/** The items that have waited longest, over all stages, oldest first. */
export function longestWaiting(db: DbOrTx, connectionId: string, limit: number): WaitingItem[] {
  const changes = db
    .select({ change: changeQueue, localKey: twinLinks.localKey })
    .from(changeQueue)
    .leftJoin(
      twinLinks,
      and(eq(twinLinks.connectionId, changeQueue.connectionId), eq(twinLinks.localEntityId, changeQueue.entityId)),
    )
    .where(eq(changeQueue.connectionId, connectionId))
    .orderBy(asc(changeQueue.queuedAt))
    .limit(limit)
    .all()
    .map((row) => changeItem(row.change, row.localKey));
  const sent = db
    .select()
    .from(outbox)
    .where(and(eq(outbox.connectionId, connectionId), eq(outbox.status, 'queued')))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .all()
    .map((row) => outboxItem(row, senderStateOf(db, connectionId)?.nextSendAt ?? null));
  const received = db
    .select()
    .from(inbox)
    .where(and(eq(inbox.connectionId, connectionId), isNull(inbox.appliedAt)))
    .orderBy(asc(inbox.id))
    .limit(limit)
    .all()
    .map(inboxItem);
  return [...changes, ...sent, ...received].sort((x, y) => x.since.getTime() - y.since.getTime()).slice(0, limit);
}

/** What the other node last took from us: the last message it acknowledged receiving (pushed, or pulled by it). */
export function lastDeliveredOf(db: DbOrTx, connectionId: string): { id: number; at: Date } | null {
  const row = db
    .select({ id: outbox.id, at: outbox.deliveredAt })
    .from(outbox)
    .where(and(eq(outbox.connectionId, connectionId), eq(outbox.status, 'delivered')))
    .orderBy(desc(outbox.deliveredAt), desc(outbox.id))
    .get();
  return row?.at ? { id: row.id, at: row.at } : null;
}

/** The sender's health without creating the row (a connection that never synced has none). */
export function senderStateOf(db: DbOrTx, connectionId: string): SyncStateRow | undefined {
  return statementsOf(db).syncState.get({ connectionId });
}

// ---- Retry now (the queue view) ---------------------------------------------------------------------------------

/**
 * Makes what waits on a backoff due now: change rows and received messages past their next attempt time, and the
 * connection's sending (or pulling) backoff. Items blocked by an unresolved error stay: they wait for Retry or
 * Resolve on the error. Says how many moved per stage.
 */
export function releaseBackoffs(db: DbOrTx, connectionId: string, now: Date): Record<WaitingItem['stage'], number> {
  const change = db
    .update(changeQueue)
    .set({ notBefore: null })
    .where(and(eq(changeQueue.connectionId, connectionId), gt(changeQueue.notBefore, now), sql`not ${changeBlocked}`))
    .run().changes;
  const received = db
    .update(inbox)
    .set({ nextAttemptAt: null })
    .where(
      and(
        eq(inbox.connectionId, connectionId),
        isNull(inbox.appliedAt),
        gt(inbox.nextAttemptAt, now),
        sql`not ${inboxBlocked}`,
      ),
    )
    .run().changes;
  let sent = 0;
  const nextSendAt = senderStateOf(db, connectionId)?.nextSendAt ?? null;
  if (nextSendAt !== null && nextSendAt.getTime() > now.getTime()) {
    sent =
      db
        .select({ n: count() })
        .from(outbox)
        .where(and(eq(outbox.connectionId, connectionId), eq(outbox.status, 'queued')))
        .get()?.n ?? 0;
    updateSyncState(db, connectionId, { nextSendAt: null });
  }
  return { change, outbox: sent, inbox: received };
}
