import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { saveDraftFromEditor } from '../../../../src/flows/rules-editor.ts';
import type { SlackContext } from '../../context.ts';
import { submitView } from '../../interaction.ts';
import { formValues } from '../../payloads.ts';

/** Save draft in the rules editor: a new version; the editor stays open with the outcome. */
export function rulesSaveSubmit(ctx: SlackContext) {
  return async ({
    ack,
    body,
    client,
  }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    await submitView(ctx, { ack: ack as never, body, client }, (actor, view) =>
      saveDraftFromEditor(ctx.deps, actor, { stateId: view.private_metadata, values: formValues(view.state) }),
    );
  };
}
