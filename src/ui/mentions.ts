/**
 * Mentions inside neutral markdown: flows write a token, each renderer turns it into its platform's form (Slack
 * `<@U…>` / `<#C…>`, plain names elsewhere). Flows never write a platform's mention syntax themselves.
 */
const OPEN = '\u27E6';
const CLOSE = '\u27E7';
const tokenPattern = new RegExp(`${OPEN}(user|channel):([^${CLOSE}]+)${CLOSE}`, 'g');

/** A person by their actor reference (`slack:T1/U2`, `teams:tenant/aad`, `cli:ops`). */
export function userMention(actorRef: string): string {
  return `${OPEN}user:${actorRef}${CLOSE}`;
}

/** A channel by its platform id. */
export function channelMention(channelId: string): string {
  return `${OPEN}channel:${channelId}${CLOSE}`;
}

export type MentionRenderer = (kind: 'user' | 'channel', value: string) => string;

export function renderMentions(text: string, render: MentionRenderer): string {
  return text.replace(tokenPattern, (_, kind: 'user' | 'channel', value: string) => render(kind, value));
}
