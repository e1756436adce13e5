import type { SlackContext } from '../../context.ts';
import { messageClick } from '../../clicks.ts';
import { askRejectReason } from '../../../../src/flows/approval-card.ts';

/** Reject on an approval card: asks for the reason in a form. */
export function approvalReject(ctx: SlackContext) {
  return messageClick(ctx, (actor, click) => askRejectReason(ctx.deps, actor, click.value));
}
