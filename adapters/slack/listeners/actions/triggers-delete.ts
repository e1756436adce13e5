import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { deleteTriggerFlow } from '../../../../src/flows/trigger-editor.ts';

/** Delete (confirmed) on a trigger of the triggers form. */
export function triggersDelete(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => deleteTriggerFlow(ctx.deps, actor, click.value));
}
