import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listApprovers } from '../../../src/app/approvers.ts';
import { listAddedAdmins } from '../../../src/app/chat-admins.ts';
import { findWorkspaceInstance, linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { subcommands } from '../../../src/flows/help.ts';
import type { FakeUser } from '../../support/fake-slack.ts';
import { BAD_API_KEY } from '../../support/helpdesks.ts';
import { startSlackNode, viewText, type SlackNode } from '../../support/slack-nodes.ts';
import { connectAcmeToInitech, registerTestInstance, snapshot } from '../../support/story.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };

async function lastResponse(node: SlackNode, count: number): Promise<Record<string, unknown>> {
  await node.slackApi.waitFor('response_url', () => node.slackApi.callsTo('response_url').length > count);
  return node.slackApi.callsTo('response_url').at(-1)!.args;
}

describe('setup, commands and the App Home', () => {
  let a: SlackNode;
  beforeEach(async () => {
    a = await startSlackNode('a');
    a.slackApi.addUser(alice).addUser(mallory);
  });
  afterEach(async () => {
    expect(a.slackApi.problems).toEqual([]);
    await a.stop();
  });

  it('setup registers the helpdesk after checking its credentials, links the workspace, and refuses a second time', async () => {
    await a.command(alice, 'setup');
    const modal = await a.openedModal();
    expect(modal.view.callback_id).toBe('setup');
    const values = {
      platform: 'freshdesk',
      name: 'Acme Support',
      baseUrl: 'https://acme.freshdesk.test',
      secret: BAD_API_KEY,
    };
    const rejected = await a.submit(alice, modal, values);
    expect(rejected.json).toMatchObject({
      response_action: 'errors',
      errors: { secret: expect.stringMatching(/rejected the credentials/) },
    });
    expect(findWorkspaceInstance(a.deps, { platform: 'slack', tenantId: 'T_ACME' })).toBeNull();
    const noAccount = await a.submit(alice, modal, { ...values, platform: 'xurrent' });
    expect(noAccount.json).toMatchObject({ response_action: 'errors', errors: { account: expect.any(String) } });

    const ok = await a.submit(alice, modal, { ...values, secret: 'acme-fd-key' });
    expect(ok.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toContain(`${a.config.publicUrl}/i/acme-support`);
    expect(findWorkspaceInstance(a.deps, { platform: 'slack', tenantId: 'T_ACME' })).toMatchObject({
      slug: 'acme-support',
      platform: 'freshdesk',
    });
    // The key is only ever sealed.
    expect(JSON.stringify(a.logs)).not.toContain('acme-fd-key');

    const count = a.slackApi.callsTo('response_url').length;
    await a.command(alice, 'setup');
    expect(String((await lastResponse(a, count))['text'])).toMatch(/already manages Acme Support/);
  });

  it('help is the default: a header, then one bulleted line per command, in Slack words', async () => {
    const count = a.slackApi.callsTo('response_url').length;
    await a.command(alice, '');
    const help = await lastResponse(a, count);
    expect(help).toMatchObject({ response_type: 'ephemeral' });
    const blocks = help['blocks'] as { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: 'DeskBridge commands' } });
    expect(blocks[1]!.text!.text).toBe(
      'Type `/bridge &lt;command&gt;` in any channel or direct message; invite me (`/invite @DeskBridge`) to the channels I should post to.',
    );
    const lines = blocks
      .filter((b) => b.type === 'section' && b.text?.text.startsWith('• '))
      .flatMap((b) => b.text!.text.split('\n'));
    expect(lines).toHaveLength(subcommands.length);
    for (const line of lines) expect(line).toMatch(/^• `\/bridge [a-z]/);
    expect(lines).toContain('• `/bridge connect` Initiate a connection with a partner instance.');
    expect(lines).toContain('• `/bridge list` The connections of this workspace (also on my App Home tab).');
    expect(blocks.at(-1)).toMatchObject({ type: 'context' });
    expect(JSON.stringify(blocks.at(-1))).toContain('Slack Connect channel');
    expect(JSON.stringify(blocks)).not.toMatch(/shared channel|personal chat|@mention/);
  });

  it('a typo gets the closest command instead of the whole help; a word close to nothing points to help', async () => {
    const answer = async (text: string) => {
      const count = a.slackApi.callsTo('response_url').length;
      await a.command(alice, text);
      return (await lastResponse(a, count))['blocks'];
    };
    expect(await answer('conect')).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: "I don't know `conect`. Did you mean `/bridge connect`?" } },
    ]);
    expect(await answer('approver add me')).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: "I don't know `approver`. Did you mean `/bridge approvers`?" } },
    ]);
    expect(await answer('frobnicate now')).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: "I don't know `frobnicate`. `/bridge help` lists what I can do." },
      },
    ]);
  });

  describe('with connections', () => {
    let connectionId: string;
    beforeEach(async () => {
      connectionId = await connectAcmeToInitech(a, {
        platform: 'slack',
        tenantId: 'T_ACME',
        actor: 'slack:T_ACME/U_ALICE',
        description: 'Escalations to Initech IT',
      });
    });

    it('list and status answer privately with the connections table and recent status changes', async () => {
      let count = a.slackApi.callsTo('response_url').length;
      await a.command(mallory, 'list');
      const list = JSON.stringify((await lastResponse(a, count))['blocks']);
      for (const text of [
        'Acme to Initech',
        'Escalations to Initech IT',
        'Entities under sync',
        'Last sync',
        'Never',
        'Active',
      ])
        expect(list).toContain(text);
      count = a.slackApi.callsTo('response_url').length;
      await a.command(mallory, 'status Acme to Initech');
      const status = JSON.stringify((await lastResponse(a, count))['blocks']);
      expect(status).toContain('pending → active');
      count = a.slackApi.callsTo('response_url').length;
      await a.command(mallory, 'status Nope');
      expect(String((await lastResponse(a, count))['text'])).toBe('There is no connection "Nope" on this instance.');
    });

    it("list shows short ids; every command takes a unique id prefix, only among this workspace's connections", async () => {
      // One node serves both sides: "Acme to Initech" is also initech's name for its side, with an id of its own.
      const initechId = listConnections(a.deps, { instance: 'initech' })[0]!.id;
      const mine = connectionId.slice(0, 8);
      const theirs = initechId.slice(0, 8);
      const answer = async (user: FakeUser, text: string) => {
        const count = a.slackApi.callsTo('response_url').length;
        await a.command(user, text, { channelId: 'C_OPS' });
        return lastResponse(a, count);
      };

      const list = await answer(mallory, 'list');
      const listBlocks = JSON.stringify(list['blocks']);
      expect(listBlocks).toContain(`*Id*\\n${mine}`);
      expect(listBlocks).toContain(`\`/bridge status ${mine}\``);
      expect(listBlocks).not.toContain(theirs);

      // By a prefix (or the name, which means this workspace's side) status shows acme's connection.
      for (const ref of [mine, connectionId.slice(0, 6).toUpperCase(), 'Acme to Initech']) {
        const status = JSON.stringify((await answer(mallory, `status ${ref}`))['blocks']);
        expect(status, ref).toContain(connectionId);
        expect(status, ref).not.toContain(initechId);
      }

      // The other instance's connection is out of reach by its id or a prefix of it, for every command; a prefix
      // too short is refused too. Nothing changes.
      const before = snapshot(a);
      for (const command of [
        'status',
        'deactivate',
        'activate',
        'delete',
        'rules',
        'triggers',
        'errors',
        'subscribe',
      ]) {
        for (const ref of [theirs, initechId]) {
          expect(String((await answer(alice, `${command} ${ref}`))['text']), `${command} ${ref}`).toBe(
            `There is no connection "${ref}" on this instance.`,
          );
        }
      }
      expect(String((await answer(alice, `deactivate ${mine.slice(0, 4)}`))['text'])).toBe(
        `There is no connection named "${mine.slice(0, 4)}" on this instance; to pick one by its id, give at least 6 characters of the id.`,
      );
      // A prefix does not let a member do what only admins may.
      expect(String((await answer(mallory, `deactivate ${mine}`))['text'])).toMatch(/^Only DeskBridge admins/);
      expect(snapshot(a)).toEqual(before);

      // An admin acts by prefix, on acme's side only.
      expect(String((await answer(alice, `deactivate ${mine}`))['text'])).toMatch(/Acme to Initech\* is deactivated/);
      expect(listConnections(a.deps).map((c) => [c.instanceSlug, c.status])).toEqual(
        expect.arrayContaining([
          ['acme', 'deactivated'],
          ['initech', 'active'],
        ]),
      );
      expect(JSON.stringify((await answer(alice, `delete ${mine}`))['blocks'])).toContain(`"value":"${connectionId}"`);
      expect(String((await answer(alice, `subscribe ${mine}`))['text'])).toMatch(
        /^This channel is subscribed to status changes of \*Acme to Initech\*/,
      );
      const opened = a.slackApi.calls.length;
      await a.command(alice, `triggers ${mine}`);
      expect(viewText((await a.openedModal(opened)).view)).toContain('Acme to Initech');
    });

    it('the App Home shows the connections page, with buttons for admins only', async () => {
      await a.event({ type: 'app_home_opened', user: alice.id, channel: 'D1', tab: 'home', event_ts: '1.1' }, 'T_ACME');
      const home = await a.slackApi.waitFor('views.publish', (c) => c.args['user_id'] === alice.id);
      const text = JSON.stringify(home.args['view']);
      for (const t of [
        'Connections',
        'Initiate connection',
        'Accept invitation',
        'Acme to Initech',
        'Entities under sync',
        'Last sync',
        'Active',
        'connection.deactivate',
        'connection.status',
      ]) {
        expect(text).toContain(t);
      }
      await a.event(
        { type: 'app_home_opened', user: mallory.id, channel: 'D2', tab: 'home', event_ts: '1.2' },
        'T_ACME',
      );
      const member = await a.slackApi.waitFor('views.publish', (c) => c.args['user_id'] === mallory.id);
      expect(JSON.stringify(member.args['view'])).toContain('Acme to Initech');
      expect(JSON.stringify(member.args['view'])).not.toContain('home.initiate');
      expect(JSON.stringify(member.args['view'])).not.toContain('connection.deactivate');
    });

    it('Home buttons deactivate and activate, refreshing the Home tab; a non-admin click changes nothing', async () => {
      await a.click(mallory, { actionId: 'connection.deactivate', value: connectionId }, { home: true });
      await a.slackApi.waitFor('views.open', (c) => JSON.stringify(c.args['view']).includes('Only DeskBridge admins'));
      expect(listConnections(a.deps, { instance: 'acme' })[0]!.status).toBe('active');

      await a.click(alice, { actionId: 'connection.deactivate', value: connectionId }, { home: true });
      await a.slackApi.waitFor('views.publish', (c) => JSON.stringify(c.args['view']).includes('Deactivated'));
      expect(listConnections(a.deps, { instance: 'acme' })[0]!.status).toBe('deactivated');
      await a.click(alice, { actionId: 'connection.activate', value: connectionId }, { home: true });
      await expect.poll(() => listConnections(a.deps, { instance: 'acme' })[0]!.status).toBe('active');
      await a.click(alice, { actionId: 'connection.status', value: connectionId }, { home: true });
      await a.slackApi.waitFor('views.open', (c) => JSON.stringify(c.args['view']).includes('deactivated → active'));
      // Home's Initiate opens the wizard.
      await a.click(alice, { actionId: 'home.initiate' }, { home: true });
      await a.slackApi.waitFor(
        'views.open',
        (c) => (c.args['view'] as { callback_id: string }).callback_id === 'initiate.destination',
      );
    });

    it('admins add, list and remove decide who besides workspace admins may act', async () => {
      let count = a.slackApi.callsTo('response_url').length;
      await a.command(alice, 'admins add <@U_MALLORY|mallory>');
      expect(String((await lastResponse(a, count))['text'])).toBe('<@U_MALLORY> is now a DeskBridge admin here.');
      count = a.slackApi.callsTo('response_url').length;
      await a.command(mallory, 'deactivate Acme to Initech');
      expect(String((await lastResponse(a, count))['text'])).toMatch(/is deactivated/);
      count = a.slackApi.callsTo('response_url').length;
      await a.command(alice, 'admins list');
      expect(String((await lastResponse(a, count))['text'])).toContain('<@U_MALLORY>');
      count = a.slackApi.callsTo('response_url').length;
      await a.command(alice, 'admins remove <@U_MALLORY>');
      await lastResponse(a, count);
      count = a.slackApi.callsTo('response_url').length;
      await a.command(mallory, 'activate Acme to Initech');
      expect(String((await lastResponse(a, count))['text'])).toMatch(/^Only DeskBridge admins/);
      expect(listConnections(a.deps, { instance: 'acme' })[0]!.status).toBe('deactivated');
    });
  });
});

describe('naming a person without a mention: `me`, or a typed name that matches one member (users.list)', () => {
  const alex = { id: 'U_ALEX', team_id: 'T_ACME', name: 'Alex Wilber' };
  let a: SlackNode;
  beforeEach(async () => {
    a = await startSlackNode('a');
    a.slackApi.addUser(alice).addUser(mallory).addUser(alex);
    // Three pages of users.list (limit 200): Alex is on the last one, among a deactivated namesake, a bot, and a
    // Slack Connect guest of another workspace with the same name.
    for (let i = 0; i < 430; i++)
      a.slackApi.listedUsers.push({ id: `U_FILL${i}`, team_id: 'T_ACME', name: `Person ${i}` });
    a.slackApi.listedUsers.push(
      { id: 'U_OLDALEX', team_id: 'T_ACME', name: 'Alex Wilber', deleted: true },
      { id: 'B_ALEX', team_id: 'T_ACME', name: 'Alex Wilber', is_bot: true },
      { id: 'U_GUEST', team_id: 'T_PARTNER', name: 'Pat Partner' },
      { id: 'U_SAM1', team_id: 'T_ACME', name: 'Sam Smith' },
      { ...alex, real_name: 'Alex Wilber', display_name: 'alexw' },
      { id: 'U_SAM2', team_id: 'T_ACME', name: 'Samuel Smith', display_name: 'Sam Smith' },
    );
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test' });
  });
  afterEach(async () => {
    expect(a.slackApi.problems).toEqual([]);
    await a.stop();
  });

  const admin = {
    platform: 'slack' as const,
    tenantId: 'T_ACME',
    userId: alice.id,
    displayName: 'Alice',
    isWorkspaceAdmin: true,
  };
  const approvers = () => listApprovers(a.deps, admin).userIds;

  async function say(user: typeof alice | typeof mallory, text: string): Promise<string> {
    const count = a.slackApi.callsTo('response_url').length;
    await a.command(user, text);
    return String((await lastResponse(a, count))['text']);
  }

  it('a mistyped approvers command names the closest one and changes nothing', async () => {
    expect(await say(alice, 'approvers ad me')).toBe(
      'Did you mean `/bridge approvers add`? Use `/bridge approvers add|remove @user` (or `me`), `/bridge approvers list`, `/bridge approvers channel #channel` or `/bridge approvers self-approval on|off`.',
    );
    expect(approvers()).toEqual([]);
  });

  it('`approvers add me` makes the person typing an approver, without looking anyone up', async () => {
    expect(await say(alice, 'approvers add me')).toBe('<@U_ALICE> is now an approver of rule publishes here.');
    expect(approvers()).toEqual([alice.id]);
    expect(a.slackApi.usersListPages).toEqual([]);
  });

  it('a typed full name, display name or @name matching one active member of this workspace is that member', async () => {
    expect(await say(alice, 'approvers add Alex Wilber')).toBe('<@U_ALEX> is now an approver of rule publishes here.');
    expect(a.slackApi.usersListPages).toEqual(['', 'page-200', 'page-400']);
    expect(approvers()).toEqual(['U_ALEX']);
    expect(await say(alice, 'approvers remove @alexw')).toBe('<@U_ALEX> is no longer an approver here.');
    expect(await say(alice, 'admins add @ALEX wilber')).toBe('<@U_ALEX> is now a DeskBridge admin here.');
    expect(listAddedAdmins(a.deps, admin)).toEqual(['U_ALEX']);
  });

  it('no match, several matches or a member of another workspace: a refusal saying what to type, nothing changed', async () => {
    expect(await say(alice, 'approvers add Alex Wilbur')).toBe(
      'I know nobody named "Alex Wilbur" here. Type their full display name, or use `/bridge approvers add @name` (pick them from the @ list) or `/bridge approvers add me`.',
    );
    expect(await say(alice, 'approvers add Sam Smith')).toBe(
      '2 people here are named "Sam Smith": mention the one you mean with `/bridge approvers add @name`, picked from the @ list.',
    );
    expect(await say(alice, 'approvers add Pat Partner')).toMatch(/^I know nobody named "Pat Partner" here/);
    expect(await say(alice, `approvers add ${'x'.repeat(200)}`)).toMatch(/^That is not a name I can look up/);
    expect(approvers()).toEqual([]);
  });

  it('only admins add approvers: a member is refused before anyone is looked up, and nothing changes', async () => {
    expect(await say(mallory, 'approvers add me')).toMatch(
      /^Only DeskBridge admins of this workspace can add approvers/,
    );
    expect(await say(mallory, 'approvers add Alex Wilber')).toMatch(/^Only DeskBridge admins/);
    expect(await say(mallory, 'admins add me')).toMatch(/^Only DeskBridge admins/);
    expect(a.slackApi.usersListPages).toEqual([]);
    expect(approvers()).toEqual([]);
    expect(listAddedAdmins(a.deps, admin)).toEqual([]);
  });
});
