import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { failureMessage, notice } from '../../../src/flows/outcome.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';
import { parseCommand, runCommand } from '../../../src/flows/command.ts';
import { findTeamsUser } from '../../../src/app/teams-users.ts';
import { actorOf, conversationKey, rememberConversation } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { guardedFlow, inPlaceResponse, performEffects } from '../perform.ts';
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
  let cardId: string | null = null;
  let submittedValues: FormValues = {};
  const result: FlowResult = await guardedFlow(ctx, () => {
    const action = executeAction.parse(value.action);
    const { data, values } = readCardSubmission(action.data);
    submittedValues = values;
    switch (data.kind) {
      case 'submit':
        cardId = data.card ?? null;
        return runSubmit(ctx, actorNow, data, values);
      case 'action':
        cardId = data.card ?? null;
        return runClick(ctx, turn, actorNow, data, values);
      case 'cancel':
        cardId = data.state ?? 'cancel'; // a form's own card: replaced in place
        return reply({ kind: 'private-message', message: notice('Cancelled.') });
      case 'command':
        return runCommand(ctx.deps, actorNow, parseCommand(data.command), {
          mentionedUserId: null,
          mention: (userId) => findTeamsUser(ctx.deps, { tenantId: actorNow.tenantId, aadObjectId: userId })?.name ?? userId,
          channelId: conversationKey(turn.activity),
        });
    }
  });
  const response = await inPlaceResponse(ctx, turn, actorNow, result, { cardId, values: submittedValues });
  performEffects(ctx, actorNow, result.effects);
  return response;
}
