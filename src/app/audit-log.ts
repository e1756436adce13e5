import { and, desc, eq, gt, type SQL } from 'drizzle-orm';
import { auditLog } from '../../db/schema/index.ts';
import type { AppDeps } from './deps.ts';
import { requireConnectionRow } from '../store/connections.ts';

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  details: Record<string, unknown>;
}

/**
 * The audit log, newest first: every decision and change (rules drafts, publish requests, approvals, rejections,
 * overrides, triggers, approvers, errors retried or resolved). With a connection, only the entries about it.
 */
export function listAuditLog(
  deps: AppDeps,
  input: { connection?: string; limit?: number; afterId?: number } = {},
): AuditEntry[] {
  const filters: SQL[] = [];
  // Every entry about a connection has the connection's id as its subject.
  if (input.connection) filters.push(eq(auditLog.subjectId, requireConnectionRow(deps.db, input.connection).id));
  if (input.afterId !== undefined) filters.push(gt(auditLog.id, input.afterId));
  return deps.db
    .select()
    .from(auditLog)
    .where(filters.length > 0 ? and(...filters) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(Math.min(Math.max(input.limit ?? 200, 1), 10_000))
    .all();
}
