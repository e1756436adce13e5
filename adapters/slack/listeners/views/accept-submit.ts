import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { submitAcceptStep } from '../../../../src/flows/accept-wizard.ts';
import type { SlackContext } from '../../context.ts';
import { submitView } from '../../interaction.ts';
import { formValues } from '../../payloads.ts';

export function acceptSubmit(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
  }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    await submitView(ctx, { ack: ack as never, body, client }, (actor, view) =>
      submitAcceptStep(ctx.deps, actor, {
        step: view.callback_id,
        stateId: view.private_metadata,
        values: formValues(view.state),
      }),
    );
  };
}
