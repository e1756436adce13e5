import { and, eq, sql } from 'drizzle-orm';
import { pollerLeases } from '../../db/schema/index.ts';
import type { Db } from '../../db/client.ts';

/**
 * One poller per data dir: the process holding the lease runs the jobs; it renews the lease well before it expires,
 * and when it dies another process takes the lease over once it has expired. One upsert statement decides, so two
 * processes asking at the same moment cannot both win (SQLite serialises writers).
 */
export function acquireLease(db: Db, input: { name: string; holder: string; ttlMs: number; now: Date }): boolean {
  const expiresAt = new Date(input.now.getTime() + input.ttlMs);
  db.insert(pollerLeases)
    .values({ name: input.name, holder: input.holder, expiresAt, acquiredAt: input.now })
    .onConflictDoUpdate({
      target: pollerLeases.name,
      set: {
        // Keep the first acquisition time while the same holder renews.
        acquiredAt: sql`case when ${pollerLeases.holder} = excluded.holder then ${pollerLeases.acquiredAt} else excluded.acquired_at end`,
        holder: sql`excluded.holder`,
        expiresAt: sql`excluded.expires_at`,
      },
      setWhere: sql`${pollerLeases.holder} = excluded.holder or ${pollerLeases.expiresAt} <= ${input.now.getTime()}`,
    })
    .run();
  return leaseHolder(db, input.name, input.now) === input.holder;
}

/** Who holds the lease now, or null when nobody does (never taken, or expired). */
export function leaseHolder(db: Db, name: string, now: Date): string | null {
  const row = db.select().from(pollerLeases).where(eq(pollerLeases.name, name)).get();
  return row && row.expiresAt > now ? row.holder : null;
}

/** A clean shutdown hands the lease on at once instead of making the others wait for it to expire. */
export function releaseLease(db: Db, name: string, holder: string): void {
  db.delete(pollerLeases)
    .where(and(eq(pollerLeases.name, name), eq(pollerLeases.holder, holder)))
    .run();
}
