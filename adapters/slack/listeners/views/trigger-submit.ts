import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { submitTriggerForm } from '../../../../src/flows/trigger-editor.ts';
import type { SlackContext } from '../../context.ts';
import { submitView } from '../../interaction.ts';
import { formValues } from '../../payloads.ts';

/** Save in the trigger form: the helpdesk checks the query; its refusal shows at the query field. */
export function triggerSubmit(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
  }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    await submitView(ctx, { ack: ack as never, body, client }, (actor, view) =>
      submitTriggerForm(ctx.deps, actor, { stateId: view.private_metadata, values: formValues(view.state) }),
    );
  };
}
