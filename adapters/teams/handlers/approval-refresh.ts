import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue } from 'botbuilder';
import { z } from 'zod';
import { getApprovalRequest } from '../../../src/app/approvals.ts';
import type { ChatActor } from '../../../src/domain/chat-actor.ts';
import { isTeamsApprover } from '../../../src/app/teams-users.ts';
import { approvalCard } from '../../../src/flows/approval-card.ts';
import { failureMessage } from '../../../src/flows/outcome.ts';
import { approverCard, sharedMessageCard } from '../cards.ts';
import type { TeamsContext } from '../context.ts';
import { APPROVAL_REFRESH } from '../card-buttons.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE } from '../render/card.ts';
import { readCardSubmission } from './values.ts';

export const executeAction = z.object({
  type: z.literal('Action.Execute'),
  verb: z.string().max(200).optional(),
  data: z.unknown(),
});

/**
 * An approval card's refresh (Teams asks on behalf of each user in `refresh.userIds`, and on manual refresh): an
 * approver of the request's instance, checked by tenant and AAD object id now, gets the view with Approve and
 * Reject; anyone else the card as everyone sees it. Deciding checks the approver again.
 */
export function approvalRefresh(
  ctx: TeamsContext,
  actor: ChatActor,
  value: AdaptiveCardInvokeValue,
): AdaptiveCardInvokeResponse | null {
  const parsed = executeAction.safeParse(value.action);
  if (!parsed.success || parsed.data.verb !== APPROVAL_REFRESH) return null;
  try {
    const { data } = readCardSubmission(parsed.data.data);
    if (data.kind !== 'action' || !data.value) return null;
    const request = getApprovalRequest(ctx.deps, data.value);
    const message = approvalCard(request);
    const card =
      request.status === 'pending' && isTeamsApprover(ctx.deps, actor, request.instanceId)
        ? approverCard(ctx, message)
        : sharedMessageCard(ctx, message);
    return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card as never };
  } catch (error) {
    return {
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: failureMessage(error, ctx.logger).text as never,
    };
  }
}
