import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { outbox } from '../../db/schema/index.ts';
import type { PullAnswer } from '../sync/messages.ts';
import type { AppDeps } from './deps.ts';
import type { ConnectionRow } from './store/connections.ts';

const PAGE = 200;

/**
 * The pull side of a private connection: the private node asks for our messages after the last id it has; asking
 * after N is its receipt for everything up to N. A connection whose other side we can call answers `push`.
 */
export function messagesAfter(deps: AppDeps, row: ConnectionRow, after: number): PullAnswer {
  if (!row.remoteIsPrivate) return { mode: 'push', messages: [] };
  const now = deps.clock();
  deps.db
    .update(outbox)
    .set({ status: 'delivered', deliveredAt: now })
    .where(and(eq(outbox.connectionId, row.id), eq(outbox.status, 'queued'), lte(outbox.id, after)))
    .run();
  const messages = deps.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.connectionId, row.id), gt(outbox.id, after)))
    .orderBy(asc(outbox.id))
    .limit(PAGE)
    .all();
  return {
    mode: 'pull',
    messages: messages.map((m) => ({
      id: m.id,
      idempotencyKey: m.idempotencyKey,
      kind: m.kind,
      entityKey: m.kind === 'replica' ? ((m.payload as { entityKey?: string | null }).entityKey ?? null) : null,
      payload: m.payload,
    })),
  };
}
