import type { SlackContext } from '../../context.ts';
import { messageClick } from '../../clicks.ts';
import { approveFromCard } from '../../../../src/flows/approval-card.ts';

/** Approve on an approval card: only approvers; the card is updated in place and the requester told. */
export function approvalApprove(ctx: SlackContext) {
  return messageClick(ctx, (actor, click) => approveFromCard(ctx.deps, actor, click.value));
}
