/**
 * The node protocol's own state: invitations and the acceptances in flight (the handshake), and the ids of signed
 * requests seen, which catch a replay.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt } from './columns.ts';
import { connections, instances } from './core.ts';

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
