import {
  CardFactory,
  TeamsInfo,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type ConversationReference,
  type TaskModuleResponse,
  type TurnContext,
} from 'botbuilder';
import type { ChatActor } from '../../src/app/chat-actor.ts';
import { findPersonalConversation, findTeamsConversation, listTeamsChannels } from '../../src/app/teams-conversations.ts';
import { recallFormView, rememberFormView } from '../../src/app/teams-form-views.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { invitationPosted } from '../../src/flows/invitation-message.ts';
import { failureMessage, notice } from '../../src/flows/outcome.ts';
import type { Form, FormValues, Message } from '../../src/ui/model.ts';
import type { Effect, FlowResult, Reply } from '../../src/ui/replies.ts';
import type { TeamsContext } from './context.ts';
import { dialogOpeningActions } from './flows/actions.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, dialogTitle, formCard, messageCard, type AdaptiveCard, type CardMode } from './render/card.ts';

/**
 * Carrying out a flow's answer in Teams. Where the interaction came from decides the shape:
 * - a typed command: new cards in the conversation;
 * - a dialog (task/fetch, task/submit): the next step, or the same step with its errors, as the dialog's card;
 * - a card's Action.Execute: the card replaced in place. A card shared with a channel (an invitation, a notice) is
 *   never replaced by one person's step: the step goes into the conversation as a card of its own.
 */

const ACTIVITY_MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';

export function messageActivity(message: Message, extra: Partial<Activity> = {}): Partial<Activity> {
  return { type: 'message', summary: message.text.slice(0, 200), attachments: [CardFactory.adaptiveCard(messageCard(message, { dialogActions: dialogOpeningActions }))], ...extra };
}

function cardActivity(card: AdaptiveCard, summary: string): Partial<Activity> {
  return { type: 'message', summary: summary.slice(0, 200), attachments: [CardFactory.adaptiveCard(card)] };
}

/** Renders a form for this user and remembers it, so a submission with errors can be shown again. */
export function renderForm(ctx: TeamsContext, actor: ChatActor, form: Form, mode: CardMode, extra: { values?: FormValues; errors?: Record<string, string>; dialogCommand?: string } = {}): AdaptiveCard {
  const cardId = rememberFormView(ctx.deps, { tenantId: actor.tenantId, userId: actor.userId, form });
  const channels = form.items.some((i) => i.kind === 'channel')
    ? listTeamsChannels(ctx.deps, actor.tenantId).map((c) => ({ id: c.conversationId, name: c.name ?? c.conversationId }))
    : [];
  return formCard(form, { mode, cardId, channels, ...extra });
}

/** The submitted form again, with the submitted values and the errors next to their inputs. */
function formWithErrors(ctx: TeamsContext, actor: ChatActor, submitted: Submitted, errors: Record<string, string>, mode: CardMode): AdaptiveCard {
  const form = submitted.cardId ? recallFormView(ctx.deps, { id: submitted.cardId, tenantId: actor.tenantId, userId: actor.userId }) : null;
  if (!form) return messageCard(notice(`${Object.values(errors).join(' ')} (This form has expired; start again.)`));
  return renderForm(ctx, actor, form, mode, { values: submitted.values, errors });
}

export interface Submitted {
  cardId: string | null;
  values: FormValues;
}

function homeMessage(reply: Extract<Reply, { kind: 'home' }>): Message {
  return { kind: 'message', text: 'DeskBridge', items: reply.home.items };
}

const doneMessage = notice('Done.');

/** The answer to task/fetch or task/submit. */
export function dialogResponse(ctx: TeamsContext, actor: ChatActor, result: FlowResult, submitted: Submitted | null): TaskModuleResponse {
  const show = (card: AdaptiveCard, title = 'DeskBridge'): TaskModuleResponse => ({
    task: { type: 'continue', value: { title, width: 'medium', height: 'medium', card: CardFactory.adaptiveCard(card) } },
  });
  const r = result.reply;
  switch (r.kind) {
    case 'open-form':
    case 'show-form':
      return show(renderForm(ctx, actor, r.form, 'dialog'), dialogTitle(r.form));
    case 'field-errors':
      return show(submitted ? formWithErrors(ctx, actor, submitted, r.errors, 'dialog') : messageCard(notice(Object.values(r.errors).join(' '))));
    case 'private-message':
      return show(messageCard(r.message));
    case 'home':
      return show(messageCard(homeMessage(r)));
    case 'close':
    case 'none':
      return { task: { type: 'message', value: 'Done.' } };
  }
}

/** The answer to an Action.Execute. `submitted.cardId` is null for a click on a message card (shared with others). */
export async function inPlaceResponse(ctx: TeamsContext, turn: TurnContext, actor: ChatActor, result: FlowResult, submitted: Submitted): Promise<AdaptiveCardInvokeResponse> {
  const asCard = (card: AdaptiveCard): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card as never });
  const asMessage = (text: string): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: ACTIVITY_MESSAGE_TYPE, value: text.slice(0, 1000) as never });
  const r = result.reply;
  const onOwnCard = submitted.cardId !== null;
  switch (r.kind) {
    case 'open-form':
    case 'show-form': {
      const card = renderForm(ctx, actor, r.form, 'inline');
      if (onOwnCard) return asCard(card);
      await turn.sendActivity(cardActivity(card, r.form.title));
      return asMessage(`${r.form.title}: continue in the card below.`);
    }
    case 'field-errors':
      return onOwnCard ? asCard(formWithErrors(ctx, actor, submitted, r.errors, 'inline')) : asMessage(Object.values(r.errors).join(' '));
    case 'private-message': {
      if (onOwnCard) return asCard(messageCard(r.message));
      // A one-line answer (a refusal, a confirmation) is said to the clicker alone; a richer one is posted.
      const single = r.message.items.length === 1 && r.message.items[0]!.kind === 'markdown';
      if (!single) await turn.sendActivity(messageActivity(r.message));
      return asMessage(r.message.text);
    }
    case 'home':
      return onOwnCard ? asCard(messageCard(homeMessage(r))) : asMessage('DeskBridge');
    case 'close':
    case 'none':
      return onOwnCard ? asCard(messageCard(doneMessage)) : asMessage('Done.');
  }
}

/** The answer to a typed command: cards in the conversation. */
export async function conversationReply(ctx: TeamsContext, turn: TurnContext, actor: ChatActor, result: FlowResult, dialogCommand: string | null): Promise<void> {
  const r = result.reply;
  switch (r.kind) {
    case 'open-form':
    case 'show-form':
      await turn.sendActivity(cardActivity(renderForm(ctx, actor, r.form, 'inline', dialogCommand ? { dialogCommand } : {}), r.form.title));
      return;
    case 'private-message':
      await turn.sendActivity(messageActivity(r.message));
      return;
    case 'field-errors':
      await turn.sendActivity(messageActivity(notice(Object.values(r.errors).join(' '))));
      return;
    case 'home':
      await turn.sendActivity(messageActivity(homeMessage(r)));
      return;
    case 'close':
    case 'none':
      return;
  }
}

/** Runs a flow; a failure becomes the person-readable message (DomainError) or an apology with an error id. */
export async function guardedFlow(ctx: TeamsContext, flow: () => Promise<FlowResult> | FlowResult): Promise<FlowResult> {
  try {
    return await flow();
  } catch (error) {
    return { reply: { kind: 'private-message', message: failureMessage(error, ctx.logger) }, effects: [] };
  }
}

/** Effects go on after the invoke is answered (Teams waits for the answer, not for the channel post). */
export function performEffects(ctx: TeamsContext, actor: ChatActor, effects: Effect[]): void {
  if (effects.length === 0) return;
  const work = (async () => {
    for (const effect of effects) {
      try {
        await performEffect(ctx, actor, effect);
      } catch (error) {
        ctx.logger.warn({ err: error, effect: effect.kind }, 'teams effect failed');
        if (effect.kind === 'post-invitation') {
          const text = 'I could not post the invitation to that channel: add DeskBridge to its team, or send the code yourself; it is on the connection\'s status.';
          await notifyUser(ctx, actor.tenantId, actor.userId, notice(text)).catch(() => {});
        }
      }
    }
  })();
  ctx.background.add(work);
  void work.finally(() => ctx.background.delete(work));
}

/** Runs `logic` in a stored conversation (a proactive turn). */
export async function inConversation<T>(ctx: TeamsContext, conversationId: string, logic: (turn: TurnContext) => Promise<T>): Promise<T> {
  const conversation = findTeamsConversation(ctx.deps, conversationId);
  if (!conversation) throw new DomainError('not_found', 'DeskBridge has not been added to that channel or chat.');
  let out: T | undefined;
  await ctx.adapter.continueConversationAsync(ctx.appId, conversation.reference as Partial<ConversationReference>, async (turn) => {
    out = await logic(turn);
  });
  return out as T;
}

async function notifyUser(ctx: TeamsContext, tenantId: string, aadObjectId: string, message: Message): Promise<boolean> {
  const personal = findPersonalConversation(ctx.deps, { tenantId, aadObjectId });
  if (!personal) {
    ctx.logger.debug({ tenantId }, 'no personal chat with the user to notify');
    return false;
  }
  await inConversation(ctx, personal.conversationId, (turn) => turn.sendActivity(messageActivity(message)));
  return true;
}

async function performEffect(ctx: TeamsContext, actor: ChatActor, effect: Effect): Promise<void> {
  switch (effect.kind) {
    case 'post-invitation': {
      const posted = await inConversation(ctx, effect.channelId, async (turn) => {
        const sent = await turn.sendActivity(messageActivity(effect.message));
        return { id: sent?.id ?? null, tenants: await memberTenants(turn) };
      });
      if (!posted.id) return;
      invitationPosted(ctx.deps, actor, { connectionId: effect.connectionId, channelId: effect.channelId, messageRef: posted.id, partnerTenantIds: posted.tenants, code: effect.code });
      return;
    }
    case 'update-message':
      await inConversation(ctx, effect.channelId, (turn) => turn.updateActivity({ ...messageActivity(effect.message), id: effect.messageRef }));
      return;
    case 'notify-user':
      await notifyUser(ctx, actor.tenantId, effect.userId, effect.message);
      return;
    case 'refresh-home':
      // Teams has no App Home here: the dashboard is `@DeskBridge list`.
      return;
    default:
      ctx.logger.debug({ effect: effect.kind }, 'teams: effect not carried out on this platform');
  }
}

/** The tenants of a channel's members: in a shared channel, the partners' next to ours (ours is filtered out later). */
async function memberTenants(turn: TurnContext): Promise<string[]> {
  const tenants = new Set<string>();
  let continuationToken: string | undefined;
  try {
    do {
      const page = await TeamsInfo.getPagedMembers(turn, 500, continuationToken);
      for (const m of page.members) if (m.tenantId) tenants.add(m.tenantId);
      continuationToken = page.continuationToken || undefined;
    } while (continuationToken);
  } catch {
    // Members unknown: nobody but our own tenant may accept from this message.
  }
  return [...tenants];
}
