import type { SlackContext } from '../../context.ts';
import { messageClick } from '../../clicks.ts';
import { resyncFromCard } from '../../../../src/flows/approval-card.ts';

/** Re-sync now on an approved card: a bulk sync whose progress is posted in the card's channel. */
export function approvalResync(ctx: SlackContext) {
  return messageClick(ctx, (actor, click) =>
    resyncFromCard(ctx.deps, actor, { requestId: click.value, channelId: click.channelId || null }),
  );
}
