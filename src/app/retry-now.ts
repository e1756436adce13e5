import { z } from 'zod';
import { DomainError } from '../domain/errors.ts';
import { audit } from '../store/audit.ts';
import { requireConnectionRow } from '../store/connections.ts';
import { releaseBackoffs } from '../sync/index.ts';
import type { Actor, AppDeps } from './deps.ts';
import type { Stage } from './queue-status.ts';
import { validateInput } from './validate.ts';

export interface RetryNowResult {
  connectionId: string;
  connectionName: string;
  /** Per stage, how many items waiting on a backoff were made due now. */
  moved: Record<Stage, number>;
  total: number;
}

const input = z.object({ connection: z.string().min(1), actor: z.string().min(1) });

/**
 * Retry now: what waits on a backoff on this connection is made due and the engine woken. Items blocked by an
 * unresolved sync error stay where they are (Retry or Resolve on the error moves them). Audited when anything moved;
 * with nothing on a backoff it changes nothing.
 */
export function retryNow(deps: AppDeps, request: { connection: string; actor: Actor }): RetryNowResult {
  const data = validateInput(input, request);
  const row = requireConnectionRow(deps.db, data.connection);
  // Only a running connection moves its queue: elsewhere "due now" would change nothing an admin could see.
  if (row.status !== 'active' && row.status !== 'error')
    throw new DomainError(
      'conflict',
      row.status === 'deactivated'
        ? `"${row.name}" is deactivated: its queue waits until it is activated (\`deskbridge connections activate\`).`
        : `"${row.name}" is ${row.status}: it has no queue to retry.`,
    );
  const now = deps.clock();
  const moved = deps.db.transaction((tx) => {
    const released = releaseBackoffs(tx, row.id, now);
    const total = released.change + released.outbox + released.inbox;
    if (total > 0)
      audit(tx, {
        at: now,
        actor: data.actor,
        action: 'queue.retry-now',
        subjectType: 'connection',
        subjectId: row.id,
        details: released,
      });
    return released;
  });
  const total = moved.change + moved.outbox + moved.inbox;
  if (total > 0) deps.kickSync?.();
  return { connectionId: row.id, connectionName: row.name, moved, total };
}
