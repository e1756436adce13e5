import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { instances } from '../../../db/schema.ts';
import { DomainError } from '../../domain/errors.ts';
import type { HelpdeskTarget } from '../../domain/helpdesk.ts';
import type { Credentials, Instance } from '../../domain/instance.ts';
import type { SecretBox } from '../../secrets.ts';

export type InstanceRow = typeof instances.$inferSelect;

export function toInstance(row: InstanceRow): Instance {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    platform: row.platform,
    baseUrl: row.baseUrl,
    public: row.public,
    license: { kind: row.licenseKind, until: row.licenseUntil },
    createdAt: row.createdAt,
  };
}

export function findInstanceRow(db: Db, ref: string): InstanceRow | undefined {
  return (
    db.select().from(instances).where(eq(instances.slug, ref)).get() ??
    db.select().from(instances).where(eq(instances.id, ref)).get()
  );
}

/** The instance named by slug or id; a DomainError naming the known ones when there is none. */
export function requireInstanceRow(db: Db, ref: string): InstanceRow {
  const row = findInstanceRow(db, ref);
  if (row) return row;
  const known = db.select({ slug: instances.slug }).from(instances).all().map((r) => r.slug);
  throw new DomainError(
    'not_found',
    known.length === 0
      ? `There is no instance "${ref}" on this node; register one first.`
      : `There is no instance "${ref}" on this node. Known instances: ${known.join(', ')}.`,
  );
}

export function helpdeskTarget(row: InstanceRow, secrets: SecretBox): HelpdeskTarget {
  return { platform: row.platform, baseUrl: row.baseUrl, credentials: secrets.openJson<Credentials>(row.credentialsEnc) };
}
