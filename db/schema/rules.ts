/**
 * Sync rules and their governance: rule versions, approvers and approval settings, publish requests, test runs, and
 * uploads waiting for a file.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { chatPlatform, createdAt, timestamp } from './columns.ts';
import { connections, instances } from './core.ts';

/** Versions of a connection's sync scripts: draft -> pending -> published | rejected. */
export const ruleVersions = sqliteTable(
  'rule_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    outgoing: text('outgoing').notNull(),
    incoming: text('incoming').notNull(),
    status: text('status', { enum: ['draft', 'pending', 'published', 'rejected'] }).notNull(),
    author: text('author').notNull(),
    approver: text('approver'),
    note: text('note').notNull().default(''),
    requestedAt: timestamp('requested_at'),
    decidedAt: timestamp('decided_at'),
    publishedAt: timestamp('published_at'),
    updatedAt: timestamp('updated_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('rule_versions_connection_version_idx').on(t.connectionId, t.version)],
);

/** Who may approve rule publishes of an instance: chat users of a workspace that manages it (`approvers add`). */
export const approvers = sqliteTable(
  'approvers',
  {
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    platform: chatPlatform(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    addedBy: text('added_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.platform, t.tenantId, t.userId] })],
);

/** How an instance governs rule publishes: the channel approval cards go to, and whether authors may approve their own. */
export const approvalSettings = sqliteTable('approval_settings', {
  instanceId: text('instance_id')
    .primaryKey()
    .references(() => instances.id, { onDelete: 'cascade' }),
  /** The approvers channel (null until `approvers channel #x`). */
  channelPlatform: text('channel_platform', { enum: ['slack', 'teams'] }),
  channelTenantId: text('channel_tenant_id'),
  channelId: text('channel_id'),
  /** Off by default: the author of a change may not approve it. */
  selfApproval: integer('self_approval', { mode: 'boolean' }).notNull().default(false),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
});

/** A request to publish one rule version: who asked, the test-run summary, where its card is, and the decision. */
export const approvalRequests = sqliteTable(
  'approval_requests',
  {
    id: text('id').primaryKey(),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    ruleVersionId: integer('rule_version_id')
      .notNull()
      .references(() => ruleVersions.id, { onDelete: 'cascade' }),
    /** The published version when it was requested: the card's diff is against it. */
    baseVersion: integer('base_version').notNull(),
    requestedBy: text('requested_by').notNull(),
    /** The requester in chat, to tell them the decision (null when requested outside chat). */
    requesterPlatform: text('requester_platform', { enum: ['slack', 'teams'] }),
    requesterTenantId: text('requester_tenant_id'),
    requesterUserId: text('requester_user_id'),
    testRun: text('test_run', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    cardPlatform: text('card_platform', { enum: ['slack', 'teams'] }),
    cardChannelId: text('card_channel_id'),
    /** Slack message ts, Teams activity id. */
    cardMessageRef: text('card_message_ref'),
    decision: text('decision', { enum: ['approved', 'rejected'] }),
    decidedBy: text('decided_by'),
    reason: text('reason'),
    decidedAt: timestamp('decided_at'),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('approval_requests_version_idx').on(t.ruleVersionId),
    index('approval_requests_connection_idx').on(t.connectionId),
  ],
);

/** Test runs of rule scripts (dry runs against real entities), keyed by the scripts they ran, for the approval card. */
export const ruleTestRuns = sqliteTable(
  'rule_test_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    /** A key of the outgoing and incoming sources: a request finds the test run of exactly its scripts. */
    scriptsKey: text('scripts_key').notNull(),
    actor: text('actor').notNull(),
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [index('rule_test_runs_scripts_idx').on(t.connectionId, t.scriptsKey)],
);

/** `rules upload <connection>` waits for the user's next file (a script too long for a modal input). */
export const ruleUploads = sqliteTable(
  'rule_uploads',
  {
    id: text('id').primaryKey(),
    platform: chatPlatform(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at').notNull(),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [index('rule_uploads_user_idx').on(t.platform, t.tenantId, t.userId)],
);
