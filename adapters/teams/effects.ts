import { TeamsInfo, TurnContext, type ConversationParameters, type ConversationReference } from 'botbuilder';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import {
  findPersonalConversation,
  rememberTeamsConversation,
  tenantServiceUrl,
  type TeamsConversation,
} from '../../src/app/teams-conversations.ts';
import { findTeamsUser } from '../../src/app/teams-users.ts';
import { approvalCardWasPosted } from '../../src/flows/approval-card.ts';
import { invitationPosted } from '../../src/flows/invitation-message.ts';
import { undeliveredNotice } from '../../src/flows/undelivered.ts';
import type { Message } from '../../src/ui/model.ts';
import { followProgress } from '../../src/ui/progress.ts';
import type { Effect } from '../../src/ui/replies.ts';
import { messageActivity } from './cards.ts';
import type { TeamsContext } from './context.ts';
import { safeError } from './log.ts';
import { inConversation } from './proactive.ts';

/** Effects go on after the invoke is answered (Teams waits for the answer, not for the channel post). */
export function performEffects(ctx: TeamsContext, actor: ChatActor, effects: Effect[]): void {
  if (effects.length === 0) return;
  const work = (async () => {
    for (const effect of effects) {
      try {
        await performEffect(ctx, actor, effect);
      } catch (error) {
        ctx.logger.warn({ error: safeError(error), effect: effect.kind }, 'teams effect failed');
        const told = undeliveredNotice({ platform: 'teams', botName: ctx.botName }, effect);
        if (told) await notifyUser(ctx, actor.tenantId, actor.userId, told).catch(() => {});
      }
    }
  })();
  ctx.background.add(work);
  void work.finally(() => ctx.background.delete(work));
}

/** Runs `logic` in a stored conversation (a proactive turn). */
async function notifyUser(
  ctx: TeamsContext,
  tenantId: string,
  aadObjectId: string,
  message: Message,
): Promise<boolean> {
  const personal =
    findPersonalConversation(ctx.deps, { tenantId, aadObjectId }) ??
    (await openPersonalChat(ctx, tenantId, aadObjectId));
  if (!personal) {
    ctx.logger.debug({ tenantId }, 'no personal chat with the user to notify');
    return false;
  }
  await inConversation(ctx, personal.conversationId, (turn) => turn.sendActivity(messageActivity(ctx, message)));
  return true;
}

/**
 * A 1:1 chat with a user who never wrote to DeskBridge personally, created through the Bot Connector (Teams allows
 * it when the app is installed where the user is), and remembered like any other conversation.
 */
async function openPersonalChat(
  ctx: TeamsContext,
  tenantId: string,
  aadObjectId: string,
): Promise<TeamsConversation | null> {
  const user = findTeamsUser(ctx.deps, { tenantId, aadObjectId });
  const serviceUrl = tenantServiceUrl(ctx.deps, tenantId);
  if (!user || !serviceUrl) return null;
  const parameters = {
    isGroup: false,
    members: [{ id: user.mri, name: user.name }],
    tenantId,
    channelData: { tenant: { id: tenantId } },
  } as ConversationParameters;
  let created: TeamsConversation | null = null;
  // The audience is left to botbuilder (undefined: the Bot Framework channel scope), which the type does not admit.
  await ctx.adapter.createConversationAsync(
    ctx.appId,
    'msteams',
    serviceUrl,
    undefined as unknown as string,
    parameters,
    async (turn) => {
      const reference = TurnContext.getConversationReference(turn.activity) as ConversationReference;
      created = {
        conversationId: reference.conversation.id,
        tenantId,
        kind: 'personal',
        teamId: null,
        name: null,
        channelType: null,
        userAadObjectId: aadObjectId,
        reference: JSON.parse(
          JSON.stringify({
            ...reference,
            conversation: { ...reference.conversation, conversationType: 'personal', tenantId },
          }),
        ) as Record<string, unknown>,
      };
    },
  );
  if (created) rememberTeamsConversation(ctx.deps, created);
  return created;
}

async function performEffect(ctx: TeamsContext, actor: ChatActor, effect: Effect): Promise<void> {
  switch (effect.kind) {
    case 'post-invitation': {
      const posted = await inConversation(ctx, effect.channelId, async (turn) => {
        const sent = await turn.sendActivity(messageActivity(ctx, effect.message));
        return { id: sent?.id ?? null, tenants: await memberTenants(turn) };
      });
      if (!posted.id) return;
      invitationPosted(ctx.deps, actor, {
        connectionId: effect.connectionId,
        channelId: effect.channelId,
        messageRef: posted.id,
        partnerTenantIds: posted.tenants,
        code: effect.code,
      });
      return;
    }
    case 'update-message':
      await inConversation(ctx, effect.channelId, (turn) =>
        turn.updateActivity({ ...messageActivity(ctx, effect.message, effect.channelId), id: effect.messageRef }),
      );
      return;
    case 'post-approval-card': {
      const sent = await inConversation(ctx, effect.channelId, (turn) =>
        turn.sendActivity(messageActivity(ctx, effect.message, effect.channelId)),
      );
      if (sent?.id)
        approvalCardWasPosted(ctx.deps, actor, {
          requestId: effect.requestId,
          channelId: effect.channelId,
          messageRef: sent.id,
        });
      return;
    }
    case 'send-file': {
      // Bots send files in Teams only through a consent card flow; a script is short enough to be shown instead.
      const shown =
        effect.content.length > 20_000
          ? `${effect.content.slice(0, 20_000)}\n… (truncated: ${effect.content.length} characters)`
          : effect.content;
      const message: Message = {
        kind: 'message',
        text: effect.title,
        items: [
          { kind: 'heading', text: effect.title },
          { kind: 'note', text: effect.filename },
          { kind: 'code', text: shown },
        ],
      };
      if (!(await notifyUser(ctx, actor.tenantId, effect.userId, message)))
        throw new Error('no personal chat with the user');
      return;
    }
    case 'track-progress':
      return trackProgress(ctx, actor, effect);
    case 'notify-user':
      await notifyUser(ctx, actor.tenantId, effect.userId, effect.message);
      return;
    case 'refresh-home':
      // Teams has no App Home here: the dashboard is `@DeskBridge list`.
      return;
  }
}

/** The tenants of a channel's members: in a shared channel, the partners' next to ours (ours is filtered out later). */
async function memberTenants(turn: TurnContext): Promise<string[]> {
  const tenants = new Set<string>();
  let continuationToken: string | undefined;
  try {
    do {
      const page = await TeamsInfo.getPagedMembers(turn, 500, continuationToken);
      for (const m of page.members) if (m.tenantId) tenants.add(m.tenantId);
      continuationToken = page.continuationToken || undefined;
    } while (continuationToken);
  } catch {
    // Members unknown: nobody but our own tenant may accept from this message.
  }
  return [...tenants];
}

/**
 * A progress message, updated in place until the job says it is done: in the channel, or in the personal chat of
 * the user. The timer does not keep the process alive; a failed update is logged and retried at the next tick.
 */
async function trackProgress(
  ctx: TeamsContext,
  actor: ChatActor,
  effect: Extract<Effect, { kind: 'track-progress' }>,
): Promise<void> {
  const conversationId =
    effect.channelId ??
    findPersonalConversation(ctx.deps, { tenantId: actor.tenantId, aadObjectId: effect.userId })?.conversationId;
  if (!conversationId) throw new Error('no conversation to post the progress in');
  const first = effect.poll();
  const posted = await inConversation(ctx, conversationId, (turn) =>
    turn.sendActivity(messageActivity(ctx, first.message)),
  );
  const id = posted?.id;
  if (!id || first.done) return;
  followProgress(
    effect,
    first.message,
    async (message) => {
      await inConversation(ctx, conversationId, (turn) =>
        turn.updateActivity({ ...messageActivity(ctx, message), id }),
      );
    },
    (error, what) => ctx.logger.warn({ error: safeError(error) }, `teams: progress ${what} failed`),
  );
}
