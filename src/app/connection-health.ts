import { and, count, eq, inArray, isNull, lte, max, min } from 'drizzle-orm';
import { connectionHealth, connections, invitations, nodeRequestIds, outbox, statusEvents, syncErrors, syncState } from '../../db/schema.ts';
import type { Status } from '../domain/connection.ts';
import type { AppDeps } from './deps.ts';
import { recordStatusChange } from './store/connections.ts';

/** What one health check of a connection found. */
export type HealthCheckResult =
  | { ok: true; remoteStatus: string | null }
  | { ok: false; problem: string; remoteStatus: string | null };

export interface HealthTransition {
  connectionId: string;
  from: Status;
  to: Status;
  reason: string;
}

/**
 * Hysteresis: one bad check is noise (a restart, a blip), so a connection shows `error` only when a failure holds for
 * `failuresBeforeError` checks in a row; one good check brings it back, since a good answer is not noise.
 */
export const FAILED_CHECKS_BEFORE_ERROR = 2;

/** Records a health check, and changes the status (with its event, in the same transaction) when the check says so. */
export function recordHealthCheck(deps: AppDeps, connectionId: string, result: HealthCheckResult): HealthTransition | null {
  const now = deps.clock();
  return deps.db.transaction((tx) => {
    const row = tx.select({ id: connections.id, status: connections.status }).from(connections).where(eq(connections.id, connectionId)).get();
    if (!row) return null;
    const previous = tx.select().from(connectionHealth).where(eq(connectionHealth.connectionId, connectionId)).get();
    if (result.ok) {
      const values = { failedChecks: 0, failingSince: null, lastCheckAt: now, lastOkAt: now, remoteStatus: result.remoteStatus };
      tx.insert(connectionHealth).values({ connectionId, ...values }).onConflictDoUpdate({ target: connectionHealth.connectionId, set: values }).run();
      if (row.status !== 'error') return null;
      const reason = previous?.lastProblem
        ? `The health check passes again (it had failed: ${previous.lastProblem}).`
        : 'The health check passes again.';
      recordStatusChange(tx, row, 'active', reason, now);
      return { connectionId, from: row.status, to: 'active' as const, reason };
    }
    const failedChecks = (previous?.failedChecks ?? 0) + 1;
    const failingSince = previous?.failingSince ?? now;
    const values = { failedChecks, failingSince, lastProblem: result.problem, lastCheckAt: now, remoteStatus: result.remoteStatus };
    tx.insert(connectionHealth).values({ connectionId, ...values }).onConflictDoUpdate({ target: connectionHealth.connectionId, set: values }).run();
    if (row.status !== 'active' || failedChecks < FAILED_CHECKS_BEFORE_ERROR) return null;
    const reason = `${result.problem} (failing since ${failingSince.toISOString()}, ${failedChecks} checks in a row).`;
    recordStatusChange(tx, row, 'error', reason, now);
    return { connectionId, from: row.status, to: 'error' as const, reason };
  });
}

/** Pending connections whose invitation ran out unused become `expired`. */
export function expireInvitations(deps: AppDeps): HealthTransition[] {
  const now = deps.clock();
  const due = deps.db
    .select({ id: connections.id, status: connections.status, expiresAt: invitations.expiresAt })
    .from(connections)
    .innerJoin(invitations, eq(invitations.connectionId, connections.id))
    .where(and(eq(connections.status, 'pending'), isNull(invitations.usedAt), lte(invitations.expiresAt, now)))
    .all();
  const changed: HealthTransition[] = [];
  for (const row of due) {
    const reason = `The invitation expired on ${row.expiresAt.toISOString()} without being accepted. Initiate a new connection to try again.`;
    deps.db.transaction((tx) => {
      // Re-read inside the transaction: an acceptance may have landed since the query above.
      const current = tx.select({ id: connections.id, status: connections.status }).from(connections).where(eq(connections.id, row.id)).get();
      if (current?.status !== 'pending') return;
      recordStatusChange(tx, current, 'expired', reason, now);
      changed.push({ connectionId: row.id, from: 'pending', to: 'expired', reason });
    });
  }
  return changed;
}

/** The connections a health cycle looks at: those that should be exchanging changes. */
export function connectionsToCheck(deps: AppDeps) {
  return deps.db.select().from(connections).where(inArray(connections.status, ['active', 'error'])).all();
}

export function healthOf(deps: AppDeps, connectionId: string) {
  return deps.db.select().from(connectionHealth).where(eq(connectionHealth.connectionId, connectionId)).get() ?? null;
}

/** What this node knows about a connection's sync without calling anyone: sender health, the queue, open errors. */
export interface SyncFacts {
  failingSince: Date | null;
  failedAttempts: number;
  lastFailure: string | null;
  queuedMessages: number;
  oldestQueuedAt: Date | null;
  openConnectionErrors: number;
  /** The last signed request from the other node (a pull, a status check, a batch); null when none is on record. */
  lastHeardAt: Date | null;
}

export function syncFacts(deps: AppDeps, connectionId: string): SyncFacts {
  const state = deps.db.select().from(syncState).where(eq(syncState.connectionId, connectionId)).get();
  const queue = deps.db
    .select({ n: count(), oldest: min(outbox.createdAt) })
    .from(outbox)
    .where(and(eq(outbox.connectionId, connectionId), eq(outbox.status, 'queued')))
    .get();
  const errors = deps.db
    .select({ n: count() })
    .from(syncErrors)
    .where(and(eq(syncErrors.connectionId, connectionId), eq(syncErrors.impact, 'connection'), isNull(syncErrors.resolvedAt)))
    .get();
  const heard = deps.db.select({ at: max(nodeRequestIds.at) }).from(nodeRequestIds).where(eq(nodeRequestIds.connectionId, connectionId)).get();
  return {
    failingSince: state?.failingSince ?? null,
    failedAttempts: state?.failedAttempts ?? 0,
    lastFailure: state?.lastFailure ?? null,
    queuedMessages: queue?.n ?? 0,
    oldestQueuedAt: queue?.oldest ?? null,
    openConnectionErrors: errors?.n ?? 0,
    lastHeardAt: heard?.at ?? null,
  };
}

/** When the connection last became active (the handshake, a recovery): a private side gets that long to first pull. */
export function activeSince(deps: AppDeps, connectionId: string): Date | null {
  return (
    deps.db
      .select({ at: max(statusEvents.at) })
      .from(statusEvents)
      .where(and(eq(statusEvents.connectionId, connectionId), eq(statusEvents.toStatus, 'active')))
      .get()?.at ?? null
  );
}
