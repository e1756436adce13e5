import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `deskbridge` binary as a child process. */
export function runDeskbridge(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin', 'deskbridge.mjs'), ...args],
      {
        cwd: repoRoot,
        // The nodes and simulators it talks to are on loopback.
        env: { ...process.env, LOG_LEVEL: 'warn', LOCAL_MODE: 'off', DESKBRIDGE_ALLOW_PRIVATE_URLS: 'true', ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts the service (`tsx src/main.ts`, what `npm start` runs) and waits until /healthz answers. */
export async function startServiceProcess(
  env: Record<string, string>,
  healthUrl: string,
  command: string[] = [],
): Promise<ServiceProcess> {
  const args =
    command.length > 0
      ? command
      : [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'src', 'main.ts')];
  const child = spawn(command.length > 0 ? args[0]! : process.execPath, command.length > 0 ? args.slice(1) : args, {
    cwd: repoRoot,
    // LOCAL_MODE=off: a bare node unless the test asks for local mode (simulators, Playground) itself; its partners and
    // simulators are on loopback, so private URLs are allowed.
    env: { ...process.env, LOG_LEVEL: 'info', LOCAL_MODE: 'off', DESKBRIDGE_ALLOW_PRIVATE_URLS: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(healthUrl);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
