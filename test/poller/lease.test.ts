import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { leaseHolder } from '../../src/app/poller-lease.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { POLLER_LEASE } from '../../src/poller/poller.ts';
import { startService, type RunningService } from '../../src/service.ts';
import { fixedHelpdesks } from '../support/helpdesks.ts';
import { freePort, tempDir, TestClock } from '../support/nodes.ts';

const LEASE_MS = 30_000;

/** Two service instances in this process, each with its own SQLite handle on the same data dir. */
async function twoOnOneDataDir(clock: TestClock) {
  const dataDir = tempDir('deskbridge-lease-');
  const start = async () =>
    startService({
      config: loadConfig({
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        DESKBRIDGE_DATA_DIR: dataDir,
        DESKBRIDGE_SECRET_KEY: 'ab'.repeat(32),
        POLLER_ENABLED: 'false',
        POLLER_LEASE_MS: String(LEASE_MS),
      }),
      logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
      connectHelpdesk: fixedHelpdesks(),
      clock: clock.now,
    });
  const first = await start();
  const second = await start();
  return { dataDir, first, second };
}

describe('one poller per data dir', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  it('one holder at a time; renewing keeps it; another takes over only once it has expired', async () => {
    const clock = new TestClock();
    const { dataDir, first, second } = await twoOnOneDataDir(clock);
    const services: RunningService[] = [first, second];
    cleanup.push(async () => {
      for (const s of services) await s.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const [a, b] = [first.poller, second.poller];

    expect(a.renewLease()).toBe(true);
    expect(b.renewLease()).toBe(false);
    expect(leaseHolder(second.deps.db, POLLER_LEASE, clock.now())).toBe(a.holder);

    // A renews within the lease: B keeps waiting.
    clock.advance(LEASE_MS - 1);
    expect(a.renewLease()).toBe(true);
    clock.advance(LEASE_MS - 1);
    expect(b.renewLease()).toBe(false);

    // A stops renewing (hung or dead): the moment the lease runs out, B has it, and A learns it lost it.
    clock.advance(1);
    expect(b.renewLease()).toBe(true);
    expect(a.renewLease()).toBe(false);
    expect(leaseHolder(first.deps.db, POLLER_LEASE, clock.now())).toBe(b.holder);
  });

  it('a clean stop hands the lease on at once', async () => {
    const clock = new TestClock();
    const { dataDir, first, second } = await twoOnOneDataDir(clock);
    cleanup.push(async () => {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    // Started for real (schedules and all), with the clock standing still.
    first.poller.start();
    expect(first.poller.isLeader).toBe(true);
    expect(second.poller.renewLease()).toBe(false);
    await first.close();
    expect(second.poller.renewLease()).toBe(true);
  });
});
