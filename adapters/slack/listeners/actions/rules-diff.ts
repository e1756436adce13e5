import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { diffFromHistory } from '../../../../src/flows/rules-editor.ts';

/** Diff of one version against the one before it. */
export function rulesDiff(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => diffFromHistory(ctx.deps, actor, click));
}
