import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDataDir } from './data-dir.ts';
import * as schema from './schema/index.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** A database or an open transaction on it: writes that must happen together take the transaction. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export const DB_FILE_NAME = 'deskbridge.db';
export const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** The database and its WAL and shared-memory files (all hold sync data and sealed secrets). */
function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

function restrictToOwner(files: string[]): void {
  for (const file of files) if (existsSync(file)) chmodSync(file, 0o600);
}

/**
 * Opens (creating if needed) the node's SQLite file in WAL mode and applies the committed migrations. The files are
 * this user's only (0600): SQLite gives the -wal and -shm files the mode of the database file, so that one is made
 * 0600 before SQLite opens it, and the files of an older install are tightened.
 */
export function openDatabase(path: string): Db {
  ensureDataDir(dirname(path));
  closeSync(openSync(path, 'a', 0o600));
  restrictToOwner(databaseFiles(path));
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, DB_FILE_NAME);
}
