import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { addTriggerForm } from '../../../../src/flows/trigger-editor.ts';

/** Add trigger in the triggers form. */
export function triggersAdd(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => addTriggerForm(ctx.deps, actor, click.value));
}
