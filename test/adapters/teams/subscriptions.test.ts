import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activateConnection, deactivateConnection } from '../../../src/app/connection-lifecycle.ts';
import { notice } from '../../../src/flows/outcome.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { connectAcmeToInitech, snapshot } from '../../support/story.ts';
import {
  cardText,
  findAction,
  startTeamsNode,
  submission,
  teamsUser,
  type TeamsNode,
  type TeamsTestUser,
  acmeChannel,
  stopTeamsNodes,
} from '../../support/teams-nodes.ts';

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const mallory = teamsUser('mallory', ACME, 'Mallory Member');
const OPS = '19:ops@thread.tacv2';
const ops = acmeChannel('ops');

describe("subscribe in Teams, and the poller's notices through stored conversation references", () => {
  let a: TeamsNode;
  let connectionId: string;
  beforeEach(async () => {
    a = await startTeamsNode('a', { env: { POLLER_ENABLED: 'false' } });
    connectionId = await connectAcmeToInitech(a, {
      platform: 'teams',
      tenantId: ACME,
      actor: `teams:${ACME}/${alice.aadObjectId}`,
    });
    // Installing DeskBridge into the team stores the channel's reference and makes Alice the tenant's admin.
    await a.installed(alice, ops);
  });
  afterEach(async () => {
    await stopTeamsNodes(a);
  });

  async function say(user: TeamsTestUser, text: string): Promise<string> {
    const mark = a.connector.calls.length;
    await a.command(user, ops, text);
    const posted = await a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === OPS,
    );
    return cardText(cardOf(posted));
  }

  const notices = () =>
    a.connector
      .posts(OPS)
      .filter((c) => cardText(cardOf(c)).includes('is paused') || cardText(cardOf(c)).includes('is live'));

  it('a non-admin is refused and nothing changes', async () => {
    const before = snapshot(a);
    expect(await say(mallory, 'subscribe all')).toMatch(/Only DeskBridge admins/);
    expect(await say(mallory, 'unsubscribe all')).toMatch(/Only DeskBridge admins/);
    const after = snapshot(a);
    expect(after['chat_subscriptions']).toEqual(before['chat_subscriptions']);
  });

  it('an admin subscribes the channel; the poller posts each status change there once, proactively, with a status button', async () => {
    a.clock.advance(1000);
    expect(await say(alice, 'subscribe Acme to Initech')).toContain(
      'This channel is subscribed to status changes of **Acme to Initech**',
    );
    deactivateConnection(a.deps, {
      connection: connectionId,
      actor: 'test:alice',
      reason: 'Paused for the migration.',
    });
    await a.poller.deliver();
    a.clock.advance(1000);
    await a.poller.deliver();
    expect(notices()).toHaveLength(1);
    const card = cardOf(notices()[0]!);
    expect(cardText(card)).toContain('Paused for the migration.');
    expect(notices()[0]!.body?.['summary']).toBe(
      'Acme to Initech is paused: active → deactivated. Paused for the migration.',
    );

    // The notice's button works in place: the status is posted to the channel, the click answered.
    const status = findAction(card, 'action', 'connection.status');
    const r = await a.execute(
      alice,
      ops,
      { verb: 'connection.status', data: submission(card, status) },
      notices()[0]!.resultId!,
    );
    expect(r.json).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
    await a.connector.waitFor(
      (c) => c.method === 'POST' && c.conversationId === OPS && cardText(cardOf(c)).includes('Recent status changes'),
    );

    // The daily digest, for a channel that asked for it.
    expect(await say(alice, 'subscribe all --digest')).toMatch(/all connections\*\* \(with the daily digest\)/);
    expect(a.poller.runDigest()).toBe(1);
    const digestMark = a.connector.calls.length;
    await a.poller.deliver();
    const digest = await a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= digestMark && c.method === 'POST' && c.conversationId === OPS,
    );
    expect(cardText(cardOf(digest))).toContain('Acme to Initech');
    expect(await say(alice, 'unsubscribe all')).toMatch(/no longer/i);

    expect(await say(alice, 'unsubscribe Acme to Initech')).toMatch(/no longer/i);
    activateConnection(a.deps, { connection: connectionId, actor: 'test:alice' });
    a.clock.advance(1000);
    await a.poller.deliver();
    expect(notices()).toHaveLength(1);
  });

  it('the Teams notifier: throttling is retry-after, a blocked bot or an unknown channel is permanent', async () => {
    const message = notice('Acme to Initech is live');
    // botbuilder retries a throttled post itself (honouring Retry-After, 3 times); still throttled, the poller is told to wait.
    a.connector.retryAfterSeconds = 0;
    a.connector.failNextPosts.push(...Array<number>(20).fill(429));
    const throttled = await a.teams.notifier.send({ tenantId: ACME, channelId: OPS }, message);
    expect(throttled).toMatchObject({ kind: 'retry-after' });
    a.connector.failNextPosts.length = 0;
    a.connector.failNextPosts.push(403);
    expect(await a.teams.notifier.send({ tenantId: ACME, channelId: OPS }, message)).toMatchObject({
      kind: 'failed',
      permanent: true,
    });
    expect(
      await a.teams.notifier.send({ tenantId: ACME, channelId: '19:unknown@thread.tacv2' }, message),
    ).toMatchObject({ kind: 'failed', permanent: true });
    // Another tenant cannot borrow our channel's reference.
    expect(await a.teams.notifier.send({ tenantId: 'tenant-other', channelId: OPS }, message)).toMatchObject({
      kind: 'failed',
      permanent: true,
    });
    expect(await a.teams.notifier.send({ tenantId: ACME, channelId: OPS }, message)).toEqual({ kind: 'sent' });
    expect(cardText(cardOf(a.connector.posts(OPS).at(-1)!))).toContain('Acme to Initech is live');
  });
});
