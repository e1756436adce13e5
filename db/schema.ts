/**
 * The one home of the database schema. Migrations in db/migrations are generated from this file with
 * `npm run db:generate` (drizzle-kit) and committed; they are applied at start.
 * Secrets live only in `*_enc` columns (AES-256-GCM, see src/secrets.ts) or as hashes.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const createdAt = () => integer('created_at', { mode: 'timestamp_ms' }).notNull().default(sql`(unixepoch() * 1000)`);

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

/**
 * An acceptance this node has started and not finished: while it waits for the initiating node, that node calls
 * back (`POST /v1/invitations/confirm`) to ask whether this node is the one accepting, with this public key. Kept
 * in the database, not in memory, because the CLI may start an acceptance that the running server is asked about.
 * The private key never leaves the accepting process; the row is deleted when the acceptance ends either way.
 */
export const pendingAcceptances = sqliteTable('pending_acceptances', {
  /** The id this side gives its connection; the confirm call names it. */
  acceptorConnectionId: text('acceptor_connection_id').primaryKey(),
  instanceId: text('instance_id')
    .notNull()
    .references(() => instances.id, { onDelete: 'cascade' }),
  initiatorConnectionId: text('initiator_connection_id').notNull(),
  /** This side's X25519 public key, base64url. */
  publicKey: text('public_key').notNull(),
  /** The invitation's MAC key (derived from the code's secret), sealed: the confirm call is checked and answered with it. */
  macKeyEnc: text('mac_key_enc').notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
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

// ---- sync engine ------------------------------------------------------------------------------------------------

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

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
    kind: text('kind', { enum: ['replica', 'ack'] }).notNull(),
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

// ---- rules governance -------------------------------------------------------------------------------------------

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

// ---- poller and status notifications ----------------------------------------------------------------------------

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

// ---- Microsoft Teams --------------------------------------------------------------------------------------------

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
