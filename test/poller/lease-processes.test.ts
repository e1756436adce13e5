import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../support/nodes.ts';
import { join } from 'node:path';
import { repoRoot, startServiceProcess, type ServiceProcess } from '../support/processes.ts';

const LEASE_MS = 1500;

interface JobLine {
  msg: string;
  job?: string;
  holder?: string;
  pid?: number;
  time: number;
}

function lines(process: ServiceProcess): JobLine[] {
  return process
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JobLine);
}

const healthRuns = (process: ServiceProcess) =>
  lines(process).filter((l) => l.msg === 'poller job ran' && l.job === 'health');

async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('two service processes on one data dir', () => {
  const dataDir = tempDir('deskbridge-lease-processes-');
  const running: ServiceProcess[] = [];
  afterAll(async () => {
    for (const p of running) await p.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exactly one runs the jobs; when it is killed, the other takes over within the lease', async () => {
    const start = async () => {
      const port = await freePort();
      const env = {
        PORT: String(port),
        HOST: '127.0.0.1',
        DESKBRIDGE_DATA_DIR: dataDir,
        DESKBRIDGE_SECRET_KEY: 'cd'.repeat(32),
        // Every second, so the test sees several runs without waiting for real minutes.
        POLLER_HEALTH_CRON: '* * * * * *',
        POLLER_LEASE_MS: String(LEASE_MS),
        LOG_LEVEL: 'info',
      };
      // node with tsx's loader, not the tsx CLI: the CLI runs the service in a child, and SIGKILL must hit the service.
      const p = await startServiceProcess(env, `http://127.0.0.1:${port}/healthz`, [
        process.execPath,
        '--import',
        'tsx',
        join(repoRoot, 'src', 'main.ts'),
      ]);
      running.push(p);
      return p;
    };
    const first = await start();
    const second = await start();

    await until(
      () => healthRuns(first).length + healthRuns(second).length >= 3,
      10_000,
      () => 'three health runs',
    );
    const [leader, standby] = healthRuns(first).length > 0 ? [first, second] : [second, first];
    expect(healthRuns(leader)[0]!.pid).toBe(leader.child.pid);
    expect(healthRuns(standby)).toEqual([]);
    expect(new Set(healthRuns(leader).map((l) => l.holder)).size).toBe(1);

    const killedAt = Date.now();
    const exited = new Promise((r) => leader.child.once('exit', r));
    leader.child.kill('SIGKILL');
    await exited;
    running.splice(running.indexOf(leader), 1);
    await until(
      () => healthRuns(standby).length >= 2,
      LEASE_MS + 5000,
      () => `the standby to run the jobs; it said:\n${standby.output().slice(-3000)}`,
    );
    const tookOver = lines(standby).find((l) => l.msg.startsWith('took the poller lease'))!;
    // Within the lease (plus one renewal interval, since the standby looks every third of the lease).
    expect(tookOver.time - killedAt).toBeLessThanOrEqual(LEASE_MS + LEASE_MS / 3 + 500);
    expect(new Set(healthRuns(standby).map((l) => l.holder)).size).toBe(1);
    expect(healthRuns(standby)[0]!.holder).not.toBe(healthRuns(leader)[0]!.holder);
  }, 40_000);
});
