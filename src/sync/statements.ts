import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import {
  changeQueue,
  connections,
  inbox,
  instances,
  outbox,
  syncErrors,
  syncState,
  triggers,
  twinLinks,
} from '../../db/schema/index.ts';
import type { DbOrTx } from '../../db/client.ts';
import { preparedPerDatabase } from '../../db/prepared.ts';

const p = (name: string) => sql.placeholder(name);
/**
 * A placeholder bound as is, skipping the column's encoder (drizzle would turn a null JSON value into the text
 * "null"): callers pass what SQLite stores, through `json` and `ms`.
 */
const raw = (name: string) => sql`${sql.placeholder(name)}`;

/** A JSON column's stored text (null stays NULL). */
export const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
/** A timestamp column's stored milliseconds. */
export const ms = (value: Date | null | undefined): number | null => (value ? value.getTime() : null);

/** The change row's entity has an unresolved outgoing error (as the engine's isBlocked asks): it waits for that. */
export const changeBlocked = sql`exists (select 1 from sync_errors e where e.connection_id = "change_queue"."connection_id"
  and e.direction = 'outgoing' and e.entity_id = "change_queue"."entity_id" and e.resolved_at is null)`;
/** A received replica of an entity with an unresolved incoming error (acks never block). */
export const inboxBlocked = sql`("inbox"."kind" <> 'ack' and exists (select 1 from sync_errors e
  where e.connection_id = "inbox"."connection_id" and e.direction = 'incoming' and e.entity_id = "inbox"."remote_entity_id"
  and e.resolved_at is null))`;

/** Connections whose changes are collected (a deactivated one queues them). */
const collecting = ['active', 'deactivated', 'error'] as const;
/** Connections that process and exchange messages. */
const running = ['active', 'error'] as const;

/** A queued outbox message, bound from the same parameters whether or not a repeat is ignored. */
const outboxRow = {
  connectionId: p('connectionId'),
  entityId: p('entityId'),
  idempotencyKey: p('idempotencyKey'),
  kind: p('kind'),
  payload: raw('payload'),
  status: 'queued' as const,
  nextAttemptAt: raw('atMs'),
  createdAt: raw('atMs'),
};

/** The queries the sync runs for every entity (several times per synced entity), prepared once per database. */
function prepare(db: DbOrTx) {
  return {
    twinByLocal: db
      .select()
      .from(twinLinks)
      .where(and(eq(twinLinks.connectionId, p('connectionId')), eq(twinLinks.localEntityId, p('entityId'))))
      .prepare(),
    twinByRemote: db
      .select()
      .from(twinLinks)
      .where(and(eq(twinLinks.connectionId, p('connectionId')), eq(twinLinks.remoteEntityId, p('entityId'))))
      .prepare(),
    syncState: db
      .select()
      .from(syncState)
      .where(eq(syncState.connectionId, p('connectionId')))
      .prepare(),
    blocked: db
      .select({ id: syncErrors.id })
      .from(syncErrors)
      .where(
        and(
          eq(syncErrors.connectionId, p('connectionId')),
          eq(syncErrors.direction, p('direction')),
          eq(syncErrors.entityId, p('entityId')),
          isNull(syncErrors.resolvedAt),
        ),
      )
      .prepare(),
    // An unlinked pair keeps its row (a later sync finds the twin) but is no longer under sync.
    twinCount: db
      .select({ n: count() })
      .from(twinLinks)
      .where(and(eq(twinLinks.connectionId, p('connectionId')), isNull(twinLinks.unlinkedAt)))
      .prepare(),
    setCounters: db
      .update(connections)
      // Raw placeholders in SET skip the column encoders: `atMs` is the time in ms, as the column stores it.
      .set({
        entitiesUnderSync: sql`${p('total')}`,
        lastSyncEntity: sql`${p('entityKey')}`,
        lastSyncAt: sql`${p('atMs')}`,
      })
      .where(eq(connections.id, p('connectionId')))
      .prepare(),
    setCount: db
      .update(connections)
      .set({ entitiesUnderSync: sql`${p('total')}` })
      .where(eq(connections.id, p('connectionId')))
      .prepare(),
    enqueue: db
      .insert(changeQueue)
      .values({
        connectionId: p('connectionId'),
        entityId: p('entityId'),
        reason: p('reason'),
        force: p('force'),
        queuedAt: p('at'),
      })
      .onConflictDoUpdate({
        target: [changeQueue.connectionId, changeQueue.entityId],
        set: { queuedAt: sql`excluded.queued_at`, reason: sql`excluded.reason` },
      })
      .prepare(),
    // A change of an entity this node has just written: most likely the echo of those writes, so it waits until the
    // webhooks stop coming (each one pushes notBefore out again).
    enqueueDeferred: db
      .insert(changeQueue)
      .values({
        connectionId: p('connectionId'),
        entityId: p('entityId'),
        reason: p('reason'),
        force: false,
        queuedAt: p('at'),
        notBefore: p('notBefore'),
      })
      .onConflictDoUpdate({
        target: [changeQueue.connectionId, changeQueue.entityId],
        set: {
          queuedAt: sql`excluded.queued_at`,
          reason: sql`excluded.reason`,
          notBefore: sql`max(coalesce(${changeQueue.notBefore}, 0), excluded.not_before)`,
        },
      })
      .prepare(),
    enqueueForced: db
      .insert(changeQueue)
      .values({
        connectionId: p('connectionId'),
        entityId: p('entityId'),
        reason: p('reason'),
        force: p('force'),
        queuedAt: p('at'),
      })
      .onConflictDoUpdate({
        target: [changeQueue.connectionId, changeQueue.entityId],
        set: { queuedAt: sql`excluded.queued_at`, reason: sql`excluded.reason`, force: sql`excluded.force` },
      })
      .prepare(),
    insertOutbox: db.insert(outbox).values(outboxRow).prepare(),
    insertOutboxOnce: db.insert(outbox).values(outboxRow).onConflictDoNothing().prepare(),
    insertTwin: db
      .insert(twinLinks)
      .values({
        connectionId: p('connectionId'),
        localEntityId: p('localEntityId'),
        localKey: p('localKey'),
        remoteEntityId: p('remoteEntityId'),
        lastSentHash: p('lastSentHash'),
        lastSentReplica: raw('lastSentReplica'),
        lastAppliedHash: p('lastAppliedHash'),
        lastAppliedReplica: raw('lastAppliedReplica'),
        commentMap: raw('commentMap'),
        attachmentMap: raw('attachmentMap'),
        updatedAt: raw('updatedAtMs'),
        createdAt: raw('createdAtMs'),
      })
      .prepare(),
    recordSent: db
      .update(twinLinks)
      .set({
        lastSentHash: raw('lastSentHash'),
        lastSentReplica: raw('lastSentReplica'),
        localKey: raw('localKey'),
        attachmentMap: raw('attachmentMap'),
        updatedAt: raw('atMs'),
      })
      .where(and(eq(twinLinks.connectionId, p('connectionId')), eq(twinLinks.localEntityId, p('localEntityId'))))
      .prepare(),
    recordAck: db
      .update(twinLinks)
      .set({
        remoteEntityId: raw('remoteEntityId'),
        commentMap: raw('commentMap'),
        attachmentMap: raw('attachmentMap'),
        updatedAt: raw('atMs'),
      })
      .where(and(eq(twinLinks.connectionId, p('connectionId')), eq(twinLinks.localEntityId, p('localEntityId'))))
      .prepare(),
    markApplied: db
      .update(inbox)
      .set({ appliedAt: raw('atMs'), state: 'applied' })
      .where(eq(inbox.id, p('id')))
      .prepare(),
    removeChange: db
      .delete(changeQueue)
      .where(and(eq(changeQueue.id, p('id')), eq(changeQueue.queuedAt, raw('queuedAtMs'))))
      .prepare(),
    queuedMessages: db
      .select()
      .from(outbox)
      .where(and(eq(outbox.connectionId, p('connectionId')), eq(outbox.status, 'queued')))
      .orderBy(outbox.id)
      .limit(p('limit'))
      .prepare(),
    markDelivered: db
      .update(outbox)
      .set({ status: 'delivered', deliveredAt: raw('atMs') })
      .where(eq(outbox.id, p('id')))
      .prepare(),
    connectionStatus: db
      .select({ id: connections.id, status: connections.status })
      .from(connections)
      .where(eq(connections.id, p('connectionId')))
      .prepare(),
    nextDueChange: db
      .select({ at: sql<number | null>`min(${changeQueue.notBefore})` })
      .from(changeQueue)
      .where(sql`${changeQueue.notBefore} > ${p('nowMs')}`)
      .prepare(),
    connectionsCollecting: db
      .select()
      .from(connections)
      .where(inArray(connections.status, [...collecting]))
      .prepare(),
    connectionsRunning: db
      .select()
      .from(connections)
      .where(inArray(connections.status, [...running]))
      .prepare(),
    instanceBySlug: db
      .select({ id: instances.id })
      .from(instances)
      .where(eq(instances.slug, p('slug')))
      .prepare(),
    collectingOfInstance: db
      .select({ id: connections.id })
      .from(connections)
      .where(and(eq(connections.instanceId, p('instanceId')), inArray(connections.status, [...collecting])))
      .prepare(),
    activeTriggers: db
      .select({ query: triggers.query })
      .from(triggers)
      .where(and(eq(triggers.connectionId, p('connectionId')), eq(triggers.active, true)))
      .prepare(),
    // The queue's figures per stage (the queue view, the health check of every connection, the digest).
    stageChange: db
      .select({
        n: count(),
        oldest: sql<number | null>`min(${changeQueue.queuedAt})`,
        blocked: sql<number>`coalesce(sum(case when ${changeBlocked} then 1 else 0 end), 0)`,
        onBackoff: sql<number>`coalesce(sum(case when not ${changeBlocked} and ${changeQueue.notBefore} > ${p('nowMs')} then 1 else 0 end), 0)`,
        oldestUnblocked: sql<number | null>`min(case when not ${changeBlocked} then ${changeQueue.queuedAt} end)`,
      })
      .from(changeQueue)
      .where(eq(changeQueue.connectionId, p('connectionId')))
      .prepare(),
    stageInbox: db
      .select({
        n: count(),
        oldest: sql<number | null>`min(${inbox.receivedAt})`,
        blocked: sql<number>`coalesce(sum(case when ${inboxBlocked} then 1 else 0 end), 0)`,
        onBackoff: sql<number>`coalesce(sum(case when not ${inboxBlocked} and ${inbox.nextAttemptAt} > ${p('nowMs')} then 1 else 0 end), 0)`,
        oldestUnblocked: sql<number | null>`min(case when not ${inboxBlocked} then ${inbox.receivedAt} end)`,
      })
      .from(inbox)
      .where(and(eq(inbox.connectionId, p('connectionId')), isNull(inbox.appliedAt)))
      .prepare(),
    stageOutbox: db
      .select({ n: count(), oldest: sql<number | null>`min(${outbox.createdAt})` })
      .from(outbox)
      .where(and(eq(outbox.connectionId, p('connectionId')), eq(outbox.status, 'queued')))
      .prepare(),
  };
}

export const statementsOf = preparedPerDatabase(prepare);
