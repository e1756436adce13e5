import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { isLocalMode } from '../../src/local/settings.ts';

/**
 * The Dockerfile's promises, checked without a container engine (scripts/container-check.sh builds and runs the image
 * with podman). Every instruction is read the way Docker reads it: continuation lines joined, comments dropped.
 */
const root = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

interface Instruction {
  keyword: string;
  args: string;
  /** -1: before the first FROM (a global ARG). */
  stage: number;
}

function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    // Docker drops comment lines, also between the continuation lines of one instruction.
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = `${pending}${line}`.trim();
    pending = '';
    const match = /^(\w+)\s+(.*)$/s.exec(whole);
    if (!match) throw new Error(`not an instruction: ${whole}`);
    const keyword = match[1]!.toUpperCase();
    if (keyword === 'FROM') stage += 1;
    instructions.push({ keyword, args: match[2]!.replace(/\s+/g, ' ').trim(), stage });
  }
  return instructions;
}

const instructions = parseDockerfile(dockerfile);
const finalStage = Math.max(...instructions.map((i) => i.stage));
const inFinal = (keyword: string) => instructions.filter((i) => i.stage === finalStage && i.keyword === keyword);
const envOf = (instruction: Instruction) =>
  Object.fromEntries([...instruction.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
const finalEnv = Object.assign({}, ...inFinal('ENV').map(envOf)) as Record<string, string>;

/** HEALTHCHECK [--option=value ...] CMD ["exec", "form"]: its options and its command. */
function healthcheck(): { options: Record<string, string>; command: string[] } {
  const [check, ...more] = inFinal('HEALTHCHECK');
  expect(more).toEqual([]);
  const match = /^((?:--[\w-]+=\S+ )*)CMD (\[.*\])$/.exec(check!.args);
  if (!match) throw new Error(`HEALTHCHECK is not "[options] CMD [exec form]": ${check!.args}`);
  const options = Object.fromEntries([...match[1]!.matchAll(/--([\w-]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
  return { options, command: JSON.parse(match[2]!) as string[] };
}

describe('the Dockerfile', () => {
  it('builds on any Node 20 bookworm image, the official slim one by default, in two stages', () => {
    // Docker Hub's official Node image tag (https://hub.docker.com/_/node).
    expect(instructions.find((i) => i.keyword === 'ARG' && i.stage === -1)?.args).toBe('BASE=node:20-bookworm-slim');
    expect(instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args)).toEqual([
      // The Dockerfile's own ${...}, not a template placeholder.
      `\${BASE} AS build`,
      `\${BASE}`,
    ]);
  });

  it('keeps the compilers in the build stage: the runtime image installs nothing and copies only node_modules from it', () => {
    const buildRuns = instructions.filter((i) => i.stage === 0 && i.keyword === 'RUN').map((i) => i.args);
    expect(buildRuns.join('\n')).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    expect(buildRuns.join('\n')).toContain('npm ci --omit=dev');
    expect(
      inFinal('RUN')
        .map((i) => i.args)
        .join('\n'),
    ).not.toMatch(/apt-get|npm (ci|install)|g\+\+/);
    const fromBuild = inFinal('COPY').filter((i) => i.args.startsWith('--from='));
    expect(fromBuild.map((i) => i.args)).toEqual(['--from=build /app/node_modules ./node_modules']);
  });

  it('runs the service as uid 10001, not root, from the user it creates', () => {
    const users = inFinal('USER');
    expect(users.map((i) => i.args)).toEqual(['10001:10001']);
    const runs = inFinal('RUN').map((i) => i.args);
    expect(runs.join('\n')).toMatch(/groupadd --gid 10001 deskbridge/);
    expect(runs.join('\n')).toMatch(/useradd --uid 10001 --gid 10001 /);
    // USER comes before the command, so the service and the healthcheck both run as that user.
    const order = instructions.filter((i) => i.stage === finalStage).map((i) => i.keyword);
    expect(order.indexOf('USER')).toBeLessThan(order.indexOf('CMD'));
    expect(order.indexOf('USER')).toBeLessThan(order.indexOf('HEALTHCHECK'));
    // Nothing after USER switches back or writes where the service's code lives.
    expect(order.slice(order.indexOf('USER')).filter((k) => k === 'RUN' || k === 'COPY' || k === 'ADD')).toEqual([]);
  });

  it('keeps the data in a volume at /data that the service user owns, and tells the service so', () => {
    expect(inFinal('VOLUME').map((i) => i.args)).toEqual(['/data']);
    expect(finalEnv.DESKBRIDGE_DATA_DIR).toBe('/data');
    expect(
      inFinal('RUN')
        .map((i) => i.args)
        .join('\n'),
    ).toMatch(/chown 10001:10001 \/data/);
  });

  it('runs a bare node without chat credentials, not local mode (which allows private URLs)', () => {
    expect(finalEnv.LOCAL_MODE).toBe('off');
    const config = loadConfig({ HOST: finalEnv.HOST });
    expect(isLocalMode(config, { LOCAL_MODE: finalEnv.LOCAL_MODE })).toBe(false);
    expect(isLocalMode(config, {})).toBe(true);
  });

  it('exposes the port the service listens on', () => {
    expect(finalEnv.PORT).toBe('3000');
    expect(finalEnv.HOST).toBe('0.0.0.0');
    expect(inFinal('EXPOSE').map((i) => i.args)).toEqual([finalEnv.PORT]);
    expect(loadConfig({ PORT: finalEnv.PORT, HOST: finalEnv.HOST })).toMatchObject({ port: 3000, host: '0.0.0.0' });
  });

  it('starts node itself as PID 1 with the same entry as npm start, so SIGTERM reaches the service', () => {
    const [cmd] = inFinal('CMD');
    const command = JSON.parse(cmd!.args) as string[];
    expect(command).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
    expect(packageJson.scripts.start).toBe('tsx src/main.ts');
    expect(inFinal('ENTRYPOINT')).toEqual([]);
    expect(inFinal('STOPSIGNAL')).toEqual([]);
  });

  it('bakes in no secret: no ENV or ARG names one, and no key file, database or .env is copied', () => {
    const secretName = /SECRET|TOKEN|PASSWORD|API_KEY|PRIVATE|CREDENTIAL/i;
    for (const instruction of instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      for (const name of instruction.args.split(' ').map((word) => word.split('=')[0]!)) {
        expect(name, instruction.args).not.toMatch(secretName);
      }
    }
    const copied = instructions
      .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
      .flatMap((i) => i.args.split(' ').filter((word) => !word.startsWith('--')));
    expect(copied.join(' ')).not.toMatch(/data|secret|\.env|\.db\b/);
    expect(instructions.filter((i) => i.keyword === 'ADD')).toEqual([]);
    // A proxy's CA for npm comes as a build secret, mounted for one step, never copied into a layer.
    const npmCi = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npm ci'))!;
    expect(npmCi.args).toMatch(/^--mount=type=secret,id=npm_ca /);
  });

  it('sends only what it copies as the build context: the local data dir, keys and node_modules stay out', () => {
    const rules = dockerignore
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(rules[0]).toBe('*');
    const included = rules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1).replace(/\/$/, ''));
    const copiedFromContext = inFinal('COPY')
      .filter((i) => !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(' ').slice(0, -1));
    const copiedInBuild = instructions
      .filter((i) => i.stage === 0 && i.keyword === 'COPY')
      .flatMap((i) => i.args.split(' ').slice(0, -1));
    expect([...included].sort()).toEqual([...new Set([...copiedFromContext, ...copiedInBuild])].sort());
    expect(included).not.toContain('data');
    // Excluded again inside the included folders, whatever a developer leaves there.
    expect(rules).toEqual(
      expect.arrayContaining(['**/*.db', '**/*.db-wal', '**/secret.key', '**/.env*', '**/node_modules']),
    );
  });

  it('needs no dev dependency at run time: every package the service imports is a dependency', () => {
    const sourceFiles = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return sourceFiles(path);
        return /\.(ts|mjs)$/.test(name) ? [path] : [];
      });
    const imported = new Set<string>();
    for (const file of ['src', 'adapters', 'db', 'bin'].flatMap((dir) => sourceFiles(join(root, dir)))) {
      const text = readFileSync(file, 'utf8');
      // `import type` is erased before the code runs; everything else is loaded.
      for (const m of text.matchAll(/^\s*(?:import|export)(?!\s+type\s)[^'"]*?from\s+'([^'./][^']*)'/gm)) {
        imported.add(m[1]!);
      }
      for (const m of text.matchAll(/import\(\s*'([^'./][^']*)'\s*\)|require(?:\.resolve)?\(\s*'([^'./][^']*)'/g)) {
        imported.add((m[1] ?? m[2])!);
      }
    }
    const packages = [...imported]
      .filter((name) => !name.startsWith('node:'))
      .map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!));
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('tsx');
    const notDependencies = [...new Set(packages)].filter((name) => !(name in packageJson.dependencies));
    expect(notDependencies).toEqual([]);
  });
});

describe("the image's HEALTHCHECK", () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  /** A stand-in service on loopback whose /readyz answers `status` (or never answers). */
  async function serviceAnswering(status: number | 'never'): Promise<{ port: number; paths: string[] }> {
    const paths: string[] = [];
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      if (status === 'never') return;
      res.writeHead(req.url === '/readyz' ? status : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: status === 200 ? 'ready' : 'starting' }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { port: (server!.address() as AddressInfo).port, paths };
  }

  /** The check exactly as the image runs it, with PORT as the image sets it. */
  function runCheck(port: number): Promise<{ code: number; ms: number }> {
    const [program, ...args] = healthcheck().command;
    expect(program).toBe('node');
    const started = performance.now();
    return new Promise((resolve) => {
      execFile(process.execPath, args, { env: { PORT: String(port) }, timeout: 15_000 }, (error) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, ms: performance.now() - started });
      });
    });
  }

  it('asks /readyz, not /healthz, and passes when the service is ready', async () => {
    const service = await serviceAnswering(200);
    expect(await runCheck(service.port)).toMatchObject({ code: 0 });
    expect(service.paths).toEqual(['/readyz']);
  });

  it('fails while /readyz answers 503 (starting up or shutting down)', async () => {
    const service = await serviceAnswering(503);
    expect(await runCheck(service.port)).toMatchObject({ code: 1 });
    expect(service.paths).toEqual(['/readyz']);
  });

  it('fails when nothing listens', async () => {
    const service = await serviceAnswering(200);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    expect(await runCheck(service.port)).toMatchObject({ code: 1 });
  });

  it('gives up on a stalled service by itself, before the engine kills the check at its --timeout', async () => {
    const { options, command } = healthcheck();
    expect(options).toMatchObject({ interval: '30s', timeout: '5s', 'start-period': '30s', retries: '3' });
    const ownLimitMs = Number(/AbortSignal\.timeout\((\d+)\)/.exec(command.join(' '))?.[1]);
    expect(ownLimitMs).toBe(4000);
    expect(ownLimitMs).toBeLessThan(Number.parseInt(options.timeout!, 10) * 1000);
    const service = await serviceAnswering('never');
    const result = await runCheck(service.port);
    // Ended by its own limit with "unhealthy" (1), not killed (runCheck's 15 s) or still waiting.
    expect(result.code).toBe(1);
    expect(service.paths).toEqual(['/readyz']);
    expect(result.ms).toBeGreaterThanOrEqual(ownLimitMs - 100);
    expect(result.ms).toBeLessThan(12_000);
  });
});
