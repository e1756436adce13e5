import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

const journalPath = join(dirname(fileURLToPath(import.meta.url)), 'migrations', 'meta', '_journal.json');

interface JournalEntry {
  tag: string;
  when: number;
}

let journal: JournalEntry[] | null = null;

/** The migrations this code knows, oldest first (drizzle's journal, read once). */
function knownMigrations(): JournalEntry[] {
  journal ??= (JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: JournalEntry[] }).entries;
  if (journal.length === 0) throw new Error('db/migrations/meta/_journal.json lists no migration');
  return journal;
}

export type MigrationStatus =
  | { migrated: true; newest: string }
  | { migrated: false; newest: string; applied: string | null };

/**
 * Whether the database carries the newest migration the code knows: drizzle records each applied migration with its
 * journal time (`created_at`), so the last applied one must have the newest entry's time.
 */
export function migrationStatus(sqlite: Database.Database): MigrationStatus {
  const known = knownMigrations();
  const newest = known.at(-1)!;
  let last: { created_at: number | string } | undefined;
  try {
    last = sqlite.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1').get() as
      | { created_at: number | string }
      | undefined;
  } catch {
    return { migrated: false, newest: newest.tag, applied: null };
  }
  if (last && Number(last.created_at) === newest.when) return { migrated: true, newest: newest.tag };
  const applied = last ? (known.find((e) => e.when === Number(last.created_at))?.tag ?? 'unknown') : null;
  return { migrated: false, newest: newest.tag, applied };
}
