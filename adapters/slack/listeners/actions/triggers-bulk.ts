import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { bulkSyncFlow } from '../../../../src/flows/trigger-editor.ts';

/** Sync existing matches: a bulk sync whose progress message is updated in place. */
export function triggersBulk(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => bulkSyncFlow(ctx.deps, actor, click.value));
}
