import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { MAX_SCRIPT_BYTES, receiveRulesFile } from '../../../../src/flows/rules-editor.ts';
import type { SlackContext } from '../../context.ts';
import { fileInfo, fileSharedEvent } from '../../payloads.ts';
import { renderMessage } from '../../render/message.ts';

/**
 * A file was shared: when its owner has a `rules upload` window open, it is read (files.info, then the private URL
 * with the bot token) and saved as a script draft; the outcome goes to the user's DM. Other files are ignored.
 */
export function fileShared(ctx: SlackContext) {
  return async ({
    event,
    body,
    client,
    context,
  }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'file_shared'>): Promise<void> => {
    const shared = fileSharedEvent.safeParse(event);
    if (!shared.success) return;
    const teamId = (body as { team_id?: string }).team_id ?? context.teamId ?? '';
    const actor = await ctx.actors.resolve(client, { id: shared.data.user_id, teamId });
    const info = fileInfo.parse((await client.files.info({ file: shared.data.file_id })).file);
    // A file bigger than any script is refused by the flow unread (it only needs the size).
    let content = '';
    if (info.size <= MAX_SCRIPT_BYTES) {
      const response = await fetch(info.url_private_download, {
        headers: { authorization: `Bearer ${client.token ?? ''}` },
      });
      if (!response.ok) throw new Error(`downloading ${info.id} failed: ${response.status}`);
      content = await response.text();
    }
    const message = receiveRulesFile(ctx.deps, actor, { name: info.name, content, size: info.size });
    if (message) await client.chat.postMessage({ channel: actor.userId, ...renderMessage(message) });
  };
}
