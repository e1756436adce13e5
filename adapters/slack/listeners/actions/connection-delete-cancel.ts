import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';

export function connectionDeleteCancel(_ctx: SlackContext) {
  return async ({ ack, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    await respond({ response_type: 'ephemeral', replace_original: true, text: 'Nothing was deleted.' });
  };
}
