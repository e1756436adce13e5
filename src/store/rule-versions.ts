import { and, desc, eq } from 'drizzle-orm';
import { ruleVersions } from '../../db/schema/index.ts';
import type { Platform } from '../domain/instance.ts';
import { defaultScripts } from '../rules/index.ts';
import type { DbOrTx } from '../../db/client.ts';

export type RuleVersionRow = typeof ruleVersions.$inferSelect;

/**
 * The published scripts of a connection. A connection starts with the platform defaults as version 1, published;
 * that version is written the first time anyone asks, so connections made by any path get it.
 */
export function publishedRuleVersion(db: DbOrTx, connectionId: string, platform: Platform, now: Date): RuleVersionRow {
  const published = db
    .select()
    .from(ruleVersions)
    .where(and(eq(ruleVersions.connectionId, connectionId), eq(ruleVersions.status, 'published')))
    .orderBy(desc(ruleVersions.version))
    .get();
  if (published) return published;
  const any = db
    .select({ id: ruleVersions.id })
    .from(ruleVersions)
    .where(eq(ruleVersions.connectionId, connectionId))
    .get();
  if (!any) {
    const defaults = defaultScripts(platform);
    db.insert(ruleVersions)
      .values({
        connectionId,
        version: 1,
        outgoing: defaults.outgoing,
        incoming: defaults.incoming,
        status: 'published',
        author: 'system:defaults',
        approver: 'system:defaults',
        note: `The ${platform} defaults`,
        publishedAt: now,
        decidedAt: now,
        updatedAt: now,
        createdAt: now,
      })
      .onConflictDoNothing()
      .run();
    return publishedRuleVersion(db, connectionId, platform, now);
  }
  // Versions exist but none is published (cannot happen through the use-cases): the defaults apply.
  const defaults = defaultScripts(platform);
  return {
    id: 0,
    connectionId,
    version: 0,
    outgoing: defaults.outgoing,
    incoming: defaults.incoming,
    status: 'published',
    author: 'system:defaults',
    approver: null,
    note: '',
    requestedAt: null,
    decidedAt: null,
    publishedAt: null,
    updatedAt: now,
    createdAt: now,
  };
}
