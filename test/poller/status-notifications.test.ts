import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listConnections, listStatusEvents } from '../../src/app/connection-lifecycle.ts';
import { healthOf } from '../../src/app/connection-health.ts';
import { listNotices } from '../../src/app/notifications.ts';
import { subscribeChannel } from '../../src/app/subscriptions.ts';
import { digestMessage } from '../../src/flows/digest.ts';
import { statusNotice } from '../../src/flows/status-notice.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { pollerPair } from '../support/poller-nodes.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

type Pair = Awaited<ReturnType<typeof pollerPair>>;

function posts(slack: FakeSlack): SlackCall[] {
  return slack.callsTo('chat.postMessage').filter((c) => c.result?.['ok'] === true);
}

/** What each channel was told, in order: the plain-text summaries. */
function postedTexts(slack: FakeSlack): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const call of posts(slack)) {
    const channel = String(call.args['channel']);
    out[channel] ??= [];
    out[channel].push(String(call.args['text']));
  }
  return out;
}

function subscribe(pair: Pair, channelId: string, target: string) {
  return subscribeChannel(pair.a.service.deps, {
    platform: 'slack',
    tenantId: 'T_ACME',
    channelId,
    instance: 'acme',
    target,
    actor: 'test:alice',
  });
}

describe('status changes reach subscribed channels exactly once', () => {
  let slack: FakeSlack;
  let pair: Pair;
  beforeEach(async () => {
    slack = await new FakeSlack().start();
    pair = await pollerPair(slack);
  });
  afterEach(async () => {
    expect(slack.problems).toEqual([]);
    await pair.destroy();
    await slack.stop();
  });

  it('pending -> active on acceptance, active -> error after two failed checks (not one), error -> active on recovery', async () => {
    const { a, b, clock } = pair;
    const { connection, code } = await pair.initiate();
    subscribe(pair, 'C_OPS', 'all');
    subscribe(pair, 'C_ACME_GLOBEX', 'Acme to Globex');
    // Subscribed twice over (the connection and all): still told once.
    subscribe(pair, 'C_OPS', 'Acme to Globex');

    await pair.accept(code);
    await a.service.poller.deliver();
    expect(postedTexts(slack)).toEqual({
      C_OPS: [expect.stringMatching(/^Acme to Globex is live: pending → active\. Globex accepted the invitation\./)],
      C_ACME_GLOBEX: [expect.stringMatching(/^Acme to Globex is live/)],
    });
    const live = posts(slack)[0]!;
    expect(JSON.stringify(live.args['blocks'])).toContain('"action_id":"connection.status"');
    expect(JSON.stringify(live.args['blocks'])).toContain(connection.id);

    // Healthy: nothing to say.
    expect((await a.service.poller.runHealthCheck()).transitions).toEqual([]);

    await b.stop();
    clock.advance(MINUTE);
    const first = await a.service.poller.runHealthCheck();
    expect(first).toMatchObject({ checked: 1, failing: 1, transitions: [] });
    expect(listConnections(a.service.deps)[0]!.status).toBe('active');
    expect(healthOf(a.service.deps, connection.id)).toMatchObject({ failedChecks: 1 });
    await a.service.poller.deliver();
    expect(posts(slack)).toHaveLength(2);

    clock.advance(MINUTE);
    const second = await a.service.poller.runHealthCheck();
    expect(second.transitions).toEqual([
      expect.objectContaining({
        from: 'active',
        to: 'error',
        reason: expect.stringMatching(/The other node does not answer/),
      }),
    ]);
    expect(listConnections(a.service.deps)[0]!.status).toBe('error');
    await a.service.poller.deliver();
    await a.service.poller.deliver();
    const failing = postedTexts(slack);
    expect(failing['C_OPS']).toHaveLength(2);
    expect(failing['C_OPS']![1]).toMatch(
      /^Acme to Globex is failing: active → error\. The other node does not answer.*failing since .*2 checks in a row/,
    );
    expect(failing['C_ACME_GLOBEX']).toHaveLength(2);

    // Still failing: no new event, no new notice.
    clock.advance(MINUTE);
    expect((await a.service.poller.runHealthCheck()).transitions).toEqual([]);

    await b.restart();
    clock.advance(MINUTE);
    const recovered = await a.service.poller.runHealthCheck();
    expect(recovered.transitions).toEqual([
      expect.objectContaining({ from: 'error', to: 'active', reason: expect.stringMatching(/passes again/) }),
    ]);
    await a.service.poller.deliver();
    const all = postedTexts(slack);
    expect(all['C_OPS']).toEqual([
      expect.stringMatching(/is live/),
      expect.stringMatching(/is failing/),
      expect.stringMatching(/^Acme to Globex has recovered: error → active/),
    ]);
    expect(all['C_ACME_GLOBEX']).toHaveLength(3);

    expect(listStatusEvents(a.service.deps, connection.id).map((e) => `${e.from}->${e.to}`)).toEqual([
      'pending->active',
      'active->error',
      'error->active',
    ]);
    expect(listNotices(a.service.deps).map((n) => n.state)).toEqual(Array(6).fill('sent'));
  });

  it('a restart between the status event and its sending loses and repeats nothing', async () => {
    const { a, b, clock } = pair;
    const { code } = await pair.initiate();
    subscribe(pair, 'C_OPS', 'all');
    subscribe(pair, 'C_OTHER', 'all');
    await pair.accept(code);
    // The acceptance event is not fanned out yet when A goes down.
    await a.restart();
    await a.service.poller.deliver();
    expect(Object.values(postedTexts(slack)).map((t) => t.length)).toEqual([1, 1]);

    await b.stop();
    clock.advance(MINUTE);
    await a.service.poller.runHealthCheck();
    clock.advance(MINUTE);
    // The error event is recorded and queued for both channels, then A restarts before sending it.
    await a.service.poller.runHealthCheck();
    expect(listNotices(a.service.deps).filter((n) => n.state === 'queued')).toHaveLength(2);
    await a.restart();
    await a.service.poller.deliver();
    await a.restart();
    await a.service.poller.deliver();
    await a.service.poller.deliver();
    expect(postedTexts(slack)).toEqual({
      C_OPS: [expect.stringMatching(/is live/), expect.stringMatching(/is failing/)],
      C_OTHER: [expect.stringMatching(/is live/), expect.stringMatching(/is failing/)],
    });
  });

  it('pending -> expired when the invitation runs out, posted once', async () => {
    const { a, clock } = pair;
    const { connection } = await pair.initiate('Acme to Nobody');
    subscribe(pair, 'C_OPS', 'Acme to Nobody');
    clock.advance(71 * HOUR);
    expect(a.service.poller.runExpiry()).toEqual([]);
    clock.advance(2 * HOUR);
    expect(a.service.poller.runExpiry()).toEqual([
      expect.objectContaining({ connectionId: connection.id, from: 'pending', to: 'expired' }),
    ]);
    expect(a.service.poller.runExpiry()).toEqual([]);
    await a.restart();
    await a.service.poller.deliver();
    await a.service.poller.deliver();
    expect(postedTexts(slack)).toEqual({
      C_OPS: [
        expect.stringMatching(/^Acme to Nobody: the invitation expired: pending → expired\. The invitation expired on/),
      ],
    });
    expect(listConnections(a.service.deps)[0]!.status).toBe('expired');
  });

  it('a 429 from Slack delays that channel by Retry-After; the other channel goes on; each notice is delivered once', async () => {
    const { a, clock } = pair;
    const { code } = await pair.initiate();
    subscribe(pair, 'C_BUSY', 'all');
    subscribe(pair, 'C_CALM', 'all');
    slack.rateLimit('chat.postMessage', 1, 3, (args) => args['channel'] === 'C_BUSY');
    await pair.accept(code);

    expect(await a.service.poller.deliver()).toEqual({ sent: 1, waiting: 1, failed: 0 });
    expect(postedTexts(slack)).toEqual({ C_CALM: [expect.stringMatching(/is live/)] });
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === 'C_BUSY')).toHaveLength(1);

    clock.advance(2_999);
    expect(await a.service.poller.deliver()).toEqual({ sent: 0, waiting: 0, failed: 0 });
    clock.advance(1);
    expect(await a.service.poller.deliver()).toEqual({ sent: 1, waiting: 0, failed: 0 });
    clock.advance(60_000);
    await a.service.poller.deliver();
    expect(postedTexts(slack)).toEqual({
      C_CALM: [expect.stringMatching(/is live/)],
      C_BUSY: [expect.stringMatching(/is live/)],
    });
  });

  it('sends at most one notice per channel per interval, in order', async () => {
    const { a, clock } = pair;
    subscribe(pair, 'C_OPS', 'all');
    const first = await pair.initiate('First');
    const second = await pair.initiate('Second');
    await pair.accept(first.code);
    await pair.accept(second.code);
    // This node paces at 1 s per channel (the test pair turns it off).
    const paced = new (a.service.poller.constructor as typeof import('../../src/poller/poller.ts').Poller)(
      a.service.deps,
      {
        config: { ...a.config.poller, sendIntervalMs: 1000 },
        probe: { remoteStatus: async () => ({ status: 'active' }), verifyHelpdesk: async () => {} },
        notifiers: [a.service.slack!.notifier],
        views: { statusNotice, digest: digestMessage },
        sync: null,
      },
    );
    expect((await paced.deliver()).sent).toBe(1);
    expect((await paced.deliver()).sent).toBe(0);
    clock.advance(1000);
    expect((await paced.deliver()).sent).toBe(1);
    expect(postedTexts(slack)['C_OPS']).toEqual([
      expect.stringMatching(/^First is live/),
      expect.stringMatching(/^Second is live/),
    ]);
  });
});
