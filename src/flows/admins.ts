import { addAdmin, listAddedAdmins, removeAdmin } from '../app/chat-admins.ts';
import type { ChatActor } from '../domain/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import { requireAdmin } from '../app/chat-authorization.ts';
import { DomainError } from '../domain/errors.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { typedCommand, type ChatSurface } from './help.ts';
import { notice } from './outcome.ts';

/** `admins add|remove|list [user]`: the user is a mention, `me` or a typed name, resolved only after the check. */
export async function adminsFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: {
    verb: string;
    /** The person the command names; refuses when it names nobody. */
    user: () => Promise<string>;
    mention: (userId: string) => string;
    surface: ChatSurface;
  },
): Promise<FlowResult> {
  requireAdmin(deps, actor, 'manage DeskBridge admins');
  const say = (text: string) => reply({ kind: 'private-message', message: notice(text) });
  if (input.verb === 'list') {
    const added = listAddedAdmins(deps, actor);
    const always =
      input.surface.platform === 'slack' ? 'workspace admins and owners' : 'whoever first added me to a team';
    return say(
      added.length
        ? `DeskBridge admins here: ${always}, and ${added.map(input.mention).join(', ')}.`
        : `DeskBridge admins here: ${always}. Nobody else has been added.`,
    );
  }
  if (input.verb !== 'add' && input.verb !== 'remove') {
    const cmd = (command: string) => typedCommand(input.surface, `admins ${command}`);
    throw new DomainError(
      'invalid_input',
      `Use ${cmd('add @user')}, ${cmd('remove @user')} (or \`me\`) or ${cmd('list')}.`,
    );
  }
  const userId = await input.user();
  if (input.verb === 'add') {
    addAdmin(deps, { actor, userId });
    return say(`${input.mention(userId)} is now a DeskBridge admin here.`);
  }
  removeAdmin(deps, { actor, userId });
  return say(`${input.mention(userId)} is no longer a DeskBridge admin here.`);
}
