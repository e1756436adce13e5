import { describe, expect, it } from 'vitest';
import { formCard, messageCard } from '../../../adapters/teams/render/card.ts';
import { teamsMarkdown } from '../../../adapters/teams/render/text.ts';
import { connectionsTable } from '../../../src/flows/connections.ts';
import { helpMessage } from '../../../src/flows/help.ts';
import { channelMention, userMention } from '../../../src/ui/mentions.ts';
import type { Form, Message } from '../../../src/ui/model.ts';
import { checkAdaptiveCard } from '../../support/adaptive-cards.ts';
import { cardActions, cardText, findInput } from '../../support/teams-nodes.ts';

const form: Form = {
  kind: 'form',
  id: 'demo.step',
  title: 'Demo *step*',
  stateId: 'state-1',
  submitLabel: 'Next',
  closeLabel: 'Cancel',
  items: [
    { kind: 'markdown', text: 'Hello *there*, use `/bridge help`.' },
    { kind: 'text', id: 'name', label: 'Name', maxLength: 50, value: 'Acme' },
    { kind: 'text', id: 'secret', label: 'Key', maxLength: 50, sensitive: true },
    {
      kind: 'choice',
      id: 'mode',
      label: 'Mode',
      value: 'script',
      options: [
        { value: 'basic', label: 'Basic', description: 'Generated rules' },
        { value: 'script', label: 'Script', description: 'Groovy', disabledReason: 'Needs a public instance' },
      ],
    },
    { kind: 'checkbox', id: 'agree', label: 'Agree', checked: true },
    { kind: 'channel', id: 'channel', label: 'Channel', optional: true },
    { kind: 'actions', actions: [{ id: 'wizard.previous', label: '< Previous' }] },
  ],
};

describe('the Teams card renderer', () => {
  it('renders a form inline (Action.Execute) and in a dialog (Action.Submit) from the same model, both valid 1.5', () => {
    const inline = formCard(form, {
      mode: 'inline',
      cardId: 'card-1',
      channels: [{ id: '19:a@thread.tacv2', name: 'partners' }],
      dialogCommand: 'connect',
    });
    const dialog = formCard(form, { mode: 'dialog', cardId: 'card-2', channels: [] });
    expect(checkAdaptiveCard(inline)).toEqual([]);
    expect(checkAdaptiveCard(dialog)).toEqual([]);
    expect(cardActions(inline).map((a) => a['type'])).toEqual([
      'Action.Execute',
      'Action.Execute',
      'Action.Execute',
      'Action.Submit',
    ]);
    expect(cardActions(dialog).map((a) => a['type'])).toEqual(['Action.Submit', 'Action.Submit']);
    expect(cardActions(inline)[0]).toMatchObject({
      verb: 'wizard.previous',
      data: { db: { kind: 'action', action: 'wizard.previous', form: 'demo.step', state: 'state-1', card: 'card-1' } },
    });
    expect(cardActions(inline).at(-1)).toMatchObject({
      data: { msteams: { type: 'task/fetch' }, db: { kind: 'command', command: 'connect' } },
    });
    // The title is in an inline card's body; a dialog has it in its frame.
    expect(cardText(inline)).toContain('"text":"Demo step"');
    expect(cardText(dialog)).not.toContain('Demo step');
    // A choice Adaptive Cards cannot disable is left out, and said why next to the input.
    expect(findInput(inline, 'mode')['choices']).toEqual([{ title: 'Basic', value: 'basic' }]);
    expect(findInput(inline, 'mode')['value']).toBeUndefined();
    expect(cardText(inline)).toContain('not available: Needs a public instance');
    expect(findInput(inline, 'agree')).toMatchObject({
      type: 'Input.Toggle',
      value: 'true',
      valueOn: 'true',
      valueOff: 'false',
    });
    expect(findInput(inline, 'channel')['choices']).toEqual([{ title: 'partners', value: '19:a@thread.tacv2' }]);
    expect(cardText(dialog)).toContain('No channel is known yet');
  });

  it('shows errors next to their inputs with the submitted values, except a sensitive one', () => {
    const card = formCard(form, {
      mode: 'dialog',
      cardId: 'c',
      values: { name: 'x'.repeat(60), secret: 'top-secret-key' },
      errors: { name: 'At most 50.', secret: 'Rejected.', other: 'Something else.' },
    });
    expect(checkAdaptiveCard(card)).toEqual([]);
    expect(findInput(card, 'name')).toMatchObject({ value: 'x'.repeat(60), errorMessage: 'At most 50.' });
    const body = card['body'] as Record<string, unknown>[];
    const nameIndex = body.findIndex((b) => b['id'] === 'name');
    expect(body[nameIndex + 1]).toMatchObject({ type: 'TextBlock', color: 'Attention', text: 'At most 50.' });
    expect(findInput(card, 'secret')['value']).toBeUndefined();
    expect(cardText(card)).not.toContain('top-secret-key');
    expect(cardText(card)).toContain('Something else.');
  });

  it('renders messages: facts, code, a table with row actions, neutral mentions by name', () => {
    const now = new Date('2026-11-21T09:00:00Z');
    const table = connectionsTable(
      [
        {
          id: 'c1',
          name: 'Acme to Globex',
          description: 'Escalations',
          status: 'active',
          entitiesUnderSync: 3,
          lastSync: { entityKey: '#12', at: now },
        } as never,
        {
          id: 'c2',
          name: 'Acme to Initech',
          description: '',
          status: 'deactivated',
          entitiesUnderSync: 0,
          lastSync: null,
        } as never,
      ],
      { rowActions: true },
    );
    const message: Message = {
      kind: 'message',
      text: 'x',
      items: [
        {
          kind: 'markdown',
          text: `${userMention('teams:t1/aad-bob')} posted to ${channelMention('19:x')} :white_check_mark:`,
        },
        { kind: 'facts', facts: [{ label: 'Status', value: 'Active' }] },
        { kind: 'code', text: 'replica.summary = entity.summary' },
        { kind: 'table', table },
      ],
    };
    const card = messageCard(message, { mentions: (kind, value) => (kind === 'user' ? `name-of(${value})` : 'ops') });
    expect(checkAdaptiveCard(card)).toEqual([]);
    expect(cardText(card)).toContain('name-of(teams:t1/aad-bob) posted to ops ✅');
    expect(cardText(card)).toContain('"fontType":"Monospace"');
    const tableJson = (card['body'] as Record<string, unknown>[]).find((b) => b['type'] === 'Table')!;
    expect((tableJson['rows'] as unknown[]).length).toBe(3);
    expect(cardActions(tableJson).map((a) => a['verb'])).toEqual([
      'connection.status',
      'connection.deactivate',
      'connection.status',
      'connection.activate',
    ]);
    expect(checkAdaptiveCard(messageCard(helpMessage({ platform: 'teams', botName: 'Test Bot' })))).toEqual([]);
  });

  it('shows code as text with its lines: a TextRun (never markdown), one-line codes too', () => {
    // A unified diff whose header lines a markdown TextBlock would join into one paragraph ("--- a +++ b @@ ..."),
    // and a ticket's HTML and markdown that a TextBlock could render.
    const diff = [
      '--- outgoing v1',
      '+++ outgoing v2',
      '@@ -1,2 +1,2 @@',
      ' replica.key = entity.key',
      '-x',
      '+y',
    ].join('\n');
    const json = JSON.stringify({ description: '<p>Printer <b>on fire</b></p> **now**' }, null, 2);
    const card = messageCard({
      kind: 'message',
      text: 'x',
      items: [
        { kind: 'code', text: diff },
        { kind: 'code', text: json },
        { kind: 'code', text: 'DB1.abc-def_ghi.sig' },
      ],
    });
    expect(checkAdaptiveCard(card)).toEqual([]);
    const body = card['body'] as Record<string, unknown>[];
    expect(body).toEqual([
      { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: diff, fontType: 'Monospace' }] },
      { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: json, fontType: 'Monospace' }] },
      // A one-line code too: in a TextBlock `_ghi_` of a code could turn italic (issue 18, finding 6).
      { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'DB1.abc-def_ghi.sig', fontType: 'Monospace' }] },
    ]);
    expect(json.split('\n')[1]).toBe('  "description": "<p>Printer <b>on fire</b></p> **now**"');
  });

  it('says "(optional)" only where leaving a field empty is a choice: not on a required field, not on a checkbox', () => {
    const card = formCard(
      {
        kind: 'form',
        id: 'f',
        title: 'F',
        submitLabel: 'Save',
        items: [
          { kind: 'text', id: 'script', label: 'Outgoing sync', multiline: true, maxLength: 3000, value: 'x = 1' },
          { kind: 'text', id: 'note', label: 'Note', optional: true, maxLength: 1000 },
          { kind: 'checkbox', id: 'active', label: 'Activate trigger', checked: true, optional: true },
        ],
      },
      { mode: 'inline', cardId: 'c' },
    );
    expect(checkAdaptiveCard(card)).toEqual([]);
    expect(findInput(card, 'script')).toMatchObject({ label: 'Outgoing sync', isMultiline: true, maxLength: 3000 });
    expect(findInput(card, 'note')['label']).toBe('Note (optional)');
    expect(findInput(card, 'active')['label']).toBe('Activate trigger');
  });

  it('converts the neutral Slack-style markdown', () => {
    expect(teamsMarkdown('*Bold* and `/bridge accept <code>` :warning:')).toBe(
      '**Bold** and `@DeskBridge accept <code>` ⚠️',
    );
    expect(teamsMarkdown('status:2 AND priority:3 at 08:00')).toBe('status:2 AND priority:3 at 08:00');
    expect(teamsMarkdown('Try `/bridge list` or /bridge help.', undefined, 'Test Bot')).toBe(
      'Try `@Test Bot list` or @Test Bot help.',
    );
  });

  it('the Adaptive Card check fails bad cards (it is not a rubber stamp)', () => {
    expect(checkAdaptiveCard({ type: 'AdaptiveCard', version: '1.6', body: [] })).not.toEqual([]);
    expect(
      checkAdaptiveCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Input.Text', id: 'a' }] }),
    ).toEqual([expect.stringContaining('without maxLength')]);
    expect(checkAdaptiveCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Carousel' }] }).join()).toMatch(
      /Unknown element type|Carousel/,
    );
    expect(
      checkAdaptiveCard({
        type: 'AdaptiveCard',
        version: '1.5',
        body: [
          { type: 'Input.Text', id: 'a', maxLength: 1 },
          { type: 'Input.Text', id: 'a', maxLength: 1 },
        ],
      }).join(),
    ).toMatch(/Duplicate Id/);
  });
});
