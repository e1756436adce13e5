/**
 * Teams TextBlock markdown is a subset (bold, italic, lists, links) and the neutral text is written Slack-style:
 * `*bold*` becomes `**bold**`, and the `/bridge` command of the help texts becomes Teams' `@DeskBridge`.
 */
export const BOT_MENTION = '@DeskBridge';

export function teamsMarkdown(text: string): string {
  return text
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/gm, '$1**$2**')
    .replace(/`\/bridge(\s|`)/g, `\`${BOT_MENTION}$1`)
    .replace(/(^|\s)\/bridge\b/g, `$1${BOT_MENTION}`);
}

/** Plain text for titles and labels, where markdown is not rendered. */
export function plainText(text: string): string {
  return text.replace(/\*([^*\n]+)\*/g, '$1').replace(/\/bridge\b/g, BOT_MENTION);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
