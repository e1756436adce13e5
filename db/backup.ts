import Database from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensureDataDir } from './data-dir.ts';
import { migrationState, type MigrationState } from './migration-status.ts';

/**
 * The SQLite side of `deskbridge backup` and `restore`: an online copy through SQLite's backup API, the checks a copy
 * must pass before it replaces a node's database, and the swap itself. What the copy's sealed values need (the
 * master key) is the CLI's part: this module knows where sealed values are, not how to open them.
 */

/** A problem with a backup or a data dir that the operator can act on; nothing was changed. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

export interface DatabaseSummary {
  bytes: number;
  /** Tables and their rows, by name (drizzle's and SQLite's own tables left out). */
  tables: { name: string; rows: number }[];
  /** The last migration applied to it. */
  schemaVersion: string;
  /** Whether it is at this code's last migration (false: the next start migrates it forward). */
  current: boolean;
  /** A sealed value found in it (to check a key against), or null when it holds none. */
  sealedSample: string | null;
}

/** Columns holding values sealed with the master key, most likely filled first. */
const SEALED_COLUMNS: [table: string, column: string][] = [
  ['instances', 'credentials_enc'],
  ['connections', 'key_enc'],
  ['webhook_secrets', 'secret_enc'],
  ['chat_installations', 'installation_enc'],
  ['xurrent_webhook_policies', 'key_enc'],
];

const SQLITE_HEADER = 'SQLite format 3\0';

function hasSqliteHeader(path: string): boolean {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, header, 0, header.length, 0) === header.length && header.toString('latin1') === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens `path` read-only and checks that it is a whole DeskBridge database this code can run on: SQLite, intact
 * (`PRAGMA integrity_check`), with drizzle's migrations table, and every migration applied to it one of ours (a copy
 * from a newer DeskBridge is refused). Throws a BackupError saying what is wrong.
 */
export function inspectDatabase(path: string, what = path): DatabaseSummary {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new BackupError(`${what} does not exist.`);
  }
  if (!stats.isFile()) throw new BackupError(`${what} is not a file.`);
  if (!hasSqliteHeader(path)) throw new BackupError(`${what} is not a SQLite database.`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${what} cannot be opened as a SQLite database: ${(error as Error).message}.`);
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (error) {
      throw new BackupError(`${what} is damaged (${(error as Error).message}); it may be truncated.`);
    }
    if (problems.length !== 1 || problems[0] !== 'ok')
      throw new BackupError(`${what} is damaged: ${problems.slice(0, 3).join('; ')}.`);
    const tables = (
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as { name: string }[]
    ).map((t) => t.name);
    if (!tables.includes('__drizzle_migrations'))
      throw new BackupError(`${what} is a SQLite database, but not a DeskBridge one (it has no migrations table).`);
    try {
      const migrations = checkMigrations(db, what);
      return summaryOf(db, stats.size, tables, migrations.standing === 'current', migrations.last!.tag);
    } catch (error) {
      // A table it cannot read (a virtual table of a module we lack, a migrations table of another shape).
      if (error instanceof BackupError) throw error;
      throw new BackupError(`${what} cannot be read as a DeskBridge database: ${(error as Error).message}.`);
    }
  } finally {
    db.close();
  }
}

function summaryOf(
  db: Database.Database,
  bytes: number,
  tables: string[],
  current: boolean,
  schemaVersion: string,
): DatabaseSummary {
  return {
    bytes,
    tables: tables
      .filter((name) => name !== '__drizzle_migrations')
      .map((name) => ({
        name,
        rows: (db.prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number }).n,
      })),
    schemaVersion,
    current,
    sealedSample: sealedSample(db, tables),
  };
}

/** What its migrations table says, after checking that each applied migration is one of ours. */
function checkMigrations(db: Database.Database, what: string): MigrationState {
  const migrations = migrationState(db);
  if (migrations.applied.length === 0)
    throw new BackupError(`${what} is a DeskBridge database with no migration applied.`);
  if (migrations.standing === 'newer')
    throw new BackupError(
      `${what} was made by a newer DeskBridge (its schema has migrations this version does not know, newer ` +
        `than ${migrations.newest.tag}); install that version or a later one to restore it.`,
    );
  if (migrations.standing === 'foreign')
    throw new BackupError(`${what} has a migration that is not one of DeskBridge's; it cannot be restored.`);
  return migrations;
}

function sealedSample(db: Database.Database, tables: string[]): string | null {
  for (const [table, column] of SEALED_COLUMNS) {
    if (!tables.includes(table)) continue;
    const row = db.prepare(`SELECT ${column} AS value FROM ${table} WHERE ${column} IS NOT NULL LIMIT 1`).get() as
      | { value: string }
      | undefined;
    if (row) return row.value;
  }
  return null;
}

/** `path.12345.tmp` beside `path`: renamed into place once whole, so no reader sees half a file. */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/**
 * Copies the database at `source` to `target` while the service may be writing to it: SQLite's online backup API on
 * a read-only connection, into a temporary file (0600) renamed into place. The copy is a single file (rollback
 * journal, no -wal beside it). An existing `target` is replaced only with `force`.
 */
export async function backupDatabase(source: string, target: string, options: { force: boolean }): Promise<void> {
  if (!existsSync(source)) throw new BackupError(`There is no database at ${source}.`);
  if (existsSync(target) && !options.force) throw new BackupError(`${target} exists; add --force to replace it.`);
  if (existsSync(target) && !statSync(target).isFile()) throw new BackupError(`${target} is not a file.`);
  if (!existsSync(dirname(target))) throw new BackupError(`The folder ${dirname(target)} does not exist.`);
  const temporary = temporaryBeside(target);
  rmSync(temporary, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    closeSync(openSync(temporary, 'wx', 0o600));
    // All remaining pages in one step, inside one read transaction: a copy of one moment, however busy the service
    // is (stepping 100 pages at a time, as by default, starts over each time another process writes). In WAL mode
    // the service's writes are not held up by the read.
    await db.backup(temporary, { progress: () => 0x7fffffff });
    const copy = new Database(temporary);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    chmodSync(temporary, 0o600);
    syncFile(temporary);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    db.close();
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A restored database is behind its helpdesks and its partners: tickets made or linked after the backup are on the
 * helpdesk but not in its twin table, and a partner names them in what it sends. So every connection polls its
 * triggers on the first pass of the engine, which comes before that pass applies the partners' messages: the
 * tickets are linked again first, and a partner's update finds its twin instead of making another.
 */
function pollFirst(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    const hasSyncState = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sync_state'").get();
    if (hasSyncState) db.prepare('UPDATE sync_state SET trigger_poll_due = 1').run();
  } finally {
    db.close();
  }
}

/**
 * The second guard against restoring under a running service (the first is its service.json), held across the swap:
 * SQLite's exclusive locking mode is refused while any other connection has the database open, even idle, in WAL
 * mode, and once taken no other process can read or write it until it is released. The database is switched to a
 * rollback journal on the way (its WAL checkpointed into the file and removed), so the copy kept aside is whole on its
 * own; the hold then keeps its journal in memory, so closing it touches no file: closing in WAL mode would checkpoint
 * into and delete a `-wal` by its name, and in DELETE mode a `-journal`, which by then belong to the restored
 * database. Null when there is no database.
 */
function holdExclusively(path: string): Database.Database | null {
  if (!existsSync(path)) return null;
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (error) {
    throw new BackupError(`The database at ${path} cannot be opened: ${(error as Error).message}.`);
  }
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') throw new Error('still in WAL mode');
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return db;
  } catch {
    db.close();
    throw new BackupError(
      `The database at ${path} is in use by another process (a DeskBridge service?); stop it and try again.`,
    );
  }
}

/** Copies the file at `source` (a regular file, opened once: what is copied is what was found) to a new `target`. */
function copyRegularFile(source: string, target: string): void {
  let from: number;
  try {
    from = openSync(source, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    throw new BackupError(`${source} does not exist.`);
  }
  try {
    if (!fstatSync(from).isFile()) throw new BackupError(`${source} is not a file.`);
    const to = openSync(target, 'wx', 0o600);
    try {
      const chunk = Buffer.alloc(1024 * 1024);
      for (let read = readSync(from, chunk); read > 0; read = readSync(from, chunk)) writeSync(to, chunk, 0, read);
      fsyncSync(to);
    } finally {
      closeSync(to);
    }
  } finally {
    closeSync(from);
  }
}

/**
 * Restores the backup at `source` as the database at `target`. The backup is copied beside `target` first and every
 * check runs on that copy (`inspectDatabase`, then `accept`, the caller's own: the key), so the bytes checked are the
 * bytes installed, whatever happens to `source` meanwhile. Then, holding the current database exclusively, it is kept
 * as `<name>.before-restore-<stamp>` (a hard link, so there is no moment without a database), its stale -wal, -shm and
 * -journal are removed, and a rename swaps the copy in. Returns what the copy holds and the kept path (null when there was no
 * database). Refused: nothing is changed (a data dir it made for the copy is removed again).
 */
export function restoreDatabase(
  source: string,
  target: string,
  stamp: string,
  accept: (summary: DatabaseSummary) => void,
): { summary: DatabaseSummary; kept: string | null } {
  const dataDir = dirname(target);
  const madeDataDir = !existsSync(dataDir);
  ensureDataDir(dataDir);
  const temporary = temporaryBeside(target);
  rmSync(temporary, { force: true });
  let kept: string | null = null;
  let installed = false;
  try {
    copyRegularFile(source, temporary);
    const summary = inspectDatabase(temporary, source);
    accept(summary);
    pollFirst(temporary);
    syncFile(temporary);
    const hold = holdExclusively(target);
    try {
      if (hold) {
        kept = `${target}.before-restore-${stamp}`;
        linkSync(target, kept);
      }
      for (const stale of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(stale, { force: true });
      renameSync(temporary, target);
      installed = true;
    } finally {
      hold?.close();
    }
    return { summary, kept };
  } catch (error) {
    if (!installed) {
      for (const file of [temporary, `${temporary}-wal`, `${temporary}-shm`]) rmSync(file, { force: true });
      if (kept) rmSync(kept, { force: true });
      if (madeDataDir) rmdirSync(dataDir);
    }
    throw error;
  }
}
