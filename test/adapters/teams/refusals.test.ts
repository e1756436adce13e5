import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../../../adapters/teams/http.ts';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { claimTeamsTenant } from '../../../src/app/teams-users.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { registerTestInstance, snapshot } from '../../support/story.ts';
import {
  answeredCard,
  cardText,
  findAction,
  memberOf,
  startTeamsNode,
  submission,
  teamsUser,
  type TeamsNode,
  type TeamsPlace,
} from '../../support/teams-nodes.ts';
import { initiateOverTeams } from './driver.ts';

const ACME = 'tenant-acme';
const INITECH = 'tenant-initech';
const OTHER = 'tenant-umbrella';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const carl = teamsUser('carl', ACME, 'Carl Colleague');
const bob = teamsUser('bob', INITECH, 'Bob Partner');
const ivy = teamsUser('ivy', INITECH, 'Ivy Initech');
const ursula = teamsUser('ursula', OTHER, 'Ursula Umbrella');
const channelId = '19:shared-initech@thread.tacv2';
const shared: TeamsPlace = {
  kind: 'channel',
  teamId: '19:acme-team@thread.tacv2',
  channelId,
  name: 'acme-initech',
  hostTenantId: ACME,
  channelType: 'shared',
};

const nodes: TeamsNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) {
    expect(node.connector.problems).toEqual([]);
    await node.stop();
  }
});

async function setUp(): Promise<TeamsNode> {
  const a = await startTeamsNode('a');
  nodes.push(a);
  await registerTestInstance(a.deps, 'acme', 'freshdesk');
  await registerTestInstance(a.deps, 'initech', 'freshservice');
  linkWorkspace(a.deps, { platform: 'teams', tenantId: ACME, instance: 'acme', actor: 'test:setup' });
  linkWorkspace(a.deps, { platform: 'teams', tenantId: INITECH, instance: 'initech', actor: 'test:setup' });
  claimTeamsTenant(a.deps, { tenantId: INITECH, aadObjectId: bob.aadObjectId, mri: bob.mri, name: bob.name });
  a.connector.setMembers(channelId, [memberOf(alice), memberOf(carl), memberOf(bob), memberOf(ivy)]);
  await a.installed(alice, shared);
  return a;
}

describe('Teams refusals', () => {
  it('a non-admin cannot start the initiate wizard, by command, dialog or in place', async () => {
    const a = await setUp();
    await a.command(carl, shared, 'connect');
    const answer = a.connector.posts(channelId).at(-1)!;
    expect(cardText(cardOf(answer))).toContain('Only DeskBridge admins');
    const fetched = await a.taskFetch(carl, shared, {
      msteams: { type: 'task/fetch' },
      db: { kind: 'command', command: 'connect' },
    });
    expect(cardText(answeredCard(fetched))).toContain('Only DeskBridge admins');
    const executed = await a.execute(
      carl,
      shared,
      { verb: 'command', data: { db: { kind: 'command', command: 'connect' } } },
      answer.resultId!,
    );
    expect(JSON.stringify(executed.json)).toContain('Only DeskBridge admins');
  });

  it('only a partner tenant admin may accept: our own admin, another tenant and a partner non-admin are refused; nothing changes', async () => {
    const a = await setUp();
    const { invitation } = await initiateOverTeams(a, alice, shared, {
      destinationUrl: a.instanceUrl('initech'),
      name: 'Acme to Initech',
      channel: channelId,
    });
    const card = cardOf(invitation);
    const accept = findAction(card, 'action', 'invitation.accept');
    const before = snapshot(a);
    const click = (user: typeof alice) =>
      a.execute(user, shared, { verb: 'invitation.accept', data: submission(card, accept) }, invitation.resultId!);

    expect(JSON.stringify((await click(alice)).json)).toMatch(/for the partner workspace/);
    expect(JSON.stringify((await click(ursula)).json)).toMatch(/posted for another workspace/);
    expect(JSON.stringify((await click(ivy)).json)).toMatch(/Only DeskBridge admins/);
    // The data says which connection; the activity says where: a click claiming another message is refused.
    const elsewhere = await a.execute(
      bob,
      shared,
      { verb: 'invitation.accept', data: submission(card, accept) },
      'act-not-the-invitation',
    );
    expect(JSON.stringify(elsewhere.json)).toMatch(/not an invitation DeskBridge posted here/);
    expect(snapshot(a)['connections']).toEqual(before['connections']);
    expect(listConnections(a.deps).map((c) => c.status)).toEqual(['pending']);
  });

  it("a wizard card is its starter's alone: another user submitting it is refused", async () => {
    const a = await setUp();
    claimTeamsTenant(a.deps, { tenantId: ACME, aadObjectId: carl.aadObjectId, mri: carl.mri, name: carl.name });
    await a.command(alice, shared, 'connect');
    const wizard = a.connector.posts(channelId).at(-1)!;
    const card = cardOf(wizard);
    const r = await a.execute(
      bob,
      shared,
      { verb: 'form.submit', data: submission(card, findAction(card, 'submit'), { noUrl: 'true' }) },
      wizard.resultId!,
    );
    expect(JSON.stringify(r.json)).toMatch(/Only DeskBridge admins|belongs to someone else/);
    expect(listConnections(a.deps)).toEqual([]);
  });

  it('an activity without an AAD object id is answered with a refusal, not run', async () => {
    const a = await setUp();
    const r = await a.post({
      type: 'message',
      id: 'x1',
      channelId: 'msteams',
      serviceUrl: a.connector.serviceUrl,
      from: { id: '29:anon', name: 'Anon' },
      recipient: { id: '28:deskbridge-bot', name: 'DeskBridge' },
      conversation: { id: 'a:anon', conversationType: 'personal', tenantId: ACME },
      channelData: { tenant: { id: ACME } },
      text: 'connect',
    });
    expect(r.status).toBe(200);
    await a.settled();
    expect(cardText(cardOf(a.connector.posts('a:anon').at(-1)!))).toMatch(/AAD object id/);
  });
});

describe('/api/messages authentication', () => {
  it('with app credentials set, a request without a valid Bearer token gets 401 and runs nothing', async () => {
    const a = await startTeamsNode('auth', {
      env: {
        MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
        MICROSOFT_APP_PASSWORD: 'not-a-real-secret-123',
        MICROSOFT_APP_TENANT_ID: '66666666-7777-8888-9999-000000000000',
      },
    });
    nodes.push(a);
    expect(a.teams.localMode).toBe(false);
    const activity = {
      type: 'message',
      id: 'x1',
      channelId: 'msteams',
      serviceUrl: a.connector.serviceUrl,
      from: { id: '29:alice', name: 'Alice', aadObjectId: 'aad-alice' },
      recipient: { id: '28:deskbridge-bot' },
      conversation: { id: 'a:alice', conversationType: 'personal', tenantId: ACME },
      channelData: { tenant: { id: ACME } },
      text: 'help',
    };
    expect((await a.post(activity)).status).toBe(401);
    expect((await a.post(activity, { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
    expect(a.connector.calls).toEqual([]);
  });

  it('in local mode (no credentials), a caller that is not on this machine gets 401', async () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('192.0.2.10')).toBe(false);
    expect(isLoopback('::ffff:10.0.0.1')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
    // Through a real non-loopback interface of this machine, when it has one (the service listens on all of them).
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const a = await startTeamsNode('wide', { env: { HOST: '0.0.0.0' } });
    nodes.push(a);
    expect(a.teams.localMode).toBe(true);
    const body = JSON.stringify({
      type: 'message',
      text: 'help',
      channelId: 'msteams',
      serviceUrl: a.connector.serviceUrl,
      from: { id: '29:x', aadObjectId: 'a' },
      recipient: { id: 'b' },
      conversation: { id: 'c' },
    });
    const port = new URL(a.url).port;
    if (external) {
      const res = await fetch(`http://${external}:${port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(401);
    }
    const local = await fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(local.status).toBe(200);
  });
});
