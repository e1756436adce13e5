import { addAdmin, listAddedAdmins, removeAdmin } from '../app/chat-admins.ts';
import type { ChatActor } from '../app/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import { requireAdmin } from '../app/chat-authorization.ts';
import { DomainError } from '../domain/errors.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { notice } from './outcome.ts';

/** `admins add|remove|list [user]`; the user is already resolved to an id by the adapter (a mention). */
export function adminsFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: { verb: string; userId: string | null; mention: (userId: string) => string },
): FlowResult {
  requireAdmin(deps, actor, 'manage DeskBridge admins');
  if (input.verb === 'list') {
    const added = listAddedAdmins(deps, actor);
    const text = added.length
      ? `DeskBridge admins here: workspace admins and owners, and ${added.map(input.mention).join(', ')}.`
      : 'DeskBridge admins here: workspace admins and owners. Nobody else has been added.';
    return reply({ kind: 'private-message', message: notice(text) });
  }
  if (input.verb !== 'add' && input.verb !== 'remove') {
    throw new DomainError(
      'invalid_input',
      'Use `/bridge admins add @user`, `/bridge admins remove @user` or `/bridge admins list`.',
    );
  }
  if (!input.userId) throw new DomainError('invalid_input', `Name the user: \`/bridge admins ${input.verb} @user\`.`);
  if (input.verb === 'add') {
    addAdmin(deps, { actor, userId: input.userId });
    return reply({
      kind: 'private-message',
      message: notice(`${input.mention(input.userId)} is now a DeskBridge admin here.`),
    });
  }
  removeAdmin(deps, { actor, userId: input.userId });
  return reply({
    kind: 'private-message',
    message: notice(`${input.mention(input.userId)} is no longer a DeskBridge admin here.`),
  });
}
