import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../../../src/app/accept-invitation.ts';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { commandBody, postSigned } from '../../support/slack-requests.ts';
import { SIGNING_SECRET, startSlackNode, type SlackNode } from '../../support/slack-nodes.ts';
import { registerTestInstance, snapshot } from '../../support/story.ts';
import { initiateOverSlack } from './wizard-driver.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };
const bob = { id: 'U_BOB', team_id: 'T_INITECH', name: 'Bob Partner', is_admin: true };
const eve = { id: 'U_EVE', team_id: 'T_EVIL', name: 'Eve Elsewhere', is_admin: true };

/** Runs `action` and checks that the node's database is exactly as before. */
async function unchanged(node: SlackNode, action: () => Promise<unknown>): Promise<void> {
  const before = snapshot(node);
  await action();
  await new Promise((r) => setTimeout(r, 50));
  expect(snapshot(node)).toEqual(before);
}

describe('refusals: nothing changes', () => {
  let a: SlackNode;
  beforeEach(async () => {
    a = await startSlackNode('a');
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(a.deps, 'initech', 'freshservice');
    await registerTestInstance(a.deps, 'evil', 'freshservice');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_INITECH', instance: 'initech', actor: 'test:setup' });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_EVIL', instance: 'evil', actor: 'test:setup' });
    a.slackApi.addUser(alice).addUser(mallory).addUser(bob).addUser(eve);
    a.slackApi.addChannel('C_SHARED', ['T_ACME', 'T_INITECH']).addChannel('C_EVIL', ['T_ACME', 'T_EVIL']);
  });
  afterEach(async () => {
    expect(a.slackApi.problems).toEqual([]);
    await a.stop();
  });

  it('a forged signature and a stale timestamp are rejected before any listener runs', async () => {
    await unchanged(a, async () => {
      const body = commandBody({
        text: 'connect',
        userId: alice.id,
        teamId: alice.team_id,
        responseUrl: a.slackApi.responseUrl(),
      });
      const forged = await postSigned(a.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded', {
        secret: 'not-the-signing-secret',
      });
      expect(forged.status).toBe(401);
      const stale = await postSigned(a.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded', {
        timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
      });
      expect(stale.status).toBe(401);
      const tampered = await fetch(a.eventsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(tampered.status).toBe(401);
    });
    // Bolt checks its token once at start; no listener called Slack.
    expect(a.slackApi.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it("a non-admin's commands get a short ephemeral refusal", async () => {
    const invitation = await initiateOverSlack(a, alice, {
      destinationUrl: a.instanceUrl('initech'),
      name: 'Acme to Initech',
      channel: 'C_SHARED',
    });
    expect(invitation.code).toMatch(/^DB1\./);
    await acceptInvitation(a.deps, {
      instance: 'initech',
      code: invitation.code,
      incomingProjectId: '2',
      actor: 'test:bob',
    });
    for (const text of [
      'connect',
      'setup',
      'deactivate Acme to Initech',
      'delete Acme to Initech',
      'admins add <@U_MALLORY|mallory>',
      'accept',
    ]) {
      const before = a.slackApi.callsTo('response_url').length;
      await unchanged(a, async () => {
        const ack = await a.command(mallory, text);
        expect(ack.status).toBe(200);
        await a.slackApi.waitFor('response_url', () => a.slackApi.callsTo('response_url').length > before);
      });
      const refusal = a.slackApi.callsTo('response_url').at(-1)!;
      expect(refusal.args).toMatchObject({ response_type: 'ephemeral' });
      expect(String(refusal.args['text'])).toMatch(
        /^(Only DeskBridge admins of this workspace can|This workspace already manages)/,
      );
    }
    expect(
      a.slackApi
        .callsTo('views.open')
        .filter((c) => c.token && (c.args['view'] as { callback_id: string }).callback_id !== 'initiate.destination'),
    ).toEqual([]);
  });

  it("a partner accepting someone else's invitation: another workspace, another channel, our own workspace", async () => {
    const invitation = await initiateOverSlack(a, alice, {
      destinationUrl: null,
      name: 'For Initech',
      channel: 'C_SHARED',
    });
    const connectionId = listConnections(a.deps)[0]!.id;
    // Eve is in a channel shared with us, but this invitation was posted for Initech.
    await unchanged(a, () =>
      a.click(
        eve,
        { actionId: 'invitation.accept', value: connectionId },
        { channelId: 'C_SHARED', messageTs: invitation.ts },
      ),
    );
    // The same message address claimed from Eve's own shared channel.
    await unchanged(a, () =>
      a.click(
        eve,
        { actionId: 'invitation.accept', value: connectionId },
        { channelId: 'C_EVIL', messageTs: invitation.ts },
      ),
    );
    // Our own admin cannot accept our own invitation.
    await unchanged(a, () =>
      a.click(
        alice,
        { actionId: 'invitation.accept', value: connectionId },
        { channelId: 'C_SHARED', messageTs: invitation.ts },
      ),
    );
    // A partner user who is not an admin of their instance.
    a.slackApi.addUser({ id: 'U_BEN', team_id: 'T_INITECH', name: 'Ben Bystander' });
    await unchanged(a, () =>
      a.click(
        { id: 'U_BEN', team_id: 'T_INITECH', name: 'Ben' },
        { actionId: 'invitation.accept', value: connectionId },
        { channelId: 'C_SHARED', messageTs: invitation.ts },
      ),
    );
    await expect.poll(() => a.slackApi.callsTo('response_url').length).toBe(4);
    const texts = a.slackApi.callsTo('response_url').map((c) => String(c.args['text']));
    expect(texts[0]).toMatch(/posted for another workspace/);
    expect(texts[1]).toMatch(/not an invitation DeskBridge posted here/);
    expect(texts[2]).toMatch(/is for the partner workspace/);
    expect(texts[3]).toMatch(/Only DeskBridge admins/);
    expect(
      a.slackApi
        .callsTo('views.open')
        .filter((c) => (c.args['view'] as { callback_id: string }).callback_id.startsWith('accept')),
    ).toEqual([]);

    // Bob may open it; a forged Confirm by Eve on Bob's modal is refused too.
    const opened = a.slackApi.calls.length;
    await a.click(
      bob,
      { actionId: 'invitation.accept', value: connectionId },
      { channelId: 'C_SHARED', messageTs: invitation.ts },
    );
    const modal = await a.openedModal(opened);
    await unchanged(a, async () => {
      const r = await a.submit(eve, modal, { incomingProjectId: '2' });
      expect(JSON.stringify(r.json)).toMatch(/expired or belongs to someone else/);
    });
    expect(listConnections(a.deps)[0]!.status).toBe('pending');
  });

  it('delete only asks; the question is answered by an admin, and a non-admin cannot answer it', async () => {
    await initiateOverSlack(a, alice, { destinationUrl: null, name: 'Doomed', channel: 'C_SHARED' });
    const connectionId = listConnections(a.deps)[0]!.id;
    await unchanged(a, async () => {
      await a.command(alice, 'delete Doomed');
      await a.slackApi.waitFor('response_url', (c) => JSON.stringify(c.args).includes('connection.delete.confirm'));
    });
    const question = a.slackApi.callsTo('response_url').at(-1)!;
    expect(String(question.args['text'])).toBe('Delete Doomed?');
    await unchanged(a, async () => {
      await a.click(
        mallory,
        { actionId: 'connection.delete.confirm', value: connectionId },
        { channelId: 'C_GENERAL', messageTs: '1.1' },
      );
      await a.slackApi.waitFor('response_url', (c) => String(c.args['text']).startsWith('Only DeskBridge admins'));
    });
    await unchanged(a, async () => {
      await a.click(
        alice,
        { actionId: 'connection.delete.cancel', value: connectionId },
        { channelId: 'C_GENERAL', messageTs: '1.1' },
      );
      await a.slackApi.waitFor('response_url', (c) => c.args['text'] === 'Nothing was deleted.');
    });
    await a.click(
      alice,
      { actionId: 'connection.delete.confirm', value: connectionId },
      { channelId: 'C_GENERAL', messageTs: '1.1' },
    );
    await a.slackApi.waitFor('response_url', (c) => String(c.args['text']).startsWith('Deleted'));
    expect(listConnections(a.deps)).toEqual([]);
  });
});
