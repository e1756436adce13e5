import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findWorkspaceInstance } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { BAD_API_KEY } from '../../support/helpdesks.ts';
import { startSlackNode, viewText, type SlackNode } from '../../support/slack-nodes.ts';
import { connectAcmeToInitech } from '../../support/story.ts';

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

  it('help is the default, and an unknown subcommand answers with help', async () => {
    let count = a.slackApi.callsTo('response_url').length;
    await a.command(alice, '');
    const help = await lastResponse(a, count);
    expect(help).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(help['blocks'])).toContain('/bridge connect');
    count = a.slackApi.callsTo('response_url').length;
    await a.command(alice, 'frobnicate now');
    const unknown = await lastResponse(a, count);
    expect(JSON.stringify(unknown['blocks'])).toContain("I don't know `frobnicate`");
    expect(JSON.stringify(unknown['blocks'])).toContain('/bridge admins');
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
