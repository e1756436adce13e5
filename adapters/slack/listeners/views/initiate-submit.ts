import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { submitInitiateStep } from '../../../../src/flows/initiate-wizard.ts';
import type { SlackContext } from '../../context.ts';
import { submitView } from '../../interaction.ts';
import { formValues } from '../../payloads.ts';

/** Any step of the initiate wizard; the step is the view's callback_id, the wizard id its private_metadata. */
export function initiateSubmit(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
  }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    await submitView(ctx, { ack: ack as never, body, client }, (actor, view) =>
      submitInitiateStep(ctx.deps, actor, {
        step: view.callback_id,
        stateId: view.private_metadata,
        values: formValues(view.state),
      }),
    );
  };
}
