import { lt } from 'drizzle-orm';
import { slackRequestSignatures } from '../../db/schema/index.ts';
import type { AppDeps } from './deps.ts';

/** Slack's window for a signed request (Bolt refuses an older timestamp): a signature is kept this long, no longer. */
export const SLACK_SIGNATURE_WINDOW_MS = 5 * 60_000;

/**
 * Records the signature of a verified Slack request; false when it was recorded before, i.e. the request is a replay.
 * One insert decides it, so two processes on one data dir cannot both take the same request as new. Signatures past
 * the window (and the skew allowed for a timestamp ahead of ours) are dropped on the way: a request that old is
 * refused as stale anyway.
 */
export function firstUseOfSlackSignature(
  deps: AppDeps,
  input: { signature: string; requestAt: Date; now: Date; skewMs: number },
): boolean {
  return deps.db.transaction((tx) => {
    tx.delete(slackRequestSignatures)
      .where(
        lt(slackRequestSignatures.requestAt, new Date(input.now.getTime() - SLACK_SIGNATURE_WINDOW_MS - input.skewMs)),
      )
      .run();
    const inserted = tx
      .insert(slackRequestSignatures)
      .values({ signature: input.signature, requestAt: input.requestAt })
      .onConflictDoNothing()
      .run();
    return inserted.changes === 1;
  });
}
