import { ErrorCode, WebClient, type WebClientOptions } from '@slack/web-api';
import type { ChannelRef, Notifier, SendResult } from '../../src/poller/notifier.ts';
import type { Message } from '../../src/ui/model.ts';
import { renderMessage } from './render/message.ts';

/** Slack errors that another attempt cannot fix: the channel is gone or closed to us, or the token is. */
const permanentErrors = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'restricted_action',
  'team_access_not_granted',
]);

/**
 * Status notices into Slack channels. No WebClient retries: a 429 comes back to the poller's per-channel queue as
 * Retry-After, so one busy channel waits alone instead of the client pausing every post for up to half an hour.
 */
export function slackNotifier(options: {
  botTokenOf: (teamId: string) => string | null;
  apiUrl: string | null;
}): Notifier {
  const clientOptions: WebClientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  };
  const clients = new Map<string, WebClient>();
  return {
    platform: 'slack',
    async send(channel: ChannelRef, message: Message): Promise<SendResult> {
      const token = options.botTokenOf(channel.tenantId);
      if (!token)
        return {
          kind: 'failed',
          error: `DeskBridge is not installed in workspace ${channel.tenantId}.`,
          permanent: true,
        };
      let client = clients.get(token);
      if (!client) {
        client = new WebClient(token, clientOptions);
        clients.set(token, client);
      }
      try {
        await client.chat.postMessage({ channel: channel.channelId, ...renderMessage(message), unfurl_links: false });
        return { kind: 'sent' };
      } catch (error) {
        const e = error as { code?: string; retryAfter?: number; data?: { error?: string }; message?: string };
        if (e.code === ErrorCode.RateLimitedError)
          return { kind: 'retry-after', ms: Math.max(1, e.retryAfter ?? 1) * 1000 };
        if (e.code === ErrorCode.PlatformError) {
          const code = e.data?.error ?? 'unknown_error';
          return { kind: 'failed', error: `Slack refused the post: ${code}`, permanent: permanentErrors.has(code) };
        }
        return { kind: 'failed', error: e.message ?? String(error), permanent: false };
      }
    },
  };
}
