import { and, count, eq, inArray, isNull, lte, max, sql } from 'drizzle-orm';
import {
  connectionHealth,
  connections,
  invitations,
  nodeRequestIds,
  statusEvents,
  syncErrors,
} from '../../db/schema/index.ts';
import { preparedPerDatabase } from '../../db/prepared.ts';
import type { Status } from '../domain/connection.ts';
import type { AppDeps } from './deps.ts';
import { recordStatusChange } from '../store/connections.ts';

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
export function recordHealthCheck(
  deps: AppDeps,
  connectionId: string,
  result: HealthCheckResult,
): HealthTransition | null {
  const now = deps.clock();
  const statements = statementsFor(deps.db);
  return deps.db.transaction((tx) => {
    // The prepared reads run on the same SQLite connection, so inside this transaction.
    const row = statements.status.get({ id: connectionId });
    if (!row) return null;
    const previous = statements.health.get({ id: connectionId });
    if (result.ok) {
      statements.recordOk.run({ id: connectionId, at: now.getTime(), remoteStatus: result.remoteStatus });
      if (row.status !== 'error') return null;
      const reason = previous?.lastProblem
        ? `The health check passes again (it had failed: ${previous.lastProblem}).`
        : 'The health check passes again.';
      recordStatusChange(tx, row, 'active', reason, now);
      return { connectionId, from: row.status, to: 'active' as const, reason };
    }
    const failedChecks = (previous?.failedChecks ?? 0) + 1;
    const failingSince = previous?.failingSince ?? now;
    statements.recordFailure.run({
      id: connectionId,
      failedChecks,
      failingSince: failingSince.getTime(),
      problem: result.problem,
      at: now.getTime(),
      remoteStatus: result.remoteStatus,
    });
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
      const current = tx
        .select({ id: connections.id, status: connections.status })
        .from(connections)
        .where(eq(connections.id, row.id))
        .get();
      if (current?.status !== 'pending') return;
      recordStatusChange(tx, current, 'expired', reason, now);
      changed.push({ connectionId: row.id, from: 'pending', to: 'expired', reason });
    });
  }
  return changed;
}

/** The connections a health cycle looks at: those that should be exchanging changes. */
export function connectionsToCheck(deps: AppDeps) {
  return deps.db
    .select()
    .from(connections)
    .where(inArray(connections.status, ['active', 'error']))
    .all();
}

export function healthOf(deps: AppDeps, connectionId: string) {
  return deps.db.select().from(connectionHealth).where(eq(connectionHealth.connectionId, connectionId)).get() ?? null;
}

/**
 * What this node knows about a connection without calling anyone, besides its queue's figures (queueFigures): errors
 * that block the whole connection, and when the other node was last heard from.
 */
export interface SyncFacts {
  openConnectionErrors: number;
  /** The last signed request from the other node (a pull, a status check, a batch); null when none is on record. */
  lastHeardAt: Date | null;
}

/**
 * The health cycle asks these for every connection (10,000 on a large node): prepared once per database, so a cycle
 * does not rebuild the same SQL thousands of times (that garbage dominated a cycle's memory).
 */
function prepareHealthStatements(db: AppDeps['db']) {
  const id = sql.placeholder('id');
  return {
    errors: db
      .select({ n: count() })
      .from(syncErrors)
      .where(and(eq(syncErrors.connectionId, id), eq(syncErrors.impact, 'connection'), isNull(syncErrors.resolvedAt)))
      .prepare(),
    heard: db
      .select({ at: max(nodeRequestIds.at) })
      .from(nodeRequestIds)
      .where(eq(nodeRequestIds.connectionId, id))
      .prepare(),
    status: db
      .select({ id: connections.id, status: connections.status })
      .from(connections)
      .where(eq(connections.id, id))
      .prepare(),
    health: db.select().from(connectionHealth).where(eq(connectionHealth.connectionId, id)).prepare(),
    // A good check keeps the last problem (the recovery notice names it); a failed one keeps the last good time.
    recordOk: db.$client.prepare(
      `insert into connection_health (connection_id, failed_checks, failing_since, last_check_at, last_ok_at, remote_status)
       values (@id, 0, null, @at, @at, @remoteStatus)
       on conflict(connection_id) do update set failed_checks = 0, failing_since = null, last_check_at = excluded.last_check_at,
         last_ok_at = excluded.last_ok_at, remote_status = excluded.remote_status`,
    ),
    recordFailure: db.$client.prepare(
      `insert into connection_health (connection_id, failed_checks, failing_since, last_problem, last_check_at, remote_status)
       values (@id, @failedChecks, @failingSince, @problem, @at, @remoteStatus)
       on conflict(connection_id) do update set failed_checks = excluded.failed_checks, failing_since = excluded.failing_since,
         last_problem = excluded.last_problem, last_check_at = excluded.last_check_at, remote_status = excluded.remote_status`,
    ),
  };
}

const statementsFor = preparedPerDatabase(prepareHealthStatements);

export function syncFacts(deps: AppDeps, connectionId: string): SyncFacts {
  const statements = statementsFor(deps.db);
  const errors = statements.errors.get({ id: connectionId });
  const heard = statements.heard.get({ id: connectionId });
  return { openConnectionErrors: errors?.n ?? 0, lastHeardAt: heard?.at ?? null };
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
