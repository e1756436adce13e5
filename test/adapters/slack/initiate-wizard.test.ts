import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { startTestNode, type TestNode } from '../../support/nodes.ts';
import { inputBlock, startSlackNode, viewText, type SlackNode } from '../../support/slack-nodes.ts';
import { registerTestInstance, snapshot } from '../../support/story.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };

describe('the initiate wizard over signed Slack requests', () => {
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

  it('walks destination -> mode -> information -> project -> code, then posts the invitation to the chosen channel', async () => {
    const ack = await a.command(alice, 'connect');
    expect(ack.status).toBe(200);
    const modal = await a.openedModal();
    expect(modal.view.callback_id).toBe('initiate.destination');
    // Only the wizard id travels with the modal; the state is in our database.
    expect(modal.view.private_metadata).toMatch(/^[0-9a-f-]{36}$/);

    // Step 1: destination. Neither URL nor "no URL" is an inline error; so is a URL that is not one.
    let r = await a.submit(alice, modal, {});
    expect(r.json).toEqual({
      response_action: 'errors',
      errors: { destinationUrl: expect.stringContaining("I don't have a URL") },
    });
    r = await a.submit(alice, modal, { destinationUrl: 'not a url' });
    expect(r.json).toMatchObject({
      response_action: 'errors',
      errors: { destinationUrl: expect.stringMatching(/http\(s\) URL/) },
    });
    r = await a.submit(alice, modal, { destinationUrl: b.instanceUrl('globex'), noUrl: 'true' });
    expect(r.json).toMatchObject({
      response_action: 'errors',
      errors: { destinationUrl: expect.stringMatching(/Leave the URL empty/) },
    });
    r = await a.submit(alice, modal, { destinationUrl: `${b.config.publicUrl}/i/nobody`, noUrl: null });
    expect(r.json).toMatchObject({
      response_action: 'errors',
      errors: { destinationUrl: expect.stringMatching(/no instance "nobody"/) },
    });
    r = await a.submit(alice, modal, { destinationUrl: b.instanceUrl('globex') });
    expect(r.json).toMatchObject({ response_action: 'update' });

    // Step 2: the modes both sides offer, with the product page's descriptions.
    expect(modal.view.callback_id).toBe('initiate.mode');
    expect(viewText(modal.view)).toContain('Groovy-based scripting');
    expect(viewText(modal.view)).toContain('Sync rules cannot be edited');
    expect(viewText(modal.view)).toContain('Globex');
    r = await a.submit(alice, modal, { mode: null });
    expect(r.json).toMatchObject({ response_action: 'errors', errors: { mode: 'Choose a configuration type.' } });
    r = await a.submit(alice, modal, { mode: 'script' });
    expect(modal.view.callback_id).toBe('initiate.info');

    // Step 3: connection information; each invalid input gets its own inline error.
    r = await a.submit(alice, modal, { localShortName: 'a'.repeat(51), remoteShortName: null, name: null });
    expect(r.json).toEqual({
      response_action: 'errors',
      errors: {
        localShortName: expect.stringMatching(/at most 50/),
        remoteShortName: 'Remote instance short name is required.',
        name: 'Connection name is required.',
      },
    });

    // Previous keeps what was typed on this step, and the step before keeps its choice.
    const typed = {
      localShortName: 'Acme',
      remoteShortName: 'Globex',
      name: 'Acme to Globex',
      description: 'Escalations',
    };
    const before = a.slackApi.calls.length;
    const click = await a.click(
      alice,
      { actionId: 'wizard.previous' },
      { modal: { ...modal, view: { ...modal.view } } },
    );
    expect(click.status).toBe(200);
    const previous = await a.slackApi.waitFor('views.update', (c) => a.slackApi.calls.indexOf(c) >= before);
    expect((previous.args['view'] as { callback_id: string }).callback_id).toBe('initiate.mode');
    expect(previous.args['view_id']).toBe(modal.id);
    const modeView = previous.args['view'] as typeof modal.view;
    expect(
      (inputBlock(modeView, 'mode')['element'] as { initial_option: { value: string } }).initial_option.value,
    ).toBe('script');

    modal.view = modeView;
    await a.submit(alice, modal, {});
    expect(modal.view.callback_id).toBe('initiate.info');
    r = await a.submit(alice, modal, typed);
    expect(r.json).toMatchObject({ response_action: 'update' });

    // Step 4: the Freshdesk group for incoming tickets, from the helpdesk.
    expect(modal.view.callback_id).toBe('initiate.project');
    expect(viewText(modal.view)).toContain('Escalations');
    // Previous from here shows the information exactly as typed.
    const beforeBack = a.slackApi.calls.length;
    await a.click(alice, { actionId: 'wizard.previous' }, { modal });
    const back = await a.slackApi.waitFor('views.update', (c) => a.slackApi.calls.indexOf(c) >= beforeBack);
    const infoView = back.args['view'] as typeof modal.view;
    expect(infoView.callback_id).toBe('initiate.info');
    for (const [field, value] of Object.entries(typed)) {
      expect((inputBlock(infoView, field)['element'] as { initial_value?: string }).initial_value).toBe(value);
    }
    modal.view = infoView;
    await a.submit(alice, modal, {});
    expect(modal.view.callback_id).toBe('initiate.project');
    r = await a.submit(alice, modal, { incomingProjectId: null });
    expect(r.json).toMatchObject({ response_action: 'errors', errors: { incomingProjectId: expect.any(String) } });
    expect(listConnections(a.deps)).toEqual([]);
    r = await a.submit(alice, modal, { incomingProjectId: '1002' });

    // Step 5: the code, copyable, and a channel to post it to.
    expect(modal.view.callback_id).toBe('initiate.code');
    const [pending] = listConnections(a.deps);
    expect(pending).toMatchObject({
      status: 'pending',
      name: 'Acme to Globex',
      mode: 'script',
      incomingProject: { id: '1002' },
      remoteUrl: b.instanceUrl('globex'),
    });
    const code = /```(DB1\.[^`]+)```/.exec(viewText(modal.view))?.[1];
    expect(code).toBeDefined();
    r = await a.submit(alice, modal, { channel: 'C_SHARED' });
    // Done keeps the code in the modal, still a code block to copy, with where the invitation went and the
    // connection's name and id; the modal now only closes.
    expect(r.json).toMatchObject({ response_action: 'update' });
    expect(modal.view.submit).toBeUndefined();
    const finished = viewText(modal.view);
    expect(finished).toContain(
      'Done. The invitation is posted in <#C_SHARED>. The code, if you want to send it yourself:',
    );
    expect(/```(DB1\.[^`]+)```/.exec(finished)?.[1]).toBe(code);
    expect(finished).toContain('Acme to Globex');
    expect(finished).toContain(pending!.id);

    const posted = await a.slackApi.waitFor('chat.postMessage', (c) => c.args['channel'] === 'C_SHARED');
    const blocks = JSON.stringify(posted.args['blocks']);
    expect(blocks).toContain(code!);
    expect(blocks).toContain('Alice Admin');
    expect(blocks).toContain('Acme to Globex');
    expect(blocks).toContain('Script');
    expect(blocks).toContain('invitation.accept');
    expect(posted.token).toBe('xoxb-a-test-token');
    await a.slackApi.waitFor('conversations.info');
    await expect.poll(() => snapshot(a)['invitation_messages']).toHaveLength(1);
    const [record] = snapshot(a)['invitation_messages'] as Record<string, unknown>[];
    expect(record).toMatchObject({
      channel_id: 'C_SHARED',
      connection_id: pending!.id,
      partner_tenant_ids: '["T_GLOBEX"]',
      posted_by: 'U_ALICE',
    });
    expect(String(record!['code_enc'])).not.toContain('DB1.');
    // The wizard is over: its state is gone.
    expect(snapshot(a)['chat_wizards']).toEqual([]);
  });

  it('offers Script disabled with the reason when this instance is not public, and never lets it be chosen', async () => {
    await registerTestInstance(a.deps, 'hidden', 'xurrent', { public: false });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_HIDDEN', instance: 'hidden', actor: 'test:setup' });
    const hal = { id: 'U_HAL', team_id: 'T_HIDDEN', name: 'Hal', is_owner: true };
    a.slackApi.addUser(hal);
    await a.command(hal, 'connect');
    const modal = await a.openedModal();
    await a.submit(hal, modal, { noUrl: 'true' });
    expect(modal.view.callback_id).toBe('initiate.mode');
    expect(viewText(modal.view)).toContain('Script mode needs a public instance, and Hidden is not public.');
    const radio = inputBlock(modal.view, 'mode')['element'] as { options: { value: string }[] };
    expect(radio.options.map((o) => o.value)).toEqual(['basic']);
    const forced = await a.submit(hal, modal, { mode: 'script' });
    expect(forced.json).toMatchObject({
      response_action: 'errors',
      errors: { mode: expect.stringMatching(/needs a public instance/) },
    });
    await a.submit(hal, modal, { mode: 'basic' });
    // Xurrent has no incoming project: the information step initiates.
    expect(modal.view.submit).toMatchObject({ text: 'Initiate' });
    await a.submit(hal, modal, { localShortName: 'Hidden', remoteShortName: 'Anyone', name: 'Hidden private' });
    expect(modal.view.callback_id).toBe('initiate.code');
    const done = await a.submit(hal, modal, {});
    // Done without a channel: nothing is posted, and the code stays on screen to be sent by hand.
    expect(done.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toContain("Done. Send this invitation code to Anyone's admin:");
    expect(viewText(modal.view)).toMatch(/```DB1\.[^`]+```/);
    expect(listConnections(a.deps, { instance: 'hidden' })[0]).toMatchObject({
      status: 'pending',
      mode: 'basic',
      remoteIsPrivate: true,
    });
    expect(a.slackApi.callsTo('chat.postMessage').filter((c) => String(c.args['channel']).startsWith('C'))).toEqual([]);
  });

  it('a channel the bot is not in: the invitation is not posted, and the admin gets the code in a direct message', async () => {
    await registerTestInstance(a.deps, 'umbrella', 'xurrent');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_UMBRELLA', instance: 'umbrella', actor: 'test:setup' });
    const una = { id: 'U_UNA', team_id: 'T_UMBRELLA', name: 'Una', is_owner: true };
    a.slackApi.addUser(una);
    a.slackApi.notInChannel.add('C_NOBOT');
    await a.command(una, 'connect');
    const modal = await a.openedModal();
    await a.submit(una, modal, { noUrl: 'true' });
    await a.submit(una, modal, { mode: 'basic' });
    await a.submit(una, modal, { localShortName: 'Umbrella', remoteShortName: 'Anyone', name: 'Umbrella private' });
    const code = /```(DB1\.[^`]+)```/.exec(viewText(modal.view))?.[1];
    await a.submit(una, modal, { channel: 'C_NOBOT' });
    const dm = await a.slackApi.waitFor('chat.postMessage', (c) => c.args['channel'] === 'U_UNA');
    expect(String(dm.args['text'])).toBe(
      `I could not post the invitation to <#C_NOBOT>: invite me to that channel (\`/invite @DeskBridge\`) or send the code yourself:\n\`\`\`${code}\`\`\``,
    );
  });
});
