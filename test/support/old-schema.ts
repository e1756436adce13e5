import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER } from '../../db/client.ts';
import { tempDir } from './nodes.ts';

/**
 * A database file as an older DeskBridge left it: the real drizzle migrator with only the committed migrations up to
 * `lastTag` (a copy of db/migrations with its journal cut there), in WAL mode as the service keeps it, with
 * `seedSql` files (raw SQL written for that schema) loaded after.
 */
export function createDatabaseAt(path: string, lastTag: string, seedSql: string[] = []): void {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const upTo = journal.entries.findIndex((e) => e.tag === lastTag);
  if (upTo < 0) throw new Error(`no committed migration ${lastTag}`);
  const folder = tempDir('deskbridge-old-migrations-');
  try {
    mkdirSync(join(folder, 'meta'));
    const entries = journal.entries.slice(0, upTo + 1);
    for (const { tag } of entries) copyFileSync(join(MIGRATIONS_FOLDER, `${tag}.sql`), join(folder, `${tag}.sql`));
    writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
    const sqlite = new Database(path);
    try {
      sqlite.pragma('journal_mode = WAL');
      migrate(drizzle(sqlite), { migrationsFolder: folder });
      for (const file of seedSql) sqlite.exec(readFileSync(file, 'utf8'));
    } finally {
      sqlite.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
