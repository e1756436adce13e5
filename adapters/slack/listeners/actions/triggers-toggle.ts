import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { toggleTriggerFlow } from '../../../../src/flows/trigger-editor.ts';

/** Activate or Deactivate on a trigger of the triggers form. */
export function triggersToggle(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => toggleTriggerFlow(ctx.deps, actor, click.value));
}
