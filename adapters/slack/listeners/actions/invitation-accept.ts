import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { startAcceptFromMessage } from '../../../../src/flows/accept-wizard.ts';
import type { SlackContext } from '../../context.ts';
import { clickActor, clickSurface } from '../../interaction.ts';
import { answer } from '../../perform.ts';

/** Accept invitation, clicked on a posted invitation (usually by a partner, in a Slack Connect channel). */
export function invitationAccept(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    const surface = clickSurface(payload, client, actor, respond);
    const at = {
      channelId: payload.channel?.id ?? payload.container?.channel_id ?? '',
      messageRef: payload.message?.ts ?? payload.container?.message_ts ?? '',
      connectionId: payload.actions[0]!.value ?? '',
    };
    await answer(ctx, surface, () => startAcceptFromMessage(ctx.deps, actor, at), 'Accept invitation');
  };
}
