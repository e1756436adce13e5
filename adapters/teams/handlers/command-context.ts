import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { ChatActor } from '../../../src/domain/chat-actor.ts';
import { findTeamsUser, recordTeamsUser, teamsUsersOf } from '../../../src/app/teams-users.ts';
import type { CommandContext } from '../../../src/flows/command.ts';
import type { FindPeople } from '../../../src/flows/named-user.ts';
import { conversationKey } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { safeError } from '../log.ts';

/** Member pages read for one typed name (Teams' members API pages through large teams). */
const MAX_MEMBER_PAGES = 10;

/** What the neutral dispatcher needs of a Teams conversation: people by name, and where the command was typed. */
export function commandContext(
  ctx: TeamsContext,
  turn: TurnContext,
  actor: ChatActor,
  mentioned: { userId?: string | null; channelId?: string | null } = {},
): CommandContext {
  return {
    // The bot's name is whatever this Teams client calls it ("Test Bot" in the Agents Playground).
    surface: { platform: 'teams', botName: turn.activity.recipient?.name?.trim() || 'DeskBridge' },
    mentionedUserId: mentioned.userId ?? null,
    findPeople: tenantPeople(ctx, turn, actor),
    mention: (userId) => findTeamsUser(ctx.deps, { tenantId: actor.tenantId, aadObjectId: userId })?.name ?? userId,
    channelId: conversationKey(turn.activity),
    mentionedChannelId: mentioned.channelId ?? null,
  };
}

/**
 * People of the actor's tenant by name: the members of this conversation (its team, in a channel) from Teams'
 * members API, and the users DeskBridge has seen. A partner in a shared channel is of another tenant and never
 * matches. The people found are recorded, so their names and MRIs are known from then on.
 */
function tenantPeople(ctx: TeamsContext, turn: TurnContext, actor: ChatActor): FindPeople {
  return async (isNamed) => {
    const found = new Set<string>();
    for (const user of teamsUsersOf(ctx.deps, actor.tenantId)) if (isNamed([user.name])) found.add(user.aadObjectId);
    try {
      let continuationToken: string | undefined;
      for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
        const result = await TeamsInfo.getPagedMembers(turn, undefined, continuationToken);
        for (const member of result.members ?? []) {
          if (!member.aadObjectId || (member.tenantId && member.tenantId !== actor.tenantId)) continue;
          const names = [member.name, member.email, member.userPrincipalName].filter((n): n is string => Boolean(n));
          if (!isNamed(names)) continue;
          recordTeamsUser(ctx.deps, {
            tenantId: actor.tenantId,
            aadObjectId: member.aadObjectId,
            mri: member.id,
            name: member.name ?? '',
          });
          found.add(member.aadObjectId);
        }
        continuationToken = result.continuationToken || undefined;
        if (!continuationToken) break;
      }
    } catch (error) {
      // Without the members API (a client that has none), the users DeskBridge has seen still count.
      ctx.logger.warn({ error: safeError(error) }, 'teams: could not list the members to find a typed name');
    }
    return [...found];
  };
}
