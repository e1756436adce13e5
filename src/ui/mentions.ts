import { randomBytes } from 'node:crypto';
import { actorRefLabel } from '../domain/chat-actor.ts';

/**
 * Mentions inside neutral markdown: flows write a token, each renderer turns it into its platform's form (Slack
 * `<@U…>` / `<#C…>`, plain names elsewhere). Flows never write a platform's mention syntax themselves.
 *
 * Flows put user text (a partner's name, a connection name, a ticket field) into the same strings, so a token must be
 * something user text cannot produce: each carries a key of this process, which no one outside it knows, as tokens
 * never leave it (every renderer turns them into mentions or names). Text that only looks like a token, such as a
 * partner calling itself `⟦user:slack:T1/U2⟧`, is shown as typed. A token of another process (a form kept across a
 * restart) is shown as a plain name: never a mention, as its key cannot be told from a guessed one.
 */
const OPEN = '\u27E6';
const CLOSE = '\u27E7';
const KEY = randomBytes(12).toString('base64url');
const tokenPattern = new RegExp(`${OPEN}([A-Za-z0-9_-]{16}):(user|channel):([^${OPEN}${CLOSE}]{1,500})${CLOSE}`, 'g');

/** A person by their actor reference (`slack:T1/U2`, `teams:tenant/aad`, `cli:ops`). */
export function userMention(actorRef: string): string {
  return `${OPEN}${KEY}:user:${actorRef}${CLOSE}`;
}

/** A channel by its platform id. */
export function channelMention(channelId: string): string {
  return `${OPEN}${KEY}:channel:${channelId}${CLOSE}`;
}

export type MentionRenderer = (kind: 'user' | 'channel', value: string) => string;

/** A mention where none can be made (plain text, or a token this process did not make): the id, "the channel". */
export const plainMention: MentionRenderer = (kind, value) => (kind === 'user' ? actorRefLabel(value) : 'the channel');

export function renderMentions(text: string, render: MentionRenderer): string {
  return text.replace(tokenPattern, (_, key: string, kind: 'user' | 'channel', value: string) =>
    key === KEY ? render(kind, value) : plainMention(kind, value),
  );
}
