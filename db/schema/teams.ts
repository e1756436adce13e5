/**
 * Microsoft Teams only: conversation references for proactive messages, the Teams users seen, and the forms shown on
 * cards.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from './columns.ts';

/**
 * Where the Teams bot can speak without being spoken to (proactive messages): one botbuilder ConversationReference
 * per channel, group chat or personal chat, captured on conversationUpdate / installationUpdate and on every command.
 * `conversation_id` is the channel's id without a `;messageid=` thread suffix, so a post starts a new thread.
 */
export const teamsConversations = sqliteTable(
  'teams_conversations',
  {
    conversationId: text('conversation_id').primaryKey(),
    /** The tenant whose installation this reference belongs to (the host tenant of a shared channel). */
    tenantId: text('tenant_id').notNull(),
    kind: text('kind', { enum: ['channel', 'groupChat', 'personal'] }).notNull(),
    /** The team of a channel; null for chats. */
    teamId: text('team_id'),
    name: text('name'),
    /** `shared`, `private` or `standard` when Teams says so. */
    channelType: text('channel_type'),
    /** For a personal chat: the AAD object id of the user it is with. */
    userAadObjectId: text('user_aad_object_id'),
    reference: text('reference', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('teams_conversations_tenant_idx').on(t.tenantId, t.kind),
    index('teams_conversations_user_idx').on(t.tenantId, t.userAadObjectId),
  ],
);

/**
 * Teams users we have seen, by (tenant, AAD object id): their MRI (`29:...`, what `refresh.userIds` and mentions
 * need) and name. `tenant_admin` marks who administers DeskBridge for the tenant without being added: the first user
 * to install DeskBridge into a team of the tenant (Teams gives bots no directory role to read).
 */
export const teamsUsers = sqliteTable(
  'teams_users',
  {
    tenantId: text('tenant_id').notNull(),
    aadObjectId: text('aad_object_id').notNull(),
    mri: text('mri').notNull(),
    name: text('name').notNull(),
    tenantAdmin: integer('tenant_admin', { mode: 'boolean' }).notNull().default(false),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.aadObjectId] }), index('teams_users_mri_idx').on(t.mri)],
);

/**
 * The neutral form a Teams card or dialog shows, by card id: Teams sends back only the input values, so a step
 * answered with field errors is re-rendered from here with the values and the errors. Sealed: a form may show an
 * invitation code.
 */
export const teamsFormViews = sqliteTable(
  'teams_form_views',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    formEnc: text('form_enc').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('teams_form_views_expires_idx').on(t.expiresAt)],
);
