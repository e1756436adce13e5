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
import { getApprovalRequest } from '../../src/app/approvals.ts';
import { findPersonalConversation, findTeamsConversation, listTeamsChannels } from '../../src/app/teams-conversations.ts';
import { recallFormView, rememberFormView } from '../../src/app/teams-form-views.ts';
import { approverMris, findTeamsUser } from '../../src/app/teams-users.ts';
import { approvalCardWasPosted } from '../../src/flows/approval-card.ts';
import type { MentionRenderer } from '../../src/ui/mentions.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { invitationPosted } from '../../src/flows/invitation-message.ts';
import { failureMessage, notice } from '../../src/flows/outcome.ts';
import type { Form, FormValues, Message } from '../../src/ui/model.ts';
import type { Effect, FlowResult, Reply } from '../../src/ui/replies.ts';
import type { TeamsContext } from './context.ts';
import { APPROVAL_REFRESH, approverOnlyActions, dialogOpeningActions } from './flows/actions.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, dialogTitle, formCard, messageCard, type AdaptiveCard, type CardMode } from './render/card.ts';
import { DATA_KEY, type CardData } from './render/card-data.ts';
import { safeError } from './log.ts';

/**
 * Carrying out a flow's answer in Teams. Where the interaction came from decides the shape:
 * - a typed command: new cards in the conversation;
 * - a dialog (task/fetch, task/submit): the next step, or the same step with its errors, as the dialog's card;
 * - a card's Action.Execute: the card replaced in place. A card shared with a channel (an invitation, a notice) is
 *   never replaced by one person's step: the step goes into the conversation as a card of its own.
 */

const ACTIVITY_MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';

/** Neutral mentions as Teams shows them: the names of the people and channels DeskBridge has seen. */
export function mentionsFor(ctx: TeamsContext): MentionRenderer {
  return (kind, value) => {
    if (kind === 'channel') return findTeamsConversation(ctx.deps, value)?.name ?? 'the channel';
    const teams = /^teams:([^/]+)\/(.+)$/.exec(value);
    if (teams) return findTeamsUser(ctx.deps, { tenantId: teams[1]!, aadObjectId: teams[2]! })?.name ?? teams[2]!;
    return /^[a-z]+:(?:[^/]+\/)?(.*)$/.exec(value)?.[1] ?? value;
  };
}

/** The request an approval card decides, when the message carries its decision buttons. */
function approvalRequestOf(message: Message): string | null {
  for (const item of message.items) {
    if (item.kind !== 'actions') continue;
    const decision = item.actions.find((a) => approverOnlyActions.has(a.id));
    if (decision?.value) return decision.value;
  }
  return null;
}

/**
 * A message as everyone in a conversation sees it. An approval card shows no decision buttons here: its `refresh`
 * names the approvers (MRIs), whose Teams client asks for their own view with the buttons (approval.refresh).
 */
export function sharedMessageCard(ctx: TeamsContext, message: Message, channelId?: string): AdaptiveCard {
  const mentions = mentionsFor(ctx);
  const requestId = approvalRequestOf(message);
  if (!requestId) return messageCard(message, { dialogActions: dialogOpeningActions, mentions });
  const request = getApprovalRequest(ctx.deps, requestId);
  const tenantId = findTeamsConversation(ctx.deps, channelId ?? request.card?.channelId ?? '')?.tenantId ?? null;
  const data: CardData = { kind: 'action', action: APPROVAL_REFRESH, value: requestId };
  return messageCard(message, {
    hiddenActions: approverOnlyActions,
    mentions,
    extra: {
      refresh: {
        action: { type: 'Action.Execute', title: 'Refresh', verb: APPROVAL_REFRESH, data: { [DATA_KEY]: data } },
        userIds: tenantId ? approverMris(ctx.deps, { instanceId: request.instanceId, tenantId }) : [],
      },
    },
  });
}

/** The approval card as an approver sees it: the decision buttons (Reject also in a dialog). */
export function approverCard(ctx: TeamsContext, message: Message): AdaptiveCard {
  return messageCard(message, { dialogActions: dialogOpeningActions, mentions: mentionsFor(ctx) });
}

/** A message for a conversation (`channelId`: where it goes, when it is not the card's recorded place). */
export function messageActivity(ctx: TeamsContext, message: Message, channelId?: string): Partial<Activity> {
  return { type: 'message', summary: message.text.slice(0, 200), attachments: [CardFactory.adaptiveCard(sharedMessageCard(ctx, message, channelId))] };
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
  return formCard(form, { mode, cardId, channels, mentions: mentionsFor(ctx), ...extra });
}

/** The submitted form again, with the submitted values and the errors next to their inputs. */
function formWithErrors(ctx: TeamsContext, actor: ChatActor, submitted: Submitted, errors: Record<string, string>, mode: CardMode): AdaptiveCard {
  const form = submitted.cardId ? recallFormView(ctx.deps, { id: submitted.cardId, tenantId: actor.tenantId, userId: actor.userId }) : null;
  if (!form) return messageCard(notice(`${Object.values(errors).join(' ')} (This form has expired; start again.)`), { mentions: mentionsFor(ctx) });
  return renderForm(ctx, actor, form, mode, { values: submitted.values, errors });
}

export interface Submitted {
  /** The stored form view the submission came from (null: a message card, or a form long gone). */
  cardId: string | null;
  values: FormValues;
}

function homeMessage(reply: Extract<Reply, { kind: 'home' }>): Message {
  return { kind: 'message', text: 'DeskBridge', items: reply.home.items };
}

const doneMessage = notice('Done.');

/** A message only the acting user is looking at (a dialog, their own card): its buttons as they are. */
function ownMessageCard(ctx: TeamsContext, message: Message): AdaptiveCard {
  return messageCard(message, { dialogActions: dialogOpeningActions, mentions: mentionsFor(ctx) });
}

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
      return show(submitted ? formWithErrors(ctx, actor, submitted, r.errors, 'dialog') : ownMessageCard(ctx, notice(Object.values(r.errors).join(' '))));
    case 'private-message':
      return show(ownMessageCard(ctx, r.message));
    case 'home':
      return show(ownMessageCard(ctx, homeMessage(r)));
    case 'close':
    case 'none':
      return { task: { type: 'message', value: 'Done.' } };
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
  const asCard = (card: AdaptiveCard): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card as never });
  const asMessage = (text: string): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: ACTIVITY_MESSAGE_TYPE, value: text.slice(0, 1000) as never });
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
      return onOwnCard ? asCard(formWithErrors(ctx, actor, submitted, r.errors, 'inline')) : asMessage(Object.values(r.errors).join(' '));
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
      const same = result.effects.find((e): e is Extract<Effect, { kind: 'update-message' }> => e.kind === 'update-message' && e.channelId === at.channelId && e.messageRef === at.messageRef);
      if (same) return asCard(sharedMessageCard(ctx, same.message));
      return onOwnCard ? asCard(ownMessageCard(ctx, doneMessage)) : asMessage('Done.');
    }
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
        ctx.logger.warn({ error: safeError(error), effect: effect.kind }, 'teams effect failed');
        if (effect.kind === 'post-invitation') {
          const text = 'I could not post the invitation to that channel: add DeskBridge to its team, or send the code yourself; it is on the connection\'s status.';
          await notifyUser(ctx, actor.tenantId, actor.userId, notice(text)).catch(() => {});
        }
        if (effect.kind === 'post-approval-card') {
          const text = 'I could not post the approval card to the approvers channel: add DeskBridge to its team. The request is recorded; an admin can set another channel with `approvers channel` in a channel I am in.';
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
  // botbuilder hands a failing turn to onTurnError, which logs and swallows it: a proactive caller needs the failure
  // itself (a 403 or 429 for the poller, a post that did not happen), so it is caught here and thrown on.
  let out = { error: new Error('the proactive turn did not run') } as { value: T } | { error: unknown };
  await ctx.adapter.continueConversationAsync(ctx.appId, conversation.reference as Partial<ConversationReference>, async (turn) => {
    try {
      out = { value: await logic(turn) };
    } catch (error) {
      out = { error };
    }
  });
  if ('error' in out) throw out.error;
  return out.value;
}

async function notifyUser(ctx: TeamsContext, tenantId: string, aadObjectId: string, message: Message): Promise<boolean> {
  const personal = findPersonalConversation(ctx.deps, { tenantId, aadObjectId });
  if (!personal) {
    ctx.logger.debug({ tenantId }, 'no personal chat with the user to notify');
    return false;
  }
  await inConversation(ctx, personal.conversationId, (turn) => turn.sendActivity(messageActivity(ctx, message)));
  return true;
}

async function performEffect(ctx: TeamsContext, actor: ChatActor, effect: Effect): Promise<void> {
  switch (effect.kind) {
    case 'post-invitation': {
      const posted = await inConversation(ctx, effect.channelId, async (turn) => {
        const sent = await turn.sendActivity(messageActivity(ctx, effect.message));
        return { id: sent?.id ?? null, tenants: await memberTenants(turn) };
      });
      if (!posted.id) return;
      invitationPosted(ctx.deps, actor, { connectionId: effect.connectionId, channelId: effect.channelId, messageRef: posted.id, partnerTenantIds: posted.tenants, code: effect.code });
      return;
    }
    case 'update-message':
      await inConversation(ctx, effect.channelId, (turn) => turn.updateActivity({ ...messageActivity(ctx, effect.message, effect.channelId), id: effect.messageRef }));
      return;
    case 'post-approval-card': {
      const sent = await inConversation(ctx, effect.channelId, (turn) => turn.sendActivity(messageActivity(ctx, effect.message, effect.channelId)));
      if (sent?.id) approvalCardWasPosted(ctx.deps, actor, { requestId: effect.requestId, channelId: effect.channelId, messageRef: sent.id });
      return;
    }
    case 'send-file': {
      // Bots send files in Teams only through a consent card flow; a script is short enough to be shown instead.
      const shown = effect.content.length > 20_000 ? `${effect.content.slice(0, 20_000)}\n… (truncated: ${effect.content.length} characters)` : effect.content;
      const message: Message = { kind: 'message', text: effect.title, items: [{ kind: 'heading', text: effect.title }, { kind: 'note', text: effect.filename }, { kind: 'code', text: shown }] };
      if (!(await notifyUser(ctx, actor.tenantId, effect.userId, message))) throw new Error('no personal chat with the user');
      return;
    }
    case 'track-progress':
      return trackProgress(ctx, actor, effect);
    case 'notify-user':
      await notifyUser(ctx, actor.tenantId, effect.userId, effect.message);
      return;
    case 'refresh-home':
      // Teams has no App Home here: the dashboard is `@DeskBridge list`.
      return;
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

/**
 * A progress message, updated in place until the job says it is done: in the channel, or in the personal chat of
 * the user. The timer does not keep the process alive; a failed update is logged and retried at the next tick.
 */
async function trackProgress(ctx: TeamsContext, actor: ChatActor, effect: Extract<Effect, { kind: 'track-progress' }>): Promise<void> {
  const conversationId = effect.channelId ?? findPersonalConversation(ctx.deps, { tenantId: actor.tenantId, aadObjectId: effect.userId })?.conversationId;
  if (!conversationId) throw new Error('no conversation to post the progress in');
  const first = effect.poll();
  const posted = await inConversation(ctx, conversationId, (turn) => turn.sendActivity(messageActivity(ctx, first.message)));
  if (!posted?.id || first.done) return;
  const id = posted.id;
  const until = Date.now() + effect.timeoutMs;
  let last = JSON.stringify(first.message);
  const tick = async (): Promise<void> => {
    let reading;
    try {
      reading = effect.poll();
    } catch (error) {
      ctx.logger.warn({ error: safeError(error) }, 'teams: progress poll failed');
      return;
    }
    const rendered = JSON.stringify(reading.message);
    if (rendered !== last || reading.done) {
      try {
        await inConversation(ctx, conversationId, (turn) => turn.updateActivity({ ...messageActivity(ctx, reading.message), id }));
        last = rendered;
      } catch (error) {
        ctx.logger.warn({ error: safeError(error) }, 'teams: progress update failed');
      }
    }
    if (!reading.done && Date.now() < until) schedule();
  };
  const schedule = () => {
    setTimeout(() => void tick(), effect.intervalMs).unref();
  };
  schedule();
}
