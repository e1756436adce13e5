import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { submitRejectReason } from '../../../../src/flows/approval-card.ts';
import type { SlackContext } from '../../context.ts';
import { submitView } from '../../interaction.ts';
import { formValues } from '../../payloads.ts';

/** The reason for a rejection, submitted: the request is rejected, the card updated and the requester told. */
export function approvalRejectSubmit(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
  }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    await submitView(ctx, { ack: ack as never, body, client }, (actor, view) =>
      submitRejectReason(ctx.deps, actor, { stateId: view.private_metadata, values: formValues(view.state) }),
    );
  };
}
