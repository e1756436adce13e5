import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { listTeamsChannels } from '../../../src/app/teams-conversations.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { registerTestInstance } from '../../support/story.ts';
import {
  answeredCard,
  cardText,
  findAction,
  findInput,
  memberOf,
  personalChat,
  startTeamsNode,
  submission,
  teamsUser,
  type TeamsNode,
  claimTenantFor,
  linkAcmeAndPartner,
  linkTeamsTenant,
  sharedWith,
  stopTeamsNodes,
} from '../../support/teams-nodes.ts';
import { InPlaceCard, initiateOverTeams } from './driver.ts';

const ACME = 'tenant-acme';
const INITECH = 'tenant-initech';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const bob = teamsUser('bob', INITECH, 'Bob Partner');
const shared = sharedWith('initech');
const channelId = '19:shared-initech@thread.tacv2';

describe('a partner tenant accepts an invitation posted into a Teams shared channel', () => {
  let a: TeamsNode;
  beforeEach(async () => {
    a = await startTeamsNode('a');
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(a.deps, 'initech', 'freshservice');
    linkAcmeAndPartner(a.deps, bob, 'initech');
    a.connector.setMembers(channelId, [memberOf(alice), memberOf(bob)]);
    await a.installed(alice, shared);
    // Alice has a personal chat with DeskBridge: that is where she hears of the acceptance.
    await a.command(alice, personalChat(alice), 'help');
  });
  afterEach(async () => {
    await stopTeamsNodes(a);
  });

  it('in place: Accept (Action.Execute) posts the confirm card for the partner; Confirm activates, the invitation is updated, the initiator told', async () => {
    const { invitation, code } = await initiateOverTeams(a, alice, shared, {
      destinationUrl: a.instanceUrl('initech'),
      name: 'Acme to Initech',
      channel: channelId,
    });
    const invitationCard = cardOf(invitation);
    const accept = findAction(invitationCard, 'action', 'invitation.accept');
    const before = a.connector.posts(channelId).length;
    const r = await a.execute(
      bob,
      shared,
      { verb: 'invitation.accept', data: submission(invitationCard, accept) },
      invitation.resultId!,
    );
    expect(r.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    // The shared invitation stays as it is for everyone; Bob's form is a card of its own, without the code.
    const formPost = a.connector.posts(channelId)[before]!;
    const form = InPlaceCard.fromPost(a, bob, shared, formPost);
    expect(cardText(form.card)).toContain('Acme to Initech');
    expect(cardText(form.card)).not.toContain(code);

    await form.submit({ incomingProjectId: null });
    expect(findInput(form.card, 'incomingProjectId')['errorMessage']).toMatch(/Choose where tickets/);
    await form.submit({ incomingProjectId: '3' });
    expect(cardText(form.card)).toContain('is active');

    expect(listConnections(a.deps).map((c) => [c.instanceSlug, c.role, c.status])).toEqual([
      ['acme', 'initiator', 'active'],
      ['initech', 'acceptor', 'active'],
    ]);
    await a.settled();
    const updated = await a.connector.waitFor((c) => c.method === 'PUT' && c.activityId === invitation.resultId);
    expect(updated.conversationId).toBe(channelId);
    const text = cardText(cardOf(updated));
    expect(text).toContain('Active');
    expect(text).not.toContain('invitation.accept');
    expect(text).not.toContain(code);
    const told = await a.connector.waitFor(
      (c) =>
        c.method === 'POST' &&
        c.conversationId === `a:personal-${alice.aadObjectId}` &&
        cardText(cardOf(c)).includes('accepted your invitation'),
    );
    expect(told).toBeTruthy();
  });

  it('as a dialog: "Accept invitation in a dialog" (task/fetch) opens the confirm step; task/submit activates', async () => {
    const { invitation } = await initiateOverTeams(a, alice, shared, {
      destinationUrl: a.instanceUrl('initech'),
      name: 'Acme to Initech',
      channel: channelId,
    });
    const invitationCard = cardOf(invitation);
    const open = findDialogAccept(invitationCard);
    let r = await a.taskFetch(bob, shared, open, invitation.resultId!);
    expect(r.json).toMatchObject({ task: { type: 'continue', value: { title: 'Accept invitation' } } });
    let card = answeredCard(r);
    expect(findAction(card, 'submit')['type']).toBe('Action.Submit');
    r = await a.taskSubmit(
      bob,
      shared,
      submission(card, findAction(card, 'submit'), { incomingProjectId: null }),
      invitation.resultId!,
    );
    card = answeredCard(r);
    expect(findInput(card, 'incomingProjectId')['errorMessage']).toMatch(/Choose where tickets/);
    r = await a.taskSubmit(
      bob,
      shared,
      submission(card, findAction(card, 'submit'), { incomingProjectId: '2' }),
      invitation.resultId!,
    );
    card = answeredCard(r);
    expect(cardText(card)).toContain('is active');
    expect(listConnections(a.deps).map((c) => c.status)).toEqual(['active', 'active']);
    await a.settled();
    await a.connector.waitFor((c) => c.method === 'PUT' && c.activityId === invitation.resultId);
  });
});

describe('a partner tenant whose helpdesk is on another DeskBridge', () => {
  const GLOBEX = 'tenant-globex';
  const gina = teamsUser('gina', GLOBEX, 'Gina Globex');
  const globexShared = sharedWith('globex');
  const nodes: TeamsNode[] = [];
  afterEach(async () => {
    await stopTeamsNodes(...nodes.splice(0));
  });

  it('is told to accept there; `accept <code>` on their own DeskBridge (in a dialog) activates both sides and updates the posted card', async () => {
    const a = await startTeamsNode('a');
    const b = await startTeamsNode('b');
    nodes.push(a, b);
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(b.deps, 'globex', 'xurrent');
    linkTeamsTenant(a.deps, ACME, 'acme');
    linkTeamsTenant(b.deps, GLOBEX, 'globex');
    claimTenantFor(b.deps, gina);
    a.connector.setMembers('19:shared-globex@thread.tacv2', [memberOf(alice), memberOf(gina)]);
    await a.installed(alice, globexShared);

    const { invitation, code } = await initiateOverTeams(a, alice, globexShared, {
      destinationUrl: b.instanceUrl('globex'),
      mode: 'script',
      name: 'Acme to Globex',
      channel: '19:shared-globex@thread.tacv2',
    });
    const card = cardOf(invitation);
    const told = await a.execute(
      gina,
      globexShared,
      { verb: 'invitation.accept', data: submission(card, findAction(card, 'action', 'invitation.accept')) },
      invitation.resultId!,
    );
    expect(JSON.stringify(told.json)).toMatch(/no helpdesk instance on this DeskBridge/);

    // On her own DeskBridge, in her personal chat: the command offers a dialog, whose fetch runs `accept <code>`.
    const chat = personalChat(gina);
    await b.command(gina, chat, `accept ${code}`);
    const offered = cardOf(b.connector.posts(`a:personal-${gina.aadObjectId}`).at(-1)!);
    let r = await b.taskFetch(gina, chat, findAction(offered, 'command')['data'] as Record<string, unknown>);
    let form = answeredCard(r);
    expect(cardText(form)).toContain('Acme to Globex');
    r = await b.taskSubmit(gina, chat, submission(form, findAction(form, 'submit')));
    form = answeredCard(r);
    expect(cardText(form)).toContain('is active');
    expect(listConnections(a.deps)[0]).toMatchObject({ status: 'active', mode: 'script' });
    expect(listConnections(b.deps)[0]).toMatchObject({ status: 'active', role: 'acceptor' });
    await a.settled();
    const updated = await a.connector.waitFor((c) => c.method === 'PUT' && c.activityId === invitation.resultId);
    expect(cardText(cardOf(updated))).toContain('Active');
    // Alice never chatted with DeskBridge personally: a 1:1 chat is created with her to tell her.
    await a.settled();
    // Gina spoke in the shared channel too; it stays Acme's channel.
    expect(listTeamsChannels(a.deps, ACME).map((c) => c.conversationId)).toEqual(['19:shared-globex@thread.tacv2']);
    expect(listTeamsChannels(a.deps, GLOBEX)).toEqual([]);
    const created = await a.connector.waitFor((c) => c.method === 'POST' && c.path === '/v3/conversations');
    expect(created.body).toMatchObject({ isGroup: false, members: [{ id: alice.mri }], tenantId: ACME });
    const notified = await a.connector.waitFor((c) => c.method === 'POST' && c.conversationId === created.resultId);
    expect(cardText(cardOf(notified))).toContain('accepted your invitation');
  });
});

function findDialogAccept(card: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(card);
  expect(json).toContain('Accept invitation in a dialog');
  let data: Record<string, unknown> | null = null;
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (o['type'] === 'Action.Submit' && String(o['title']).includes('in a dialog'))
        data = o['data'] as Record<string, unknown>;
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  if (!data) throw new Error('no dialog accept button');
  return data;
}
