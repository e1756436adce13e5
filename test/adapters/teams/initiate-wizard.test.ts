import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { invitationMessagesFor } from '../../../src/app/invitation-messages.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { startTestNode, type TestNode } from '../../support/nodes.ts';
import { registerTestInstance } from '../../support/story.ts';
import {
  answeredCard,
  cardText,
  findAction,
  findInput,
  memberOf,
  startTeamsNode,
  submission,
  teamsUser,
  type TeamsNode,
  linkTeamsTenant,
  sharedWith,
  stopTeamsNodes,
} from '../../support/teams-nodes.ts';
import { InPlaceCard } from './driver.ts';

const ACME = 'tenant-acme';
const GLOBEX = 'tenant-globex';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const partner = teamsUser('gina', GLOBEX, 'Gina Globex');
const shared = sharedWith('globex');

describe('the initiate wizard over Teams, through /api/messages', () => {
  let a: TeamsNode;
  let b: TestNode;
  beforeEach(async () => {
    a = await startTeamsNode('a');
    b = await startTestNode('b');
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(b.deps, 'globex', 'xurrent');
    linkTeamsTenant(a.deps, ACME, 'acme');
    a.connector.setMembers(shared.kind === 'channel' ? shared.channelId : '', [memberOf(alice), memberOf(partner)]);
    // Installing DeskBridge into the team makes Alice the tenant's DeskBridge admin and stores the channel.
    expect((await a.installed(alice, shared)).status).toBe(200);
  });
  afterEach(async () => {
    await stopTeamsNodes(a);
    await b.stop();
  });

  it('as a dialog: task/fetch opens step 1, each task/submit answers with the next card or the same card with its errors', async () => {
    // The command's answer offers the dialog; the dialog's fetch starts the wizard.
    const command = await a.command(alice, shared, 'connect');
    expect(command.status).toBe(200);
    const offered = cardOf(
      await a.connector.waitFor((c) => c.method === 'POST' && c.conversationId === shared.channelId),
    );
    const open = findAction(offered, 'command');
    expect(open).toMatchObject({ type: 'Action.Submit', data: { msteams: { type: 'task/fetch' } } });

    let r = await a.taskFetch(alice, shared, open['data'] as Record<string, unknown>);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ task: { type: 'continue', value: { title: 'Initiate connection' } } });
    let card = answeredCard(r);
    expect(findInput(card, 'destinationUrl')).toMatchObject({ type: 'Input.Text', maxLength: 2000 });
    expect(findInput(card, 'noUrl')).toMatchObject({ type: 'Input.Toggle' });

    // Nothing entered: the same step again, the error next to the URL input.
    r = await a.taskSubmit(alice, shared, submission(card, findAction(card, 'submit')));
    card = answeredCard(r);
    expect(findInput(card, 'destinationUrl')['errorMessage']).toMatch(/I don't have a URL/);
    expect(cardText(card)).toContain('"color":"Attention"');

    r = await a.taskSubmit(
      alice,
      shared,
      submission(card, findAction(card, 'submit'), { destinationUrl: b.instanceUrl('globex') }),
    );
    card = answeredCard(r);
    expect(findInput(card, 'mode')).toMatchObject({ type: 'Input.ChoiceSet', style: 'expanded' });
    expect(cardText(card)).toContain('Groovy-based scripting');

    // Previous is a dialog button too: back to the destination, which kept the URL.
    r = await a.taskSubmit(
      alice,
      shared,
      submission(card, findAction(card, 'action', 'wizard.previous'), { mode: 'script' }),
    );
    card = answeredCard(r);
    expect(findInput(card, 'destinationUrl')['value']).toBe(b.instanceUrl('globex'));
    r = await a.taskSubmit(alice, shared, submission(card, findAction(card, 'submit')));
    card = answeredCard(r);
    expect(findInput(card, 'mode')['value']).toBe('script');

    r = await a.taskSubmit(alice, shared, submission(card, findAction(card, 'submit')));
    card = answeredCard(r);
    r = await a.taskSubmit(
      alice,
      shared,
      submission(card, findAction(card, 'submit'), {
        localShortName: 'a'.repeat(51),
        remoteShortName: null,
        name: null,
      }),
    );
    card = answeredCard(r);
    expect(findInput(card, 'localShortName')['errorMessage']).toMatch(/at most 50/);
    expect(findInput(card, 'name')['errorMessage']).toBe('Connection name is required.');
    // The submitted values are shown again with the errors.
    expect(findInput(card, 'localShortName')['value']).toBe('a'.repeat(51));

    r = await a.taskSubmit(
      alice,
      shared,
      submission(card, findAction(card, 'submit'), {
        localShortName: 'Acme',
        remoteShortName: 'Globex',
        name: 'Acme to Globex',
        description: 'Escalations',
      }),
    );
    card = answeredCard(r);
    expect(findInput(card, 'incomingProjectId')).toMatchObject({ type: 'Input.ChoiceSet', style: 'compact' });
    expect(listConnections(a.deps)).toEqual([]);
    r = await a.taskSubmit(alice, shared, submission(card, findAction(card, 'submit'), { incomingProjectId: '1002' }));
    card = answeredCard(r);
    expect(cardText(card)).toContain('DB1.');
    expect(findInput(card, 'channel')['choices']).toEqual([{ title: 'acme-globex (shared)', value: shared.channelId }]);
    expect(listConnections(a.deps)).toMatchObject([{ name: 'Acme to Globex', mode: 'script', status: 'pending' }]);

    // Done with a channel: the dialog closes and the invitation is posted there, proactively.
    const before = a.connector.posts(shared.channelId).length;
    const code = /DB1\.[A-Za-z0-9_.-]+/.exec(cardText(card))![0];
    r = await a.taskSubmit(alice, shared, submission(card, findAction(card, 'submit'), { channel: shared.channelId }));
    // The dialog's last card keeps the code, in monospace to copy, with the channel by name and the connection's id.
    card = answeredCard(r);
    expect(cardText(card)).toContain(
      'Done. The invitation is posted in acme-globex. The code, if you want to send it yourself:',
    );
    expect(card['body']).toContainEqual({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text: code, fontType: 'Monospace' }],
    });
    expect(cardText(card)).toContain(listConnections(a.deps)[0]!.id);
    expect(() => findAction(card, 'submit')).toThrow(/no submit/);
    await a.settled();
    const posted = a.connector.posts(shared.channelId).slice(before);
    expect(posted).toHaveLength(1);
    const invitation = cardOf(posted[0]!);
    expect(cardText(invitation)).toContain('Alice Admin');
    expect(findAction(invitation, 'action', 'invitation.accept')).toMatchObject({
      type: 'Action.Execute',
      verb: 'invitation.accept',
    });
    // The channel's members were read to know which partner tenant may accept.
    expect(a.connector.calls.some((c) => c.method === 'GET' && c.path.includes('pagedmembers'))).toBe(true);
  });

  it('a channel the bot cannot post to: the invitation is not recorded, and the admin gets the code in the personal chat', async () => {
    await a.command(alice, shared, 'connect');
    const first = await a.connector.waitFor((c) => c.method === 'POST' && c.conversationId === shared.channelId);
    const wizard = InPlaceCard.fromPost(a, alice, shared, first);
    await wizard.submit({ destinationUrl: b.instanceUrl('globex') });
    await wizard.submit({ mode: 'basic' });
    await wizard.submit({ remoteShortName: 'Globex', name: 'Acme to Globex' });
    await wizard.submit({ incomingProjectId: '1001' });
    const code = /DB1\.[A-Za-z0-9_.-]+/.exec(cardText(wizard.card))![0];
    // The Bot Connector refuses the channel post (the bot was removed from the team).
    a.connector.failNextPosts.push(403);
    await wizard.submit({ channel: shared.channelId });
    await a.settled();
    expect(invitationMessagesFor(a.deps, listConnections(a.deps)[0]!.id)).toEqual([]);
    const dm = a.connector.calls.find(
      (c) => c.method === 'POST' && c.conversationId?.startsWith('conv-') && cardText(cardOf(c)).includes(code),
    );
    expect(dm, 'a personal chat with the code').toBeDefined();
    expect(cardText(cardOf(dm!))).toContain(
      'I could not post the invitation to that channel: add DeskBridge to its team, or send the code yourself:',
    );
  });

  it('in place: the same steps through Action.Execute, the card replaced each time, Cancel ends it', async () => {
    await a.command(alice, shared, 'connect');
    const first = await a.connector.waitFor((c) => c.method === 'POST' && c.conversationId === shared.channelId);
    let card = cardOf(first);
    const replyTo = first.resultId!;
    expect(findAction(card, 'submit')).toMatchObject({ type: 'Action.Execute', verb: 'form.submit' });

    const execute = async (action: Record<string, unknown>, values: Record<string, string | null> = {}) => {
      const r = await a.execute(
        alice,
        shared,
        { verb: String(action['verb']), data: submission(card, action, values) },
        replyTo,
      );
      expect(r.status).toBe(200);
      card = answeredCard(r);
      return r;
    };
    await execute(findAction(card, 'submit'), { destinationUrl: 'not a url' });
    expect(findInput(card, 'destinationUrl')['errorMessage']).toMatch(/http\(s\) URL/);
    await execute(findAction(card, 'submit'), { destinationUrl: b.instanceUrl('globex') });
    await execute(findAction(card, 'submit'), { mode: 'basic' });
    await execute(findAction(card, 'submit'), { remoteShortName: 'Globex', name: 'Acme to Globex (basic)' });
    await execute(findAction(card, 'submit'), { incomingProjectId: '1001' });
    expect(cardText(card)).toContain('DB1.');
    const code = /DB1\.[A-Za-z0-9_.-]+/.exec(cardText(card))![0];
    await execute(findAction(card, 'submit'), { channel: shared.channelId });
    // The card in the personal conversation is replaced by the finished step, which keeps the code to copy.
    expect(cardText(card)).toContain('Done. The invitation is posted in acme-globex.');
    expect(card['body']).toContainEqual({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text: code, fontType: 'Monospace' }],
    });
    expect(cardText(card)).toContain('Acme to Globex (basic)');
    expect(cardText(card)).toContain(listConnections(a.deps)[0]!.id);
    await a.settled();
    const invitation = a.connector.posts(shared.channelId).at(-1)!;
    expect(cardText(cardOf(invitation))).toContain('Acme to Globex (basic)');
    expect(listConnections(a.deps)).toMatchObject([
      { mode: 'basic', status: 'pending', incomingProject: { id: '1001' } },
    ]);

    // A second wizard, cancelled on its first step, leaves nothing behind.
    await a.command(alice, shared, 'connect');
    const second = a.connector.posts(shared.channelId).at(-1)!;
    card = cardOf(second);
    const r = await a.execute(
      alice,
      shared,
      { verb: 'form.cancel', data: submission(card, findAction(card, 'cancel')) },
      second.resultId!,
    );
    expect(cardText(answeredCard(r))).toContain('Cancelled.');
    expect(listConnections(a.deps)).toHaveLength(1);
  });
});
