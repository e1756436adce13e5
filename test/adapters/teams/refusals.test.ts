import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../../../adapters/teams/http.ts';
import { serviceUrlProblem, TEAMS_SERVICE_HOSTS } from '../../../adapters/teams/service-url.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { listTeamsChannels, rememberTeamsConversation } from '../../../src/app/teams-conversations.ts';
import { notice } from '../../../src/flows/outcome.ts';
import { cardOf, FakeBotConnector } from '../../support/fake-bot-connector.ts';
import { startTestNode } from '../../support/nodes.ts';
import { startSlackNode, type SlackNode } from '../../support/slack-nodes.ts';
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
  claimTenantFor,
  linkAcmeAndPartner,
  sharedWith,
  stopTeamsNodes,
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
const shared = sharedWith('initech');

const nodes: TeamsNode[] = [];
const slackNodes: SlackNode[] = [];
afterEach(async () => {
  await stopTeamsNodes(...nodes.splice(0));
  for (const node of slackNodes.splice(0)) await node.stop();
});

/** Installing DeskBridge into a channel of tenant ACME, replies to go to `serviceUrl`. */
function installActivity(serviceUrl: string): Record<string, unknown> {
  return {
    type: 'installationUpdate',
    action: 'add',
    id: 'act-install',
    channelId: 'msteams',
    serviceUrl,
    from: { id: alice.mri, name: alice.name, aadObjectId: alice.aadObjectId },
    recipient: { id: '28:deskbridge-bot', name: 'DeskBridge' },
    conversation: { id: channelId, conversationType: 'channel', isGroup: true, tenantId: ACME },
    channelData: { tenant: { id: ACME }, team: { id: '19:acme-team@thread.tacv2' }, channel: { id: channelId } },
  };
}

async function setUp(): Promise<TeamsNode> {
  const a = await startTeamsNode('a');
  nodes.push(a);
  await registerTestInstance(a.deps, 'acme', 'freshdesk');
  await registerTestInstance(a.deps, 'initech', 'freshservice');
  linkAcmeAndPartner(a.deps, bob, 'initech');
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
    claimTenantFor(a.deps, carl);
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
      // A Bot Connector host (the serviceUrl check passes), so what refuses it is the token check.
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
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
  it('a Slack-only node (no MICROSOFT_APP_ID, so not local mode) serves no /api/messages: a forged install gets 404 and changes nothing', async () => {
    const slack = await startSlackNode('slack-only');
    slackNodes.push(slack);
    // Bolt checks its token (auth.test) as the app is built: let that finish before the node stops.
    await slack.slackApi.waitFor('auth.test');
    expect(slack.teams).toBeNull();
    expect(slack.logs.join('')).toContain('Teams is off (no MICROSOFT_APP_ID, not in local mode)');
    const connector = await new FakeBotConnector().start();
    try {
      const forged = await fetch(`${slack.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'installationUpdate',
          action: 'add',
          id: 'x1',
          channelId: 'msteams',
          serviceUrl: connector.serviceUrl,
          from: { id: '29:mallory', name: 'Mallory', aadObjectId: 'aad-mallory' },
          recipient: { id: '28:deskbridge-bot' },
          conversation: { id: '19:x@thread.tacv2', conversationType: 'channel', tenantId: ACME },
          channelData: {
            tenant: { id: ACME },
            team: { id: '19:t@thread.tacv2' },
            channel: { id: '19:x@thread.tacv2' },
          },
        }),
      });
      expect(forged.status).toBe(404);
      expect(connector.calls).toEqual([]);
      expect(listTeamsChannels(slack.deps, ACME)).toEqual([]);
    } finally {
      await connector.stop();
    }
  });

  it('no credentials and LOCAL_MODE=off: not local mode either, so no /api/messages', async () => {
    const bare = await startTestNode('bare', { env: { LOCAL_MODE: 'off' } });
    try {
      expect(bare.teams).toBeNull();
      const res = await fetch(`${bare.url}/api/messages`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      await bare.stop();
    }
  });

  it('in local mode, a request through a proxy on this machine (X-Forwarded-For, Forwarded) gets 401 and runs nothing', async () => {
    const a = await startTeamsNode('proxied');
    nodes.push(a);
    expect(a.logs.join('')).toContain(
      'Teams in local mode (no MICROSOFT_APP_ID): /api/messages answers this machine only',
    );
    const install = installActivity(a.connector.serviceUrl);
    const proxies: Record<string, string>[] = [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }];
    for (const header of proxies) {
      const r = await a.post(install, header);
      expect(r.status).toBe(401);
    }
    expect(a.connector.calls).toEqual([]);
    expect(listTeamsChannels(a.deps, ACME)).toEqual([]);
    // The same activity, straight from this machine, is served.
    expect((await a.post(install)).status).toBe(200);
    expect(listTeamsChannels(a.deps, ACME)).toHaveLength(1);
  });

  it('in local mode, an activity naming a serviceUrl off this machine is refused: no reply goes there, no reference is kept', async () => {
    const a = await startTeamsNode('elsewhere');
    nodes.push(a);
    for (const serviceUrl of [
      'http://192.0.2.10/',
      'https://smba.trafficmanager.net/amer/',
      'file:///etc/passwd',
      '',
    ]) {
      const r = await a.post(installActivity(serviceUrl));
      expect(r.status).toBe(403);
      expect(r.text).toMatch(/serviceUrl|connector on this machine/);
    }
    expect(a.connector.calls).toEqual([]);
    expect(listTeamsChannels(a.deps, ACME)).toEqual([]);
  });

  it('with credentials, only Microsoft Bot Connector hosts are taken as serviceUrl, checked before the token', async () => {
    const a = await startTeamsNode('hosts', {
      env: {
        MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
        MICROSOFT_APP_PASSWORD: 'not-a-real-secret-123',
      },
    });
    nodes.push(a);
    for (const serviceUrl of [
      a.connector.serviceUrl,
      'https://attacker.example/',
      'https://smba.trafficmanager.net.attacker.example/amer/',
      'http://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net:8443/amer/',
    ]) {
      const r = await a.post(installActivity(serviceUrl), { authorization: 'Bearer not-a-jwt' });
      expect([serviceUrl, r.status, r.text]).toEqual([
        serviceUrl,
        403,
        JSON.stringify({ error: 'The serviceUrl is not a Microsoft Teams Bot Connector host.' }),
      ]);
    }
    // A documented host passes this check and meets botbuilder's token check, which refuses the forged token.
    const documented = await a.post(installActivity('https://smba.trafficmanager.net/amer/'), {
      authorization: 'Bearer not-a-jwt',
    });
    expect(documented.status).toBe(401);
    expect(a.connector.calls).toEqual([]);
    expect(listTeamsChannels(a.deps, ACME)).toEqual([]);
  });
  it('the serviceUrl hosts are those Microsoft names for Teams, on any regional path', () => {
    // Microsoft 365 Agents SDK, TeamsServiceEndpoints (well-known Teams service URLs): publicGlobal
    // https://smba.trafficmanager.net/teams/, gcc https://smba.infra.gcc.teams.microsoft.com/teams, gccHigh
    // https://smba.infra.gov.teams.microsoft.us/teams, dod https://smba.infra.dod.teams.microsoft.us/teams; activities
    // carry regional paths on the public host (botbuilder's own tests use https://smba.trafficmanager.net/amer).
    expect(TEAMS_SERVICE_HOSTS).toEqual([
      'smba.trafficmanager.net',
      'smba.infra.gcc.teams.microsoft.com',
      'smba.infra.gov.teams.microsoft.us',
      'smba.infra.dod.teams.microsoft.us',
    ]);
    const authenticated = { localMode: false };
    for (const ok of [
      'https://smba.trafficmanager.net/teams/',
      'https://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net/emea/',
      'https://SMBA.trafficmanager.net:443/apac/',
      'https://smba.infra.gcc.teams.microsoft.com/teams',
      'https://smba.infra.gov.teams.microsoft.us/teams',
      'https://smba.infra.dod.teams.microsoft.us/teams',
    ])
      expect([ok, serviceUrlProblem(ok, authenticated)]).toEqual([ok, null]);
    for (const bad of ['https://user:pw@smba.trafficmanager.net/amer/', 'https://evil.trafficmanager.net/', 42, null])
      expect(serviceUrlProblem(bad, authenticated)).not.toBeNull();
    const local = { localMode: true };
    for (const ok of ['http://localhost:56150/_connector', 'http://127.0.0.1:4000/', 'http://[::1]:4000/'])
      expect([ok, serviceUrlProblem(ok, local)]).toEqual([ok, null]);
    for (const bad of ['http://10.0.0.1/', 'http://localhost.attacker.example/', 'ftp://127.0.0.1/'])
      expect(serviceUrlProblem(bad, local)).not.toBeNull();
  });
  it('a conversation reference stored with a serviceUrl off the allowed hosts (before this check) gets no proactive post', async () => {
    const a = await startTeamsNode('stale-reference', {
      env: {
        MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
        MICROSOFT_APP_PASSWORD: 'not-a-real-secret-123',
      },
    });
    nodes.push(a);
    // The attacker's stand-in for the Bot Connector: a proactive post there would carry our bot's token.
    const elsewhere = await new FakeBotConnector().start();
    try {
      // As a forged install left it while /api/messages took any serviceUrl.
      rememberTeamsConversation(a.deps, {
        conversationId: channelId,
        tenantId: ACME,
        kind: 'channel',
        teamId: '19:acme-team@thread.tacv2',
        name: 'acme-initech',
        channelType: 'shared',
        userAadObjectId: null,
        reference: {
          serviceUrl: elsewhere.serviceUrl,
          channelId: 'msteams',
          conversation: { id: channelId, conversationType: 'channel', isGroup: true, tenantId: ACME },
          bot: { id: '28:deskbridge-bot', name: 'DeskBridge' },
        },
      });
      const sent = await a.teams.notifier.send({ tenantId: ACME, channelId }, notice('Acme to Initech is live'));
      expect(sent).toMatchObject({ kind: 'failed', permanent: true });
      expect(JSON.stringify(sent)).toContain('not a Microsoft Teams Bot Connector host');
      expect(elsewhere.calls).toEqual([]);
    } finally {
      await elsewhere.stop();
    }
  });
});
