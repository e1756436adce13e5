import type {
  Checkboxes,
  ConversationsSelect,
  InputBlock,
  KnownBlock,
  ModalView,
  PlainTextInput,
  PlainTextOption,
  RadioButtons,
  StaticSelect,
} from '@slack/types';
import { isField, type Field, type Form, type Message, type Option } from '../../../src/ui/model.ts';
import { contentBlocks } from './blocks.ts';
import { mrkdwn, plain, slackLimits, truncate } from './text.ts';

/** A neutral form -> a modal view. Field ids become block_id and action_id, so submitted values and errors map back. */
export function renderForm(form: Form): ModalView {
  const blocks = form.items
    .flatMap((item) => (isField(item) ? fieldBlocks(item) : contentBlocks(item)))
    .slice(0, slackLimits.viewBlocks);
  return {
    type: 'modal',
    callback_id: form.id,
    title: plain(form.title, slackLimits.viewTitle),
    ...(form.submitLabel ? { submit: plain(form.submitLabel, slackLimits.viewButton) } : {}),
    close: plain(form.closeLabel ?? 'Close', slackLimits.viewButton),
    ...(form.stateId ? { private_metadata: form.stateId } : {}),
    blocks,
  };
}

/** A message shown where only a modal can go (an answer to a submission or to a click on the Home tab). */
export function messageModal(title: string, message: Message): ModalView {
  return renderForm({ kind: 'form', id: 'message', title, closeLabel: 'Close', items: message.items });
}

/** Shown at once when a step's work might not finish within Slack's 3 seconds; replaced when it does. */
export function workingModal(title: string): ModalView {
  return renderForm({
    kind: 'form',
    id: 'working',
    title,
    closeLabel: 'Close',
    items: [{ kind: 'markdown', text: ':hourglass_flowing_sand: Working on it…' }],
  });
}

function fieldBlocks(field: Field): KnownBlock[] {
  const input = (element: InputBlock['element'], extra: Partial<InputBlock> = {}): InputBlock => ({
    type: 'input',
    block_id: truncate(field.id, slackLimits.id),
    label: plain(field.label, slackLimits.inputLabel),
    optional: field.optional ?? false,
    ...(field.hint ? { hint: plain(field.hint, slackLimits.inputHint) } : {}),
    element,
    ...extra,
  });
  const actionId = truncate(field.id, slackLimits.id);
  switch (field.kind) {
    case 'text': {
      const element: PlainTextInput = {
        type: 'plain_text_input',
        action_id: actionId,
        multiline: field.multiline ?? false,
        ...(field.maxLength ? { max_length: field.maxLength } : {}),
        ...(field.value ? { initial_value: field.value } : {}),
        ...(field.placeholder ? { placeholder: plain(field.placeholder, slackLimits.placeholder) } : {}),
      };
      return [input(element)];
    }
    case 'select': {
      const options = field.options
        .filter((o) => !o.disabledReason)
        .slice(0, slackLimits.staticSelectOptions)
        .map(option);
      const initial = options.find((o) => o.value === field.value);
      const element: StaticSelect = {
        type: 'static_select',
        action_id: actionId,
        options,
        ...(initial ? { initial_option: initial } : {}),
        ...(field.placeholder ? { placeholder: plain(field.placeholder, slackLimits.placeholder) } : {}),
      };
      return options.length > 0
        ? [input(element), ...unavailable(field.options)]
        : [{ type: 'section', text: mrkdwn(`*${field.label}*\nNothing to choose from.`) }];
    }
    case 'choice': {
      // Radio descriptions are capped at 75 characters: the explanations go in a section above the choice.
      const described = field.options.map(
        (o) =>
          `*${o.label}*${o.disabledReason ? ' (not available)' : ''}\n${o.description ?? ''}${o.disabledReason ? `\n_${o.disabledReason}_` : ''}`,
      );
      const options = field.options
        .filter((o) => !o.disabledReason)
        .slice(0, slackLimits.radioOptions)
        .map(option);
      const initial = options.find((o) => o.value === field.value);
      const element: RadioButtons = {
        type: 'radio_buttons',
        action_id: actionId,
        options,
        ...(initial ? { initial_option: initial } : {}),
      };
      return [
        { type: 'section', text: mrkdwn(described.join('\n\n')) },
        ...(options.length > 0 ? [input(element)] : []),
      ];
    }
    case 'checkbox': {
      const box: PlainTextOption = { text: plain(field.label, slackLimits.optionText), value: 'true' };
      const element: Checkboxes = {
        type: 'checkboxes',
        action_id: actionId,
        options: [box],
        ...(field.checked ? { initial_options: [box] } : {}),
      };
      return [input(element)];
    }
    case 'channel': {
      const element: ConversationsSelect = {
        type: 'conversations_select',
        action_id: actionId,
        filter: { include: ['public', 'private'], exclude_bot_users: true },
        ...(field.value ? { initial_conversation: field.value } : {}),
        placeholder: plain('Choose a channel', slackLimits.placeholder),
      };
      return [input(element)];
    }
  }
}

function option(o: Option): PlainTextOption {
  return { text: plain(o.label, slackLimits.optionText), value: truncate(o.value, slackLimits.optionValue) };
}

function unavailable(options: Option[]): KnownBlock[] {
  const off = options.filter((o) => o.disabledReason);
  return off.length === 0
    ? []
    : [
        {
          type: 'context',
          elements: [mrkdwn(off.map((o) => `${o.label}: ${o.disabledReason}`).join('\n'), slackLimits.contextText)],
        },
      ];
}
