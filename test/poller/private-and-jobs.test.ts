import { afterEach, describe, expect, it } from 'vitest';
import { listConnections, listStatusEvents } from '../../src/app/connection-lifecycle.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { pollerPair } from '../support/poller-nodes.ts';
import { registerTestInstance } from '../support/story.ts';

describe('a private connection is judged by when it last pulled', () => {
  let slack: FakeSlack;
  let pair: Awaited<ReturnType<typeof pollerPair>>;
  afterEach(async () => {
    await pair.destroy();
    await slack.stop();
  });

  it('silent past the limit for two checks -> error, without calling the private side; one pull -> active', async () => {
    slack = await new FakeSlack().start();
    // B runs no engine loop: it pulls only when the test says so.
    pair = await pollerPair(slack, { a: { POLLER_PRIVATE_SILENCE_MS: '10000' }, b: { SYNC_INTERVAL_MS: '0' } });
    const { a, b, clock } = pair;
    await registerTestInstance(b.service.deps, 'hooli', 'freshservice', { public: false });
    // (A private connection is one initiated without a destination URL.)
    const { connection, code } = await pair.initiate('Acme to Hooli', null);
    await pair.accept(code, 'hooli', '2');
    expect(listConnections(a.service.deps)[0]).toMatchObject({ status: 'active', remoteIsPrivate: true });

    clock.advance(5_000);
    expect(await a.service.poller.runHealthCheck()).toMatchObject({ checked: 1, failing: 0 });

    clock.advance(6_000);
    expect(await a.service.poller.runHealthCheck()).toMatchObject({ failing: 1, transitions: [] });
    clock.advance(6_000);
    const failed = await a.service.poller.runHealthCheck();
    expect(failed.transitions).toEqual([
      expect.objectContaining({
        from: 'active',
        to: 'error',
        reason: expect.stringMatching(/^The other side \(private\) has not pulled since/),
      }),
    ]);
    // Judged by silence alone: the private side is never called (it has no URL to call).
    expect(failed.transitions[0]!.reason).not.toMatch(/does not answer/);

    // The private node pulls (a signed GET .../messages): heard from, so the next check passes.
    await b.service.sync.pullRemote();
    const recovered = await a.service.poller.runHealthCheck();
    expect(recovered.transitions).toEqual([expect.objectContaining({ from: 'error', to: 'active' })]);
    expect(listStatusEvents(a.service.deps, connection.id).map((e) => e.to)).toEqual(['active', 'error', 'active']);
  });
});

describe('POLLER_* configuration', () => {
  it('has defaults: health every minute, on', () => {
    expect(loadConfig({}).poller).toEqual({
      enabled: true,
      healthCron: '* * * * *',
      expiryCron: '*/5 * * * *',
      triggerCron: '*/5 * * * *',
      digestCron: '0 8 * * *',
      leaseMs: 30_000,
      concurrency: 64,
      privateSilenceMs: 600_000,
      stuckQueueMs: 900_000,
      sendIntervalMs: 1000,
    });
    expect(loadConfig({ POLLER_STUCK_QUEUE_MS: '3600000' }).poller.stuckQueueMs).toBe(3_600_000);
    expect(loadConfig({ POLLER_ENABLED: 'false', POLLER_HEALTH_CRON: '*/30 * * * * *' }).poller).toMatchObject({
      enabled: false,
      healthCron: '*/30 * * * * *',
    });
  });

  it('a bad value stops start-up with one line naming the variable', () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(message({ POLLER_HEALTH_CRON: 'every minute' })).toBe(
      'Invalid configuration: POLLER_HEALTH_CRON must be a cron expression such as "* * * * *" (minute hour day month weekday) (got "every minute").',
    );
    expect(message({ POLLER_DIGEST_CRON: '0 25 * * *' })).toMatch(
      /^Invalid configuration: POLLER_DIGEST_CRON must be a cron expression/,
    );
    expect(message({ POLLER_ENABLED: 'maybe' })).toBe(
      'Invalid configuration: POLLER_ENABLED must be true or false (got "maybe").',
    );
    expect(message({ POLLER_LEASE_MS: '10' })).toBe(
      'Invalid configuration: POLLER_LEASE_MS must be at least 1000 (got "10").',
    );
    expect(message({ POLLER_STUCK_QUEUE_MS: '5000' })).toBe(
      'Invalid configuration: POLLER_STUCK_QUEUE_MS must be at least 60000 (got "5000").',
    );
    expect(message({ POLLER_EXPIRY_CRON: '* * *' }).split('\n')).toHaveLength(1);
  });
});
