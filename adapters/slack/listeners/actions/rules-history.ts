import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { historyFromEditor } from '../../../../src/flows/rules-editor.ts';

/** History: the rule versions with author, approver and times. */
export function rulesHistory(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => historyFromEditor(ctx.deps, actor, { stateId: click.value }));
}
