import type { AppDeps } from '../app/deps.ts';
import { bulkSyncRemaining, type BulkSync } from '../app/sync-bulk.ts';
import type { Message } from '../ui/model.ts';
import type { Effect, Progress } from '../ui/replies.ts';

/** How often a bulk sync's progress message is refreshed, and for how long at most (then it says so). */
export const PROGRESS_INTERVAL_MS = 1_000;
const PROGRESS_TIMEOUT_MS = 6 * 3_600_000;

function progressMessage(title: string, done: number, total: number): Message {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  const width = 20;
  const filled = Math.round((percent / 100) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const text =
    done >= total
      ? `${title}: 100 % — ${total} ${total === 1 ? 'entity' : 'entities'} sent to the other side.`
      : `${title}: ${percent} % (${done} of ${total} entities sent)`;
  return {
    kind: 'message',
    text,
    items: [
      { kind: 'markdown', text: `*${title}*\n\`${bar}\` ${percent} %` },
      { kind: 'note', text },
    ],
  };
}

/**
 * The progress of a bulk sync as a message updated in place: it counts the entities that have left this node (out
 * of the change queue and the outbox) and ends at 100 % with the count.
 */
export function bulkProgressEffect(
  deps: AppDeps,
  bulk: BulkSync,
  where: { channelId: string | null; userId: string; title: string },
): Effect {
  const total = bulk.entityIds.length;
  const poll = (): Progress => {
    const done = total - bulkSyncRemaining(deps, bulk);
    return { message: progressMessage(where.title, done, total), done: done >= total };
  };
  return {
    kind: 'track-progress',
    channelId: where.channelId,
    userId: where.userId,
    poll,
    intervalMs: PROGRESS_INTERVAL_MS,
    timeoutMs: PROGRESS_TIMEOUT_MS,
  };
}
