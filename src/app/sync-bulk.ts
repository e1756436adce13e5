import { and, eq, inArray } from 'drizzle-orm';
import { changeQueue, outbox, triggers } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { enqueueChange } from '../sync/index.ts';
import type { Actor, AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { requireConnectionRow } from '../store/connections.ts';
import { helpdeskOfInstance } from '../store/helpdesks.ts';

export interface BulkSync {
  connectionId: string;
  entityIds: string[];
}

/**
 * Bulk Exalate: every entity matching the connection's active triggers is queued, also those already under sync
 * (they are re-checked and sent when their replica differs, or always with `force`). The running service syncs them.
 */
export async function startBulkSync(
  deps: AppDeps,
  input: { connection: string; actor: Actor; force?: boolean },
): Promise<BulkSync> {
  const row = requireConnectionRow(deps.db, input.connection);
  if (row.status === 'pending' || row.status === 'expired') {
    throw new DomainError(
      'conflict',
      `Connection "${row.name}" is ${row.status}; a bulk sync needs an accepted connection.`,
    );
  }
  const active = deps.db
    .select()
    .from(triggers)
    .where(and(eq(triggers.connectionId, row.id), eq(triggers.active, true)))
    .all();
  if (active.length === 0)
    throw new DomainError(
      'conflict',
      `Connection "${row.name}" has no active trigger; add one with \`deskbridge triggers add\`.`,
    );
  const helpdesk = helpdeskOfInstance(deps, row.instanceId);
  const ids = new Set<string>();
  for (const trigger of active) {
    let cursor: string | null = '2000-01-01T00:00:00.000Z';
    for (let page = 0; page < 1000; page++) {
      const batch = await helpdesk.listChanged(cursor, trigger.query ? { query: trigger.query } : {});
      for (const change of batch.changes) ids.add(change.id);
      cursor = batch.cursor;
      if (!batch.truncated) break;
    }
  }
  const now = deps.clock();
  const entityIds = [...ids];
  deps.db.transaction((tx) => {
    for (const id of entityIds) enqueueChange(tx, row.id, id, 'bulk', now, input.force ?? false);
    audit(tx, {
      at: now,
      actor: input.actor,
      action: 'sync.bulk',
      subjectType: 'connection',
      subjectId: row.id,
      details: { entities: entityIds.length },
    });
  });
  deps.kickSync?.();
  return { connectionId: row.id, entityIds };
}

/** How many of a bulk sync's entities are still on their way out of this node (queued, or in the outbox). */
export function bulkSyncRemaining(deps: AppDeps, bulk: BulkSync): number {
  const pending = new Set<string>();
  for (let i = 0; i < bulk.entityIds.length; i += 500) {
    const slice = bulk.entityIds.slice(i, i + 500);
    for (const r of deps.db
      .select({ id: changeQueue.entityId })
      .from(changeQueue)
      .where(and(eq(changeQueue.connectionId, bulk.connectionId), inArray(changeQueue.entityId, slice)))
      .all())
      pending.add(r.id);
    for (const r of deps.db
      .select({ id: outbox.entityId })
      .from(outbox)
      .where(
        and(
          eq(outbox.connectionId, bulk.connectionId),
          eq(outbox.kind, 'replica'),
          eq(outbox.status, 'queued'),
          inArray(outbox.entityId, slice),
        ),
      )
      .all())
      pending.add(r.id);
  }
  return pending.size;
}
