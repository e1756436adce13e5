import type { Attachment, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { MAX_SCRIPT_BYTES, receiveRulesFile } from '../../../src/flows/rules-editor.ts';
import { actorOf } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { safeError } from '../log.ts';
import { messageActivity } from '../cards.ts';

/** What Teams puts in a message for a file the user sent the bot in the personal chat (manifest `supportsFiles`). */
export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';
const downloadInfo = z.object({ downloadUrl: z.url(), fileType: z.string().optional() });

export function fileAttachment(turn: TurnContext): Attachment | null {
  return (turn.activity.attachments ?? []).find((a) => a.contentType === FILE_DOWNLOAD_INFO) ?? null;
}

/**
 * A file sent in the personal chat: when its sender has a `rules upload` window open, it becomes a script draft
 * (the same flow as Slack's file_shared). The download URL is Teams' pre-authorized one; only https is fetched,
 * except in local mode, where every caller is this machine. Reading stops past the largest script.
 */
export async function onFileUpload(
  ctx: TeamsContext,
  turn: TurnContext,
  attachment: Attachment,
  options: { allowHttp: boolean },
): Promise<void> {
  const actor = actorOf(ctx.deps, turn.activity);
  const info = downloadInfo.safeParse(attachment.content);
  if (!info.success) return;
  const url = new URL(info.data.downloadUrl);
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) return;
  let content = '';
  let size = 0;
  try {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(15_000) });
    if (!response.ok || !response.body) throw new Error(`download failed: ${response.status}`);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > MAX_SCRIPT_BYTES) break;
      chunks.push(Buffer.from(chunk));
    }
    content = size > MAX_SCRIPT_BYTES ? '' : Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    ctx.logger.warn({ error: safeError(error) }, 'teams: could not download a shared file');
    return;
  }
  const message = receiveRulesFile(ctx.deps, actor, { name: attachment.name ?? 'file', content, size });
  if (message) await turn.sendActivity(messageActivity(ctx, message));
}
