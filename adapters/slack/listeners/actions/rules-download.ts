import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { downloadFromEditor } from '../../../../src/flows/rules-editor.ts';

/** Download scripts: both scripts as files in the user's DM. */
export function rulesDownload(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => downloadFromEditor(ctx.deps, actor, click));
}
