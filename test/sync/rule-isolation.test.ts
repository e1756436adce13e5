/**
 * Issue 18, finding 3: "A published rule calling nodeHelper.stripHtml(entity.description) plus one ticket whose
 * description is 150,000 `<` characters hung /healthz for over 15 s." Rules now run in worker threads: through a real
 * node (loopback HTTP, real SQLite, helpdesk simulators), the node answers while such a run is in progress, the run
 * ends within its time limit, and the other tickets sync. Both sides are Xurrent: the Freshworks simulators strip a
 * description's HTML themselves (description_text), with the same quadratic pattern, in this same process. Xurrent
 * keeps a description (its first note) to 64 KB, so the ticket has 60,000 `<`: stripping them with the pattern
 * nodeHelper.stripHtml used took 1 to 4 s here, and the node answered nothing for as long while rules ran on its main
 * thread. A stripHtml that is linear by itself lets the ticket through; the test accepts either outcome for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSyncErrors } from '../../src/app/sync-errors.ts';
import { addTrigger } from '../../src/app/triggers.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { TestClock } from '../support/nodes.ts';
import {
  agentOf,
  connect,
  registerOn,
  settle,
  startSimulator,
  startSyncNode,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';
import { publishScripts } from '../support/sync-rules.ts';

const TIME_LIMIT_MS = 1000;
const HEALTH_BOUND_MS = 300;

/**
 * Asks /healthz again and again (every 20 ms) until stopped; returns how many answers came and the longest time the
 * node went without one: from the start to the first answer, between answers, and from the last answer to the stop.
 */
function watchHealth(url: string): { stop(): Promise<{ answers: number; longestSilenceMs: number }> } {
  let answers = 0;
  let lastAnswer = performance.now();
  let longestSilenceMs = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(await response.json()).toEqual({ status: 'ok' });
      const now = performance.now();
      longestSilenceMs = Math.max(longestSilenceMs, now - lastAnswer);
      lastAnswer = now;
      answers++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      const stoppedAt = performance.now();
      running = false;
      await loop;
      return { answers, longestSilenceMs: Math.max(longestSilenceMs, stoppedAt - lastAnswer) };
    },
  };
}

describe('a sync rule cannot stall the node', () => {
  let a: SyncNode;
  let b: SyncNode;
  let aSim: Simulator;
  let bSim: Simulator;
  let aAgent: Helpdesk;
  let bAgent: Helpdesk;
  let ids: { a: string; b: string };

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [aSim, bSim] = await Promise.all([startSimulator('xurrent', clock), startSimulator('xurrent', clock)]);
    [a, b] = await Promise.all([
      startSyncNode('a', { RULES_TIME_LIMIT_MS: String(TIME_LIMIT_MS) }, clock),
      startSyncNode('b', {}, clock),
    ]);
    await registerOn(a, 'acme', aSim);
    await registerOn(b, 'initech', bSim);
    aAgent = agentOf(aSim);
    bAgent = agentOf(bSim);
    ids = await connect(a, 'acme', b, 'initech');
    await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'test:alice' });
    // The rule: the default outgoing script, with the description stripped of its HTML.
    publishScripts(a, ids.a, {
      outgoing: `${defaultScripts('xurrent').outgoing}\nreplica.description = nodeHelper.stripHtml(entity.description)\n`,
      incoming: defaultScripts('xurrent').incoming,
    });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([aSim?.close(), bSim?.close()]);
  });

  it('answers /healthz at once while the issue’s run is in progress; the pass ends within the time limit', async () => {
    const hostile = await aAgent.createEntity({
      summary: 'Angle brackets',
      description: '<'.repeat(60_000),
      type: 'rfi',
    });
    await aAgent.createEntity({
      summary: 'Laptop',
      description: '<p>The <b>laptop</b> does not boot</p>',
      type: 'rfi',
    });
    await aSim.webhooks.settle();

    const health = watchHealth(a.url);
    const started = performance.now();
    await a.sync.tick();
    const passMs = performance.now() - started;
    const { answers, longestSilenceMs } = await health.stop();

    // Before rules ran in workers the node was silent for the whole run (seconds); the bound leaves room for a busy
    // test machine (and the 20 ms between checks).
    expect(longestSilenceMs).toBeLessThan(HEALTH_BOUND_MS);
    expect(answers).toBeGreaterThan(10);
    // The run is stopped at its limit (plus the pool's grace), not after 15 s.
    expect(passMs).toBeLessThan(TIME_LIMIT_MS + 4_000);

    await settle([a, b], [aSim, bSim]);
    const synced = await bAgent.listChanged(null);
    const summaries = await Promise.all(synced.changes.map(async (c) => (await bAgent.getEntity(c.id)).summary));
    expect(summaries).toContain('Laptop');
    const errors = listSyncErrors(a.deps, { connection: ids.a });
    if (summaries.includes('Angle brackets')) {
      // A stripHtml that keeps within the limits by itself (a linear one) lets the ticket through; nothing is blocked.
      expect(errors).toEqual([]);
    } else {
      // Otherwise the ticket is blocked with the time limit, and only it.
      expect(errors).toEqual([
        expect.objectContaining({
          direction: 'outgoing',
          entityId: hostile.id,
          type: 'limit_exceeded',
          message: expect.stringContaining(`ran longer than ${TIME_LIMIT_MS} ms`),
        }),
      ]);
    }
  }, 30_000);
});
