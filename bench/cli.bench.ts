/**
 * CLI start-up benchmark: `npx tsx bench/cli.bench.ts`. Prints JSON lines, each the median wall time over 10 runs:
 * - `node -e 0` (the floor: Node itself);
 * - `deskbridge --help`, `deskbridge rules check <a 50-line rule>` and `deskbridge connections list` on an empty data
 *   dir, calling the bin package.json names (bin/deskbridge.mjs, by its shebang) directly, as `npm link` or an alias
 *   does; npm installs no node_modules/.bin link for a project's own bin, and `npx` adds ~0.5 s of its own;
 * - `npm start` to a healthy /healthz on a bare node (LOCAL_MODE=off, an empty data dir), 5 runs.
 * Targets on the 2-core machine: --help <= 0.4 s, rules check <= 0.7 s, npm start <= 3 s.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../test/support/nodes.ts';
import { repoRoot } from '../test/support/processes.ts';

const RUNS = 10;
const START_RUNS = 5;
const bin = join(repoRoot, 'bin', 'deskbridge.mjs');

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function runOnce(command: string, args: string[], env: Record<string, string>, okCodes: number[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(
      command,
      args,
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 30_000 },
      (error, _out, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (!okCodes.includes(code)) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
        else resolve(performance.now() - started);
      },
    );
  });
}

/** `env` is called before each run: a command that creates its data dir gets a new empty one each time. */
async function measure(
  name: string,
  command: string,
  args: string[],
  env: () => Record<string, string>,
  target?: number,
) {
  const times: number[] = [];
  // One run first, not counted: the first run after a change fills tsx's compile cache.
  await runOnce(command, args, env(), [0]);
  for (let i = 0; i < RUNS; i++) times.push(await runOnce(command, args, env(), [0]));
  const seconds = median(times) / 1000;
  emit({
    bench: `cli.${name}`,
    runs: RUNS,
    median_s: Number(seconds.toFixed(3)),
    min_s: Number((Math.min(...times) / 1000).toFixed(3)),
    max_s: Number((Math.max(...times) / 1000).toFixed(3)),
    ...(target === undefined ? {} : { target_s: target, ok: seconds <= target }),
  });
}

/** `npm start` until /healthz answers 200, then SIGTERM and wait for the exit. */
async function startToHealthy(dataDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DESKBRIDGE_DATA_DIR: dataDir,
      LOCAL_MODE: 'off',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (performance.now() - started > 30_000) throw new Error('npm start did not become healthy within 30 s');
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (response.ok) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
}

const work = mkdtempSync(join(tmpdir(), 'deskbridge-cli-bench-'));
try {
  let dirs = 0;
  const emptyDataDir = () => ({ DESKBRIDGE_DATA_DIR: join(work, `data-${dirs++}`), LOCAL_MODE: 'off' });
  const rule = join(work, 'outgoing.groovy');
  const lines = [
    'replica.key = entity.key',
    'replica.summary = entity.summary',
    'replica.description = entity.description',
    'replica.labels = entity.labels',
    'if (firstSync) { replica.status = entity.status }',
  ];
  writeFileSync(rule, `${Array.from({ length: 50 }, (_, i) => lines[i % lines.length]).join('\n')}\n`);

  await measure('node_e_0', process.execPath, ['-e', '0'], () => ({}));
  await measure('help', bin, ['--help'], emptyDataDir, 0.4);
  await measure('rules_check_50_lines', bin, ['rules', 'check', rule], emptyDataDir, 0.7);
  // A new empty data dir each run: the database is created and migrated every time.
  await measure('connections_list_empty', bin, ['connections', 'list'], emptyDataDir);

  const starts: number[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    const startDir = join(work, `start-${i}`);
    starts.push(await startToHealthy(startDir));
  }
  const seconds = median(starts) / 1000;
  emit({
    bench: 'cli.npm_start_to_healthz',
    runs: START_RUNS,
    median_s: Number(seconds.toFixed(3)),
    max_s: Number((Math.max(...starts) / 1000).toFixed(3)),
    target_s: 3,
    ok: seconds <= 3,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
