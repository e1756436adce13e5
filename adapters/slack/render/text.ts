import type { MrkdwnElement, PlainTextElement } from '@slack/types';
import { actorRefLabel, chatUserOfRef } from '../../../src/domain/chat-actor.ts';
import { plainMention, renderMentions } from '../../../src/ui/mentions.ts';

/** Slack's documented Block Kit limits that the renderers respect (reference §1.3). */
export const slackLimits = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  header: 150,
  contextText: 2000,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 75,
  optionDescription: 75,
  staticSelectOptions: 100,
  radioOptions: 10,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  id: 255,
  actionsElements: 25,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  messageText: 40_000,
} as const;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Slack mrkdwn treats &, < and > as control characters (links, mentions, `<!channel>`) and these three are the ones to
 * escape, as `&amp;`, `&lt;` and `&gt;` (api.slack.com/reference/surfaces/formatting#escaping): then names typed by
 * users render as text, even when they look like a mention, and a bare `@channel` is only text, as Slack needs
 * `<!channel>` to notify. The flows' own neutral mentions become Slack's; text that only looks like one stays text.
 */
export function escapeMrkdwn(text: string): string {
  // The tokens are escaped with the text around them: what a mention's value holds is text too.
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return renderMentions(escaped, (kind, value) => {
    if (kind === 'channel') return /^[CGD][A-Z0-9_]+$/.test(value) ? `<#${value}>` : 'the channel';
    const user = chatUserOfRef(value);
    return user?.platform === 'slack' && /^[UW][A-Z0-9_]+$/.test(user.userId)
      ? `<@${user.userId}>`
      : actorRefLabel(value);
  });
}

/** Neutral markdown uses `**bold**` nowhere; single `*bold*` and `_italic_` are already Slack's. */
export function mrkdwn(text: string, max: number = slackLimits.sectionText): MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(escapeMrkdwn(text) || ' ', max) };
}

/** plain_text is never parsed for mentions: a neutral mention in it is a name. */
export function plain(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: truncate(renderMentions(text, plainMention) || ' ', max), emoji: true };
}
