import { and, desc, eq, isNull } from 'drizzle-orm';
import { inbox, syncErrors } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { enqueueChange } from '../sync/index.ts';
import type { Actor, AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { requireConnectionRow } from '../store/connections.ts';

export type SyncErrorRow = typeof syncErrors.$inferSelect;

export interface SyncErrorView {
  id: number;
  connectionId: string;
  direction: 'outgoing' | 'incoming';
  entityId: string | null;
  entityKey: string | null;
  impact: SyncErrorRow['impact'];
  type: string;
  message: string;
  line: number | null;
  column: number | null;
  retries: number;
  createdAt: Date;
  resolvedAt: Date | null;
}

function view(row: SyncErrorRow): SyncErrorView {
  const { resolvedBy: _by, ...rest } = row;
  return rest;
}

/** The errors of a connection (unresolved ones, or all), newest first. */
export function listSyncErrors(deps: AppDeps, input: { connection: string; all?: boolean }): SyncErrorView[] {
  const row = requireConnectionRow(deps.db, input.connection);
  return deps.db
    .select()
    .from(syncErrors)
    .where(
      input.all
        ? eq(syncErrors.connectionId, row.id)
        : and(eq(syncErrors.connectionId, row.id), isNull(syncErrors.resolvedAt)),
    )
    .orderBy(desc(syncErrors.id))
    .all()
    .map(view);
}

function requireOpenError(deps: AppDeps, id: number): SyncErrorRow {
  const row = deps.db.select().from(syncErrors).where(eq(syncErrors.id, id)).get();
  if (!row)
    throw new DomainError(
      'not_found',
      `There is no sync error ${id}; list them with \`deskbridge errors list <connection>\`.`,
    );
  if (row.resolvedAt) throw new DomainError('conflict', `Sync error ${id} is already resolved.`);
  return row;
}

/**
 * Retries the blocked entity (after the rule or the data was fixed): the error is closed and the entity's waiting
 * messages (incoming) or its current state (outgoing) go through the pipeline again, with the rules published now.
 */
export function retrySyncError(deps: AppDeps, input: { id: number; actor: Actor }): SyncErrorView {
  const row = requireOpenError(deps, input.id);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.update(syncErrors)
      .set({ resolvedAt: now, resolvedBy: input.actor, retries: row.retries + 1 })
      .where(eq(syncErrors.id, row.id))
      .run();
    if (row.entityId !== null) {
      if (row.direction === 'outgoing') enqueueChange(tx, row.connectionId, row.entityId, 'retry', now, true);
      else
        tx.update(inbox)
          .set({ nextAttemptAt: null })
          .where(
            and(
              eq(inbox.connectionId, row.connectionId),
              eq(inbox.remoteEntityId, row.entityId),
              isNull(inbox.appliedAt),
            ),
          )
          .run();
    }
    audit(tx, {
      at: now,
      actor: input.actor,
      action: 'sync-error.retry',
      subjectType: 'connection',
      subjectId: row.connectionId,
      details: { error: row.id, entity: row.entityId },
    });
  });
  deps.kickSync?.();
  return view({ ...row, resolvedAt: now, retries: row.retries + 1 });
}

/**
 * Closes the error without retrying: for incoming, the entity's waiting messages are dropped (the next change of that
 * entity syncs again); for outgoing, the entity syncs at its next change.
 */
export function resolveSyncError(deps: AppDeps, input: { id: number; actor: Actor }): SyncErrorView {
  const row = requireOpenError(deps, input.id);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.update(syncErrors).set({ resolvedAt: now, resolvedBy: input.actor }).where(eq(syncErrors.id, row.id)).run();
    if (row.direction === 'incoming' && row.entityId !== null) {
      tx.update(inbox)
        .set({ appliedAt: now, state: 'applied' })
        .where(
          and(
            eq(inbox.connectionId, row.connectionId),
            eq(inbox.remoteEntityId, row.entityId),
            isNull(inbox.appliedAt),
            eq(inbox.kind, 'replica'),
          ),
        )
        .run();
    }
    audit(tx, {
      at: now,
      actor: input.actor,
      action: 'sync-error.resolve',
      subjectType: 'connection',
      subjectId: row.connectionId,
      details: { error: row.id, entity: row.entityId },
    });
  });
  return view({ ...row, resolvedAt: now });
}
