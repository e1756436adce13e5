import type { ChatActor } from '../domain/chat-actor.ts';
import { DomainError } from '../domain/errors.ts';
import { typedCommand, type ChatSurface } from './help.ts';

/**
 * The person a command names (`approvers add …`, `admins add …`): a mention the adapter resolved, `me` (the person
 * typing), or a typed name that matches exactly one person the adapter can list (Slack users.list; Teams the
 * conversation's members and the users DeskBridge has seen). Anything else is refused and changes nothing.
 */

/** Lists the people of the actor's workspace for whom `isNamed` holds, by user id (the adapter records them). */
export type FindPeople = (isNamed: (names: readonly string[]) => boolean) => Promise<string[]>;

const MAX_NAME = 100;

/** A typed name as a person writes it: without a leading @, spaces collapsed, case ignored. */
function normalName(name: string): string {
  return name.trim().replace(/^@/, '').replace(/\s+/g, ' ').toLocaleLowerCase('en');
}

export async function namedUser(input: {
  actor: ChatActor;
  surface: ChatSurface;
  /** `approvers add`, `admins remove`: for the refusals' examples. */
  command: string;
  mentionedUserId: string | null;
  /** What follows the verb, without mentions' markup. */
  typed: string;
  findPeople?: FindPeople;
}): Promise<string> {
  if (input.mentionedUserId) return input.mentionedUserId;
  const typed = input.typed.trim();
  const example = `${typedCommand(input.surface, `${input.command} @name`)} (pick them from the @ list) or ${typedCommand(input.surface, `${input.command} me`)}`;
  if (!typed) throw new DomainError('invalid_input', `Name the user: ${example}.`);
  if (typed.toLowerCase() === 'me') return input.actor.userId;
  const wanted = normalName(typed);
  if (typed.length > MAX_NAME || !wanted)
    throw new DomainError('invalid_input', `That is not a name I can look up. Use ${example}.`);
  const found = input.findPeople ? await input.findPeople((names) => names.some((n) => normalName(n) === wanted)) : [];
  const shown = typed.replace(/[`*_~<>]/g, '');
  if (found.length === 1) return found[0]!;
  if (found.length === 0)
    throw new DomainError(
      'not_found',
      `I know nobody named "${shown}" here. Type their full display name, or use ${example}.`,
    );
  throw new DomainError(
    'invalid_input',
    `${found.length} people here are named "${shown}": mention the one you mean with ${typedCommand(input.surface, `${input.command} @name`)}, picked from the @ list.`,
  );
}
