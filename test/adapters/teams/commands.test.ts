import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connections } from '../../../db/schema/index.ts';
import { listApprovers } from '../../../src/app/approvers.ts';
import { listAddedAdmins } from '../../../src/app/chat-admins.ts';
import { findWorkspaceInstance, linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { getInstance } from '../../../src/app/instances.ts';
import { listTeamsChannels } from '../../../src/app/teams-conversations.ts';
import { findTeamsUser, isTeamsTenantAdmin } from '../../../src/app/teams-users.ts';
import { subcommands } from '../../../src/flows/help.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { BAD_API_KEY } from '../../support/helpdesks.ts';
import { connectAcmeToInitech, registerTestInstance, snapshot } from '../../support/story.ts';
import {
  answeredCard,
  BOT,
  cardText,
  findAction,
  findInput,
  submission,
  walkCard,
  memberOf,
  personalChat,
  startTeamsNode,
  teamsUser,
  type TeamsNode,
  type TeamsPlace,
  type TeamsTestUser,
  acmeChannel,
  stopTeamsNodes,
} from '../../support/teams-nodes.ts';
import { InPlaceCard } from './driver.ts';

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const carl = teamsUser('carl', ACME, 'Carl Colleague');
const ops = acmeChannel('ops');

describe('Teams commands: help, setup, list, admins; who administers a tenant', () => {
  let a: TeamsNode;
  beforeEach(async () => {
    a = await startTeamsNode('a');
    a.connector.setMembers('*', [memberOf(alice), memberOf(carl)]);
  });
  afterEach(async () => {
    await stopTeamsNodes(a);
  });

  async function say(user: TeamsTestUser, place: TeamsPlace, text: string, extra: Record<string, unknown> = {}) {
    const mark = a.connector.calls.length;
    await a.command(user, place, text, extra);
    const id = place.kind === 'channel' ? place.channelId : place.conversationId;
    return a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === id,
    );
  }

  /** The texts of a card's TextBlocks, in order, as a Teams client shows them. */
  function textBlocks(card: Record<string, unknown>): string[] {
    const texts: string[] = [];
    walkCard(card['body'], (n) => {
      if (n['type'] === 'TextBlock') texts.push(String(n['text']));
    });
    return texts;
  }

  /** The Agents Playground calls the bot "Test Bot": that is the activity's recipient. */
  const asTestBot = { recipient: { id: BOT.id, name: 'Test Bot' } };

  it("help is a list, one command per line, with the bot's own name and Teams' words", async () => {
    const card = cardOf(await say(alice, personalChat(alice), 'help', asTestBot));
    const texts = textBlocks(card);
    expect(texts[0]).toBe('Test Bot commands');
    expect(texts[1]).toBe(
      'In a channel, @mention me first: `@Test Bot connect`. In our personal chat, type the command alone: `connect`.',
    );
    // One markdown list item per command (`- ` lines), so no two commands run together in one paragraph.
    const items = texts.filter((t) => t.startsWith('- ')).flatMap((t) => t.split('\r'));
    expect(items).toHaveLength(subcommands.length);
    expect(items).toContain('- `connect` Initiate a connection with a partner instance.');
    expect(items).toContain(
      '- `approvers add|remove @user|me` Who approves rule publishes: mention them, type their full name, or `me` for yourself.',
    );
    for (const item of items) expect(item).toMatch(/^- `[a-z]/);
    expect(texts.at(-1)).toContain('Teams shared channel');
    const text = cardText(card);
    for (const slackOnly of ['/bridge', 'App Home', 'Slack Connect', '/invite', '@DeskBridge', 'workspace admins'])
      expect(text).not.toContain(slackOnly);
  });

  it('every card names the bot as the client shows it: `/bridge` in a reply becomes `@Test Bot`', async () => {
    const text = cardText(cardOf(await say(carl, ops, 'connect', asTestBot)));
    expect(text).toContain('`@Test Bot admins add`');
    expect(text).not.toContain('@DeskBridge');
    expect(text).not.toContain('/bridge');
  });

  it('the bot name typed as plain text in the personal chat is not taken for a command', async () => {
    const card = cardOf(await say(alice, personalChat(alice), '@Test Bot help', asTestBot));
    expect(textBlocks(card)[0]).toBe('Test Bot commands');
  });

  it('a typo gets the closest command, not the whole help; a word close to nothing points to help', async () => {
    const typo = textBlocks(cardOf(await say(alice, ops, 'conect', asTestBot)));
    expect(typo).toEqual(["I don't know `conect`. Did you mean `connect`?"]);
    const two = textBlocks(cardOf(await say(alice, ops, 'ctivate now', asTestBot)));
    expect(two).toEqual(["I don't know `ctivate`. Did you mean `activate` or `deactivate`?"]);
    const unknown = textBlocks(cardOf(await say(alice, ops, 'frobnicate now', asTestBot)));
    expect(unknown).toEqual(["I don't know `frobnicate`. `help` lists what I can do."]);
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

describe('Teams: naming a person without a mention (`me`, or a typed name that matches one member)', () => {
  const alex = teamsUser('alex', ACME, 'Alex Wilber');
  const sam1 = teamsUser('sam1', ACME, 'Sam Smith');
  const sam2 = teamsUser('sam2', ACME, 'Sam Smith');
  const partnerPat = teamsUser('pat', 'tenant-partner', 'Pat Partner');
  let a: TeamsNode;
  beforeEach(async () => {
    a = await startTeamsNode('a');
    // Alex, the Sams and the partner have never spoken to DeskBridge: only the members API knows them.
    a.connector.setMembers('*', [alice, carl, alex, sam1, sam2, partnerPat].map(memberOf));
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    linkWorkspace(a.deps, { platform: 'teams', tenantId: ACME, instance: 'acme', actor: 'test' });
    await a.installed(alice, ops);
  });
  afterEach(async () => {
    await stopTeamsNodes(a);
  });

  async function say(user: TeamsTestUser, text: string): Promise<string> {
    const mark = a.connector.calls.length;
    await a.command(user, ops, text, { recipient: { id: BOT.id, name: 'Test Bot' } });
    const call = await a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === '19:ops@thread.tacv2',
    );
    return cardText(cardOf(call));
  }

  const approvers = () => listApprovers(a.deps, { ...actorOf(alice), isWorkspaceAdmin: true }).userIds;

  it('`approvers add me` makes the person typing an approver', async () => {
    expect(await say(alice, 'approvers add me')).toContain('Alice Admin is now an approver of rule publishes here.');
    expect(approvers()).toEqual([alice.aadObjectId]);
    expect(await say(alice, 'approvers remove ME')).toContain('Alice Admin is no longer an approver here.');
    expect(approvers()).toEqual([]);
  });

  it('a typed name (with or without @, any case) matching one member of the tenant is that member', async () => {
    expect(await say(alice, 'approvers add Alex Wilber')).toContain(
      'Alex Wilber is now an approver of rule publishes here.',
    );
    expect(approvers()).toEqual([alex.aadObjectId]);
    // Recorded from the members API: their name and MRI are known from now on (mentions, approval cards).
    expect(findTeamsUser(a.deps, { tenantId: ACME, aadObjectId: alex.aadObjectId })).toMatchObject({
      name: 'Alex Wilber',
      mri: alex.mri,
    });
    expect(await say(alice, 'approvers add @alex  wilber')).toContain('That user is already an approver here.');
    expect(await say(alice, 'approvers list')).toContain('- Approvers: Alex Wilber.');
  });

  it('no match, several matches or a partner of another tenant: a refusal saying what to type, nothing changed', async () => {
    expect(await say(alice, 'approvers add Alex Wilbur')).toContain(
      'I know nobody named \\"Alex Wilbur\\" here. Type their full display name, or use `approvers add @name` (pick them from the @ list) or `approvers add me`.',
    );
    expect(await say(alice, 'approvers add Sam Smith')).toContain(
      '2 people here are named \\"Sam Smith\\": mention the one you mean with `approvers add @name`, picked from the @ list.',
    );
    expect(await say(alice, 'approvers add Pat Partner')).toContain('I know nobody named \\"Pat Partner\\" here.');
    expect(await say(alice, 'approvers add')).toContain('Name the user: `approvers add @name`');
    expect(approvers()).toEqual([]);
  });

  it('only admins add approvers: a member typing a name is refused before anyone is looked up', async () => {
    const before = a.connector.calls.filter((c) => c.method === 'GET').length;
    expect(await say(carl, 'approvers add me')).toMatch(/Only DeskBridge admins of this workspace can add approvers/);
    expect(await say(carl, 'approvers add Alex Wilber')).toMatch(/Only DeskBridge admins/);
    expect(a.connector.calls.filter((c) => c.method === 'GET').length).toBe(before);
    expect(approvers()).toEqual([]);
  });

  it('admins add|remove take a typed name too', async () => {
    expect(await say(alice, 'admins add carl colleague')).toContain('Carl Colleague is now a DeskBridge admin here.');
    expect(listAddedAdmins(a.deps, { ...actorOf(alice), isWorkspaceAdmin: true })).toEqual([carl.aadObjectId]);
    expect(await say(carl, 'approvers add me')).toContain('Carl Colleague is now an approver');
    expect(await say(alice, 'admins remove Nobody Else')).toContain('I know nobody named');
    expect(listAddedAdmins(a.deps, { ...actorOf(alice), isWorkspaceAdmin: true })).toEqual([carl.aadObjectId]);
  });
});

function actorOf(user: TeamsTestUser) {
  return {
    platform: 'teams' as const,
    tenantId: user.tenantId,
    userId: user.aadObjectId,
    displayName: user.name,
    isWorkspaceAdmin: false,
  };
}

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

describe("Teams: connections by id: list shows them, commands take a unique prefix of this tenant's connections only", () => {
  let a: TeamsNode;
  let mine: string;
  let theirs: string;
  const twinA = 'c0ffee12-3456-4abc-8def-000000000001';
  const twinB = 'c0ffee12-9999-4abc-8def-000000000002';
  beforeEach(async () => {
    a = await startTeamsNode('a');
    a.connector.setMembers('*', [memberOf(alice), memberOf(carl)]);
    // One node, both sides: acme's "Acme to Initech" and initech's, with the same name and ids of their own.
    mine = await connectAcmeToInitech(a, { platform: 'teams', tenantId: ACME, actor: `teams:${ACME}/alice` });
    theirs = listConnections(a.deps, { instance: 'initech' })[0]!.id;
    await a.installed(alice, ops);
  });
  afterEach(async () => {
    await stopTeamsNodes(a);
  });

  /** What the answer card shows: its TextBlocks' texts, in order. */
  async function say(user: TeamsTestUser, text: string): Promise<string[]> {
    const mark = a.connector.calls.length;
    await a.command(user, ops, text);
    const call = await a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === '19:ops@thread.tacv2',
    );
    const texts: string[] = [];
    walkCard(cardOf(call)['body'], (n) => {
      if (n['type'] === 'TextBlock') texts.push(String(n['text']));
    });
    return texts;
  }
  function textsOf(card: Record<string, unknown>): string[] {
    const texts: string[] = [];
    walkCard(card['body'], (n) => {
      if (n['type'] === 'TextBlock') texts.push(String(n['text']));
    });
    return texts;
  }
  /** What a refusal must leave as it was (who spoke last in the channel is bookkeeping, not a change). */
  const connectionState = () => {
    const tables = snapshot(a);
    return { connections: tables['connections'], events: tables['status_events'], audit: tables['audit_log'] };
  };
  /** Pending connections on acme whose ids share 9 characters, named alike. */
  function addTwins(): void {
    const acme = getInstance(a.deps, 'acme');
    for (const id of [twinA, twinB]) {
      a.deps.db
        .insert(connections)
        .values({
          id,
          instanceId: acme.id,
          role: 'initiator',
          name: 'Twin',
          localShortName: 'Acme',
          remoteShortName: 'Partner',
          mode: 'basic',
          status: 'pending',
          createdAt: a.clock.now(),
        })
        .run();
    }
  }

  it('delete asks; Cancel and Delete each answer in place of the question, for the one who clicked', async () => {
    await a.command(alice, ops, 'delete Acme to Initech');
    const question = a.connector.posts('19:ops@thread.tacv2').at(-1)!;
    const card = cardOf(question);
    expect(cardText(card)).toContain('This cannot be undone.');
    const click = (actionId: string) => {
      const action = findAction(card, 'action', actionId);
      return a.execute(
        alice,
        ops,
        { verb: String(action['verb']), data: submission(card, action) },
        question.resultId!,
      );
    };
    const before = connectionState();
    const cancelled = await click('connection.delete.cancel');
    expect(textsOf(answeredCard(cancelled))).toEqual(['Nothing was deleted.']);
    expect(connectionState()).toEqual(before);
    const deleted = await click('connection.delete.confirm');
    expect(textsOf(answeredCard(deleted))).toEqual(['Deleted **Acme to Initech**.']);
    expect(listConnections(a.deps, { instance: 'acme' })).toEqual([]);
    await a.settled();
    // The question itself stays as it was posted for everyone else: no update of the channel's message.
    expect(a.connector.calls.filter((c) => c.method === 'PUT')).toEqual([]);
  });

  it("list shows each connection's short id in an Id column, and status takes it", async () => {
    const list = await say(carl, 'list');
    expect(list).toContain('Id');
    expect(list).toContain(mine.slice(0, 8));
    expect(list.join('\n')).not.toContain(theirs.slice(0, 8));
    for (const ref of [mine.slice(0, 8), mine.slice(0, 6), mine, 'Acme to Initech']) {
      const status = await say(carl, `status ${ref}`);
      expect(status[0], ref).toBe('Acme to Initech');
      expect(status.join('\n'), ref).toContain('pending → active');
      // Its facts (a FactSet) name acme's side by its id, never initech's.
      const card = cardText(cardOf(a.connector.posts('19:ops@thread.tacv2').at(-1)!));
      expect(card, ref).toContain(mine);
      expect(card, ref).not.toContain(theirs);
    }
  });

  it("another instance's id, a prefix that fits two, a name two share or a prefix too short: a refusal, nothing changed", async () => {
    addTwins();
    const before = connectionState();
    expect(await say(alice, `deactivate ${theirs.slice(0, 8)}`)).toEqual([
      `There is no connection "${theirs.slice(0, 8)}" on this instance.`,
    ]);
    expect(await say(alice, `status ${theirs}`)).toEqual([`There is no connection "${theirs}" on this instance.`]);
    expect(await say(alice, 'deactivate c0ffee')).toEqual([
      'The id "c0ffee" fits 2 connections: c0ffee12-3… "Twin" (pending), c0ffee12-9… "Twin" (pending); give more of the id.',
    ]);
    expect(await say(alice, 'delete Twin')).toEqual([
      '2 connections are named "Twin" on this instance: c0ffee12-3… (pending), c0ffee12-9… (pending); give the id.',
    ]);
    expect(await say(alice, 'status c0ff')).toEqual([
      'There is no connection named "c0ff" on this instance; to pick one by its id, give at least 6 characters of the id.',
    ]);
    // A prefix is no way around the admin check.
    expect((await say(carl, `deactivate ${mine.slice(0, 8)}`)).join(' ')).toMatch(/Only DeskBridge admins/);
    expect(connectionState()).toEqual(before);
    // The longer form the refusal showed picks one.
    expect(await say(carl, 'status c0ffee12-9')).toContain('Twin');
  });
});
