import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.ts';
import type { ConnectHelpdesk } from '../../src/app-deps.ts';
import { createLogger } from '../../src/logger.ts';
import { isLocalMode } from '../../src/local/settings.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { fixedHelpdesks } from './helpdesks.ts';
import { systemClock, type Clock } from '../../adapters/helpdesk/clock.ts';

export function tempDir(prefix = 'deskbridge-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The date every test clock starts on, whatever the wall clock says (CI runs the suite today and 400 days ahead). */
export const TEST_START = Date.parse('2026-11-21T09:00:00Z');

/** What every clock-driven part of a test reads: nodes a Date, simulators and connectors milliseconds. */
export interface SharedClock {
  now(): Date;
  ms(): number;
  readonly forSimulator: { now(): number };
  /** For a helpdesk connector: this clock's time, and real sleeps. */
  readonly forConnector: Clock;
}

/**
 * The machine's own clock, for tests whose nodes run in processes of their own: there it is the one clock they all
 * share (and `faketime` moves it for all of them at once).
 */
export const machineClock: SharedClock = {
  now: () => new Date(),
  ms: () => Date.now(),
  forSimulator: Date,
  forConnector: systemClock,
};

/**
 * The one clock of a test: every node, simulator and clock-driven part of the test reads it, so no expectation
 * depends on the wall-clock date. It starts on a fixed date and moves only by hand, or, `ticking`, also with the
 * real time that passes (for engines that wait out backoffs); `advance` moves it either way.
 */
export class TestClock implements SharedClock {
  #base: number;
  readonly #tickingSince: number | null;
  constructor(start = TEST_START, options: { ticking?: boolean } = {}) {
    this.#base = start;
    this.#tickingSince = options.ticking ? performance.now() : null;
  }
  /** A clock that moves with the real time from the fixed start on. */
  static ticking(start = TEST_START): TestClock {
    return new TestClock(start, { ticking: true });
  }
  /** Milliseconds since 1970 on this clock (the simulators' `clock.now()`). */
  ms = (): number =>
    this.#base + (this.#tickingSince === null ? 0 : Math.floor(performance.now() - this.#tickingSince));
  now = (): Date => new Date(this.ms());
  /** The clock for a helpdesk simulator, which reads milliseconds. */
  get forSimulator(): { now(): number } {
    return { now: this.ms };
  }
  get forConnector(): Clock {
    return { now: this.ms, sleep: systemClock.sleep };
  }
  advance(ms: number): void {
    this.#base += ms;
  }
}

export interface TestNode extends RunningService {
  name: string;
  dataDir: string;
  config: Config;
  clock: TestClock;
  logs: string[];
  instanceUrl(slug: string): string;
  stop(): Promise<void>;
}

/** A DeskBridge node: its own server on 127.0.0.1 and its own data dir, with logs captured. */
/**
 * The environment every in-process test node starts from: loopback on its own port and data dir, private URLs
 * allowed (its partners are on loopback too), short node timeouts, debug logs, and no poller schedule firing in the
 * middle of a test (tests run its jobs by hand).
 */
export function loopbackNodeEnv(port: number, dataDir: string): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DESKBRIDGE_DATA_DIR: dataDir,
    DESKBRIDGE_NODE_TIMEOUT_MS: '1500',
    // Every node, simulator and fake of a test is on 127.0.0.1.
    DESKBRIDGE_ALLOW_PRIVATE_URLS: 'true',
    POLLER_ENABLED: 'false',
    LOG_LEVEL: 'debug',
  };
}

/** The ports `npm start` in local mode listens on: the service's, the two simulators' and the Playground's. */
export interface LocalModePorts {
  service: number;
  freshdesk: number;
  xurrent: number;
  playground: number;
}

export async function freeLocalModePorts(): Promise<LocalModePorts> {
  return {
    service: await freePort(),
    freshdesk: await freePort(),
    xurrent: await freePort(),
    playground: await freePort(),
  };
}

/** The environment of a service process that may start local mode (LOCAL_MODE=auto), on loopback, these ports and this data dir. */
export function localModeEnv(ports: LocalModePorts, dataDir: string): Record<string, string> {
  return {
    LOCAL_MODE: 'auto',
    PORT: String(ports.service),
    HOST: '127.0.0.1',
    DESKBRIDGE_DATA_DIR: dataDir,
    LOCAL_FRESHDESK_PORT: String(ports.freshdesk),
    LOCAL_XURRENT_PORT: String(ports.xurrent),
    LOCAL_PLAYGROUND_PORT: String(ports.playground),
  };
}

export async function startTestNode(
  name: string,
  options: { clock?: TestClock; connectHelpdesk?: ConnectHelpdesk; env?: Record<string, string> } = {},
): Promise<TestNode> {
  const dataDir = tempDir(`deskbridge-${name}-`);
  const port = await freePort();
  const config = loadConfig({ ...loopbackNodeEnv(port, dataDir), ...options.env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const clock = options.clock ?? new TestClock();
  const service = await startService({
    config,
    logger: createLogger('debug', sink),
    connectHelpdesk: options.connectHelpdesk ?? fixedHelpdesks(),
    clock: clock.now,
    // As `npm start` decides it: no chat credentials (and LOCAL_MODE not off) is local mode.
    localMode: isLocalMode(config, options.env ?? {}),
  });
  return {
    ...service,
    name,
    dataDir,
    config,
    clock,
    logs,
    instanceUrl: (slug) => `${config.publicUrl}/i/${slug}`,
    async stop() {
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
