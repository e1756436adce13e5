/** Instances and connections, the status history of a connection, and the audit log: what the other areas refer to. */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from './columns.ts';

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
    /** On a first sync, a private note on the new twin names the other side's ticket and links to it. */
    linkNote: integer('link_note', { mode: 'boolean' }).notNull().default(true),
    /**
     * What this side does to its ticket when the other side's twin is deleted: ignore (stop syncing the pair, the
     * default), close (set our ticket to closed/resolved), or note (add a private note saying so).
     */
    onTwinDeleted: text('on_twin_deleted', { enum: ['ignore', 'close', 'note'] })
      .notNull()
      .default('ignore'),
    entitiesUnderSync: integer('entities_under_sync').notNull().default(0),
    lastSyncEntity: text('last_sync_entity'),
    lastSyncAt: integer('last_sync_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('connections_instance_idx').on(t.instanceId)],
);

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
