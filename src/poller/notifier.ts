import type { ChatPlatform } from '../domain/chat-actor.ts';
import type { Message } from '../ui/model.ts';

/** Where a notice goes: the channel, and the workspace whose app installation posts it. */
export interface ChannelRef {
  tenantId: string;
  channelId: string;
}

export type SendResult =
  | { kind: 'sent' }
  /** The platform asked us to wait (Slack 429 Retry-After): this channel's queue waits, the others go on. */
  | { kind: 'retry-after'; ms: number }
  /** `permanent`: trying again cannot help (the channel is gone, we were removed). */
  | { kind: 'failed'; error: string; permanent: boolean };

/**
 * The port status notices leave through: one implementation per chat platform (adapters/slack/notifier.ts; Teams
 * later, through stored conversation references). It renders the neutral message its platform's way.
 */
export interface Notifier {
  readonly platform: ChatPlatform;
  send(channel: ChannelRef, message: Message): Promise<SendResult>;
}
