import type { KnownBlock } from '@slack/types';
import { afterEach, describe, expect, it } from 'vitest';
import { renderMessage } from '../../../adapters/slack/render/message.ts';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { approvalCard } from '../../../src/flows/approval-card.ts';
import { acceptedInvitationMessage } from '../../../src/flows/invitation-message.ts';
import { userMention } from '../../../src/ui/mentions.ts';
import { checkMessage } from '../../support/block-kit.ts';
import { hostileApprovalRequest, hostileOutgoing, hostileTestRunOutput } from '../../support/chat-text.ts';
import { startSlackNode, viewText, type SlackNode } from '../../support/slack-nodes.ts';
import { registerInstance } from '../../../src/app/instances.ts';
import { API_KEYS, registerTestInstance } from '../../support/story.ts';
import { initiateOverSlack } from './wizard-driver.ts';

/**
 * What Slack shows for a block, read the way Slack reads mrkdwn (api.slack.com/reference/surfaces/formatting):
 * `&`, `<` and `>` are control characters everywhere, code blocks included, and must arrive as `&amp;`, `&lt;` and
 * `&gt;`; a code block is the text between a pair of ``` and ends at the next ```; rich text elements are literal.
 * Throws where Slack would not show the text as it was meant.
 */
function shownCode(block: KnownBlock): string {
  if (block.type === 'rich_text') {
    const [pre] = block.elements;
    if (pre?.type !== 'rich_text_preformatted') throw new Error('rich text that is not preformatted');
    return pre.elements.map((e) => (e.type === 'text' ? e.text : `[${e.type}]`)).join('');
  }
  if (block.type !== 'section' || block.text?.type !== 'mrkdwn') throw new Error(`not a code block: ${block.type}`);
  const text = block.text.text;
  if (!text.startsWith('```') || !text.endsWith('```')) throw new Error('not a preformatted section');
  const inner = text.slice(3, -3);
  if (inner.includes('```')) throw new Error('a ``` inside the code ends the block early');
  if (/[<>]/.test(inner)) throw new Error('a < or > that Slack reads as a control sequence');
  if (/&(?!amp;|lt;|gt;)/.test(inner)) throw new Error('an & that is not escaped');
  return inner.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Every control sequence (`<…>`) in the mrkdwn texts of the blocks: what Slack turns into mentions and links. */
function controlSequences(blocks: KnownBlock[]): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const node = value as Record<string, unknown>;
      if (node['type'] === 'mrkdwn' && typeof node['text'] === 'string')
        found.push(...(node['text'].match(/<[^>]*>/g) ?? []));
      Object.values(node).forEach(visit);
    }
  };
  visit(blocks);
  return found;
}

describe('Slack shows user text and code exactly (issue 18, findings 6 and 7)', () => {
  it("the approval card's diff shows the script byte for byte; the only mentions are DeskBridge's own", () => {
    const request = hostileApprovalRequest();
    const message = renderMessage(approvalCard(request));
    expect(checkMessage(message)).toEqual([]);
    const codes = message.blocks.filter((b) => b.type === 'rich_text' || String(JSON.stringify(b)).includes('```'));
    expect(codes).toHaveLength(1);
    expect(shownCode(codes[0]!)).toBe(request.outgoingDiff);
    // The diff carries every hostile line: what is approved is what will run.
    const diffLines = request.outgoingDiff.split('\n');
    for (const line of hostileOutgoing.split('\n'))
      expect([line, diffLines.some((l) => l === `+${line}` || l === ` ${line}`)]).toEqual([line, true]);
    // The author, as our own mention; the connection name and note typed by users stay text.
    expect(controlSequences(message.blocks)).toEqual(['<@U_ALICE>', '<@U_ALICE>']);
    const all = JSON.stringify(message.blocks);
    expect(all).toContain('Acme &lt;!channel&gt; &amp; [Initech](https://evil.example)');
    expect(all).toContain('please approve &lt;@U123&gt; @everyone');
    // No token of ours is left unrendered (the one in the script is the script's own text).
    expect(all).not.toMatch(/⟦[A-Za-z0-9_-]{16}:/);
  });

  it('a script, a test run output and a one-line code with a backtick are shown as they are, short or long', () => {
    const oneLine = 'replica.summary = `x` + "<y>"';
    const long = `${hostileOutgoing}\n${'// filler & <more>\n'.repeat(300)}`;
    const plainScript = 'if (a < b && c > d) { replica.summary = "<p>" }';
    const codes = [hostileOutgoing, hostileTestRunOutput, oneLine, long, plainScript];
    const message = renderMessage({
      kind: 'message',
      text: 'scripts',
      items: codes.map((text) => ({ kind: 'code' as const, text })),
    });
    expect(checkMessage(message)).toEqual([]);
    expect(message.blocks.map(shownCode)).toEqual(codes);
    // Without a backtick and within the section limit, the code stays a copyable preformatted section.
    expect(message.blocks[4]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '```if (a &lt; b &amp;&amp; c &gt; d) { replica.summary = "&lt;p&gt;" }```',
        verbatim: true,
      },
    });
  });

  it('a name shaped like our mention token is shown as typed and pings no one; our own mentions still work', () => {
    const typed = '⟦user:slack:T_ACME/U_ALICE⟧ <!channel> @everyone';
    const message = renderMessage(
      acceptedInvitationMessage({ connectionName: 'x', mode: 'basic', acceptedBy: typed, at: new Date(0) }),
    );
    const all = JSON.stringify(message.blocks);
    expect(controlSequences(message.blocks)).toEqual([]);
    expect(all).toContain('⟦user:slack:T_ACME/U_ALICE⟧ &lt;!channel&gt; @everyone');
    expect(message.text).toBe(
      '⟦user:slack:T_ACME/U_ALICE⟧ &lt;!channel&gt; @everyone accepted the invitation: x is active',
    );
    // The same person, named by a flow, is a mention.
    const ours = renderMessage({
      kind: 'message',
      text: `by ${userMention('slack:T_ACME/U_ALICE')}`,
      items: [{ kind: 'markdown', text: `by ${userMention('slack:T_ACME/U_ALICE')}` }],
    });
    expect(controlSequences(ours.blocks)).toEqual(['<@U_ALICE>']);
    expect(ours.text).toBe('by <@U_ALICE>');
  });

  it('a heading (plain text) shows a neutral mention as a name, never the token', () => {
    const message = renderMessage({
      kind: 'message',
      text: 'x',
      items: [{ kind: 'heading', text: `Approved by ${userMention('slack:T_ACME/U_ALICE')}` }],
    });
    expect(message.blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: 'Approved by U_ALICE' },
    });
  });
});

describe('a partner naming itself with the mention token, accepting over Slack (issue 18, finding 7)', () => {
  const nodes: SlackNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      expect(node.slackApi.problems).toEqual([]);
      await node.stop();
    }
  });

  it('the shared channel and the initiating admin see the name as typed: no <@U_ALICE> ping', async () => {
    const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
    const bob = { id: 'U_BOB', team_id: 'T_INITECH', name: 'Bob Partner', is_admin: true };
    const a = await startSlackNode('a');
    nodes.push(a);
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    // The partner names its instance (the acceptor's name the accepted invitation shows) as our token would be.
    await registerInstance(a.deps, {
      platform: 'freshservice',
      baseUrl: 'https://initech.example.test',
      credentials: { kind: 'apiKey', apiKey: API_KEYS.initech },
      name: '⟦user:slack:T_ACME/U_ALICE⟧',
      slug: 'initech',
      actor: 'test:admin',
    });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_INITECH', instance: 'initech', actor: 'test:setup' });
    a.slackApi.addUser(alice).addUser(bob).addChannel('C_SHARED', ['T_ACME', 'T_INITECH']);

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
    const confirmed = await a.submit(bob, modal, { incomingProjectId: '3' });
    expect(confirmed.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toContain('is active');

    const updated = await a.slackApi.waitFor('chat.update', (c) => c.args['ts'] === invitation.ts);
    const told = await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === 'U_ALICE' && String(c.args['text']).includes('accepted your invitation'),
    );
    for (const call of [updated, told]) {
      const sent = JSON.stringify(call.args);
      expect(sent).not.toContain('<@U_ALICE>');
      expect(sent).toContain('⟦user:slack:T_ACME/U_ALICE⟧');
    }
  });
});
