import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { failureMessage, notice } from '../../../src/flows/outcome.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';
import { parseCommand, runCommand } from '../../../src/flows/command.ts';
import { findTeamsUser } from '../../../src/app/teams-users.ts';
import { getApprovalRequest } from '../../../src/app/approvals.ts';
import { isTeamsApprover } from '../../../src/app/teams-users.ts';
import { approvalCard } from '../../../src/flows/approval-card.ts';
import type { ChatActor } from '../../../src/app/chat-actor.ts';
import { actorOf, conversationKey, rememberConversation } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { APPROVAL_REFRESH, redrawActions } from '../flows/actions.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE } from '../render/card.ts';
import { approverCard, sharedMessageCard } from '../cards.ts';
import { performEffects } from '../effects.ts';
import { guardedFlow, inPlaceResponse } from '../responses.ts';
import { runClick, runSubmit } from './click.ts';
import { readCardSubmission } from './values.ts';

const executeAction = z.object({ type: z.literal('Action.Execute'), verb: z.string().max(200).optional(), data: z.unknown() });

/**
 * An Action.Execute (Universal Actions, `adaptiveCard/action`): a form step or a button on a card in a conversation.
 * The answer replaces the card in place; it is how the wizards run where there are no dialogs.
 */
export async function onCardAction(ctx: TeamsContext, turn: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
  rememberConversation(ctx.deps, turn.activity);
  let actor;
  try {
    actor = actorOf(ctx.deps, turn.activity);
  } catch (error) {
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: failureMessage(error, ctx.logger).text as never };
  }
  const actorNow = actor;
  const refresh = approvalRefresh(ctx, actorNow, value);
  if (refresh) return refresh;
  let cardId: string | null = null;
  let ownCard = false;
  let submittedValues: FormValues = {};
  const result: FlowResult = await guardedFlow(ctx, () => {
    const action = executeAction.parse(value.action);
    const { data, values } = readCardSubmission(action.data);
    submittedValues = values;
    switch (data.kind) {
      case 'submit':
        cardId = data.card ?? null;
        ownCard = true;
        return runSubmit(ctx, actorNow, data, values);
      case 'action':
        // A button on a form is on the user's own card; so is a list with row actions (sync errors), redrawn in place.
        cardId = data.card ?? null;
        ownCard = cardId !== null || redrawActions.has(data.action);
        return runClick(ctx, turn, actorNow, data, values);
      case 'cancel':
        ownCard = true;
        return reply({ kind: 'private-message', message: notice('Cancelled.') });
      case 'command':
        return runCommand(ctx.deps, actorNow, parseCommand(data.command), {
          mentionedUserId: null,
          mention: (userId) => findTeamsUser(ctx.deps, { tenantId: actorNow.tenantId, aadObjectId: userId })?.name ?? userId,
          channelId: conversationKey(turn.activity),
        });
    }
  });
  const at = { channelId: conversationKey(turn.activity), messageRef: turn.activity.replyToId ?? '' };
  const response = await inPlaceResponse(ctx, turn, actorNow, result, { cardId, values: submittedValues, ownCard }, at);
  performEffects(ctx, actorNow, result.effects);
  return response;
}

/**
 * An approval card's refresh (Teams asks on behalf of each user in `refresh.userIds`, and on manual refresh): an
 * approver of the request's instance, checked by tenant and AAD object id now, gets the view with Approve and
 * Reject; anyone else the card as everyone sees it. Deciding checks the approver again.
 */
function approvalRefresh(ctx: TeamsContext, actor: ChatActor, value: AdaptiveCardInvokeValue): AdaptiveCardInvokeResponse | null {
  const parsed = executeAction.safeParse(value.action);
  if (!parsed.success || parsed.data.verb !== APPROVAL_REFRESH) return null;
  try {
    const { data } = readCardSubmission(parsed.data.data);
    if (data.kind !== 'action' || !data.value) return null;
    const request = getApprovalRequest(ctx.deps, data.value);
    const message = approvalCard(request);
    const card = request.status === 'pending' && isTeamsApprover(ctx.deps, actor, request.instanceId) ? approverCard(ctx, message) : sharedMessageCard(ctx, message);
    return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card as never };
  } catch (error) {
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: failureMessage(error, ctx.logger).text as never };
  }
}
