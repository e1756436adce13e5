import { inArray } from 'drizzle-orm';
import { pollerCursors } from '../../db/schema/index.ts';
import { type WebhookOutcome, webhookOutcomes } from '../sync/index.ts';
import type { AppDeps } from './deps.ts';

/**
 * When this node last accepted, or refused, a webhook of an instance: what `instances check` reports about the
 * webhook from DeskBridge's side (a Freshdesk automation rule cannot be read through the API, so this is the only
 * evidence that it is registered, reachable and carries the secret). Kept as named positions (ms since epoch) in
 * `poller_cursors`, the node's table of named counters, under `webhook.<outcome>:<slug>`: no schema change.
 */

const key = (slug: string, outcome: WebhookOutcome) => `webhook.${outcome}:${slug}`;

/** A busy instance fires a webhook per write: the time is stored at most this often per outcome. */
const WRITE_EVERY_MS = 5_000;
const lastWrites = new WeakMap<AppDeps, Map<string, { at: number; outcome: WebhookOutcome }>>();

export function recordWebhookOutcome(deps: AppDeps, slug: string, outcome: WebhookOutcome): void {
  const at = deps.clock().getTime();
  let seen = lastWrites.get(deps);
  if (!seen) {
    seen = new Map();
    lastWrites.set(deps, seen);
  }
  const last = seen.get(slug);
  // A change of outcome is written at once, so the latest outcome is always the one on record.
  if (last && last.outcome === outcome && at - last.at < WRITE_EVERY_MS) return;
  seen.set(slug, { at, outcome });
  deps.db
    .insert(pollerCursors)
    .values({ name: key(slug, outcome), position: at })
    .onConflictDoUpdate({ target: pollerCursors.name, set: { position: at } })
    .run();
}

export function webhookReceipts(deps: AppDeps, slug: string): Record<WebhookOutcome, Date | null> {
  const rows = deps.db
    .select()
    .from(pollerCursors)
    .where(
      inArray(
        pollerCursors.name,
        webhookOutcomes.map((o) => key(slug, o)),
      ),
    )
    .all();
  const at = (outcome: WebhookOutcome) => {
    const row = rows.find((r) => r.name === key(slug, outcome));
    return row ? new Date(row.position) : null;
  };
  return { accepted: at('accepted'), 'refused-secret': at('refused-secret'), 'refused-body': at('refused-body') };
}
