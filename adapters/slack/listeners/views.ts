import type { App, ViewSubmitAction } from '@slack/bolt';
import { formFlows, runForm } from '../../../src/flows/interactions.ts';
import type { SlackContext } from '../context.ts';
import { submitView } from '../interaction.ts';
import { formValues } from '../payloads.ts';
import { exactIds } from './exact-ids.ts';

/**
 * One Bolt listener for every modal step DeskBridge submits (the table in src/flows), by callback_id (see
 * exactIds): the step is the view's callback_id, its state the private_metadata.
 */
export function registerViews(app: App, ctx: SlackContext): void {
  app.view<ViewSubmitAction>(
    { type: 'view_submission', callback_id: exactIds(formFlows.keys()) },
    async ({ ack, body, client }) => {
      await submitView(ctx, { ack: ack as never, body, client }, (actor, view) =>
        runForm(ctx.deps, actor, {
          step: view.callback_id,
          stateId: view.private_metadata,
          values: formValues(view.state),
        }),
      );
    },
  );
}
