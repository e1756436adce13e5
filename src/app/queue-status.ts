import { z } from 'zod';
import { requireConnectionRow } from '../store/connections.ts';
import {
  lastDeliveredOf,
  longestWaiting,
  senderStateOf,
  type StageCount,
  stageCounts,
  type WaitingItem,
} from '../sync/index.ts';
import type { AppDeps } from './deps.ts';
import { type WaitingItemView, waitingItemView } from './ticket-status.ts';
import { validateInput } from './validate.ts';

export interface StageFigures {
  count: number;
  /** How long the oldest item of the stage has waited; null when the stage is empty. */
  oldestAgeMs: number | null;
  /** Items held by an unresolved error of their entity (Retry or Resolve on the error moves them). */
  blocked: number;
  /** Items waiting on a backoff (Retry now moves them). */
  onBackoff: number;
  /** How long the oldest item not blocked by an error has waited: a stuck queue is judged by it. */
  oldestUnblockedAgeMs: number | null;
}

export type Stage = WaitingItem['stage'];
export const stages: readonly Stage[] = ['change', 'outbox', 'inbox'];

/** The figures of a connection's pipeline: the queue view, the health check and the digest read these. */
export interface QueueFigures {
  stages: Record<Stage, StageFigures>;
  /** Sending to (or pulling from) the other node: failing since when, how often, and when it tries next. */
  sender: { failingSince: Date | null; failedAttempts: number; nextAttemptAt: Date | null; lastFailure: string | null };
}

export interface QueueStatus extends QueueFigures {
  connectionId: string;
  connectionName: string;
  /** The last message the other node took from this one (its receipt), or null before the first. */
  lastAcknowledged: { messageId: number; at: Date } | null;
  /** The items that have waited longest, oldest first. */
  slowest: WaitingItemView[];
}

const input = z.object({
  connection: z.string().min(1),
  limit: z.number().int().min(1, 'the limit is at least 1').max(100, 'the limit is at most 100').default(10),
});

/** The queue's figures of one connection (by id) at `now`: per stage, and the sender's health. */
export function queueFigures(deps: AppDeps, connectionId: string, now: Date): QueueFigures {
  const counts = stageCounts(deps.db, connectionId, now);
  const ageOf = (at: Date | null) => (at ? Math.max(0, now.getTime() - at.getTime()) : null);
  const figures = (c: StageCount): StageFigures => ({
    count: c.count,
    oldestAgeMs: ageOf(c.oldest),
    blocked: c.blocked,
    onBackoff: c.onBackoff,
    oldestUnblockedAgeMs: ageOf(c.oldestUnblocked),
  });
  const state = senderStateOf(deps.db, connectionId);
  return {
    stages: { change: figures(counts.change), outbox: figures(counts.outbox), inbox: figures(counts.inbox) },
    sender: {
      failingSince: state?.failingSince ?? null,
      failedAttempts: state?.failedAttempts ?? 0,
      nextAttemptAt: state?.nextSendAt ?? null,
      lastFailure: state?.lastFailure ?? null,
    },
  };
}

/** How many items of the figures wait on a backoff, over all stages (what Retry now would move). */
export function onBackoffCount(figures: QueueFigures): number {
  return stages.reduce((n, stage) => n + figures.stages[stage].onBackoff, 0);
}

/** The pipeline of one connection on this node: per stage how many wait and for how long, and who waits longest. */
export function queueStatus(deps: AppDeps, request: z.input<typeof input>): QueueStatus {
  const data = validateInput(input, request);
  const row = requireConnectionRow(deps.db, data.connection);
  const now = deps.clock();
  const delivered = lastDeliveredOf(deps.db, row.id);
  return {
    connectionId: row.id,
    connectionName: row.name,
    ...queueFigures(deps, row.id, now),
    lastAcknowledged: delivered ? { messageId: delivered.id, at: delivered.at } : null,
    slowest: longestWaiting(deps.db, row.id, data.limit).map((item) => waitingItemView(item, now)),
  };
}
