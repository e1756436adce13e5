import type { AdaptiveCardInvokeResponse, TaskModuleResponse, TurnContext } from 'botbuilder';
import { CardFactory } from 'botbuilder';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import { doneNotice, notice } from '../../src/flows/outcome.ts';
import type { Message } from '../../src/ui/model.ts';
import type { Effect, FlowResult, Reply } from '../../src/ui/replies.ts';
import {
  cardActivity,
  formWithErrors,
  mentionsFor,
  messageActivity,
  ownMessageCard,
  renderForm,
  sharedMessageCard,
  type Submitted,
} from './cards.ts';
import type { TeamsContext } from './context.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, dialogTitle, type AdaptiveCard } from './render/card.ts';
import { plainText } from './render/text.ts';

/**
 * Carrying out a flow's answer in Teams. Where the interaction came from decides the shape:
 * - a typed command: new cards in the conversation;
 * - a dialog (task/fetch, task/submit): the next step, or the same step with its errors, as the dialog's card;
 * - a card's Action.Execute: the card replaced in place. A card shared with a channel (an invitation, a notice) is
 *   never replaced by one person's step: the step goes into the conversation as a card of its own.
 */

const ACTIVITY_MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';

function homeMessage(reply: Extract<Reply, { kind: 'home' }>): Message {
  return { kind: 'message', text: 'DeskBridge', items: reply.home.items };
}

/** The answer to task/fetch or task/submit. */
export function dialogResponse(
  ctx: TeamsContext,
  actor: ChatActor,
  result: FlowResult,
  submitted: Submitted | null,
): TaskModuleResponse {
  const show = (card: AdaptiveCard, title = 'DeskBridge'): TaskModuleResponse => ({
    task: {
      type: 'continue',
      value: { title, width: 'medium', height: 'medium', card: CardFactory.adaptiveCard(card) },
    },
  });
  const r = result.reply;
  switch (r.kind) {
    case 'open-form':
    case 'show-form':
      return show(renderForm(ctx, actor, r.form, 'dialog'), dialogTitle(r.form));
    case 'field-errors':
      return show(
        submitted
          ? formWithErrors(ctx, actor, submitted, r.errors, 'dialog')
          : ownMessageCard(ctx, notice(Object.values(r.errors).join(' '))),
      );
    case 'private-message':
      return show(ownMessageCard(ctx, r.message));
    case 'home':
      return show(ownMessageCard(ctx, homeMessage(r)));
    case 'close':
    case 'none':
      return { task: { type: 'message', value: doneNotice().text } };
  }
}

/**
 * The answer to an Action.Execute. `ownCard`: the card is the acting user's own (a wizard step, a list they asked
 * for), so the answer replaces it; otherwise it is shared with the conversation (an invitation, a notice).
 */
export async function inPlaceResponse(
  ctx: TeamsContext,
  turn: TurnContext,
  actor: ChatActor,
  result: FlowResult,
  submitted: Submitted & { ownCard: boolean },
  at: { channelId: string; messageRef: string },
): Promise<AdaptiveCardInvokeResponse> {
  const asCard = (card: AdaptiveCard): AdaptiveCardInvokeResponse => ({
    statusCode: 200,
    type: ADAPTIVE_CARD_CONTENT_TYPE,
    value: card as never,
  });
  // A neutral text shown as is: its mentions become names, as in a card.
  const asMessage = (text: string): AdaptiveCardInvokeResponse => ({
    statusCode: 200,
    type: ACTIVITY_MESSAGE_TYPE,
    value: plainText(text, mentionsFor(ctx), ctx.botName).slice(0, 1000) as never,
  });
  const r = result.reply;
  const onOwnCard = submitted.ownCard;
  switch (r.kind) {
    case 'open-form':
    case 'show-form': {
      const card = renderForm(ctx, actor, r.form, 'inline');
      if (onOwnCard) return asCard(card);
      await turn.sendActivity(cardActivity(card, r.form.title));
      return asMessage(`${r.form.title}: continue in the card below.`);
    }
    case 'field-errors':
      return onOwnCard
        ? asCard(formWithErrors(ctx, actor, submitted, r.errors, 'inline'))
        : asMessage(Object.values(r.errors).join(' '));
    case 'private-message': {
      if (onOwnCard) return asCard(ownMessageCard(ctx, r.message));
      // A one-line answer (a refusal, a confirmation) is said to the clicker alone; a richer one is posted.
      const single = r.message.items.length === 1 && r.message.items[0]!.kind === 'markdown';
      if (!single) await turn.sendActivity(messageActivity(ctx, r.message));
      return asMessage(r.message.text);
    }
    case 'home':
      return onOwnCard ? asCard(ownMessageCard(ctx, homeMessage(r))) : asMessage('DeskBridge');
    case 'close':
    case 'none': {
      // A decision on a shared card (an approval) updates that very card: the clicker sees it at once, everyone
      // else through the update the effects make.
      const same = result.effects.find(
        (e): e is Extract<Effect, { kind: 'update-message' }> =>
          e.kind === 'update-message' && e.channelId === at.channelId && e.messageRef === at.messageRef,
      );
      if (same) return asCard(sharedMessageCard(ctx, same.message));
      return onOwnCard ? asCard(ownMessageCard(ctx, doneNotice())) : asMessage(doneNotice().text);
    }
  }
}

/** The answer to a typed command: cards in the conversation. */
export async function conversationReply(
  ctx: TeamsContext,
  turn: TurnContext,
  actor: ChatActor,
  result: FlowResult,
  dialogCommand: string | null,
): Promise<void> {
  const r = result.reply;
  switch (r.kind) {
    case 'open-form':
    case 'show-form':
      await turn.sendActivity(
        cardActivity(renderForm(ctx, actor, r.form, 'inline', dialogCommand ? { dialogCommand } : {}), r.form.title),
      );
      return;
    case 'private-message':
      await turn.sendActivity(messageActivity(ctx, r.message));
      return;
    case 'field-errors':
      await turn.sendActivity(messageActivity(ctx, notice(Object.values(r.errors).join(' '))));
      return;
    case 'home':
      await turn.sendActivity(messageActivity(ctx, homeMessage(r)));
      return;
    case 'close':
    case 'none':
      return;
  }
}
