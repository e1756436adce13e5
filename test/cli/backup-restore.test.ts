import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreDatabase } from '../../db/backup.ts';
import { knownMigrations } from '../../db/migration-status.ts';
import { DB_FILE_NAME } from '../../db/client.ts';
import { freePort, TestClock, tempDir } from '../support/nodes.ts';
import { createDatabaseAt } from '../support/old-schema.ts';
import { repoRoot, runDeskbridge, startServiceProcess, type ServiceProcess } from '../support/processes.ts';
import { startSimulator, type Simulator } from '../support/sync-nodes.ts';

/**
 * `deskbridge backup` and `restore` through the real binary, against a real service process on its data dir and a
 * Freshdesk simulator on loopback (whose API the restored credentials must open).
 */
const KEY = 'a'.repeat(64);
const OTHER_KEY = 'b'.repeat(64);
const latest = knownMigrations().at(-1)!.tag;

const hashOf = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every file of a dir with its content hash: "nothing changed" is this being equal before and after. */
function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).map((name) => [name, hashOf(join(dir, name))]));
}

describe('deskbridge backup and restore', () => {
  let fd: Simulator;
  let work: string;
  let liveDir: string;
  let liveEnv: Record<string, string>;
  let service: ServiceProcess;
  /** A backup of the live node, taken while it runs, and what the command said. */
  let backup: string;
  let firstBackup: Awaited<ReturnType<typeof runDeskbridge>>;

  beforeAll(async () => {
    fd = await startSimulator('freshdesk', TestClock.ticking());
    work = tempDir('deskbridge-backup-');
    liveDir = join(work, 'live');
    const port = await freePort();
    liveEnv = {
      DESKBRIDGE_DATA_DIR: liveDir,
      DESKBRIDGE_SECRET_KEY: KEY,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      POLLER_ENABLED: 'false',
    };
    service = await startServiceProcess(liveEnv, `http://127.0.0.1:${port}/healthz`);
    if (fd.platform !== 'freshdesk') throw new Error('freshdesk expected');
    const added = await runDeskbridge(
      ['instances', 'add', '--platform', 'freshdesk', '--url', fd.url, '--name', 'Acme', '--slug', 'acme'],
      { ...liveEnv, HELPDESK_API_KEY: fd.apiKey },
    );
    expect(added.stderr).toBe('');
    backup = join(work, 'acme.backup');
    firstBackup = await runDeskbridge(['backup', backup], liveEnv);
  }, 40_000);

  afterAll(async () => {
    await service?.stop();
    await fd?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** A data dir of its own for one test, and the environment a CLI on it has (the live node's key unless given). */
  function freshDir(name: string, env: Record<string, string> = { DESKBRIDGE_SECRET_KEY: KEY }) {
    const dir = join(work, name);
    return { dir, env: { DESKBRIDGE_DATA_DIR: dir, ...env } };
  }

  it('copies the database of a running service: 0600, what it holds, the schema version and where the key is', async () => {
    const result = firstBackup;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Backed up .*deskbridge\.db to .*acme\.backup \(\d+(\.\d)? KiB, mode 0600\)\.$/m);
    expect(result.stdout).toMatch(/^Contents: \d+ tables, \d+ rows \(.*instances 1.*\)\.$/m);
    expect(result.stdout).toContain(`Schema version: ${latest} (the last migration applied).`);
    expect(result.stdout).toContain(
      'The master key is NOT in the backup: it is DESKBRIDGE_SECRET_KEY in your environment.',
    );
    expect(modeOf(backup)).toBe(0o600);
    expect(existsSync(`${backup}.key`)).toBe(false);
    // One whole file: no temporary left, no -wal beside it, and the instance in it.
    expect(readdirSync(work).sort()).toEqual(['acme.backup', 'live']);
    const copy = new Database(backup, { readonly: true });
    expect(copy.prepare('select slug, name from instances').all()).toEqual([{ slug: 'acme', name: 'Acme' }]);
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
  });

  it('does not overwrite a file unless --force', async () => {
    const before = hashOf(backup);
    const refused = await runDeskbridge(['backup', backup], liveEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`deskbridge: ${backup} exists; add --force to replace it. Nothing was changed.\n`);
    expect(hashOf(backup)).toBe(before);
    const forced = await runDeskbridge(['backup', backup, '--force'], liveEnv);
    expect(forced.code).toBe(0);
    expect(modeOf(backup)).toBe(0o600);
  });

  it('refuses to restore onto the data dir of a running service, and changes nothing', async () => {
    const before = readdirSync(liveDir).sort();
    const { pid } = JSON.parse(readFileSync(join(liveDir, 'service.json'), 'utf8')) as { pid: number };
    const result = await runDeskbridge(['restore', backup], liveEnv);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `deskbridge: A DeskBridge service (pid ${pid}) is running on the data dir ${liveDir}; stop it ` +
        'first. Nothing was changed.\n',
    );
    expect(readdirSync(liveDir).sort()).toEqual(before);
    const listed = await runDeskbridge(['instances', 'list'], liveEnv);
    expect(listed.stdout).toContain('acme');
  });

  it('restores onto a fresh data dir with the same key: the credentials in it reach the helpdesk', async () => {
    const { dir, env } = freshDir('fresh');
    const result = await runDeskbridge(['restore', backup], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Schema version: ${latest}, this version's latest.`);
    expect(result.stdout).toContain('There was no database before.');
    expect(result.stdout).toContain('Its credentials open with DESKBRIDGE_SECRET_KEY in your environment.');
    expect(readdirSync(dir)).toEqual([DB_FILE_NAME]);
    expect(modeOf(join(dir, DB_FILE_NAME))).toBe(0o600);
    // `instances projects` calls the simulator's API with the sealed API key from the backup.
    const projects = await runDeskbridge(['instances', 'projects', 'acme'], env);
    expect(projects.stderr).toBe('');
    expect(projects.code).toBe(0);
    expect(projects.stdout).toMatch(/^\d+ +\S/m);
  });

  it('with another key it says "wrong key" and creates nothing', async () => {
    const { dir, env } = freshDir('wrong-key', { DESKBRIDGE_SECRET_KEY: OTHER_KEY });
    const result = await runDeskbridge(['restore', backup], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `deskbridge: Wrong key: DESKBRIDGE_SECRET_KEY in your environment cannot open the credentials sealed in ` +
        `${backup}; it was made with another key. Nothing was changed.\n`,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('with no key anywhere it refuses rather than start a node that cannot read its credentials', async () => {
    const { dir, env } = freshDir('no-key', {});
    const result = await runDeskbridge(['restore', backup], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'holds sealed credentials and there is no key to read them: set DESKBRIDGE_SECRET_KEY',
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('--with-key copies the key beside the backup (0600, and says how secret that is); restore installs it', async () => {
    const bundle = join(work, 'with-key.backup');
    const result = await runDeskbridge(['backup', bundle, '--with-key'], liveEnv);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`The master key is in ${bundle}.key (mode 0600). Together the two files are as`);
    expect(result.stdout).toContain('anyone with both can read every credential in the backup');
    expect(modeOf(`${bundle}.key`)).toBe(0o600);
    expect(Buffer.from(readFileSync(`${bundle}.key`, 'utf8').trim(), 'base64')).toEqual(Buffer.from(KEY, 'hex'));

    // A data dir with no key and no DESKBRIDGE_SECRET_KEY: the bundle's key becomes its key file.
    const { dir, env } = freshDir('bundle', {});
    const restored = await runDeskbridge(['restore', bundle], env);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toContain(`The backup's key was installed as ${join(dir, 'secret.key')} (mode 0600).`);
    expect(modeOf(join(dir, 'secret.key'))).toBe(0o600);
    const projects = await runDeskbridge(['instances', 'projects', 'acme'], env);
    expect(projects.code).toBe(0);
  });

  it('keeps the database it replaces, drops the stale -wal/-shm, and an older backup is migrated on the next start', async () => {
    const { dir, env } = freshDir('replace');
    expect((await runDeskbridge(['restore', backup], env)).code).toBe(0);
    const replaced = hashOf(join(dir, DB_FILE_NAME));
    // What a crash leaves beside a database: WAL and shared-memory files that belong to it, not to the backup.
    writeFileSync(join(dir, `${DB_FILE_NAME}-wal`), 'stale');
    writeFileSync(join(dir, `${DB_FILE_NAME}-shm`), 'stale');
    const old = join(work, 'made-by-0000.db');
    createDatabaseAt(old, '0000_init', [join(repoRoot, 'test', 'fixtures', 'upgrade', '0000-data.sql')]);

    const result = await runDeskbridge(['restore', old], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`Schema version: 0000_init; the next start migrates it to ${latest}.`);
    const kept = readdirSync(dir).find((name) => name.startsWith(`${DB_FILE_NAME}.before-restore-`));
    expect(kept).toMatch(/^deskbridge\.db\.before-restore-\d{8}T\d{6}Z$/);
    expect(result.stdout).toContain(`The database it replaced is kept at ${join(dir, kept!)}.`);
    expect(hashOf(join(dir, kept!))).toBe(replaced);
    expect(readdirSync(dir).sort()).toEqual([DB_FILE_NAME, kept].sort());
    expect(hashOf(join(dir, DB_FILE_NAME))).toBe(hashOf(old));

    const listed = await runDeskbridge(['connections', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((c) => c.name)).toEqual([
      'Acme to Initech',
      'Acme to Hooli',
      'Globex from Umbrella',
    ]);
  });

  it('checks the bytes it installs: a backup whose -wal hides a bad migration is refused, not installed', async () => {
    // A database copied with cp while open: its migrations table, as the file alone has it, holds a migration that is
    // not ours; the -wal beside it deletes that row. Read with its -wal it looks fine, but only the file is restored.
    const { dir, env } = freshDir('hidden-by-wal');
    expect((await runDeskbridge(['restore', backup], env)).code).toBe(0);
    const before = snapshot(dir);
    const live = join(work, 'live-copy.db');
    copyFileSync(backup, live);
    const db = new Database(live);
    db.pragma('journal_mode = WAL');
    db.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('d'.repeat(64), 1);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('delete from __drizzle_migrations where hash = ?').run('d'.repeat(64));
    const copied = join(work, 'copied-with-cp.db');
    copyFileSync(live, copied);
    copyFileSync(`${live}-wal`, `${copied}-wal`);
    db.close();

    const result = await runDeskbridge(['restore', copied], env);
    expect(result.stderr).toBe(
      `deskbridge: ${copied} has a migration that is not one of DeskBridge's; it cannot be restored. Nothing was ` +
        'changed.\n',
    );
    expect(result.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
  });

  it('installs the copy it checked, even when the backup is replaced after the check', () => {
    const { dir } = freshDir('replaced-source');
    const source = join(work, 'replaced-source.backup');
    copyFileSync(backup, source);
    const other = new Database(join(work, 'replaced-by.db'));
    other.exec("create table notes (id integer primary key, body text); insert into notes (body) values ('hi')");
    other.close();
    const target = join(dir, DB_FILE_NAME);
    const { summary, kept } = restoreDatabase(source, target, '20260101T000000Z', () => {
      // Between the checks and the swap, another file takes the backup's name.
      copyFileSync(join(work, 'replaced-by.db'), source);
    });
    expect(kept).toBeNull();
    expect(summary.tables).toContainEqual({ name: 'instances', rows: 1 });
    const installed = new Database(target, { readonly: true });
    expect(installed.prepare('select slug from instances').all()).toEqual([{ slug: 'acme' }]);
    installed.close();
    expect(readdirSync(dir)).toEqual([DB_FILE_NAME]);
  });

  it('keeps the replaced database whole when what it last wrote is still in its -wal (as a crash leaves it)', () => {
    const { dir } = freshDir('crashed');
    const target = join(dir, DB_FILE_NAME);
    restoreDatabase(backup, target, '20260101T000000Z', () => {});
    // A copy of it, written to and not checkpointed, put in its place with its -wal: no process has it open.
    copyFileSync(target, join(work, 'crashed-writer.db'));
    const live = new Database(join(work, 'crashed-writer.db'));
    live.pragma('journal_mode = WAL');
    live.pragma('wal_autocheckpoint = 0');
    live.prepare("update instances set name = 'Acme after the backup'").run();
    copyFileSync(join(work, 'crashed-writer.db'), target);
    copyFileSync(join(work, 'crashed-writer.db-wal'), `${target}-wal`);
    live.close();

    const { kept } = restoreDatabase(backup, target, '20260101T000001Z', () => {});
    expect(readdirSync(dir).sort()).toEqual([DB_FILE_NAME, `${DB_FILE_NAME}.before-restore-20260101T000001Z`]);
    const keptDb = new Database(kept!, { readonly: true });
    expect(keptDb.prepare('select name from instances').all()).toEqual([{ name: 'Acme after the backup' }]);
    expect(keptDb.pragma('journal_mode', { simple: true })).toBe('delete');
    keptDb.close();
    const restored = new Database(target, { readonly: true });
    expect(restored.prepare('select name from instances').all()).toEqual([{ name: 'Acme' }]);
    restored.close();
  });

  it('refuses while another process has the database open, even with no service.json (the second guard)', async () => {
    const { dir, env } = freshDir('in-use');
    expect((await runDeskbridge(['restore', backup], env)).code).toBe(0);
    // (No file of the database is read in this process while the holder is open: closing any descriptor of a file
    // drops the POSIX locks the process holds on it, SQLite's included.)
    const holder = new Database(join(dir, DB_FILE_NAME));
    holder.pragma('journal_mode = WAL');
    holder.prepare('select count(*) from instances').get();
    let result: Awaited<ReturnType<typeof runDeskbridge>>;
    try {
      result = await runDeskbridge(['restore', backup], env);
    } finally {
      holder.pragma('journal_mode = DELETE');
      holder.close();
    }
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `deskbridge: The database at ${join(dir, DB_FILE_NAME)} is in use by another process (a DeskBridge ` +
        'service?); stop it and try again. Nothing was changed.\n',
    );
    // The holder's own journal-mode switch changed bytes of the header; what it holds is as it was, and nothing was
    // put beside it.
    expect(readdirSync(dir)).toEqual([DB_FILE_NAME]);
    const db = new Database(join(dir, DB_FILE_NAME), { readonly: true });
    expect(db.prepare('select slug from instances').all()).toEqual([{ slug: 'acme' }]);
    db.close();
  });

  describe('refuses a bad file with a clear error and changes nothing', () => {
    function badFiles() {
      const bad = join(work, 'bad');
      rmSync(bad, { recursive: true, force: true });
      const files = {
        missing: join(bad, 'nothing-here.db'),
        text: join(bad, 'notes.txt'),
        truncated: join(bad, 'truncated.db'),
        foreign: join(bad, 'other-app.db'),
        newer: join(bad, 'newer.db'),
        unknownMigration: join(bad, 'unknown-migration.db'),
        otherShape: join(bad, 'other-shape.db'),
        spoofedNewest: join(bad, 'spoofed-newest.db'),
        misdated: join(bad, 'misdated.db'),
      };
      mkdirSync(bad);
      copyFileSync(backup, files.newer);
      return files;
    }

    it.each([
      ['a missing file', 'missing', /nothing-here\.db does not exist\./],
      ['a text file', 'text', /notes\.txt is not a SQLite database\./],
      ['a truncated backup', 'truncated', /truncated\.db is damaged/],
      ['another application’s SQLite', 'foreign', /other-app\.db is a SQLite database, but not a DeskBridge one/],
      ['a backup from a newer DeskBridge', 'newer', /newer\.db was made by a newer DeskBridge .* install that version/],
      [
        'a database with a migration that is not ours',
        'unknownMigration',
        /unknown-migration\.db has a migration that is not one of DeskBridge's/,
      ],
      // drizzle records each migration as its hash and its journal time: both must be ours.
      [
        'a database whose newest migration has our journal time but not our hash',
        'spoofedNewest',
        /spoofed-newest\.db has a migration that is not one of DeskBridge's/,
      ],
      [
        'a database with our first migration dated as our newest (drizzle would apply none of the rest)',
        'misdated',
        /misdated\.db has a migration that is not one of DeskBridge's/,
      ],
      [
        'a migrations table of another shape',
        'otherShape',
        /other-shape\.db cannot be read as a DeskBridge database: no such column: hash\./,
      ],
    ] as const)('%s', async (_name, kind, message) => {
      const { dir, env } = freshDir('target');
      if (!existsSync(join(dir, DB_FILE_NAME))) expect((await runDeskbridge(['restore', backup], env)).code).toBe(0);
      const before = snapshot(dir);
      const files = badFiles();
      const path = files[kind];
      writeFileSync(files.text, 'these are not the tables you are looking for\n');
      const whole = readFileSync(backup);
      writeFileSync(files.truncated, whole.subarray(0, Math.floor(whole.length / 2)));
      const foreign = new Database(files.foreign);
      foreign.exec("create table notes (id integer primary key, body text); insert into notes (body) values ('hi')");
      foreign.close();
      const newer = new Database(files.newer);
      newer
        .prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)')
        .run('f'.repeat(64), knownMigrations().at(-1)!.when + 86_400_000);
      newer.close();
      copyFileSync(files.newer, files.unknownMigration);
      const unknown = new Database(files.unknownMigration);
      unknown.prepare('update __drizzle_migrations set created_at = ? where hash = ?').run(1, 'f'.repeat(64));
      unknown.close();
      const otherShape = new Database(files.otherShape);
      otherShape.exec('create table __drizzle_migrations (version text); create table instances (id text)');
      otherShape.close();
      const [first, newest] = [knownMigrations()[0]!, knownMigrations().at(-1)!];
      copyFileSync(backup, files.spoofedNewest);
      const spoofed = new Database(files.spoofedNewest);
      spoofed.prepare('update __drizzle_migrations set hash = ? where created_at = ?').run('e'.repeat(64), newest.when);
      spoofed.close();
      copyFileSync(backup, files.misdated);
      const misdated = new Database(files.misdated);
      misdated.prepare('delete from __drizzle_migrations where hash != ?').run(first.hash);
      misdated.prepare('update __drizzle_migrations set created_at = ?').run(newest.when);
      misdated.close();

      const result = await runDeskbridge(['restore', path], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/ Nothing was changed\.\n$/);
      expect(snapshot(dir)).toEqual(before);
    });
  });

  it('backup refuses when there is no database yet, or the folder is missing, and writes nothing', async () => {
    const { dir, env } = freshDir('empty');
    const target = join(work, 'of-nothing.backup');
    const none = await runDeskbridge(['backup', target], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`deskbridge: There is no database at ${join(dir, DB_FILE_NAME)}. Nothing was changed.\n`);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    const missing = await runDeskbridge(['backup', join(work, 'no-such-folder', 'a.backup')], liveEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `deskbridge: The folder ${join(work, 'no-such-folder')} does not exist. Nothing was changed.\n`,
    );
  });

  it('--force over an old key file leaves it 0600', async () => {
    const bundle = join(work, 'forced.backup');
    writeFileSync(`${bundle}.key`, 'old', { mode: 0o644 });
    const refused = await runDeskbridge(['backup', bundle, '--with-key'], liveEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bundle}.key exists; add --force to replace it.`);
    expect(existsSync(bundle)).toBe(false);
    const forced = await runDeskbridge(['backup', bundle, '--with-key', '--force'], liveEnv);
    expect(forced.code).toBe(0);
    expect(modeOf(`${bundle}.key`)).toBe(0o600);
    expect(readFileSync(`${bundle}.key`, 'utf8').trim()).toBe(Buffer.from(KEY, 'hex').toString('base64'));
  });

  it('--json says the same for scripts, without the sealed value it checked', async () => {
    const target = join(work, 'json.backup');
    const taken = await runDeskbridge(['backup', target, '--json'], liveEnv);
    expect(taken.code).toBe(0);
    const backedUp = JSON.parse(taken.stdout) as Record<string, unknown>;
    expect(backedUp).toMatchObject({
      file: target,
      keyFile: null,
      keyLocation: 'DESKBRIDGE_SECRET_KEY in your environment',
      schemaVersion: latest,
      current: true,
      sealedCredentials: true,
    });
    expect(backedUp.tables).toContainEqual({ name: 'instances', rows: 1 });
    expect(taken.stdout).not.toMatch(/v1\.[\w-]+\.[\w-]+\./);
    const { dir, env } = freshDir('json');
    const restored = await runDeskbridge(['restore', target, '--json'], env);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({
      file: target,
      database: join(dir, DB_FILE_NAME),
      kept: null,
      keyInstalled: false,
      sealedCredentials: true,
    });
    expect(restored.stdout).not.toMatch(/v1\.[\w-]+\.[\w-]+\./);
  });

  it('backup and restore take exactly one file', async () => {
    const result = await runDeskbridge(['backup'], liveEnv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('backup takes one file.');
    expect(result.stderr).toContain('deskbridge backup FILE [--force] [--with-key]');
  });
});
