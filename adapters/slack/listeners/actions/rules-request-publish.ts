import type { SlackContext } from '../../context.ts';
import { modalClick } from '../../clicks.ts';
import { requestPublishFromEditor } from '../../../../src/flows/rules-editor.ts';

/** Request publish in the rules editor: saved as a draft if changed, then sent to the approvers. */
export function rulesRequestPublish(ctx: SlackContext) {
  return modalClick(ctx, (actor, click) => requestPublishFromEditor(ctx.deps, actor, click));
}
