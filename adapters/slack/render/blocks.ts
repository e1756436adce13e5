import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  RichTextBlock,
  SectionBlock,
} from '@slack/types';
import type { Action, Content, Table } from '../../../src/ui/model.ts';
import { escapeMrkdwn, mrkdwn, plain, slackLimits, truncate } from './text.ts';

/** Read-only neutral content -> Block Kit, shared by messages, modals and the Home tab. */
export function contentBlocks(item: Content): KnownBlock[] {
  switch (item.kind) {
    case 'markdown':
      return [{ type: 'section', text: mrkdwn(item.text) }];
    case 'heading':
      return [{ type: 'header', text: plain(item.text, slackLimits.header) } satisfies HeaderBlock];
    case 'list':
      return listBlocks(item.items);
    case 'note':
      return [{ type: 'context', elements: [mrkdwn(item.text, slackLimits.contextText)] } satisfies ContextBlock];
    case 'code':
      return [codeBlock(item.text)];
    case 'facts':
      return chunk(item.facts, slackLimits.sectionFields).map(
        (facts): SectionBlock => ({
          type: 'section',
          fields: facts.map((f) => mrkdwn(`*${f.label}*\n${f.value}`, slackLimits.sectionField)),
        }),
      );
    case 'actions':
      return item.actions.length > 0 ? [actionsBlock(item.actions)] : [];
    case 'table':
      return tableBlocks(item.table);
  }
}

/**
 * A code the reader copies, and an approver reads as what will run: it must show byte for byte. A preformatted
 * section while it fits the section limit and has no backtick, otherwise rich text, which has no such limit and is
 * literal. Inside the section's backticks mrkdwn still reads &, < and > as control characters (`<p>` of a ticket's
 * HTML would be taken for a link, `<!channel>` would notify), so they are escaped there; but nothing escapes a
 * backtick, and a ``` inside the code would end the block early (and turn the rest into mrkdwn), hence rich text.
 */
function codeBlock(code: string): KnownBlock {
  const escaped = code.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (!code.includes('`') && escaped.length + 6 <= slackLimits.sectionText)
    return { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${escaped}\`\`\``, verbatim: true } };
  return {
    type: 'rich_text',
    elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text: code }] }],
  } satisfies RichTextBlock;
}

/**
 * mrkdwn has no list syntax: a bulleted list is one `•` line per item, packed into as few sections as the section
 * text limit allows (help's twenty commands are one or two blocks of a message's fifty).
 */
function listBlocks(items: string[]): KnownBlock[] {
  const sections: string[] = [];
  for (const item of items) {
    const line = truncate(`• ${escapeMrkdwn(item)}`, slackLimits.sectionText);
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= slackLimits.sectionText)
      sections[sections.length - 1] = `${last}\n${line}`;
    else sections.push(line);
  }
  return sections.map((text): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

export function actionsBlock(actions: Action[]): ActionsBlock {
  return { type: 'actions', elements: actions.slice(0, slackLimits.actionsElements).map(button) };
}

export function button(action: Action): Button {
  return {
    type: 'button',
    action_id: truncate(action.id, slackLimits.id),
    text: plain(action.label, slackLimits.buttonText),
    ...(action.value !== undefined ? { value: truncate(action.value, slackLimits.buttonValue) } : {}),
    ...(action.style ? { style: action.style } : {}),
    ...(action.confirm
      ? {
          confirm: {
            title: plain(action.confirm.title, slackLimits.confirmTitle),
            text: plain(action.confirm.text, slackLimits.confirmText),
            confirm: plain(action.confirm.confirm, slackLimits.confirmButton),
            deny: plain(action.confirm.deny, slackLimits.confirmButton),
          },
        }
      : {}),
  };
}

/** Block Kit has no table for every surface: each row is a section of label/value fields, then its buttons. */
function tableBlocks(table: Table): KnownBlock[] {
  if (table.rows.length === 0) return [{ type: 'section', text: mrkdwn(table.empty) }];
  const blocks: KnownBlock[] = [];
  for (const row of table.rows) {
    blocks.push({
      type: 'section',
      fields: row.cells
        .slice(0, slackLimits.sectionFields)
        .map((cell, i) => mrkdwn(`*${table.columns[i]?.label ?? ''}*\n${cell}`, slackLimits.sectionField)),
    });
    if (row.actions && row.actions.length > 0) blocks.push(actionsBlock(row.actions));
  }
  return blocks;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
