import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { listIncomingProjects, registerInstance } from '../../src/app/instances.ts';
import { loadConfig } from '../../src/config.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { defaultHealthProbe, pollerNodeClient } from '../../src/poller/health-check.ts';
import { helpdeskOfInstance } from '../../src/store/helpdesks.ts';
import { requireInstanceRow } from '../../src/store/instances.ts';
import { outboundPolicy } from '../../src/http/outbound-policy.ts';
import { manualClock } from '../adapters/helpdesk/support.ts';
import { freePort, loopbackNodeEnv, TEST_START, tempDir } from '../support/nodes.ts';

/**
 * AppDeps has one way to a helpdesk, helpdeskFor: one connector per instance, so registration's credential check,
 * the use-cases, the poller's health check and the sync engine all spend the one rate budget of the instance. Against
 * a Freshdesk simulator allowing 3 calls a minute (Freshdesk counts calls per minute per account: "API rate limits"
 * in the Freshdesk API reference), calls through different paths of one node wait for the window instead of being
 * answered 429. The connectors sleep on a manual clock the simulator reads too, so the minute passes at once.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function nodeAgainst(rateLimitPerMinute: number) {
  const clock = manualClock(TEST_START);
  const sim = await startFreshdeskSimulator({ rateLimitPerMinute, clock: { now: clock.now } });
  cleanups.push(() => sim.close());
  const dataDir = tempDir('deskbridge-connectors-');
  const deps = buildAppDeps({
    config: loadConfig(loopbackNodeEnv(await freePort(), dataDir)),
    logger: createLogger('silent'),
    clock: () => new Date(clock.now()),
    connectorOptions: {
      clock,
      backoff: { baseMs: 100, maxMs: 1000 },
      random: () => 0.5,
      outbound: outboundPolicy(true),
    },
  });
  cleanups.push(async () => {
    await deps.rules.close();
    deps.db.$client.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { clock, sim, deps };
}

function register(deps: AppDeps, baseUrl: string, apiKey: string) {
  return registerInstance(deps, {
    platform: 'freshdesk',
    baseUrl,
    credentials: { kind: 'apiKey', apiKey },
    name: 'Acme',
    slug: 'acme',
    actor: 'test:admin',
  });
}

describe('the helpdesk connector of an instance', () => {
  it('is the one budget of registration, the use-cases, the health check and the sync engine: they wait, none is refused', async () => {
    const { clock, sim, deps } = await nodeAgainst(3);
    await register(deps, sim.url, sim.apiKey);
    const row = requireInstanceRow(deps.db, 'acme');
    await listIncomingProjects(deps, 'acme');
    await listIncomingProjects(deps, 'acme');
    const probe = defaultHealthProbe(deps, pollerNodeClient(1000, outboundPolicy(true)));
    await probe.verifyHelpdesk(row);
    await helpdeskOfInstance(deps, row.id).listProjects();

    expect(sim.requests.total).toBeGreaterThan(3);
    expect(sim.requests.throttled).toBe(0);
    // More than 3 calls under 3 a minute: the budget held the later ones back a minute.
    expect(clock.slept).toBeGreaterThanOrEqual(60_000 - 1000);
    expect(helpdeskOfInstance(deps, row.id)).toBe(deps.helpdeskFor(row));
  });

  it('is a new one when the instance is a new one; a failed registration changes nothing and keeps no connector', async () => {
    const { sim, deps } = await nodeAgainst(1000);
    const refused = await register(deps, sim.url, 'not-the-key').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('helpdesk_credentials');
    expect(deps.db.$client.prepare('select count(*) as n from instances').get()).toEqual({ n: 0 });

    await register(deps, sim.url, sim.apiKey);
    const row = requireInstanceRow(deps.db, 'acme');
    const connector = deps.helpdeskFor(row);
    await expect(connector.listProjects()).resolves.toEqual(expect.any(Array));
    // The same instance with other credentials (re-sealed) gets a connector of its own; the same row, the same one.
    const resealed = { ...row, credentialsEnc: deps.secrets.sealJson({ kind: 'apiKey', apiKey: sim.apiKey }) };
    expect(deps.helpdeskFor(resealed)).not.toBe(connector);
    expect(deps.helpdeskFor(resealed)).toBe(deps.helpdeskFor(resealed));
  });
});
