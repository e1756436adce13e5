import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ChatActor } from '../../src/app/chat-actor.ts';
import { guarded } from '../../src/flows/outcome.ts';
import type { FormValues } from '../../src/ui/model.ts';
import type { FlowResult } from '../../src/ui/replies.ts';
import type { SlackContext } from './context.ts';
import { clickActor, clickSurface } from './interaction.ts';
import { formValues } from './payloads.ts';
import { answer, performEffects } from './perform.ts';
import { renderMessage } from './render/message.ts';

type ClickArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>;

/** What a click inside a modal hands its flow: the form's state id, what is typed in it now, the button's value. */
export interface ModalClick {
  stateId: string;
  values: FormValues;
  value: string;
}

/** A button inside a modal: the flow's answer replaces the modal's view. */
export function modalClick(
  ctx: SlackContext,
  flow: (actor: ChatActor, click: ModalClick) => FlowResult | Promise<FlowResult>,
) {
  return async ({ ack, body, client }: ClickArgs): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    const view = payload.view;
    if (!view) return;
    const click = {
      stateId: view.private_metadata,
      values: formValues(view.state),
      value: payload.actions[0]!.value ?? '',
    };
    await answer(ctx, { kind: 'modal', client, actor, viewId: view.id, hash: view.hash }, () => flow(actor, click));
  };
}

/** What a click on a channel message hands its flow. */
export interface MessageClick {
  value: string;
  channelId: string;
  messageRef: string;
}

/** A button on a message (an approval card): answers and refusals go to the clicker only. */
export function messageClick(
  ctx: SlackContext,
  flow: (actor: ChatActor, click: MessageClick) => FlowResult | Promise<FlowResult>,
) {
  return async ({ ack, body, client, respond }: ClickArgs): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    const surface = clickSurface(payload, client, actor, respond);
    const click = {
      value: payload.actions[0]!.value ?? '',
      channelId: payload.channel?.id ?? payload.container?.channel_id ?? '',
      messageRef: payload.message?.ts ?? payload.container?.message_ts ?? '',
    };
    await answer(ctx, surface, () => flow(actor, click));
  };
}

/** A button on a private message that redraws that message in place (a list with row actions). */
export function redrawClick(
  ctx: SlackContext,
  flow: (actor: ChatActor, value: string) => FlowResult | Promise<FlowResult>,
) {
  return async ({ ack, body, client, respond }: ClickArgs): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    const result = await guarded(ctx.logger, () => flow(actor, payload.actions[0]!.value ?? ''));
    if (result.reply.kind === 'private-message')
      await respond({ response_type: 'ephemeral', replace_original: true, ...renderMessage(result.reply.message) });
    await performEffects(ctx, client, actor, result.effects);
  };
}
