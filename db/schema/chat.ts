/**
 * The chat surfaces (Slack and Teams alike): which instance a workspace manages, its added admins, wizards in
 * progress, invitations posted into channels, OAuth installations; and the Slack request replay guard.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { chatPlatform, createdAt } from './columns.ts';
import { connections, instances } from './core.ts';

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

/**
 * Signatures of Slack requests (`X-Slack-Signature`) verified within Slack's 5-minute window: a second request with
 * the same signature is a replay. In the database, as several service processes may share a data dir (the poller
 * lease), so a replay sent to another process is caught too; only verified signatures are kept, and only for the
 * window, so the table holds what Slack itself sent in the last minutes.
 */
export const slackRequestSignatures = sqliteTable(
  'slack_request_signatures',
  {
    signature: text('signature').primaryKey(),
    /** The request's X-Slack-Request-Timestamp. */
    requestAt: integer('request_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('slack_request_signatures_request_at_idx').on(t.requestAt)],
);
