import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
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
      // 'close', not 'exit': npm may exit before the node it started has written its last lines to the shared pipe.
      const exited = new Promise((r) => child.once('close', r));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
    // The whole process group got the signal (npm, tsx and the node; the wrappers relay it too): one shutdown, clean.
    expect(output).toContain('shut down cleanly');
    expect(output).not.toContain('second signal');
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

describe('a taken port', () => {
  /** Holds a port on 127.0.0.1 for the length of `work`, as another program would. */
  async function holding<T>(work: (port: number) => Promise<T>): Promise<T> {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      return await work(port);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }

  function start(env: Record<string, string>) {
    const dataDir = tempDir();
    dirs.push(dataDir);
    return spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/main.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, HOST: '127.0.0.1', DESKBRIDGE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      timeout: 20_000,
    });
  }

  it("the service's own: one line naming the port and PORT, exit 1", async () => {
    const result = await holding(async (port) => start({ PORT: String(port), LOCAL_MODE: 'off' }));
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^Port \d+ on 127\.0\.0\.1 is already in use, so DeskBridge cannot listen on it\. Stop the program that uses it, or set PORT to a free port\.$/,
    );
  });

  it("local mode's simulated Freshdesk: one line naming the port and LOCAL_FRESHDESK_PORT, and the service stops", async () => {
    const [service, xurrent] = [await freePort(), await freePort()];
    const result = await holding(async (port) =>
      start({
        PORT: String(service),
        LOCAL_MODE: 'auto',
        LOCAL_PLAYGROUND: 'false',
        LOCAL_FRESHDESK_PORT: String(port),
        LOCAL_XURRENT_PORT: String(xurrent),
      }),
    );
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Local mode did not start: Port \d+ on 127\.0\.0\.1 is already in use, so local mode's simulated Freshdesk cannot listen on it\. Stop the program that uses it, or set LOCAL_FRESHDESK_PORT to a free port\.$/,
    );
    // Nothing of the JSON log line that used to stand here, with its code redacted.
    expect(result.stderr).not.toContain('[redacted]');
  });
});
