import type Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER } from './client.ts';

/**
 * The one reader of drizzle's migration journal, and what it says of a database: the restore checks and /readyz
 * judge a database by the same rules. drizzle's migrator records each migration it applies as the hash of its SQL
 * and its journal time (`created_at`), so a migration applied to a database is one of ours only when both match.
 */

export interface Migration {
  tag: string;
  /** drizzle's `folderMillis`: what `__drizzle_migrations.created_at` records for it. */
  when: number;
  hash: string;
}

let known: Migration[] | null = null;

/** The committed migrations, oldest first, as drizzle's migrator reads them (read once). */
export function knownMigrations(): Migration[] {
  if (known) return known;
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  if (journal.entries.length === 0) throw new Error('db/migrations/meta/_journal.json lists no migration');
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  known = journal.entries.map((entry, i) => ({ tag: entry.tag, when: entry.when, hash: files[i]!.hash }));
  return known;
}

export interface AppliedMigration {
  hash: string;
  createdAt: number;
  /** The committed migration it is (same hash and journal time), or null when it is not one of ours. */
  migration: Migration | null;
}

/**
 * `current`: at this code's newest migration. `older`: every applied migration is ours and the next start applies
 * the rest (none applied counts here). `newer`: it has a migration we do not know, newer than our newest (a
 * newer DeskBridge made it). `foreign`: it has a migration that is not one of ours.
 */
export type SchemaStanding = 'current' | 'older' | 'newer' | 'foreign';

export interface MigrationState {
  /** What its `__drizzle_migrations` records, oldest first. */
  applied: AppliedMigration[];
  /** This code's newest migration. */
  newest: Migration;
  /** Its last applied migration, when every applied one is ours; else null. */
  last: Migration | null;
  /** The first applied migration that is not ours, if any. */
  unknown: AppliedMigration | null;
  standing: SchemaStanding;
}

/** Reads the database's migrations table (throws when it has none, or one of another shape). */
export function migrationState(sqlite: Database.Database): MigrationState {
  const migrations = knownMigrations();
  const newest = migrations.at(-1)!;
  const byHash = new Map(migrations.map((m) => [m.hash, m]));
  const rows = sqlite.prepare('SELECT hash, created_at FROM __drizzle_migrations ORDER BY created_at, id').all() as {
    hash: string;
    created_at: number | string;
  }[];
  const applied = rows.map((row): AppliedMigration => {
    const createdAt = Number(row.created_at);
    const migration = byHash.get(row.hash);
    return { hash: row.hash, createdAt, migration: migration && migration.when === createdAt ? migration : null };
  });
  const unknown = applied.find((m) => m.migration === null) ?? null;
  const last = unknown ? null : (applied.at(-1)?.migration ?? null);
  const standing: SchemaStanding = unknown
    ? unknown.createdAt > newest.when
      ? 'newer'
      : 'foreign'
    : last === newest
      ? 'current'
      : 'older';
  return { applied, newest, last, unknown, standing };
}

export type MigrationStatus =
  | { migrated: true; newest: string }
  | { migrated: false; newest: string; applied: string | null };

/** Whether the database carries this code's newest migration, and otherwise what it has, for /readyz. */
export function migrationStatus(sqlite: Database.Database): MigrationStatus {
  const newest = knownMigrations().at(-1)!.tag;
  let state: MigrationState;
  try {
    state = migrationState(sqlite);
  } catch {
    return { migrated: false, newest, applied: null };
  }
  if (state.standing === 'current') return { migrated: true, newest };
  if (state.unknown)
    return {
      migrated: false,
      newest,
      applied: `${state.standing === 'newer' ? "a newer DeskBridge's" : "one that is not DeskBridge's"} (hash ${state.unknown.hash.slice(0, 12)})`,
    };
  return { migrated: false, newest, applied: state.last?.tag ?? null };
}
