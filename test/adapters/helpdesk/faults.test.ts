import { afterEach, describe, expect, it } from 'vitest';
import { createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { expectDomainError, harnesses, type HarnessStart, manualClock } from './support.ts';
import { outboundPolicy } from '../../../src/http/outbound-policy.ts';

describe.each(harnesses)('$platform connector under faults', (harness) => {
  let started: HarnessStart | null = null;
  const start = async () => {
    started = await harness.start({ clock: manualClock() });
    return started;
  };
  afterEach(async () => {
    await started?.sim.close();
    started = null;
  });

  it('retries a burst of 5xx on a read and returns the right result', async () => {
    const h = await start();
    const [id] = h.seed(1, '2026-03-01T08:00:00Z');
    h.sim.faults.add({ kind: 'status', status: 503, times: 2 });
    h.sim.faults.add({ kind: 'status', status: 500 });
    const entity = await h.client().getEntity(id!);
    expect(entity.summary).toBe('Seeded 0');
    expect(h.sim.faults.fired.map((f) => f.kind)).toEqual(['status', 'status', 'status']);
  });

  it('retries a read that times out', async () => {
    const h = await start();
    const [id] = h.seed(1, '2026-03-01T08:00:00Z');
    h.sim.faults.add({ kind: 'timeout' });
    const entity = await h.client({ timeoutMs: 200 }).getEntity(id!);
    expect(entity.id).toBe(id);
    expect(h.sim.faults.pending).toBe(0);
  });

  it('gives a clear error when every attempt times out', async () => {
    const h = await start();
    h.sim.faults.add({ kind: 'timeout', times: 2 });
    await expectDomainError(
      h.client({ timeoutMs: 150, maxAttempts: 2 }).listProjects(),
      'helpdesk_unavailable',
      /no answer within 0\.2 s/,
    );
  });

  it('retries a read whose connection is dropped', async () => {
    const h = await start();
    h.sim.faults.add({ kind: 'drop', times: 2 });
    expect((await h.client().listProjects()).length).toBeGreaterThan(0);
    expect(h.sim.faults.fired).toHaveLength(2);
  });

  it('tolerates latency below the timeout', async () => {
    const h = await start();
    h.sim.faults.add({ kind: 'latency', ms: 50 });
    expect((await h.client({ timeoutMs: 1000 }).listProjects()).length).toBeGreaterThan(0);
  });

  it('retries a create refused with 503 (not processed) and creates exactly once', async () => {
    const h = await start();
    h.sim.faults.add({ kind: 'status', status: 503, method: 'POST' });
    const client = h.client();
    const created = await client.createEntity(harness.newEntity);
    const all = await client.listChanged('2026-03-01T00:00:00Z');
    expect(all.changes.map((c) => c.id)).toEqual([created.id]);
  });

  it('does not repeat a create whose connection dropped, and says it may have happened', async () => {
    const h = await start();
    h.sim.faults.add({ kind: 'drop', method: 'POST' });
    await expectDomainError(
      h.client().createEntity(harness.newEntity),
      'helpdesk_unavailable',
      /may or may not have been made/,
    );
    expect(h.sim.faults.fired).toHaveLength(1);
  });

  it('does not repeat a create that failed with 500', async () => {
    const h = await start();
    h.sim.faults.add({ kind: 'status', status: 500, method: 'POST', times: 5 });
    await expectDomainError(h.client().createEntity(harness.newEntity), 'helpdesk_unavailable', /HTTP 500/);
    expect(h.sim.faults.fired).toHaveLength(1);
  });

  it('reports a helpdesk that is not listening at all', async () => {
    const h = await start();
    await h.sim.close();
    started = null;
    await expectDomainError(
      createHelpdesk(h.target, { clock: manualClock(), maxAttempts: 2, outbound: outboundPolicy(true) }).listProjects(),
      'helpdesk_unavailable',
      /connection refused/,
    );
  });
});
