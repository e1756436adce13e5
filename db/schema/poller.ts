/**
 * The poller and status notifications: channel subscriptions, the notification outbox, the poller's cursors and lease,
 * connection health.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { chatPlatform, createdAt, timestamp } from './columns.ts';
import { connections, instances } from './core.ts';

/**
 * A chat channel that receives a connection's status changes (or those of every connection of the instance: scope
 * `*`), and optionally a daily digest. Written by `/bridge subscribe`.
 */
export const chatSubscriptions = sqliteTable(
  'chat_subscriptions',
  {
    id: text('id').primaryKey(),
    platform: chatPlatform(),
    /** The workspace that subscribed (its bot token posts the notices). */
    tenantId: text('tenant_id').notNull(),
    channelId: text('channel_id').notNull(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    /** A connection id, or `*` for every connection of the instance. */
    scope: text('scope').notNull(),
    connectionId: text('connection_id').references(() => connections.id, { onDelete: 'cascade' }),
    digest: integer('digest', { mode: 'boolean' }).notNull().default(false),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chat_subscriptions_scope_idx').on(t.platform, t.channelId, t.instanceId, t.scope),
    index('chat_subscriptions_instance_idx').on(t.instanceId),
  ],
);

/**
 * Notices waiting to be posted, one row per (status event or digest, channel); the dedupe key makes a second
 * fan-out of the same event a no-op. Sent in id order per channel, so a channel told to wait (429) waits alone.
 */
export const notificationOutbox = sqliteTable(
  'notification_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `status:<event id>:<platform>:<channel>` or `digest:<day>:<platform>:<channel>`. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    kind: text('kind', { enum: ['status', 'digest'] }).notNull(),
    statusEventId: integer('status_event_id'),
    platform: chatPlatform(),
    tenantId: text('tenant_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** The neutral message (src/ui/model.ts Message), rendered by the platform's notifier when sent. */
    message: text('message', { mode: 'json' }).$type<unknown>().notNull(),
    state: text('state', { enum: ['queued', 'sent', 'failed'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at').notNull(),
    sentAt: timestamp('sent_at'),
  },
  (t) => [index('notification_outbox_queue_idx').on(t.state, t.platform, t.channelId, t.id)],
);

/** Named positions of the poller: `notifications` is the last status event fanned out to the outbox. */
export const pollerCursors = sqliteTable('poller_cursors', {
  name: text('name').primaryKey(),
  position: integer('position').notNull(),
});

/** Who runs the poller when several processes share the data dir: the holder renews before expires_at or loses it. */
export const pollerLeases = sqliteTable('poller_leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: timestamp('expires_at').notNull(),
  acquiredAt: timestamp('acquired_at').notNull(),
});

/** The poller's view of a connection: consecutive failed checks (hysteresis before `error`) and the last problem. */
export const connectionHealth = sqliteTable('connection_health', {
  connectionId: text('connection_id')
    .primaryKey()
    .references(() => connections.id, { onDelete: 'cascade' }),
  failedChecks: integer('failed_checks').notNull().default(0),
  failingSince: timestamp('failing_since'),
  lastProblem: text('last_problem'),
  lastCheckAt: timestamp('last_check_at').notNull(),
  lastOkAt: timestamp('last_ok_at'),
  /** What the other node said its side is (`active`, `deactivated`, ...), when it answered. */
  remoteStatus: text('remote_status'),
});
