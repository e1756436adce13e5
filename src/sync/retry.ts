import { isDomainError } from '../domain/errors.ts';

/** Exponential backoff with full jitter in the upper half: attempt 1 waits base..base/2, doubling up to max. */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Failures that go away by themselves (a helpdesk or the other node busy or down): retried, never blocking an entity. */
export function isTransient(error: unknown): boolean {
  if (!isDomainError(error)) return true;
  return ['helpdesk_throttled', 'helpdesk_unavailable', 'remote_unreachable', 'remote_error', 'shutting_down'].includes(
    error.code,
  );
}

/** Runs `work` over `items`, at most `limit` at a time; once `stopped()` holds, no further item is started. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stopped: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stopped()) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(runners);
}
