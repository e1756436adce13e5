/**
 * The one home of the database schema. Migrations in db/migrations are generated from this file with
 * `npm run db:generate` (drizzle-kit) and committed; they are applied at start.
 * Secrets live only in `*_enc` columns (AES-256-GCM, see src/secrets.ts) or as hashes.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch() * 1000)`);

export const instances = sqliteTable('instances', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  platform: text('platform', { enum: ['freshdesk', 'freshservice', 'xurrent'] }).notNull(),
  baseUrl: text('base_url').notNull(),
  credentialsEnc: text('credentials_enc').notNull(),
  public: integer('public', { mode: 'boolean' }).notNull(),
  licenseKind: text('license_kind', { enum: ['evaluation', 'paid', 'expired'] }).notNull(),
  licenseUntil: integer('license_until', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

export const connections = sqliteTable(
  'connections',
  {
    id: text('id').primaryKey(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id),
    role: text('role', { enum: ['initiator', 'acceptor'] }).notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    localShortName: text('local_short_name').notNull(),
    remoteShortName: text('remote_short_name').notNull(),
    mode: text('mode', { enum: ['basic', 'script'] }).notNull(),
    status: text('status', { enum: ['pending', 'active', 'deactivated', 'error', 'expired'] }).notNull(),
    remoteUrl: text('remote_url'),
    remoteNodeUrl: text('remote_node_url'),
    remoteConnectionId: text('remote_connection_id'),
    remotePlatform: text('remote_platform', { enum: ['freshdesk', 'freshservice', 'xurrent'] }),
    remoteIsPrivate: integer('remote_is_private', { mode: 'boolean' }).notNull().default(false),
    incomingProjectId: text('incoming_project_id'),
    incomingProjectName: text('incoming_project_name'),
    /** The shared HMAC key for node-to-node requests, set once the handshake is done. */
    keyEnc: text('key_enc'),
    entitiesUnderSync: integer('entities_under_sync').notNull().default(0),
    lastSyncEntity: text('last_sync_entity'),
    lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('connections_instance_idx').on(t.instanceId)],
);

export const invitations = sqliteTable('invitations', {
  connectionId: text('connection_id')
    .primaryKey()
    .references(() => connections.id, { onDelete: 'cascade' }),
  secretHash: text('secret_hash').notNull(),
  /** The destination instance URL the code is bound to; null for a private connection. */
  boundDestination: text('bound_destination'),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

export const statusEvents = sqliteTable(
  'status_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: ['pending', 'active', 'deactivated', 'error', 'expired'] }),
    toStatus: text('to_status', { enum: ['pending', 'active', 'deactivated', 'error', 'expired'] }).notNull(),
    reason: text('reason').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('status_events_connection_idx').on(t.connectionId, t.id)],
);

export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  /** Who did it: `cli:<os user>`, `slack:<team>/<user>`, `teams:<tenant>/<aad id>`, `node:<remote url>`. */
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectId: text('subject_id').notNull(),
  details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
});

/** Request ids of signed node requests seen within the signature window: a second use is a replay. */
export const nodeRequestIds = sqliteTable(
  'node_request_ids',
  {
    connectionId: text('connection_id').notNull(),
    requestId: text('request_id').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.requestId] }), index('node_request_ids_at_idx').on(t.at)],
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
  },
  (t) => [uniqueIndex('inbox_connection_key_idx').on(t.connectionId, t.idempotencyKey)],
);

const chatPlatform = () => text('platform', { enum: ['slack', 'teams'] }).notNull();

/** Which instance a chat workspace (Slack team, Teams tenant) manages; written by `/bridge setup`. */
export const chatWorkspaces = sqliteTable(
  'chat_workspaces',
  {
    platform: chatPlatform(),
    tenantId: text('tenant_id').notNull(),
    instanceId: text('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    linkedBy: text('linked_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.tenantId] }), index('chat_workspaces_instance_idx').on(t.instanceId)],
);

/** Chat users made DeskBridge admins of their workspace (`/bridge admins add`), besides workspace admins and owners. */
export const chatAdmins = sqliteTable(
  'chat_admins',
  {
    platform: chatPlatform(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    addedBy: text('added_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.tenantId, t.userId] })],
);

/** A chat wizard in progress (initiate, accept); the modal carries only its id. The state is sealed: it may hold a code. */
export const chatWizards = sqliteTable(
  'chat_wizards',
  {
    id: text('id').primaryKey(),
    platform: chatPlatform(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind', { enum: ['initiate', 'accept'] }).notNull(),
    stateEnc: text('state_enc').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('chat_wizards_expires_idx').on(t.expiresAt)],
);

/**
 * An invitation posted into a (partner) channel: where it is, so it can be updated on acceptance, and whom it is
 * for, so a partner's Accept click is authorized against it. The code is sealed.
 */
export const invitationMessages = sqliteTable(
  'invitation_messages',
  {
    id: text('id').primaryKey(),
    connectionId: text('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    platform: chatPlatform(),
    /** The workspace that posted it (ours). */
    tenantId: text('tenant_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** Slack message ts, Teams activity id. */
    messageRef: text('message_ref').notNull(),
    postedBy: text('posted_by').notNull(),
    /** The other workspaces in the channel when it was posted: the only ones whose users may accept from it. */
    partnerTenantIds: text('partner_tenant_ids', { mode: 'json' }).$type<string[]>().notNull(),
    codeEnc: text('code_enc').notNull(),
    acceptedBy: text('accepted_by'),
    acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('invitation_messages_connection_idx').on(t.connectionId),
    uniqueIndex('invitation_messages_ref_idx').on(t.platform, t.channelId, t.messageRef),
  ],
);

/** OAuth installations of the chat apps (Slack multi-workspace), keyed by team or enterprise id; tokens sealed. */
export const chatInstallations = sqliteTable(
  'chat_installations',
  {
    platform: chatPlatform(),
    installKey: text('install_key').notNull(),
    installationEnc: text('installation_enc').notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.installKey] })],
);
