import type { TurnContext } from 'botbuilder';
import type { ChatActor } from '../../../src/app/chat-actor.ts';
import { findTeamsUser } from '../../../src/app/teams-users.ts';
import type { CommandContext } from '../../../src/flows/command.ts';
import { conversationKey } from '../activity.ts';
import type { TeamsContext } from '../context.ts';

/** What the neutral dispatcher needs of a Teams conversation: people by name, and where the command was typed. */
export function commandContext(
  ctx: TeamsContext,
  turn: TurnContext,
  actor: ChatActor,
  mentioned: { userId?: string | null; channelId?: string | null } = {},
): CommandContext {
  return {
    mentionedUserId: mentioned.userId ?? null,
    mention: (userId) => findTeamsUser(ctx.deps, { tenantId: actor.tenantId, aadObjectId: userId })?.name ?? userId,
    channelId: conversationKey(turn.activity),
    mentionedChannelId: mentioned.channelId ?? null,
  };
}
