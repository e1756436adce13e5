import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import { buttonFlows, cancelForm } from '../../../src/flows/interactions.ts';
import { guarded } from '../../../src/flows/outcome.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import type { FlowResult } from '../../../src/ui/replies.ts';
import { parseCommand, runCommand } from '../../../src/flows/command.ts';
import { actorOrRefusal, conversationKey, rememberConversation } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { performEffects } from '../effects.ts';
import { inPlaceResponse } from '../responses.ts';
import { approvalRefresh, executeAction } from './approval-refresh.ts';
import { runClick, runSubmit } from './click.ts';
import { commandContext } from './command-context.ts';
import { readCardSubmission } from './values.ts';

/**
 * An Action.Execute (Universal Actions, `adaptiveCard/action`): a form step or a button on a card in a conversation.
 * The answer replaces the card in place; it is how the wizards run where there are no dialogs.
 */
export async function onCardAction(
  ctx: TeamsContext,
  turn: TurnContext,
  value: AdaptiveCardInvokeValue,
): Promise<AdaptiveCardInvokeResponse> {
  rememberConversation(ctx.deps, turn.activity);
  const who = actorOrRefusal(ctx.deps, ctx.logger, turn.activity);
  if ('refusal' in who)
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: who.refusal.text as never };
  const { actor } = who;
  const refresh = approvalRefresh(ctx, actor, value);
  if (refresh) return refresh;
  let cardId: string | null = null;
  let ownCard = false;
  let submittedValues: FormValues = {};
  const result: FlowResult = await guarded(ctx.logger, () => {
    const action = executeAction.parse(value.action);
    const { data, values } = readCardSubmission(action.data);
    submittedValues = values;
    switch (data.kind) {
      case 'submit':
        cardId = data.card ?? null;
        ownCard = true;
        return runSubmit(ctx, actor, data, values);
      case 'action':
        // A button on a form is on the user's own card; a button whose answer redraws its message (a list with row
        // actions, a question) makes the card the clicker's own: the invoke answer replaces it for them alone.
        cardId = data.card ?? null;
        ownCard = cardId !== null || buttonFlows.get(data.action)?.redraws === true;
        return runClick(ctx, turn, actor, data, values);
      case 'cancel':
        ownCard = true;
        return cancelForm();
      case 'command':
        return runCommand(ctx.deps, actor, parseCommand(data.command), commandContext(ctx, turn, actor));
    }
  });
  const at = { channelId: conversationKey(turn.activity), messageRef: turn.activity.replyToId ?? '' };
  const response = await inPlaceResponse(ctx, turn, actor, result, { cardId, values: submittedValues, ownCard }, at);
  performEffects(ctx, actor, result.effects);
  return response;
}
