import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from './support/nodes.ts';
import { repoRoot } from './support/processes.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves GET /healthz and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    dirs.push(dataDir);
    const child = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), DESKBRIDGE_DATA_DIR: dataDir, LOG_LEVEL: 'info', LOCAL_MODE: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (c) => (output += String(c)));
    child.stderr.on('data', (c) => (output += String(c)));
    try {
      let body: unknown = null;
      for (let i = 0; i < 200 && body === null; i++) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/healthz`);
          body = await response.json();
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(body, output).toEqual({ status: 'ok' });
      expect(output).toContain(`DeskBridge is running at http://localhost:${port}`);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });

  it('stops with one line naming the variable when the configuration is bad', () => {
    const result = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration: PORT must be a number (got "eighty").');
  });
});
