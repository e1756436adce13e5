import { z } from 'zod';
import { requireConnectionRow } from '../store/connections.ts';
import { lastDeliveredOf, longestWaiting, senderStateOf, stageCounts, type WaitingItem } from '../sync/index.ts';
import type { AppDeps } from './deps.ts';
import { type WaitingItemView, waitingItemView } from './ticket-status.ts';
import { validateInput } from './validate.ts';

export interface StageFigures {
  count: number;
  /** How long the oldest item of the stage has waited; null when the stage is empty. */
  oldestAgeMs: number | null;
}

export interface QueueStatus {
  connectionId: string;
  connectionName: string;
  stages: Record<WaitingItem['stage'], StageFigures>;
  /** The last message the other node took from this one (its receipt), or null before the first. */
  lastAcknowledged: { messageId: number; at: Date } | null;
  /** Sending to (or pulling from) the other node: failing since when, how often, and when it tries next. */
  sender: { failingSince: Date | null; failedAttempts: number; nextAttemptAt: Date | null; lastFailure: string | null };
  /** The items that have waited longest, oldest first. */
  slowest: WaitingItemView[];
}

const input = z.object({
  connection: z.string().min(1),
  limit: z.number().int().min(1, 'the limit is at least 1').max(100, 'the limit is at most 100').default(10),
});

/** The pipeline of one connection on this node: per stage how many wait and for how long, and who waits longest. */
export function queueStatus(deps: AppDeps, request: z.input<typeof input>): QueueStatus {
  const data = validateInput(input, request);
  const row = requireConnectionRow(deps.db, data.connection);
  const now = deps.clock();
  const counts = stageCounts(deps.db, row.id);
  const figures = (stage: WaitingItem['stage']): StageFigures => ({
    count: counts[stage].count,
    oldestAgeMs: counts[stage].oldest ? Math.max(0, now.getTime() - counts[stage].oldest.getTime()) : null,
  });
  const delivered = lastDeliveredOf(deps.db, row.id);
  const state = senderStateOf(deps.db, row.id);
  return {
    connectionId: row.id,
    connectionName: row.name,
    stages: { change: figures('change'), outbox: figures('outbox'), inbox: figures('inbox') },
    lastAcknowledged: delivered ? { messageId: delivered.id, at: delivered.at } : null,
    sender: {
      failingSince: state?.failingSince ?? null,
      failedAttempts: state?.failedAttempts ?? 0,
      nextAttemptAt: state?.nextSendAt ?? null,
      lastFailure: state?.lastFailure ?? null,
    },
    slowest: longestWaiting(deps.db, row.id, data.limit).map((item) => waitingItemView(item, now)),
  };
}
