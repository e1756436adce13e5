import { eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { preparedPerDatabase } from '../../db/prepared.ts';
import { instances } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { HelpdeskTarget } from '../domain/helpdesk.ts';
import type { Credentials, Instance } from '../domain/instance.ts';
import type { SecretBox } from '../secrets.ts';

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

/** Chat requests and node requests look their instance up every time: prepared once. */
const lookups = preparedPerDatabase((db: DbOrTx) => ({
  bySlug: db
    .select()
    .from(instances)
    .where(eq(instances.slug, sql.placeholder('ref')))
    .prepare(),
  byId: db
    .select()
    .from(instances)
    .where(eq(instances.id, sql.placeholder('ref')))
    .prepare(),
}));

/** By slug alone: what a public URL (`/i/{slug}`, `/webhooks/{slug}`) names; an id there resolves nothing. */
export function findInstanceRowBySlug(db: DbOrTx, slug: string): InstanceRow | undefined {
  return lookups(db).bySlug.get({ ref: slug });
}

/** By id alone: what a connection row names. */
export function instanceRowById(db: DbOrTx, id: string): InstanceRow | undefined {
  return lookups(db).byId.get({ ref: id });
}

export function findInstanceRow(db: DbOrTx, ref: string): InstanceRow | undefined {
  const { bySlug, byId } = lookups(db);
  return bySlug.get({ ref }) ?? byId.get({ ref });
}

/** The instance named by slug or id; a DomainError naming the known ones when there is none. */
export function requireInstanceRow(db: Db, ref: string): InstanceRow {
  const row = findInstanceRow(db, ref);
  if (row) return row;
  const known = db
    .select({ slug: instances.slug })
    .from(instances)
    .all()
    .map((r) => r.slug);
  throw new DomainError(
    'not_found',
    known.length === 0
      ? `There is no instance "${ref}" on this node; register one first.`
      : `There is no instance "${ref}" on this node. Known instances: ${known.join(', ')}.`,
  );
}

/** Where an instance's helpdesk is and how to sign in, its credentials opened. */
export function helpdeskTarget(
  row: Pick<InstanceRow, 'platform' | 'baseUrl' | 'credentialsEnc'>,
  secrets: SecretBox,
): HelpdeskTarget {
  return {
    platform: row.platform,
    baseUrl: row.baseUrl,
    credentials: secrets.openJson<Credentials>(row.credentialsEnc),
  };
}
