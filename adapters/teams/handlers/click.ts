import type { TurnContext } from 'botbuilder';
import type { ChatActor } from '../../../src/domain/chat-actor.ts';
import { runButton, runForm } from '../../../src/flows/interactions.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import type { FlowResult } from '../../../src/ui/replies.ts';
import { conversationKey } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import type { CardData } from '../render/card-data.ts';

/** A button: its flow, with where the card is taken from the activity (a channel and the message's id). */
export function runClick(
  ctx: TeamsContext,
  turn: TurnContext,
  actor: ChatActor,
  data: Extract<CardData, { kind: 'action' }>,
  values: FormValues,
): Promise<FlowResult> | FlowResult {
  return runButton(ctx.deps, actor, data.action, {
    value: data.value ?? '',
    form: data.form && data.state ? { step: data.form, stateId: data.state, values } : null,
    at: { channelId: conversationKey(turn.activity), messageRef: turn.activity.replyToId ?? '' },
  });
}

/** A form step: the flow registered for the form id. */
export function runSubmit(
  ctx: TeamsContext,
  actor: ChatActor,
  data: Extract<CardData, { kind: 'submit' }>,
  values: FormValues,
): Promise<FlowResult> | FlowResult {
  return runForm(ctx.deps, actor, { step: data.form, stateId: data.state ?? '', values });
}
