import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { backToEditor } from '../../../../src/flows/rules-editor.ts';

/** Back from the history to the editor. */
export function rulesBack(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => backToEditor(ctx.deps, actor, click));
}
