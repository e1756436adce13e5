import type { ChannelRef, Notifier, SendResult } from '../../src/poller/notifier.ts';
import type { Message } from '../../src/ui/model.ts';
import type { TeamsContext } from './context.ts';
import { messageActivity } from './cards.ts';
import { inConversation } from './proactive.ts';
import { findTeamsConversation } from '../../src/app/teams-conversations.ts';
import { isDomainError } from '../../src/domain/errors.ts';

/**
 * The poller's status notices into Teams channels, through the conversation references stored when DeskBridge was
 * added or spoken to there. Teams' throttling (429, also 412/502/504) comes back as retry-after, so one busy channel
 * waits alone; a 403 (the app was removed or blocked, `MessageWritesBlocked`) or a 404 is permanent.
 */
export function teamsNotifier(ctx: TeamsContext): Notifier {
  return {
    platform: 'teams',
    async send(channel: ChannelRef, message: Message): Promise<SendResult> {
      const conversation = findTeamsConversation(ctx.deps, channel.channelId);
      if (!conversation || conversation.tenantId !== channel.tenantId) {
        return {
          kind: 'failed',
          error: `DeskBridge has no conversation reference for ${channel.channelId}: add it to that channel again.`,
          permanent: true,
        };
      }
      try {
        await inConversation(ctx, channel.channelId, (turn) =>
          turn.sendActivity(messageActivity(ctx, message, channel.channelId)),
        );
        return { kind: 'sent' };
      } catch (error) {
        // Refused before any post (a reference to a connector DeskBridge does not post to): it stays refused.
        if (isDomainError(error)) return { kind: 'failed', error: error.message, permanent: true };
        const e = error as {
          statusCode?: number;
          response?: { headers?: { get?(name: string): string | undefined } };
          message?: string;
        };
        const status = e.statusCode ?? 0;
        if (status === 429 || status === 412 || status === 502 || status === 504) {
          const retryAfter = Number(e.response?.headers?.get?.('retry-after') ?? '');
          return { kind: 'retry-after', ms: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 2000 };
        }
        return {
          kind: 'failed',
          error: `Teams refused the post (${status || 'no status'}): ${e.message ?? String(error)}`.slice(0, 500),
          permanent: status === 403 || status === 404,
        };
      }
    },
  };
}
