import { CardFactory, type Activity } from 'botbuilder';
import { chatUserOfRef, type ChatActor } from '../../src/domain/chat-actor.ts';
import { getApprovalRequest } from '../../src/app/approvals.ts';
import { findTeamsConversation, listTeamsChannels } from '../../src/app/teams-conversations.ts';
import { recallFormView, rememberFormView } from '../../src/app/teams-form-views.ts';
import { approverMris, findTeamsUser } from '../../src/app/teams-users.ts';
import { notice } from '../../src/flows/outcome.ts';
import { plainMention, type MentionRenderer } from '../../src/ui/mentions.ts';
import type { Form, FormValues, Message } from '../../src/ui/model.ts';
import type { TeamsContext } from './context.ts';
import { APPROVAL_REFRESH, approverOnlyActions, dialogOpeningActions } from './card-buttons.ts';
import { formCard, messageCard, type AdaptiveCard, type CardMode } from './render/card.ts';
import { plainText } from './render/text.ts';
import { DATA_KEY, type CardData } from './render/card-data.ts';

/**
 * The cards this adapter sends, from the one renderer (render/card.ts) plus what needs our records: names for
 * mentions, the channels a form offers, the stored form a submission with errors is shown again from, and the
 * approvers an approval card's user-specific view is for.
 */

/** Neutral mentions as Teams shows them: the names of the people and channels DeskBridge has seen. */
export function mentionsFor(ctx: TeamsContext): MentionRenderer {
  return (kind, value) => {
    if (kind === 'channel') return findTeamsConversation(ctx.deps, value)?.name ?? 'the channel';
    const user = chatUserOfRef(value);
    if (user?.platform === 'teams')
      return findTeamsUser(ctx.deps, { tenantId: user.tenantId, aadObjectId: user.userId })?.name ?? user.userId;
    return plainMention(kind, value);
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
 * A message as everyone in a conversation sees it. Where the client has user-specific views, an approval card shows
 * no decision buttons here: its `refresh` names the approvers (MRIs), whose Teams client asks for their own view
 * with the buttons (approval.refresh). Elsewhere (the Agents Playground) everyone sees the buttons, and each click
 * is checked against the approvers, as it always is.
 */
export function sharedMessageCard(ctx: TeamsContext, message: Message, channelId?: string): AdaptiveCard {
  const mentions = mentionsFor(ctx);
  const requestId = ctx.userSpecificViews ? approvalRequestOf(message) : null;
  const botName = ctx.botName;
  if (!requestId) return messageCard(message, { dialogActions: dialogOpeningActions, mentions, botName });
  const request = getApprovalRequest(ctx.deps, requestId);
  const tenantId = findTeamsConversation(ctx.deps, channelId ?? request.card?.channelId ?? '')?.tenantId ?? null;
  const data: CardData = { kind: 'action', action: APPROVAL_REFRESH, value: requestId };
  return messageCard(message, {
    hiddenActions: approverOnlyActions,
    mentions,
    botName,
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
  return messageCard(message, {
    dialogActions: dialogOpeningActions,
    mentions: mentionsFor(ctx),
    botName: ctx.botName,
  });
}

/** A message for a conversation (`channelId`: where it goes, when it is not the card's recorded place). */
export function messageActivity(ctx: TeamsContext, message: Message, channelId?: string): Partial<Activity> {
  return {
    type: 'message',
    summary: plainText(message.text, mentionsFor(ctx), ctx.botName).slice(0, 200),
    attachments: [CardFactory.adaptiveCard(sharedMessageCard(ctx, message, channelId))],
  };
}

export function cardActivity(card: AdaptiveCard, summary: string): Partial<Activity> {
  return { type: 'message', summary: plainText(summary).slice(0, 200), attachments: [CardFactory.adaptiveCard(card)] };
}

/** Renders a form for this user and remembers it, so a submission with errors can be shown again. */
export function renderForm(
  ctx: TeamsContext,
  actor: ChatActor,
  form: Form,
  mode: CardMode,
  extra: { values?: FormValues; errors?: Record<string, string>; dialogCommand?: string } = {},
): AdaptiveCard {
  const cardId = rememberFormView(ctx.deps, { tenantId: actor.tenantId, userId: actor.userId, form });
  const channels = form.items.some((i) => i.kind === 'channel')
    ? listTeamsChannels(ctx.deps, actor.tenantId).map((c) => ({
        id: c.conversationId,
        name: `${c.name ?? c.conversationId}${c.channelType === 'shared' ? ' (shared)' : ''}`,
      }))
    : [];
  return formCard(form, { mode, cardId, channels, mentions: mentionsFor(ctx), botName: ctx.botName, ...extra });
}

/** The submitted form again, with the submitted values and the errors next to their inputs. */
export function formWithErrors(
  ctx: TeamsContext,
  actor: ChatActor,
  submitted: Submitted,
  errors: Record<string, string>,
  mode: CardMode,
): AdaptiveCard {
  const form = submitted.cardId
    ? recallFormView<Form>(ctx.deps, { id: submitted.cardId, tenantId: actor.tenantId, userId: actor.userId })
    : null;
  if (!form)
    return messageCard(notice(`${Object.values(errors).join(' ')} (This form has expired; start again.)`), {
      mentions: mentionsFor(ctx),
      botName: ctx.botName,
    });
  return renderForm(ctx, actor, form, mode, { values: submitted.values, errors });
}

/** A message only the acting user is looking at (a dialog, their own card): its buttons as they are. */
export function ownMessageCard(ctx: TeamsContext, message: Message): AdaptiveCard {
  return messageCard(message, {
    dialogActions: dialogOpeningActions,
    mentions: mentionsFor(ctx),
    botName: ctx.botName,
  });
}

export interface Submitted {
  /** The stored form view the submission came from (null: a message card, or a form long gone). */
  cardId: string | null;
  values: FormValues;
}
