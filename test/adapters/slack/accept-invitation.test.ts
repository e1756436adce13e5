import { afterEach, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { TestClock } from '../../support/nodes.ts';
import { startSlackNode, viewText, type SlackNode } from '../../support/slack-nodes.ts';
import { registerTestInstance } from '../../support/story.ts';
import { initiateOverSlack } from './wizard-driver.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };

describe('accepting a posted invitation', () => {
  const nodes: SlackNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      expect(node.slackApi.problems).toEqual([]);
      await node.stop();
    }
  });

  it('a partner whose workspace has an instance on this node: Accept -> modal -> Confirm, through the node protocol', async () => {
    const a = await startSlackNode('a');
    nodes.push(a);
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(a.deps, 'initech', 'freshservice');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_INITECH', instance: 'initech', actor: 'test:setup' });
    const bob = { id: 'U_BOB', team_id: 'T_INITECH', name: 'Bob Partner', is_admin: true };
    a.slackApi.addUser(alice).addUser(bob).addChannel('C_SHARED', ['T_ACME', 'T_INITECH']);

    const invitation = await initiateOverSlack(a, alice, {
      destinationUrl: a.instanceUrl('initech'),
      name: 'Acme to Initech',
      channel: 'C_SHARED',
    });
    const opened = a.slackApi.calls.length;
    const click = await a.click(
      bob,
      { actionId: 'invitation.accept', value: listConnections(a.deps)[0]!.id },
      { channelId: invitation.channel, messageTs: invitation.ts },
    );
    expect(click.status).toBe(200);
    const modal = await a.openedModal(opened);
    expect(modal.view.callback_id).toBe('accept.confirm');
    expect(viewText(modal.view)).toContain('Acme to Initech');
    expect(modal.view.private_metadata).toMatch(/^[0-9a-f-]{36}$/);
    expect(viewText(modal.view)).not.toContain('DB1.');

    const missing = await a.submit(bob, modal, { incomingProjectId: null });
    expect(missing.json).toMatchObject({
      response_action: 'errors',
      errors: { incomingProjectId: expect.any(String) },
    });
    const confirmed = await a.submit(bob, modal, { incomingProjectId: '3' });
    expect(confirmed.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toContain('is active');

    const connections = listConnections(a.deps);
    expect(connections.map((c) => [c.instanceSlug, c.role, c.status])).toEqual([
      ['acme', 'initiator', 'active'],
      ['initech', 'acceptor', 'active'],
    ]);
    expect(connections[1]!.incomingProject).toEqual({ id: '3', name: 'HR' });

    const updated = await a.slackApi.waitFor('chat.update', (c) => c.args['ts'] === invitation.ts);
    expect(updated.args['channel']).toBe('C_SHARED');
    const text = JSON.stringify(updated.args['blocks']);
    expect(text).toContain('Initech');
    expect(text).toContain('Active');
    expect(text).not.toContain('invitation.accept');
    expect(text).not.toContain(invitation.code);
    await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === 'U_ALICE' && String(c.args['text']).includes('accepted your invitation'),
    );
  });

  it('with Teams on as well, the acceptance is recorded once and each message updated once', async () => {
    // Both surfaces on one node: Slack with its token, Teams with an Entra app (no Teams traffic in this test).
    const a = await startSlackNode('a', {
      env: { MICROSOFT_APP_ID: '00000000-0000-4000-8000-000000000001', MICROSOFT_APP_PASSWORD: 'test-client-secret' },
    });
    nodes.push(a);
    expect(a.teams).not.toBeNull();
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(a.deps, 'initech', 'freshservice');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_INITECH', instance: 'initech', actor: 'test:setup' });
    const bob = { id: 'U_BOB', team_id: 'T_INITECH', name: 'Bob Partner', is_admin: true };
    a.slackApi.addUser(alice).addUser(bob).addChannel('C_SHARED', ['T_ACME', 'T_INITECH']);
    // Every write that marks an invitation message accepted, counted by SQLite itself on the service's connection.
    a.deps.db.$client.exec(`
      CREATE TEMP TABLE acceptance_writes (message_id TEXT);
      CREATE TEMP TRIGGER count_acceptance_writes AFTER UPDATE OF accepted_at ON main.invitation_messages
      BEGIN INSERT INTO acceptance_writes VALUES (NEW.id); END;`);
    const writes = () =>
      a.deps.db.$client.prepare('SELECT count(*) AS n FROM acceptance_writes').get() as { n: number };

    const invitation = await initiateOverSlack(a, alice, {
      destinationUrl: a.instanceUrl('initech'),
      name: 'Acme to Initech',
      channel: 'C_SHARED',
    });
    const opened = a.slackApi.calls.length;
    await a.click(
      bob,
      { actionId: 'invitation.accept', value: listConnections(a.deps)[0]!.id },
      { channelId: invitation.channel, messageTs: invitation.ts },
    );
    const modal = await a.openedModal(opened);
    await a.submit(bob, modal, { incomingProjectId: '3' });
    expect(listConnections(a.deps).map((c) => c.status)).toEqual(['active', 'active']);
    await a.slackApi.waitFor('chat.update', (c) => c.args['ts'] === invitation.ts);
    await a.slackApi.waitFor('chat.postMessage', (c) => String(c.args['text']).includes('accepted your invitation'));
    await a.teams!.settled();
    expect(writes()).toEqual({ n: 1 });
    expect(a.slackApi.callsTo('chat.update').filter((c) => c.args['ts'] === invitation.ts)).toHaveLength(1);
  });

  it('a partner on another DeskBridge is told to accept there; accepting there activates both nodes and updates the message', async () => {
    const clock = new TestClock();
    const a = await startSlackNode('a', { clock: new TestClock(clock.now().getTime()) });
    const b = await startSlackNode('b', { clock: new TestClock(clock.now().getTime()) });
    nodes.push(a, b);
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(b.deps, 'globex', 'xurrent');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    linkWorkspace(b.deps, { platform: 'slack', tenantId: 'T_GLOBEX', instance: 'globex', actor: 'test:setup' });
    const gina = { id: 'U_GINA', team_id: 'T_GLOBEX', name: 'Gina Globex', is_admin: true };
    a.slackApi.addUser(alice).addUser(gina).addChannel('C_SHARED', ['T_ACME', 'T_GLOBEX']);
    b.slackApi.addUser(gina);

    const invitation = await initiateOverSlack(a, alice, {
      destinationUrl: b.instanceUrl('globex'),
      mode: 'script',
      name: 'Acme to Globex',
      channel: 'C_SHARED',
    });
    await a.click(
      gina,
      { actionId: 'invitation.accept', value: listConnections(a.deps)[0]!.id },
      { channelId: invitation.channel, messageTs: invitation.ts },
    );
    const told = await a.slackApi.waitFor('response_url');
    expect(told.args).toMatchObject({ response_type: 'ephemeral' });
    expect(String(told.args['text'])).toMatch(/no helpdesk instance on this DeskBridge/);
    expect(
      a.slackApi
        .callsTo('views.open')
        .filter((c) => (c.args['view'] as { callback_id: string }).callback_id.startsWith('accept')),
    ).toEqual([]);

    // On her own DeskBridge, with the code from the message.
    await b.command(gina, `accept ${invitation.code}`);
    const modal = await b.openedModal();
    expect(modal.view.callback_id).toBe('accept.confirm');
    expect(viewText(modal.view)).toContain('Acme to Globex');
    const confirmed = await b.submit(gina, modal, {});
    expect(confirmed.json).toMatchObject({ response_action: 'update' });

    expect(listConnections(a.deps)[0]).toMatchObject({ status: 'active', mode: 'script' });
    expect(listConnections(b.deps)[0]).toMatchObject({ status: 'active', mode: 'script', role: 'acceptor' });
    const updated = await a.slackApi.waitFor(
      'chat.update',
      (c) => c.args['ts'] === invitation.ts && c.args['channel'] === 'C_SHARED',
    );
    expect(JSON.stringify(updated.args['blocks'])).toContain('Globex');
    expect(JSON.stringify(updated.args['blocks'])).toContain('Active');
  });
});
