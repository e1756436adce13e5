import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findWorkspaceInstance } from '../../../src/app/chat-workspaces.ts';
import { listTeamsChannels } from '../../../src/app/teams-conversations.ts';
import { isTeamsTenantAdmin } from '../../../src/app/teams-users.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { BAD_API_KEY } from '../../support/helpdesks.ts';
import {
  BOT,
  cardText,
  findInput,
  memberOf,
  personalChat,
  startTeamsNode,
  teamsUser,
  type TeamsNode,
  type TeamsPlace,
  type TeamsTestUser,
} from '../../support/teams-nodes.ts';
import { InPlaceCard } from './driver.ts';

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const carl = teamsUser('carl', ACME, 'Carl Colleague');
const ops: TeamsPlace = {
  kind: 'channel',
  teamId: '19:acme-team@thread.tacv2',
  channelId: '19:ops@thread.tacv2',
  name: 'ops',
  hostTenantId: ACME,
};

describe('Teams commands: help, setup, list, admins; who administers a tenant', () => {
  let a: TeamsNode;
  beforeEach(async () => {
    a = await startTeamsNode('a');
    a.connector.setMembers('*', [memberOf(alice), memberOf(carl)]);
  });
  afterEach(async () => {
    expect(a.connector.problems).toEqual([]);
    await a.stop();
  });

  async function say(user: TeamsTestUser, place: TeamsPlace, text: string, extra: Record<string, unknown> = {}) {
    const mark = a.connector.calls.length;
    await a.command(user, place, text, extra);
    const id = place.kind === 'channel' ? place.channelId : place.conversationId;
    return a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === id,
    );
  }

  it('help speaks Teams: @DeskBridge, not /bridge', async () => {
    const text = cardText(cardOf(await say(alice, personalChat(alice), 'help')));
    expect(text).toContain('@DeskBridge connect');
    expect(text).not.toContain('/bridge');
  });

  it("a personal install claims nothing; the first install into a team makes its installer the tenant's admin", async () => {
    await a.installed(carl, personalChat(carl));
    expect(isTeamsTenantAdmin(a.deps, { tenantId: ACME, aadObjectId: carl.aadObjectId })).toBe(false);
    await a.installed(alice, ops);
    expect(isTeamsTenantAdmin(a.deps, { tenantId: ACME, aadObjectId: alice.aadObjectId })).toBe(true);
    // A later installer (another team) does not become one.
    await a.installed(carl, { ...ops, teamId: '19:other-team@thread.tacv2', channelId: '19:other@thread.tacv2' });
    expect(isTeamsTenantAdmin(a.deps, { tenantId: ACME, aadObjectId: carl.aadObjectId })).toBe(false);
    expect(cardText(cardOf(await say(carl, ops, 'setup')))).toMatch(/Only DeskBridge admins/);
  });

  it('removing DeskBridge from a team forgets that channel: nothing is posted there any more', async () => {
    await a.installed(alice, ops);
    expect(listTeamsChannels(a.deps, ACME).map((c) => c.conversationId)).toEqual([
      ops.kind === 'channel' ? ops.channelId : '',
    ]);
    await a.post({ ...installActivity(a, alice, ops), action: 'remove' });
    expect(listTeamsChannels(a.deps, ACME)).toEqual([]);
  });

  it('setup in place: a rejected key is an error at its input and is never shown back; then the tenant manages the instance', async () => {
    await a.installed(alice, ops);
    const chat = personalChat(alice);
    const form = InPlaceCard.fromPost(a, alice, chat, await say(alice, chat, 'setup'));
    expect(findInput(form.card, 'platform')).toMatchObject({ type: 'Input.ChoiceSet' });
    await form.submit({
      platform: 'freshdesk',
      name: 'Acme',
      baseUrl: 'https://acme.example.test',
      secret: BAD_API_KEY,
    });
    expect(findInput(form.card, 'secret')['errorMessage']).toMatch(/rejected the credentials/);
    expect(findInput(form.card, 'secret')['value']).toBeUndefined();
    expect(cardText(form.card)).not.toContain(BAD_API_KEY);
    expect(findInput(form.card, 'baseUrl')['value']).toBe('https://acme.example.test');
    await form.submit({ secret: 'acme-fd-key-8f2d1c0e' });
    expect(cardText(form.card)).toContain('is registered');
    expect(findWorkspaceInstance(a.deps, { platform: 'teams', tenantId: ACME })?.name).toBe('Acme');
    expect(cardText(cardOf(await say(alice, ops, 'list')))).toContain('Connections of Acme');
  });

  it('admins add @user: the mention is resolved to the AAD object id; the new admin may start wizards', async () => {
    await a.installed(alice, ops);
    const mentionCarl = {
      entities: [
        { type: 'mention', text: '<at>DeskBridge</at>', mentioned: BOT },
        { type: 'mention', text: `<at>${carl.name}</at>`, mentioned: { id: carl.mri, name: carl.name } },
      ],
    };
    expect(cardText(cardOf(await say(carl, ops, `admins add <at>${carl.name}</at>`, mentionCarl)))).toMatch(
      /Only DeskBridge admins/,
    );
    expect(cardText(cardOf(await say(alice, ops, `admins add <at>${carl.name}</at>`, mentionCarl)))).toContain(
      'Carl Colleague is now a DeskBridge admin here.',
    );
    expect(cardText(cardOf(await say(alice, ops, 'admins list')))).toContain('Carl Colleague');
    expect(cardText(cardOf(await say(carl, ops, 'setup')))).toContain('Set up DeskBridge');
  });
});

/** An installationUpdate activity as Teams sends it into a channel (the removal differs only in its action). */
function installActivity(node: TeamsNode, user: TeamsTestUser, place: TeamsPlace): Record<string, unknown> {
  if (place.kind !== 'channel') throw new Error('a channel');
  return {
    type: 'installationUpdate',
    id: 'install-remove',
    channelId: 'msteams',
    serviceUrl: node.connector.serviceUrl,
    from: { id: user.mri, name: user.name, aadObjectId: user.aadObjectId },
    recipient: BOT,
    conversation: { id: place.channelId, conversationType: 'channel', isGroup: true, tenantId: place.hostTenantId },
    channelData: {
      tenant: { id: user.tenantId },
      team: { id: place.teamId },
      channel: { id: place.channelId, name: place.name },
    },
  };
}
