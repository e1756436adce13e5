/**
 * Teams TextBlock markdown is a subset (bold, italic, lists, links) and the neutral text is written Slack-style:
 * `*bold*` becomes `**bold**`, and the `/bridge` command of the help texts becomes Teams' `@DeskBridge`.
 */
import { renderMentions, type MentionRenderer } from '../../../src/ui/mentions.ts';

export const BOT_MENTION = '@DeskBridge';

/** The Slack emoji shortcodes the neutral texts use, as the characters Teams shows. */
const emoji: Record<string, string> = {
  white_check_mark: '✅',
  warning: '⚠️',
  arrows_counterclockwise: '🔄',
  no_entry: '⛔',
  x: '❌',
  hourglass_flowing_sand: '⏳',
  large_green_circle: '🟢',
  red_circle: '🔴',
};

/** Neutral mentions without a resolver: a person as the id after the platform, a channel as "the channel". */
export const plainMentions: MentionRenderer = (kind, value) =>
  kind === 'user' ? (/^[a-z]+:(?:[^/]+\/)?(.*)$/.exec(value)?.[1] ?? value) : 'the channel';

export function teamsMarkdown(text: string, mentions: MentionRenderer = plainMentions): string {
  return renderMentions(text, mentions)
    .replace(/:([a-z_]+):/g, (all, name: string) => emoji[name] ?? all)
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/gm, '$1**$2**')
    .replace(/`\/bridge(\s|`)/g, `\`${BOT_MENTION}$1`)
    .replace(/(^|\s)\/bridge\b/g, `$1${BOT_MENTION}`);
}

/** Plain text for titles and labels, where markdown is not rendered. */
export function plainText(text: string, mentions: MentionRenderer = plainMentions): string {
  return renderMentions(text, mentions)
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/\/bridge\b/g, BOT_MENTION);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
