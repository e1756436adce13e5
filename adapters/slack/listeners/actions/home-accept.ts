import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { startAcceptByCode } from '../../../../src/flows/accept-wizard.ts';
import type { SlackContext } from '../../context.ts';
import { clickActor, clickSurface } from '../../interaction.ts';
import { answer } from '../../perform.ts';

export function homeAccept(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    await answer(
      ctx,
      clickSurface(payload, client, actor, respond),
      () => startAcceptByCode(ctx.deps, actor, null),
      'Accept invitation',
    );
  };
}
