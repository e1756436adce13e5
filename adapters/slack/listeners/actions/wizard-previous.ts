import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { previousInitiateStep } from '../../../../src/flows/initiate-wizard.ts';
import type { SlackContext } from '../../context.ts';
import { clickActor } from '../../interaction.ts';
import { formValues } from '../../payloads.ts';
import { answer } from '../../perform.ts';

/** Previous in a wizard step: back one step, keeping what was typed on this one. */
export function wizardPrevious(ctx: SlackContext) {
  return async ({ ack, body, client }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const { payload, actor } = await clickActor(ctx, client, body);
    const view = payload.view;
    if (!view) return;
    await answer(ctx, { kind: 'modal', client, actor, viewId: view.id, hash: view.hash }, () =>
      previousInitiateStep(ctx.deps, actor, {
        step: view.callback_id,
        stateId: view.private_metadata,
        values: formValues(view.state),
      }),
    );
  };
}
