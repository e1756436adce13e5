import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BackupError,
  backupDatabase,
  inspectDatabase,
  restoreDatabase,
  type DatabaseSummary,
} from '../../db/backup.ts';
import { databasePath } from '../../db/client.ts';
import { knownMigrations } from '../../db/migration-status.ts';
import { loadConfig, type Config } from '../config.ts';
import { findRunningService } from '../running-service.ts';
import { KEY_FILE_NAME, SecretBox } from '../secrets.ts';
import { parseFlags } from './args.ts';
import { printJson, UsageError, type CliIo } from './output.ts';

type Env = Record<string, string | undefined>;

/** Where `--with-key` puts the master key: beside the backup, as the data dir's `secret.key` holds it. */
function keyFileOf(backup: string): string {
  return `${backup}.key`;
}

function oneFile(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one file.`);
  return resolve(positionals[0]!);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function rowsSummary(summary: DatabaseSummary): string {
  const total = summary.tables.reduce((sum, t) => sum + t.rows, 0);
  const filled = summary.tables.filter((t) => t.rows > 0).map((t) => `${t.name} ${t.rows}`);
  return `${summary.tables.length} tables, ${total} rows${filled.length > 0 ? ` (${filled.join(', ')})` : ''}`;
}

/** A summary as the JSON output shows it: the sealed value found for the key check is not printed. */
function shown({ sealedSample, ...summary }: DatabaseSummary) {
  return { ...summary, sealedCredentials: sealedSample !== null };
}

/** Where this node's master key is: what the operator must keep beside a backup that carries no key. */
function keyLocation(config: Config): string {
  return config.secretKey
    ? 'DESKBRIDGE_SECRET_KEY in your environment'
    : `the key file ${resolve(join(config.dataDir, KEY_FILE_NAME))}`;
}

function readKeyFile(path: string): Buffer {
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new BackupError(`${path} does not hold a 32-byte key.`);
  return key;
}

/** The node's key as the service would load it (the environment's, else the data dir's key file), or null. */
function nodeKey(config: Config): Buffer | null {
  if (config.secretKey) return config.secretKey;
  const file = join(config.dataDir, KEY_FILE_NAME);
  return existsSync(file) ? readKeyFile(file) : null;
}

function refuseWhileServiceRuns(dataDir: string): void {
  const running = findRunningService(dataDir);
  if (running)
    throw new BackupError(
      `A DeskBridge service (pid ${running.pid}) is running on the data dir ${dataDir}; stop it first.`,
    );
}

/** Runs a backup or restore command: its problems are printed as one line, exit code 1. */
async function reporting(io: CliIo, work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    io.stderr.write(`deskbridge: ${error.message} Nothing was changed.\n`);
    return 1;
  }
}

/**
 * `deskbridge backup <file> [--force] [--with-key]`: an online, consistent copy of the node's database, taken while
 * the service runs. The master key stays out of it unless asked for (then beside it, as `<file>.key`).
 */
export async function runBackupCommand(args: string[], io: CliIo, env: Env): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    force: { type: 'boolean' },
    'with-key': { type: 'boolean' },
  });
  const target = oneFile(positionals, 'backup');
  const config = loadConfig(env);
  return reporting(io, async () => {
    const withKey = values['with-key'] === true;
    const keyTarget = keyFileOf(target);
    if (withKey && existsSync(keyTarget) && !values.force)
      throw new BackupError(`${keyTarget} exists; add --force to replace it.`);
    const key = withKey ? nodeKey(config) : null;
    if (withKey && !key) throw new BackupError(`There is no key to copy: ${keyLocation(config)} does not exist.`);
    await backupDatabase(databasePath(config.dataDir), target, { force: values.force === true });
    const summary = inspectDatabase(target);
    if (key) {
      writeFileSync(keyTarget, `${key.toString('base64')}\n`, { mode: 0o600 });
      // The mode above applies only to a new file: one replaced with --force is tightened too.
      chmodSync(keyTarget, 0o600);
    }
    if (values.json) {
      printJson(io, {
        file: target,
        keyFile: key ? keyTarget : null,
        keyLocation: keyLocation(config),
        ...shown(summary),
      });
      return;
    }
    const lines = [
      `Backed up ${resolve(databasePath(config.dataDir))} to ${target} (${formatBytes(summary.bytes)}, mode 0600).`,
      `Contents: ${rowsSummary(summary)}.`,
      `Schema version: ${summary.schemaVersion} (the last migration applied).`,
      key
        ? `The master key is in ${keyTarget} (mode 0600). Together the two files are as secret as the key: anyone ` +
          'with both can read every credential in the backup. Keep them apart or somewhere only you can read.'
        : `The master key is NOT in the backup: it is ${keyLocation(config)}. Keep a copy of it somewhere safe; ` +
          'without it the credentials in this backup cannot be read. (--with-key copies it beside the backup.)',
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  });
}

/**
 * `deskbridge restore <file>`: checks the backup (whole, a DeskBridge database this version knows, readable with the
 * key the service will use) before replacing anything, and refuses while a service uses the data dir.
 */
export async function runRestoreCommand(args: string[], io: CliIo, env: Env): Promise<number> {
  const { values, positionals } = parseFlags(args, {});
  const source = oneFile(positionals, 'restore');
  const config = loadConfig(env);
  return reporting(io, async () => {
    refuseWhileServiceRuns(config.dataDir);
    const bundledKeyFile = keyFileOf(source);
    const ownKey = nodeKey(config);
    const bundledKey = !ownKey && existsSync(bundledKeyFile) ? readKeyFile(bundledKeyFile) : null;
    const key = ownKey ?? bundledKey;
    const target = databasePath(config.dataDir);
    // Every check runs on the copy that is installed (see restoreDatabase), the key's too.
    const { summary, kept } = restoreDatabase(
      source,
      target,
      new Date().toISOString().replace(/[-:]|\.\d+/g, ''),
      (copy) => {
        if (copy.sealedSample !== null) {
          if (!key)
            throw new BackupError(
              `${source} holds sealed credentials and there is no key to read them: set DESKBRIDGE_SECRET_KEY, put ` +
                `the key file at ${join(config.dataDir, KEY_FILE_NAME)}, or keep the backup's key at ${bundledKeyFile}.`,
            );
          try {
            new SecretBox(key).open(copy.sealedSample);
          } catch {
            const used = ownKey ? keyLocation(config) : bundledKeyFile;
            throw new BackupError(
              `Wrong key: ${used} cannot open the credentials sealed in ${source}; it was made with another key.`,
            );
          }
        }
        // Checked again just before the swap: a service started while the copy was made and checked.
        refuseWhileServiceRuns(config.dataDir);
      },
    );
    if (bundledKey)
      writeFileSync(join(config.dataDir, KEY_FILE_NAME), `${bundledKey.toString('base64')}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
    const latest = knownMigrations().at(-1)!.tag;
    if (values.json) {
      printJson(io, {
        file: source,
        database: resolve(target),
        kept: kept && resolve(kept),
        keyInstalled: bundledKey !== null,
        ...shown(summary),
      });
      return;
    }
    const lines = [
      `Restored ${source} to ${resolve(target)}: ${rowsSummary(summary)}.`,
      summary.current
        ? `Schema version: ${summary.schemaVersion}, this version's latest.`
        : `Schema version: ${summary.schemaVersion}; the next start migrates it to ${latest}.`,
      kept ? `The database it replaced is kept at ${resolve(kept)}.` : 'There was no database before.',
      bundledKey
        ? `The backup's key was installed as ${resolve(join(config.dataDir, KEY_FILE_NAME))} (mode 0600).`
        : summary.sealedSample === null
          ? 'It holds no sealed credentials.'
          : `Its credentials open with ${keyLocation(config)}.`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
  });
}
