import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { UNBOUND_CODE_WARNING } from '../../../src/domain/invitation.ts';
import { startTestNode, type TestNode } from '../../support/nodes.ts';
import { startSlackNode, viewText, type SlackNode } from '../../support/slack-nodes.ts';
import { registerTestInstance } from '../../support/story.ts';
import { initiateOverSlack } from './wizard-driver.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };

/** Who can accept a code, said where Slack shows it: the wizard's code step and the invitation posted in a channel. */
describe('the invitation code in Slack says who can accept it', () => {
  let a: SlackNode;
  let b: TestNode;
  beforeEach(async () => {
    a = await startSlackNode('a');
    b = await startTestNode('b');
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(b.deps, 'globex', 'xurrent');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    a.slackApi.addUser(alice).addChannel('C_SHARED', ['T_ACME', 'T_GLOBEX']);
  });
  afterEach(async () => {
    expect(a.slackApi.problems).toEqual([]);
    await a.stop();
    await b.stop();
  });

  const postedBlocks = (channel: string) =>
    JSON.stringify(a.slackApi.callsTo('chat.postMessage').find((c) => c.args['channel'] === channel)?.args['blocks']);

  it('a code without a destination: anyone with it can accept it once, in the modal and in the posted invitation', async () => {
    await a.command(alice, 'connect');
    const modal = await a.openedModal();
    await a.submit(alice, modal, { noUrl: 'true' });
    await a.submit(alice, modal, { mode: 'basic' });
    await a.submit(alice, modal, { localShortName: 'Acme', remoteShortName: 'Anyone', name: 'Open' });
    await a.submit(alice, modal, { incomingProjectId: '1001' });
    expect(modal.view.callback_id).toBe('initiate.code');
    const code = /```(DB1\.[^`]+)```/.exec(viewText(modal.view))![1]!;
    expect(viewText(modal.view)).toContain(`*${UNBOUND_CODE_WARNING}*`);
    await a.submit(alice, modal, { channel: 'C_SHARED' });
    // The finished modal keeps the code, and the warning beside it.
    expect(viewText(modal.view)).toContain(code);
    expect(viewText(modal.view)).toContain(`*${UNBOUND_CODE_WARNING}*`);
    await a.slackApi.waitFor('chat.postMessage', (c) => c.args['channel'] === 'C_SHARED');
    const blocks = postedBlocks('C_SHARED');
    expect(blocks).toContain(code);
    expect(blocks).toContain(`*${UNBOUND_CODE_WARNING}*`);
  });

  it('a code bound to a destination names the only instance that can accept it, and carries no bearer warning', async () => {
    const { code } = await initiateOverSlack(a, alice, {
      destinationUrl: b.instanceUrl('globex'),
      name: 'Bound',
      channel: 'C_SHARED',
    });
    const blocks = postedBlocks('C_SHARED');
    expect(blocks).toContain(code);
    expect(blocks).toContain(`Only ${b.instanceUrl('globex')} can accept this code`);
    expect(blocks).not.toContain(UNBOUND_CODE_WARNING);
  });
});
