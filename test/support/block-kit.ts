/**
 * An offline Block Kit check built from Slack's documented limits (reference §1.3, node-slack-sdk JSDoc): counts,
 * lengths, ids and required fields of views and messages. Returns the problems found; none means it would pass.
 */
type Json = Record<string, unknown>;

const inputElements = new Set([
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'multi_static_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'multi_external_select',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'timepicker',
  'url_text_input',
]);

export function checkView(view: unknown, where = 'view'): string[] {
  const problems: string[] = [];
  const v = view as Json;
  if (!v || typeof v !== 'object') return [`${where}: not an object`];
  const blocks = (v['blocks'] ?? []) as Json[];
  if (v['type'] === 'modal') {
    text(problems, `${where}.title`, v['title'], 24, 'plain_text', true);
    if (v['submit'] !== undefined) text(problems, `${where}.submit`, v['submit'], 24, 'plain_text', true);
    if (v['close'] !== undefined) text(problems, `${where}.close`, v['close'], 24, 'plain_text', true);
    if (blocks.some((b) => b['type'] === 'input') && v['submit'] === undefined)
      problems.push(`${where}: has input blocks but no submit`);
    if (typeof v['private_metadata'] === 'string' && v['private_metadata'].length > 3000)
      problems.push(`${where}.private_metadata: longer than 3000`);
    if (typeof v['callback_id'] === 'string' && v['callback_id'].length > 255)
      problems.push(`${where}.callback_id: longer than 255`);
  } else if (v['type'] !== 'home') {
    problems.push(`${where}.type: must be modal or home, got ${String(v['type'])}`);
  }
  if (!Array.isArray(v['blocks'])) problems.push(`${where}.blocks: missing`);
  if (blocks.length > 100) problems.push(`${where}.blocks: ${blocks.length} blocks, at most 100`);
  return [...problems, ...checkBlocks(blocks, `${where}.blocks`)];
}

export function checkMessage(message: unknown, where = 'message'): string[] {
  const m = message as Json;
  const problems: string[] = [];
  const blocks = (m['blocks'] ?? []) as Json[];
  if (typeof m['text'] !== 'string' || m['text'].length === 0) {
    if (blocks.length === 0) problems.push(`${where}: neither text nor blocks`);
    else problems.push(`${where}.text: a fallback text is expected with blocks`);
  }
  if (blocks.length > 50) problems.push(`${where}.blocks: ${blocks.length} blocks, at most 50`);
  return [...problems, ...checkBlocks(blocks, `${where}.blocks`)];
}

function checkBlocks(blocks: Json[], where: string): string[] {
  const problems: string[] = [];
  const blockIds = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `${where}[${i}]`;
    const blockId = b['block_id'];
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId.length === 0 || blockId.length > 255)
        problems.push(`${at}.block_id: 1 to 255 characters`);
      else if (blockIds.has(blockId)) problems.push(`${at}.block_id: "${blockId}" is not unique`);
      else blockIds.add(blockId);
    }
    switch (b['type']) {
      case 'section': {
        if (b['text'] === undefined && b['fields'] === undefined)
          problems.push(`${at}: a section needs text or fields`);
        if (b['text'] !== undefined) text(problems, `${at}.text`, b['text'], 3000);
        if (b['fields'] !== undefined) {
          const fields = b['fields'] as unknown[];
          if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10)
            problems.push(`${at}.fields: 1 to 10 items`);
          else {
            fields.forEach((f, j) => {
              text(problems, `${at}.fields[${j}]`, f, 2000);
            });
          }
        }
        if (b['accessory'] !== undefined) element(problems, `${at}.accessory`, b['accessory'] as Json);
        break;
      }
      case 'header':
        text(problems, `${at}.text`, b['text'], 150, 'plain_text');
        break;
      case 'context': {
        const elements = b['elements'] as Json[];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10)
          problems.push(`${at}.elements: 1 to 10 items`);
        else {
          elements.forEach((e, j) => {
            if (e['type'] !== 'image') text(problems, `${at}.elements[${j}]`, e, 2000);
          });
        }
        break;
      }
      case 'actions': {
        const elements = b['elements'] as Json[];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25)
          problems.push(`${at}.elements: 1 to 25 items`);
        else {
          const actionIds = new Set<string>();
          elements.forEach((e, j) => {
            element(problems, `${at}.elements[${j}]`, e);
            const id = e['action_id'];
            if (typeof id === 'string') {
              if (actionIds.has(id))
                problems.push(`${at}.elements[${j}].action_id: "${id}" is not unique in the block`);
              actionIds.add(id);
            }
          });
        }
        break;
      }
      case 'input': {
        text(problems, `${at}.label`, b['label'], 2000, 'plain_text');
        if (b['hint'] !== undefined) text(problems, `${at}.hint`, b['hint'], 2000, 'plain_text');
        const el = b['element'] as Json | undefined;
        if (!el) problems.push(`${at}.element: required`);
        else {
          if (!inputElements.has(String(el['type'])))
            problems.push(`${at}.element: ${String(el['type'])} is not allowed in an input block`);
          element(problems, `${at}.element`, el);
        }
        break;
      }
      case 'divider':
        break;
      case 'rich_text':
        if (!Array.isArray(b['elements']) || (b['elements'] as unknown[]).length === 0)
          problems.push(`${at}.elements: required`);
        break;
      default:
        problems.push(`${at}.type: unknown block type ${String(b['type'])}`);
    }
  });
  return problems;
}

function element(problems: string[], at: string, e: Json): void {
  const actionId = e['action_id'];
  if (actionId !== undefined && (typeof actionId !== 'string' || actionId.length === 0 || actionId.length > 255))
    problems.push(`${at}.action_id: 1 to 255 characters`);
  if (e['placeholder'] !== undefined) text(problems, `${at}.placeholder`, e['placeholder'], 150, 'plain_text');
  switch (e['type']) {
    case 'button':
      text(problems, `${at}.text`, e['text'], 75, 'plain_text');
      if (typeof e['value'] === 'string' && e['value'].length > 2000) problems.push(`${at}.value: longer than 2000`);
      if (e['style'] !== undefined && e['style'] !== 'primary' && e['style'] !== 'danger')
        problems.push(`${at}.style: primary or danger`);
      if (e['confirm'] !== undefined) {
        const c = e['confirm'] as Json;
        text(problems, `${at}.confirm.title`, c['title'], 100, 'plain_text');
        text(problems, `${at}.confirm.text`, c['text'], 300);
        text(problems, `${at}.confirm.confirm`, c['confirm'], 30, 'plain_text');
        text(problems, `${at}.confirm.deny`, c['deny'], 30, 'plain_text');
      }
      break;
    case 'static_select':
      options(problems, at, e, 100);
      break;
    case 'radio_buttons':
    case 'checkboxes':
      options(problems, at, e, 10);
      break;
    case 'plain_text_input': {
      const max = e['max_length'];
      if (max !== undefined && (typeof max !== 'number' || max < 1 || max > 3000))
        problems.push(`${at}.max_length: 1 to 3000`);
      if (typeof e['initial_value'] === 'string' && typeof max === 'number' && e['initial_value'].length > max)
        problems.push(`${at}.initial_value: longer than max_length`);
      break;
    }
    case 'conversations_select':
    case 'channels_select':
      break;
    default:
      if (!inputElements.has(String(e['type']))) problems.push(`${at}.type: unknown element ${String(e['type'])}`);
  }
}

function options(problems: string[], at: string, e: Json, max: number): void {
  const list = e['options'] as Json[];
  if (!Array.isArray(list) || list.length === 0 || list.length > max) {
    problems.push(`${at}.options: 1 to ${max} options`);
    return;
  }
  const values = new Set<string>();
  list.forEach((o, j) => {
    text(problems, `${at}.options[${j}].text`, o['text'], 75);
    if (o['description'] !== undefined) text(problems, `${at}.options[${j}].description`, o['description'], 75);
    const value = o['value'];
    if (typeof value !== 'string' || value.length === 0 || value.length > 75)
      problems.push(`${at}.options[${j}].value: 1 to 75 characters`);
    else values.add(value);
  });
  const initial = e['initial_option'] as Json | undefined;
  if (initial && !values.has(String(initial['value']))) problems.push(`${at}.initial_option: not one of the options`);
  for (const o of (e['initial_options'] as Json[] | undefined) ?? [])
    if (!values.has(String(o['value']))) problems.push(`${at}.initial_options: not one of the options`);
}

function text(problems: string[], at: string, t: unknown, max: number, only?: 'plain_text', required = true): void {
  if (t === undefined) {
    if (required) problems.push(`${at}: required`);
    return;
  }
  const o = t as Json;
  if (o['type'] !== 'plain_text' && o['type'] !== 'mrkdwn') problems.push(`${at}.type: plain_text or mrkdwn`);
  if (only && o['type'] !== only) problems.push(`${at}.type: must be ${only}`);
  const s = o['text'];
  if (typeof s !== 'string' || s.length === 0) problems.push(`${at}.text: required`);
  else if (s.length > max) problems.push(`${at}.text: ${s.length} characters, at most ${max}`);
}

/** The check for one Web API call (or response_url post), by method. */
export function checkSlackCall(method: string, args: Record<string, unknown>): string[] {
  const where = method;
  if (method.startsWith('views.')) return checkView(args['view'], `${where}.view`);
  if (
    method === 'chat.postMessage' ||
    method === 'chat.update' ||
    method === 'chat.postEphemeral' ||
    method === 'response_url'
  ) {
    return checkMessage(args, where);
  }
  return [];
}
