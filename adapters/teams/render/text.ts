/**
 * Teams TextBlock markdown is a subset (bold, italic, lists, links) and the neutral text is written Slack-style:
 * `*bold*` becomes `**bold**`, and the `/bridge` command of the neutral texts becomes a mention of the bot, by the
 * name the client shows it under (`@Test Bot` in the Agents Playground; `@DeskBridge` until Teams tells us).
 */
import { plainMention, renderMentions, type MentionRenderer } from '../../../src/ui/mentions.ts';

export const DEFAULT_BOT_NAME = 'DeskBridge';

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

/**
 * TextBlock markdown (and FactSet facts: msteams-docs "Format cards in Microsoft Teams") turns `[title](url)` into a
 * link whose title need not be its address. The neutral texts never write one, so any there comes from user text (a
 * partner's name, a ticket field): a zero-width space between `]` and `(` leaves it as typed, on every client. HTML
 * is no concern: "HTML isn't supported in Adaptive Cards" (same page), so `<b>` shows as typed; and a mention needs
 * an `msteams.entities` entry, which DeskBridge never writes, so `<at>Name</at>` pings no one.
 */
function withoutLinks(text: string): string {
  return text.replace(/\]\(/g, ']\u200B(');
}

export function teamsMarkdown(
  text: string,
  mentions: MentionRenderer = plainMention,
  botName: string = DEFAULT_BOT_NAME,
): string {
  const bot = `@${botName}`;
  return withoutLinks(renderMentions(text, mentions))
    .replace(/:([a-z_]+):/g, (all, name: string) => emoji[name] ?? all)
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/gm, '$1**$2**')
    .replace(/`\/bridge(\s|`)/g, (_all, after: string) => `\`${bot}${after}`)
    .replace(/(^|\s)\/bridge\b/g, (_all, before: string) => `${before}${bot}`);
}

/** Plain text for titles and labels, where markdown is not rendered. */
export function plainText(
  text: string,
  mentions: MentionRenderer = plainMention,
  botName: string = DEFAULT_BOT_NAME,
): string {
  return withoutLinks(renderMentions(text, mentions))
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/\/bridge\b/g, () => `@${botName}`);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
