import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import { channelMention, userMention } from '../../../src/ui/mentions.ts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { renderForm } from '../../../adapters/slack/render/form.ts';
import { renderHome, renderMessage } from '../../../adapters/slack/render/message.ts';
import { connectionsTable } from '../../../src/flows/connections.ts';
import { helpMessage } from '../../../src/flows/help.ts';
import { invitationMessage } from '../../../src/flows/invitation-message.ts';
import type { Connection } from '../../../src/domain/connection.ts';
import { checkMessage, checkView } from '../../support/block-kit.ts';

function connection(i: number, overrides: Partial<Connection> = {}): Connection {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    instanceId: 'i',
    role: 'initiator',
    name: 'N'.repeat(255),
    description: 'D'.repeat(1000),
    localShortName: 'L',
    remoteShortName: 'R',
    mode: 'script',
    status: 'active',
    remoteUrl: null,
    remoteConnectionId: null,
    remotePlatform: null,
    remoteIsPrivate: false,
    incomingProject: null,
    entitiesUnderSync: 12,
    lastSync: { entityKey: 'TICKET-1', at: new Date(0) },
    createdAt: new Date(0),
    ...overrides,
  };
}

describe('Slack renderers stay within Block Kit limits', () => {
  it('return @slack/types types', () => {
    expectTypeOf(renderForm).returns.toEqualTypeOf<ModalView>();
    expectTypeOf(renderHome).returns.toEqualTypeOf<HomeView>();
    expectTypeOf(renderMessage).returns.toEqualTypeOf<{ text: string; blocks: KnownBlock[] }>();
  });

  it('an invitation with the longest name and description and its code passes the check', () => {
    const message = renderMessage(
      invitationMessage({
        inviter: 'A'.repeat(200),
        instanceName: 'I'.repeat(100),
        connectionName: 'N'.repeat(255),
        description: 'D'.repeat(1000),
        mode: 'script',
        expiresAt: new Date(0),
        code: `DB1.${'x'.repeat(3500)}.sig`,
        connectionId: connection(1).id,
        destinationUrl: null,
      }),
    );
    expect(checkMessage(message)).toEqual([]);
    // A code too long for a section is still shown whole, as preformatted rich text.
    expect(JSON.stringify(message.blocks)).toContain('x'.repeat(3500));
  });

  it('a Home tab with many long connections keeps to 100 blocks, and a list message to 50', () => {
    const many = Array.from({ length: 60 }, (_, i) => connection(i));
    const home = renderHome({
      kind: 'home',
      items: [
        { kind: 'heading', text: 'Connections' },
        { kind: 'table', table: connectionsTable(many.slice(0, 25), { rowActions: true }) },
      ],
    });
    expect(checkView(home)).toEqual([]);
    const list = renderMessage({
      kind: 'message',
      text: 'list',
      items: [{ kind: 'table', table: connectionsTable(many.slice(0, 20), { rowActions: false }) }],
    });
    expect(checkMessage(list)).toEqual([]);
    expect(checkMessage(renderMessage(helpMessage({ platform: 'slack', botName: 'x'.repeat(5000) })))).toEqual([]);
  });

  it('a list is one bulleted line per item, packed into sections within the section text limit', () => {
    const items = Array.from({ length: 40 }, (_, i) => `\`/bridge command-${i}\` ${'word '.repeat(30)}& more`);
    const message = renderMessage({ kind: 'message', text: 'list', items: [{ kind: 'list', items }] });
    expect(checkMessage(message)).toEqual([]);
    const texts = message.blocks.map((b) => String((b as { text?: { text: string } }).text?.text));
    expect(texts.length).toBeGreaterThan(1);
    const lines = texts.flatMap((t) => t.split('\n'));
    expect(lines).toHaveLength(40);
    expect(lines[7]).toBe(`• \`/bridge command-7\` ${'word '.repeat(30)}&amp; more`);
    expect(
      checkMessage(renderMessage({ kind: 'message', text: 'x', items: [{ kind: 'list', items: ['y'.repeat(9000)] }] })),
    ).toEqual([]);
  });

  it('escapes Slack control characters typed by users, even look-alike mentions, and renders our own mentions', () => {
    const typed = 'Name <!channel> & <@U123>';
    const ours = `by ${userMention('slack:T1/U456')} in ${channelMention('C789')}, for ${userMention('cli:ops')}`;
    const message = renderMessage({
      kind: 'message',
      text: typed,
      items: [{ kind: 'markdown', text: `${typed} ${ours}` }],
    });
    expect(JSON.stringify(message.blocks)).toContain(
      'Name &lt;!channel&gt; &amp; &lt;@U123&gt; by <@U456> in <#C789>, for ops',
    );
    expect(message.text).toBe('Name &lt;!channel&gt; &amp; &lt;@U123&gt;');
  });

  it('shows code as text, line by line: &, < and > escaped in a preformatted section, literal in rich text', () => {
    const diff = ['--- outgoing v1', '+++ outgoing v2', '@@ -1,1 +1,1 @@', '-x', '+y'].join('\n');
    const json = JSON.stringify({ description: '<p>Printer <b>on fire</b> & <!channel></p>' }, null, 2);
    const long = `${json}\n${'// filler\n'.repeat(400)}`;
    const message = renderMessage({
      kind: 'message',
      text: 'x',
      items: [
        { kind: 'code', text: diff },
        { kind: 'code', text: json },
        { kind: 'code', text: long },
      ],
    });
    expect(checkMessage(message)).toEqual([]);
    const [diffBlock, jsonBlock, longBlock] = message.blocks as unknown as Record<string, unknown>[];
    expect(diffBlock).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: `\`\`\`${diff}\`\`\``, verbatim: true },
    });
    expect(String((jsonBlock!['text'] as { text: string }).text).split('\n')).toEqual([
      '```{',
      '  "description": "&lt;p&gt;Printer &lt;b&gt;on fire&lt;/b&gt; &amp; &lt;!channel&gt;&lt;/p&gt;"',
      '}```',
    ]);
    // Past the section limit: rich text, which Slack shows as typed (no mrkdwn, so nothing to escape).
    expect(longBlock).toEqual({
      type: 'rich_text',
      elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text: long }] }],
    });
  });

  it('script fields are the largest plain-text input Slack has: multiline, 3000 characters, required', () => {
    const view = renderForm({
      kind: 'form',
      id: 'rules.edit',
      title: 'Sync rules',
      submitLabel: 'Save draft',
      items: [
        { kind: 'text', id: 'outgoing', label: 'Outgoing sync', multiline: true, maxLength: 3000, value: 'x = 1' },
        { kind: 'text', id: 'note', label: 'Note', optional: true, maxLength: 1000 },
      ],
    });
    expect(checkView(view)).toEqual([]);
    // Slack has no rows setting; max_length is at most 3000 (longer scripts travel as files).
    expect(view.blocks[0]).toMatchObject({
      type: 'input',
      optional: false,
      element: { type: 'plain_text_input', multiline: true, max_length: 3000, initial_value: 'x = 1' },
    });
    expect(view.blocks[1]).toMatchObject({ type: 'input', optional: true });
  });

  it('the checker itself catches what Slack would refuse', () => {
    expect(
      checkView({
        type: 'modal',
        title: { type: 'plain_text', text: 'x'.repeat(25) },
        blocks: [
          {
            type: 'input',
            block_id: 'a',
            label: { type: 'plain_text', text: 'l' },
            element: { type: 'plain_text_input', action_id: 'a' },
          },
        ],
      }),
    ).toEqual(['view.title.text: 25 characters, at most 24', 'view: has input blocks but no submit']);
    expect(
      checkMessage({
        text: 't',
        blocks: [
          { type: 'section', block_id: 'x' },
          { type: 'section', block_id: 'x', text: { type: 'mrkdwn', text: 'y'.repeat(3001) } },
        ],
      }),
    ).toEqual([
      'message.blocks[0]: a section needs text or fields',
      'message.blocks[1].block_id: "x" is not unique',
      'message.blocks[1].text.text: 3001 characters, at most 3000',
    ]);
    expect(checkMessage({ text: 't', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })).toEqual([
      'message.blocks: 51 blocks, at most 50',
    ]);
  });
});
