import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deactivateConnection } from '../../../src/app/connection-lifecycle.ts';
import { digestSubscriptions } from '../../../src/app/subscriptions.ts';
import type { FakeUser } from '../../support/fake-slack.ts';
import { startSlackNode, type SlackNode } from '../../support/slack-nodes.ts';
import { connectAcmeToInitech, snapshot } from '../../support/story.ts';

const alice: FakeUser = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory: FakeUser = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };

async function answer(node: SlackNode, user: FakeUser, text: string, channelId = 'C_OPS'): Promise<string> {
  const count = node.slackApi.callsTo('response_url').length;
  const response = await node.command(user, text, { channelId });
  expect(response.status).toBe(200);
  await node.slackApi.waitFor('response_url', () => node.slackApi.callsTo('response_url').length > count);
  return String(node.slackApi.callsTo('response_url').at(-1)!.args['text']);
}

describe('/bridge subscribe, unsubscribe and digest in Slack', () => {
  let a: SlackNode;
  let connectionId: string;
  beforeEach(async () => {
    a = await startSlackNode('a');
    a.slackApi.addUser(alice).addUser(mallory);
    connectionId = await connectAcmeToInitech(a, {
      platform: 'slack',
      tenantId: 'T_ACME',
      actor: 'slack:T_ACME/U_ALICE',
    });
  });
  afterEach(async () => {
    expect(a.slackApi.problems).toEqual([]);
    await a.stop();
  });

  it('a non-admin is refused and nothing changes', async () => {
    const before = snapshot(a);
    expect(await answer(a, mallory, 'subscribe all')).toMatch(
      /^Only DeskBridge admins of this workspace can subscribe channels/,
    );
    expect(await answer(a, mallory, 'subscribe Acme to Initech --digest')).toMatch(/^Only DeskBridge admins/);
    expect(await answer(a, mallory, 'unsubscribe')).toMatch(/^Only DeskBridge admins/);
    expect(await answer(a, mallory, 'digest on')).toMatch(/^Only DeskBridge admins/);
    expect(snapshot(a)).toEqual(before);
  });

  it('an admin subscribes the channel; status changes from then on are posted there once, with a status button', async () => {
    a.clock.advance(1000);
    expect(await answer(a, alice, 'subscribe Acme to Initech')).toBe(
      'This channel is subscribed to status changes of *Acme to Initech*. Each change is posted here once, with the reason.',
    );
    expect(await answer(a, alice, 'subscribe all --digest', 'C_DIGEST')).toMatch(
      /\*all connections\* \(with the daily digest\)/,
    );
    expect(await answer(a, alice, 'subscribe Nope')).toBe('There is no connection "Nope" on this instance.');
    expect(digestSubscriptions(a.deps).map((s) => s.channelId)).toEqual(['C_DIGEST']);

    // The acceptance happened before the subscriptions: not news to these channels. This change is.
    deactivateConnection(a.deps, {
      connection: connectionId,
      actor: 'test:alice',
      reason: 'Paused for the migration.',
    });
    await a.poller.deliver();
    a.clock.advance(1000);
    await a.poller.deliver();
    const channelPosts = () =>
      a.slackApi.callsTo('chat.postMessage').filter((c) => String(c.args['channel']).startsWith('C_'));
    expect(channelPosts()).toHaveLength(2);
    const posted = channelPosts();
    expect(posted.map((c) => c.args['channel']).sort()).toEqual(['C_DIGEST', 'C_OPS']);
    expect(String(posted[0]!.args['text'])).toBe(
      'Acme to Initech is paused: active → deactivated. Paused for the migration.',
    );
    expect(JSON.stringify(posted[0]!.args['blocks'])).toContain(`"value":"${connectionId}"`);

    // The digest, once a day per channel that asked.
    expect(a.poller.runDigest()).toBe(1);
    expect(a.poller.runDigest()).toBe(0);
    a.clock.advance(1000);
    await a.poller.deliver();
    const digest = a.slackApi
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args['text']).startsWith('Daily digest'));
    expect(digest.map((c) => c.args['channel'])).toEqual(['C_DIGEST']);
    expect(String(digest[0]!.args['text'])).toBe(
      'Daily digest for Acme: 1 connection(s), 0 change(s) synced, 0 error(s).',
    );
  });

  it('digest on|off switches the channel digest; unsubscribe ends the subscriptions', async () => {
    expect(await answer(a, alice, 'digest on')).toMatch(/^Subscribe this channel first/);
    await answer(a, alice, 'subscribe all');
    expect(await answer(a, alice, 'digest on')).toBe(
      'This channel gets a daily digest: connections, entities synced, errors.',
    );
    expect(digestSubscriptions(a.deps).map((s) => s.channelId)).toEqual(['C_OPS']);
    expect(await answer(a, alice, 'digest off')).toBe('The daily digest for this channel is off.');
    expect(digestSubscriptions(a.deps)).toEqual([]);
    expect(await answer(a, alice, 'unsubscribe Acme to Initech')).toBe(
      'This channel is not subscribed to Acme to Initech.',
    );
    expect(await answer(a, alice, 'unsubscribe')).toBe(
      'This channel no longer receives status changes of *all connections*.',
    );
    deactivateConnection(a.deps, { connection: connectionId, actor: 'test:alice' });
    await a.poller.deliver();
    expect(a.slackApi.callsTo('chat.postMessage').filter((c) => String(c.args['channel']).startsWith('C_'))).toEqual(
      [],
    );
  });
});
