import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buttonFlows, runButton, type Click } from '../../src/flows/interactions.ts';
import { guarded } from '../../src/flows/outcome.ts';
import type { SlackContext } from './context.ts';
import { clickActor, clickSurface, type BlockActionPayload } from './interaction.ts';
import { formValues } from './payloads.ts';
import { answer, performEffects } from './perform.ts';
import { renderMessage } from './render/message.ts';

type ClickArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>;

/** A click as the flows take it: the modal it is in (its step, state and inputs), and the message it is on. */
export function clickOf(payload: BlockActionPayload): Click {
  const view = payload.view;
  return {
    value: payload.actions[0]!.value ?? '',
    form:
      view && view.type !== 'home'
        ? { step: view.callback_id, stateId: view.private_metadata, values: formValues(view.state) }
        : null,
    at: {
      channelId: payload.channel?.id ?? payload.container?.channel_id ?? '',
      messageRef: payload.message?.ts ?? payload.container?.message_ts ?? '',
    },
  };
}

/**
 * Every button: acknowledged first, then the flow the table in src/flows names for its action_id. The answer goes
 * where the click was (the modal's view replaced, a reply to the clicker), or, for a button whose answer redraws
 * its message (an ephemeral list or question), replaces that message.
 */
export function onClick(ctx: SlackContext) {
  return async ({ ack, body, client, respond }: ClickArgs): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    const actionId = payload.actions[0]!.action_id;
    const button = buttonFlows.get(actionId);
    const run = () => runButton(ctx.deps, actor, actionId, clickOf(payload));
    if (button?.redraws) {
      const result = await guarded(ctx.logger, run);
      if (result.reply.kind === 'private-message')
        await respond({ response_type: 'ephemeral', replace_original: true, ...renderMessage(result.reply.message) });
      await performEffects(ctx, client, actor, result.effects);
      return;
    }
    await answer(ctx, clickSurface(payload, client, actor, respond), run, button?.opens);
  };
}
