import type { AppDeps } from '../app/deps.ts';
import type { Status } from '../domain/connection.ts';
import { PROTOCOL_VERSION } from '../domain/remote.ts';
import type { ConnectionRow } from '../store/connections.ts';
import {
  carryRequestId,
  markPulledUpTo,
  messagesAfterId,
  outgoingMessageOf,
  type PullAnswer,
  storeReceived,
} from '../sync/index.ts';
import type { MessageBatch } from './wire.ts';

/**
 * The three answers a connection's other node asks for once its request is authenticated: taking a batch of messages
 * (intake), handing over ours (the pull side of a private connection), and the connection's health.
 */

/** Messages handed to a puller at once. */
const PULL_PAGE = 200;

/**
 * Stores a batch of sync messages in the inbox before acknowledging it; a message seen before is acknowledged again,
 * not stored twice. The engine is woken to apply them.
 */
export function receiveMessages(deps: AppDeps, row: ConnectionRow, batch: MessageBatch, requestId: string) {
  const now = deps.clock();
  const messages = carryRequestId(batch.messages, requestId);
  const result = deps.db.transaction((tx) => storeReceived(tx, row.id, messages, now));
  deps.logger.info(
    { connectionId: row.id, requestId, accepted: result.accepted.length, duplicates: result.duplicates.length },
    'sync messages received',
  );
  deps.kickSync?.();
  return result;
}

/**
 * The pull side of a private connection: the private node asks for our messages after the last id it has; asking
 * after N is its receipt for everything up to N. A connection whose other side we can call answers `push`.
 */
export function messagesAfter(deps: AppDeps, row: ConnectionRow, after: number, requestId: string): PullAnswer {
  if (!row.remoteIsPrivate) return { mode: 'push', messages: [] };
  markPulledUpTo(deps.db, row.id, after, deps.clock());
  const rows = messagesAfterId(deps.db, row.id, after, PULL_PAGE);
  if (rows.length > 0)
    deps.logger.info(
      { connectionId: row.id, requestId, messages: rows.length, entities: rows.map((m) => m.entityId) },
      'sync messages handed to the other node',
    );
  return { mode: 'pull', messages: rows.map((m) => ({ id: m.id, ...outgoingMessageOf(m) })) };
}

export interface ConnectionHealth {
  status: Status;
  protocol: number;
  entitiesUnderSync: number;
  lastSync: { entityKey: string; at: string } | null;
}

/** `GET /v1/connections/{id}/status`: what the other side's poller checks. */
export function connectionHealth(row: ConnectionRow): ConnectionHealth {
  return {
    status: row.status,
    protocol: PROTOCOL_VERSION,
    entitiesUnderSync: row.entitiesUnderSync,
    lastSync:
      row.lastSyncEntity && row.lastSyncAt ? { entityKey: row.lastSyncEntity, at: row.lastSyncAt.toISOString() } : null,
  };
}
