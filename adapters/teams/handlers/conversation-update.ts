import type { TurnContext } from 'botbuilder';
import { forgetTeamsConversation } from '../../../src/app/teams-conversations.ts';
import { claimTeamsTenant } from '../../../src/app/teams-users.ts';
import { conversationKey, rememberConversation, tenantOf } from '../activity.ts';
import type { TeamsContext } from '../context.ts';

/** The bot was added to a team, chat or channel (or a channel was renamed): keep the reference for posting later. */
export async function onConversationUpdate(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  rememberConversation(ctx.deps, turn.activity);
}

/** DeskBridge was installed: keep the reference; in a team, the installer may claim the tenant (src/app/teams-users.ts). */
export async function onInstallationAdd(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  rememberConversation(ctx.deps, turn.activity);
  const { from, conversation } = turn.activity;
  if (conversation.conversationType === 'channel' && from.aadObjectId) {
    const claimed = claimTeamsTenant(ctx.deps, {
      tenantId: tenantOf(turn.activity),
      aadObjectId: from.aadObjectId,
      mri: from.id,
      name: from.name ?? '',
    });
    if (claimed)
      ctx.logger.info(
        { tenantId: tenantOf(turn.activity) },
        'teams: the installer administers DeskBridge for the tenant',
      );
  }
}

/** DeskBridge was removed: its reference there is useless. */
export async function onInstallationRemove(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  forgetTeamsConversation(ctx.deps, conversationKey(turn.activity));
}
