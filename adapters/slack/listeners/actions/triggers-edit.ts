import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { editTriggerForm } from '../../../../src/flows/trigger-editor.ts';

/** Edit on a trigger of the triggers form. */
export function triggersEdit(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => editTriggerForm(ctx.deps, actor, click.value));
}
