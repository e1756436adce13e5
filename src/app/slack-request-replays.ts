import { lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedPerDatabase } from '../../db/prepared.ts';
import { slackRequestSignatures } from '../../db/schema/index.ts';
import type { AppDeps } from './deps.ts';

/** Slack's window for a signed request (Bolt refuses an older timestamp): a signature is kept this long, no longer. */
export const SLACK_SIGNATURE_WINDOW_MS = 5 * 60_000;

/** How often, at most, one process drops the signatures past the window (not on every request: it is on the ack path). */
const PRUNE_EVERY_MS = 30_000;

const statements = preparedPerDatabase((db: Db) => ({
  record: db
    .insert(slackRequestSignatures)
    .values({ signature: sql.placeholder('signature'), requestAt: sql.placeholder('requestAt') })
    .onConflictDoNothing()
    .prepare(),
  prune: db
    .delete(slackRequestSignatures)
    .where(lt(slackRequestSignatures.requestAt, sql.placeholder('before')))
    .prepare(),
  lastPrune: { at: Number.NEGATIVE_INFINITY },
}));

/**
 * Records the signature of a verified Slack request; false when it was recorded before, i.e. the request is a replay.
 * One insert decides it, so two processes on one data dir cannot both take the same request as new. Signatures past
 * the window (and the skew allowed for a timestamp ahead of ours) are dropped every half minute at most: a request
 * that old is refused as stale anyway, so keeping one a little longer changes nothing.
 */
export function firstUseOfSlackSignature(
  deps: AppDeps,
  input: { signature: string; requestAt: Date; now: Date; skewMs: number },
): boolean {
  const s = statements(deps.db);
  const nowMs = input.now.getTime();
  if (nowMs - s.lastPrune.at >= PRUNE_EVERY_MS || nowMs < s.lastPrune.at) {
    s.lastPrune.at = nowMs;
    // A placeholder in a where clause is bound as it is (no column mapping): the column holds epoch milliseconds.
    s.prune.run({ before: nowMs - SLACK_SIGNATURE_WINDOW_MS - input.skewMs });
  }
  return s.record.run({ signature: input.signature, requestAt: input.requestAt }).changes === 1;
}
