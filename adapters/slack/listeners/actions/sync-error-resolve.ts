import type { SlackContext } from '../../context.ts';
import { redrawClick } from '../../clicks.ts';
import { handleSyncErrorFlow } from '../../../../src/flows/sync-errors.ts';

/** Resolve on a sync error: the list is redrawn in place. */
export function syncErrorResolve(ctx: SlackContext) {
  return redrawClick(ctx, (actor, value) => handleSyncErrorFlow(ctx.deps, actor, { value, verb: 'resolve' }));
}
