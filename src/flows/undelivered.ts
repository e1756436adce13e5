import type { Message } from '../ui/model.ts';
import type { Effect } from '../ui/replies.ts';
import { approvalCardNotPosted } from './approval-card.ts';
import type { ChatSurface } from './help.ts';
import { invitationNotPosted } from './invitation-message.ts';

/**
 * What the acting user is told when an effect of their flow could not be carried out (the bot is not in the channel
 * it was to post to); null where a failure needs no word (an update, a progress message).
 */
export function undeliveredNotice(surface: ChatSurface, effect: Effect): Message | null {
  switch (effect.kind) {
    case 'post-invitation':
      return invitationNotPosted(surface, effect);
    case 'post-approval-card':
      return approvalCardNotPosted(surface, effect);
    default:
      return null;
  }
}
