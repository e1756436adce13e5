import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { testRunFromEditor } from '../../../../src/flows/rules-editor.ts';

/** Test run in the rules editor: the scripts as typed, against the entities named. */
export function rulesTestRun(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => testRunFromEditor(ctx.deps, actor, click));
}
