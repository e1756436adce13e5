import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { rollbackFromHistory } from '../../../../src/flows/rules-editor.ts';

/** Roll back: a new version with an earlier version's scripts, sent for approval. */
export function rulesRollback(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => rollbackFromHistory(ctx.deps, actor, click));
}
