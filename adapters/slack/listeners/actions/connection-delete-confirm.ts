import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { deleteConnectionFlow } from '../../../../src/flows/connections.ts';
import { guarded } from '../../../../src/flows/outcome.ts';
import type { SlackContext } from '../../context.ts';
import { clickActor } from '../../interaction.ts';
import { performEffects } from '../../perform.ts';
import { renderMessage } from '../../render/message.ts';

/** Delete, confirmed on the question `/bridge delete` asked: the question is replaced by the outcome. */
export function connectionDeleteConfirm(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    const result = await guarded(ctx.logger, () =>
      deleteConnectionFlow(ctx.deps, actor, payload.actions[0]!.value ?? ''),
    );
    if (result.reply.kind === 'private-message')
      await respond({ response_type: 'ephemeral', replace_original: true, ...renderMessage(result.reply.message) });
    await performEffects(ctx, client, actor, result.effects);
  };
}
