import type { SlackContext } from '../../context.ts';
import { redrawClick } from '../../clicks.ts';
import { handleSyncErrorFlow } from '../../../../src/flows/sync-errors.ts';

/** Retry on a sync error: the list is redrawn in place. */
export function syncErrorRetry(ctx: SlackContext) {
  return redrawClick(ctx, (actor, value) => handleSyncErrorFlow(ctx.deps, actor, { value, verb: 'retry' }));
}
