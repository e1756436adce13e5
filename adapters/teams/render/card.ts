import type { Action, Content, Field, Form, FormValues, Message, Table } from '../../../src/ui/model.ts';
import { isField, marksOptional } from '../../../src/ui/model.ts';
import { DATA_KEY, verbOf, type CardData } from './card-data.ts';
import { plainMention, type MentionRenderer } from '../../../src/ui/mentions.ts';
import { DEFAULT_BOT_NAME, plainText, teamsMarkdown, truncate } from './text.ts';

/**
 * The one Teams renderer: neutral view -> Adaptive Card 1.5 JSON (the highest version Teams renders). A form renders
 * two ways that differ only in its buttons: `dialog` (Action.Submit, answered by task/submit in a Teams dialog) and
 * `inline` (Action.Execute, answered by adaptiveCard/action, the card replaced in place; also what clients without
 * dialogs, such as the Agents Playground, use).
 */
export type Json = Record<string, unknown>;
export type AdaptiveCard = Json & { type: 'AdaptiveCard'; version: '1.5'; body: Json[] };
export type CardMode = 'dialog' | 'inline';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const CARD_VERSION = '1.5';

/** Teams caps a card's payload near 28 KB; these keep a generous margin per part. */
const limits = { text: 4000, title: 200, label: 300, choiceTitle: 200, choices: 100, tableRows: 50 } as const;

export interface ChannelChoice {
  id: string;
  name: string;
}

export interface FormCardOptions {
  mode: CardMode;
  /** The stored form view this card shows (src/app/teams-form-views.ts). */
  cardId: string;
  /** What the user submitted, shown again next to the errors. */
  values?: FormValues;
  errors?: Record<string, string>;
  /** The channels a `channel` field offers (Teams has no channel picker input). */
  channels?: ChannelChoice[];
  /** Inline first steps offer the same command in a dialog (clients with dialogs; a fresh wizard there). */
  dialogCommand?: string;
  /** How neutral mentions show (names of people and channels DeskBridge knows). */
  mentions?: MentionRenderer;
  /** The name the client shows the bot under. */
  botName?: string;
}

function card(body: Json[], actions: Json[] = [], extra: Json = {}): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body: body.length > 0 ? body : [textBlock(' ')],
    ...(actions.length > 0 ? { actions } : {}),
    ...extra,
  };
}

function textBlock(text: string, extra: Json = {}): Json {
  return { type: 'TextBlock', text: truncate(text, limits.text), wrap: true, ...extra };
}

/**
 * Code as it is, byte for byte: what an approver reads is what will run. A TextBlock is markdown, where lines run
 * together into one paragraph (`--- a` and `+++ b` of a diff), `- x` becomes a list, `**x**` and `_x_` lose their
 * stars and underscores and `[a](b)` becomes a link, and Teams' card markdown has no preformatted text. A TextRun is
 * never markdown (schema: "Markdown is not supported") and keeps its line breaks (the adaptivecards renderer sets it
 * as innerText, the Agents Playground's renderer as `white-space: pre-wrap`), so every code is one, a one-line script
 * or an invitation code as much as a diff.
 */
function codeBlock(code: string): Json {
  return {
    type: 'RichTextBlock',
    inlines: [{ type: 'TextRun', text: truncate(code, limits.text), fontType: 'Monospace' }],
  };
}

/** A button. Inline cards use Action.Execute (Universal Actions); dialogs use Action.Submit, as task/submit needs. */
export function button(mode: CardMode, title: string, data: CardData, style?: Action['style']): Json {
  const common = {
    title: truncate(plainText(title), limits.title),
    ...(style === 'primary' ? { style: 'positive' } : style === 'danger' ? { style: 'destructive' } : {}),
  };
  return mode === 'inline'
    ? { type: 'Action.Execute', verb: verbOf(data), data: { [DATA_KEY]: data }, ...common }
    : { type: 'Action.Submit', data: { [DATA_KEY]: data }, ...common };
}

/** A button that opens a Teams dialog (task/fetch) running `command`. */
export function dialogButton(title: string, command: string): Json {
  return {
    type: 'Action.Submit',
    title,
    data: { msteams: { type: 'task/fetch' }, [DATA_KEY]: { kind: 'command', command } satisfies CardData },
  };
}

interface ActionContext {
  mode: CardMode;
  form?: { id: string; stateId?: string; cardId: string };
  /** Buttons of a message that open a form: offered in a dialog too (task/fetch), next to the in-place one. */
  dialogActions?: ReadonlySet<string>;
  /** Buttons left out of this view (the approval card's decisions, in everyone's view). */
  hiddenActions?: ReadonlySet<string>;
  mentions: MentionRenderer;
  /** The name the client shows the bot under: `/bridge <command>` in the texts becomes `@<name> <command>`. */
  botName: string;
}

function actionData(action: Action, ctx: ActionContext): CardData {
  return {
    kind: 'action',
    action: action.id,
    ...(action.value !== undefined ? { value: action.value } : {}),
    ...(ctx.form
      ? { form: ctx.form.id, card: ctx.form.cardId, ...(ctx.form.stateId ? { state: ctx.form.stateId } : {}) }
      : {}),
  };
}

function actionSet(actions: Action[], ctx: ActionContext): Json {
  return {
    type: 'ActionSet',
    actions: actions
      .filter((a) => !ctx.hiddenActions?.has(a.id))
      .flatMap((a) => [
        button(ctx.mode, a.label, actionData(a, ctx), a.style),
        ...(ctx.dialogActions?.has(a.id)
          ? [
              {
                type: 'Action.Submit',
                title: truncate(`${plainText(a.label)} in a dialog`, limits.title),
                data: { msteams: { type: 'task/fetch' }, [DATA_KEY]: actionData(a, ctx) },
              },
            ]
          : []),
      ]),
  };
}

function renderContent(item: Content, ctx: ActionContext): Json[] {
  switch (item.kind) {
    case 'markdown':
      return [textBlock(teamsMarkdown(item.text, ctx.mentions, ctx.botName))];
    case 'heading':
      return [textBlock(plainText(item.text, ctx.mentions, ctx.botName), { size: 'Medium', weight: 'Bolder' })];
    case 'list':
      return listBlocks(item.items, ctx);
    case 'code':
      return [codeBlock(item.text)];
    case 'note':
      return [textBlock(teamsMarkdown(item.text, ctx.mentions, ctx.botName), { isSubtle: true, size: 'Small' })];
    case 'facts':
      return [
        {
          type: 'FactSet',
          facts: item.facts.map((f) => ({
            title: truncate(plainText(f.label), limits.label),
            value: truncate(plainText(f.value, ctx.mentions, ctx.botName), limits.text),
          })),
        },
      ];
    case 'actions': {
      const set = actionSet(item.actions, ctx);
      return (set['actions'] as unknown[]).length > 0 ? [set] : [];
    }
    case 'table':
      return renderTable(item.table, ctx);
  }
}

/**
 * A bulleted list in TextBlock markdown (`- item`, one per line, `\r` between them as Microsoft's card docs write
 * it), split into more blocks where one would pass the text limit.
 */
function listBlocks(items: string[], ctx: ActionContext): Json[] {
  const blocks: string[] = [];
  for (const item of items) {
    const line = truncate(`- ${teamsMarkdown(item, ctx.mentions, ctx.botName).replace(/\s*\n\s*/g, ' ')}`, limits.text);
    const last = blocks.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= limits.text)
      blocks[blocks.length - 1] = `${last}\r${line}`;
    else blocks.push(line);
  }
  return blocks.map((text) => textBlock(text));
}

function renderTable(table: Table, ctx: ActionContext): Json[] {
  if (table.rows.length === 0)
    return [textBlock(teamsMarkdown(table.empty, ctx.mentions, ctx.botName), { isSubtle: true })];
  const withActions = table.rows.some((r) => (r.actions?.length ?? 0) > 0);
  const cell = (items: Json[]): Json => ({ type: 'TableCell', items });
  const header = {
    type: 'TableRow',
    cells: [
      ...table.columns.map((c) => cell([textBlock(plainText(c.label), { weight: 'Bolder' })])),
      ...(withActions ? [cell([textBlock(' ')])] : []),
    ],
  };
  const rows = table.rows.slice(0, limits.tableRows).map((r) => ({
    type: 'TableRow',
    cells: [
      ...r.cells.map((c) => cell([textBlock(teamsMarkdown(c, ctx.mentions, ctx.botName))])),
      ...(withActions ? [cell(r.actions?.length ? [actionSet(r.actions, ctx)] : [textBlock(' ')])] : []),
    ],
  }));
  return [
    {
      type: 'Table',
      columns: [...table.columns.map(() => ({ width: 1 })), ...(withActions ? [{ width: 1 }] : [])],
      rows: [header, ...rows],
      firstRowAsHeader: true,
      gridStyle: 'default',
    },
  ];
}

function labelOf(field: Field): string {
  return truncate(plainText(field.label) + (marksOptional(field) ? ' (optional)' : ''), limits.label);
}

function renderField(
  field: Field,
  value: string | undefined,
  error: string | undefined,
  options: FormCardOptions,
  ctx: ActionContext,
): Json[] {
  const common = {
    id: field.id,
    label: labelOf(field),
    ...(error ? { errorMessage: truncate(plainText(error, ctx.mentions, ctx.botName), limits.text) } : {}),
  };
  let input: Json;
  switch (field.kind) {
    case 'text':
      input = {
        type: 'Input.Text',
        ...common,
        ...(value ? { value } : {}),
        ...(field.placeholder ? { placeholder: truncate(field.placeholder, limits.label) } : {}),
        ...(field.multiline ? { isMultiline: true } : {}),
        ...(field.maxLength ? { maxLength: field.maxLength } : {}),
      };
      break;
    case 'select':
    case 'choice': {
      const choosable = field.options.filter((o) => !o.disabledReason);
      input = {
        type: 'Input.ChoiceSet',
        ...common,
        style: field.kind === 'choice' ? 'expanded' : 'compact',
        choices: choosable
          .slice(0, limits.choices)
          .map((o) => ({ title: truncate(plainText(o.label), limits.choiceTitle), value: o.value })),
        ...(value && choosable.some((o) => o.value === value) ? { value } : {}),
        ...(field.kind === 'select' && field.placeholder
          ? { placeholder: truncate(field.placeholder, limits.label) }
          : {}),
      };
      // Adaptive Cards have no disabled choice or per-choice description: both are said next to the input.
      const notes = [
        ...field.options
          .filter((o) => o.description)
          .map(
            (o) =>
              `**${plainText(o.label)}**: ${o.description}${o.disabledReason ? ` (not available: ${o.disabledReason})` : ''}`,
          ),
        ...field.options
          .filter((o) => o.disabledReason && !o.description)
          .map((o) => `**${plainText(o.label)}**: not available: ${o.disabledReason}`),
      ];
      return [
        input,
        ...(notes.length
          ? [textBlock(teamsMarkdown(notes.join('\n\n'), ctx.mentions, ctx.botName), { size: 'Small' })]
          : []),
        ...hintAndError(field, error, ctx),
      ];
    }
    case 'checkbox':
      input = {
        type: 'Input.Toggle',
        ...common,
        title: truncate(plainText(field.label), limits.label),
        value: value === 'true' ? 'true' : 'false',
        valueOn: 'true',
        valueOff: 'false',
      };
      break;
    case 'channel': {
      const channels = options.channels ?? [];
      if (channels.length === 0) {
        return [
          textBlock(`**${labelOf(field)}**`),
          textBlock(
            `No channel is known yet: add ${ctx.botName} to the team and mention it once in the channel (\`@${ctx.botName} help\`).`,
            { isSubtle: true, size: 'Small' },
          ),
        ];
      }
      input = {
        type: 'Input.ChoiceSet',
        ...common,
        style: 'compact',
        placeholder: 'Choose a channel',
        choices: channels
          .slice(0, limits.choices)
          .map((c) => ({ title: truncate(c.name, limits.choiceTitle), value: c.id })),
        ...(value && channels.some((c) => c.id === value) ? { value } : {}),
      };
      break;
    }
  }
  return [input, ...hintAndError(field, error, ctx)];
}

/** The hint under the input, and the error in the attention colour right below it (Teams shows no error text itself for server-side errors). */
function hintAndError(field: Field, error: string | undefined, ctx: ActionContext): Json[] {
  return [
    ...(field.hint
      ? [
          textBlock(teamsMarkdown(field.hint, ctx.mentions, ctx.botName), {
            isSubtle: true,
            size: 'Small',
            spacing: 'None',
          }),
        ]
      : []),
    ...(error
      ? [
          textBlock(teamsMarkdown(error, ctx.mentions, ctx.botName), {
            color: 'Attention',
            size: 'Small',
            spacing: 'None',
            id: `${field.id}.error`,
          }),
        ]
      : []),
  ];
}

function initialValue(field: Field): string | undefined {
  if (field.kind === 'checkbox') return field.checked ? 'true' : 'false';
  return field.value;
}

export function formCard(form: Form, options: FormCardOptions): AdaptiveCard {
  const ctx: ActionContext = {
    mode: options.mode,
    form: { id: form.id, cardId: options.cardId, ...(form.stateId ? { stateId: form.stateId } : {}) },
    mentions: options.mentions ?? plainMention,
    botName: options.botName ?? DEFAULT_BOT_NAME,
  };
  const body: Json[] = [];
  // A dialog shows the title in its frame; a card in a conversation needs it in the body.
  if (options.mode === 'inline') body.push(textBlock(plainText(form.title), { size: 'Large', weight: 'Bolder' }));
  const errors = options.errors ?? {};
  const fieldIds = new Set(form.items.filter(isField).map((f) => f.id));
  const stray = Object.entries(errors).filter(([id]) => !fieldIds.has(id));
  for (const item of form.items) {
    if (isField(item)) {
      const submitted =
        options.values && Object.hasOwn(options.values, item.id) ? options.values[item.id] : initialValue(item);
      const value = item.kind === 'text' && item.sensitive ? undefined : submitted;
      body.push(...renderField(item, value, errors[item.id], options, ctx));
    } else {
      body.push(...renderContent(item, ctx));
    }
  }
  // An error about no field on this form still has to be seen: at the bottom, by the buttons.
  for (const [, message] of stray)
    body.push(textBlock(teamsMarkdown(message, ctx.mentions, ctx.botName), { color: 'Attention' }));

  const actions: Json[] = [];
  const base = { form: form.id, card: options.cardId, ...(form.stateId ? { state: form.stateId } : {}) };
  if (form.submitLabel) actions.push(button(options.mode, form.submitLabel, { kind: 'submit', ...base }, 'primary'));
  if (options.mode === 'inline' && form.submitLabel) {
    actions.push(
      button('inline', form.closeLabel ?? 'Cancel', {
        kind: 'cancel',
        ...(form.stateId ? { state: form.stateId } : {}),
      }),
    );
  }
  if (options.mode === 'dialog' && !form.submitLabel)
    actions.push(button('dialog', form.closeLabel ?? 'Close', { kind: 'cancel' }));
  if (options.mode === 'inline' && options.dialogCommand)
    actions.push(dialogButton('Open in a dialog', options.dialogCommand));
  return card(body, actions);
}

/** A message (a reply, an invitation, a notice): its buttons are always Universal Actions, answered in place. */
export interface MessageCardOptions {
  dialogActions?: ReadonlySet<string>;
  hiddenActions?: ReadonlySet<string>;
  mentions?: MentionRenderer;
  botName?: string;
  /** Top-level card properties (an approval card's `refresh`). */
  extra?: Json;
}

export function messageCard(message: Message, options: MessageCardOptions = {}): AdaptiveCard {
  const ctx: ActionContext = {
    mode: 'inline',
    mentions: options.mentions ?? plainMention,
    botName: options.botName ?? DEFAULT_BOT_NAME,
    ...(options.dialogActions ? { dialogActions: options.dialogActions } : {}),
    ...(options.hiddenActions ? { hiddenActions: options.hiddenActions } : {}),
  };
  return card(
    message.items.flatMap((item) => renderContent(item, ctx)),
    [],
    options.extra ?? {},
  );
}

/** The title of a form, for a dialog's frame. */
export function dialogTitle(form: Form): string {
  return truncate(plainText(form.title), 100);
}
