/**
 * The sync engine: change detection (triggers, the secrets and policies webhooks are checked with, the change queue),
 * the outbox and inbox between nodes, twin links, sync errors and per-connection sync state.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, timestamp } from './columns.ts';
import { connections, instances } from './core.ts';

/** Which local entities a connection syncs: a query in the helpdesk's own syntax (empty: every entity of the type). */
export const triggers = sqliteTable(
  'triggers',
  {
    id: text('id').primaryKey(),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    entityType: text('entity_type').notNull(),
    query: text('query').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    notes: text('notes').notNull().default(''),
    /** Where the last poll of this trigger's query stopped (a connector cursor). */
    pollCursor: text('poll_cursor'),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('triggers_connection_idx').on(t.connectionId)],
);

/** The secret an instance's helpdesk webhooks must carry (x-deskbridge-secret header, or Xurrent's ?secret=); sealed. */
export const webhookSecrets = sqliteTable('webhook_secrets', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  secretEnc: text('secret_enc').notNull(),
  createdAt: createdAt(),
});

/**
 * The Xurrent webhook policy an instance's webhooks are signed with (`deskbridge instances webhook --policy-*`): its
 * JWT algorithm, audience, and the public key (RS/ES) or shared secret (HS) Xurrent gave when it was made; sealed.
 */
export const xurrentWebhookPolicies = sqliteTable('xurrent_webhook_policies', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  algorithm: text('algorithm').notNull(),
  audience: text('audience'),
  keyEnc: text('key_enc').notNull(),
  createdAt: createdAt(),
});

/** Local entities that changed and still have to be looked at; one row per entity, so repeated changes coalesce. */
export const changeQueue = sqliteTable(
  'change_queue',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    entityId: text('entity_id').notNull(),
    /** webhook | poll | trigger | bulk | retry */
    reason: text('reason').notNull(),
    /** Set by a bulk sync: send even when the replica equals the last one sent. */
    force: integer('force', { mode: 'boolean' }).notNull().default(false),
    queuedAt: timestamp('queued_at').notNull(),
    /** After a helpdesk failure: not before this time (backoff). */
    notBefore: timestamp('not_before'),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [uniqueIndex('change_queue_entity_idx').on(t.connectionId, t.entityId)],
);

/**
 * Messages to the other node. The id is the per-node sequence a pulling (private) peer passes as `after`.
 * For a replica, entity_id is the local entity; for an ack, the entity on the other side it acknowledges.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    entityId: text('entity_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    kind: text('kind', { enum: ['replica', 'ack', 'link', 'unlink', 'deleted'] }).notNull(),
    payload: text('payload', { mode: 'json' }).$type<unknown>().notNull(),
    status: text('status', { enum: ['queued', 'delivered'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at').notNull(),
    deliveredAt: timestamp('delivered_at'),
  },
  (t) => [index('outbox_connection_status_idx').on(t.connectionId, t.status, t.id)],
);

/** Sync messages received from the other node, stored before they are acknowledged; applied by the sync engine. */
export const inbox = sqliteTable(
  'inbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    idempotencyKey: text('idempotency_key').notNull(),
    kind: text('kind').notNull(),
    entityKey: text('entity_key'),
    payload: text('payload', { mode: 'json' }).$type<unknown>().notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    appliedAt: integer('applied_at', { mode: 'timestamp_ms' }),
    /** received -> applying (a helpdesk write may have happened; see apply_marker) -> applied. */
    state: text('state', { enum: ['received', 'applying', 'applied'] })
      .notNull()
      .default('received'),
    /** The other side's entity id the message is about: messages of one entity apply in id order. */
    remoteEntityId: text('remote_entity_id'),
    /** Written into the entity a create makes, so a replay after a crash finds it instead of creating another. */
    applyMarker: text('apply_marker'),
    applyStartedAt: integer('apply_started_at', { mode: 'timestamp_ms' }),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('inbox_connection_key_idx').on(t.connectionId, t.idempotencyKey),
    index('inbox_pending_idx').on(t.connectionId, t.appliedAt, t.id),
  ],
);

/** A local entity and its twin on the other side, with what was last sent and applied, and comment/attachment ids. */
export const twinLinks = sqliteTable(
  'twin_links',
  {
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    localEntityId: text('local_entity_id').notNull(),
    localKey: text('local_key'),
    /** Null until the other side acknowledges the first replica. */
    remoteEntityId: text('remote_entity_id'),
    lastSentHash: text('last_sent_hash'),
    /** The replica last sent, for the outgoing script's `previous`. */
    lastSentReplica: text('last_sent_replica', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    lastAppliedHash: text('last_applied_hash'),
    lastAppliedReplica: text('last_applied_replica', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    /** local comment id -> remote comment id */
    commentMap: text('comment_map', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    attachmentMap: text('attachment_map', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    /**
     * Set when the pair stopped syncing: an admin unlinked it, or one of the two tickets was deleted. The row stays,
     * so syncing it again later finds the twin instead of creating another. Null while the pair syncs.
     */
    unlinkedAt: timestamp('unlinked_at'),
    /** Why it stopped: unlinked (an admin, on either side) | deleted_local (ours was deleted) | deleted_remote. */
    unlinkedReason: text('unlinked_reason', { enum: ['unlinked', 'deleted_local', 'deleted_remote'] }),
    updatedAt: timestamp('updated_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.localEntityId] }),
    uniqueIndex('twin_links_remote_idx').on(t.connectionId, t.remoteEntityId),
  ],
);

/** What went wrong syncing one entity (or the connection); an unresolved entity error blocks that entity only. */
export const syncErrors = sqliteTable(
  'sync_errors',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    direction: text('direction', { enum: ['outgoing', 'incoming'] }).notNull(),
    /** Outgoing: the local entity id; incoming: the other side's entity id. */
    entityId: text('entity_id'),
    entityKey: text('entity_key'),
    impact: text('impact', { enum: ['entity', 'connection', 'trigger'] }).notNull(),
    type: text('type').notNull(),
    message: text('message').notNull(),
    line: integer('line'),
    column: integer('column'),
    retries: integer('retries').notNull().default(0),
    resolvedAt: timestamp('resolved_at'),
    resolvedBy: text('resolved_by'),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [index('sync_errors_connection_idx').on(t.connectionId, t.resolvedAt)],
);

/** Per-connection sync bookkeeping: the poll cursor for entities under sync, the pull cursor, sender health. */
export const syncState = sqliteTable('sync_state', {
  connectionId: text('connection_id')
    .primaryKey()
    .references(() => connections.id, { onDelete: 'cascade' }),
  /** Where the last "changed since" poll (entities already under sync) stopped. */
  pollCursor: text('poll_cursor'),
  /** A private node pulling from the other side: the last message id it received. */
  pullAfter: integer('pull_after').notNull().default(0),
  /** Since when sending to (or pulling from) the other node has failed without a success; null when healthy. */
  failingSince: timestamp('failing_since'),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  /** Backoff after a failed send or pull: the next attempt is not before this. */
  nextSendAt: timestamp('next_send_at'),
  /** Whether this (acceptor) side pulls: unknown (null) until the other side says 'pull' or 'push'. */
  pullMode: text('pull_mode', { enum: ['pull', 'push'] }),
  /** A webhook named an entity not under sync: run the trigger queries at the next pass instead of waiting. */
  triggerPollDue: integer('trigger_poll_due', { mode: 'boolean' }).notNull().default(false),
  lastTriggerPollAt: timestamp('last_trigger_poll_at'),
  lastFailure: text('last_failure'),
});
