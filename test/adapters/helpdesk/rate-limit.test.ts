import { afterEach, describe, expect, it } from 'vitest';
import { harnesses, type HarnessStart, manualClock } from './support.ts';

describe.each(harnesses)('$platform rate limiting', (harness) => {
  let started: HarnessStart | null = null;
  afterEach(async () => {
    await started?.sim.close();
    started = null;
  });

  it('reads 500 entities under a 50-per-minute limit with at most one 429, in no more time than the limit requires', async () => {
    const clock = manualClock();
    const limit = 50;
    started = await harness.start({ clock, rateLimitPerMinute: limit });
    const h = started;
    h.seed(500, '2026-03-01T08:00:00Z');
    const client = h.client();
    const startedAt = clock.now();

    const batch = await client.listChanged('2026-03-01T00:00:00Z');
    expect(batch.changes).toHaveLength(500);
    for (const change of batch.changes) {
      const entity = await client.getEntity(change.id);
      expect(entity.id).toBe(change.id);
    }

    const elapsed = clock.now() - startedAt;
    const calls = h.sim.requests.total;
    // At least one call per entity read (Freshworks reads a ticket with its conversations in one, Xurrent needs two).
    expect(calls).toBeGreaterThan(500);
    expect(h.sim.requests.throttled).toBeLessThanOrEqual(1);
    // `calls` requests fit in ceil(calls / limit) windows; waiting means the last window starts that many minutes in.
    const windows = Math.ceil(calls / limit);
    expect(elapsed).toBeGreaterThanOrEqual((windows - 1) * 60_000 - 60_000);
    expect(elapsed).toBeLessThanOrEqual((windows - 1) * 60_000 + 5_000);
  });

  it('waits out a 429 for its Retry-After and then succeeds', async () => {
    const clock = manualClock();
    started = await harness.start({ clock });
    started.sim.faults.add({ kind: 'throttle', retryAfterSeconds: 30 });
    const projects = await started.client().listProjects();
    expect(projects.length).toBeGreaterThan(0);
    expect(clock.slept).toBeGreaterThanOrEqual(30_000);
    expect(clock.slept).toBeLessThan(31_000);
  });
});
