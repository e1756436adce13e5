import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { startInitiate } from '../../../../src/flows/initiate-wizard.ts';
import type { SlackContext } from '../../context.ts';
import { clickActor, clickSurface } from '../../interaction.ts';
import { answer } from '../../perform.ts';

export function homeInitiate(ctx: SlackContext) {
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
      () => startInitiate(ctx.deps, actor),
      'Initiate connection',
    );
  };
}
