import { z } from 'zod';
import type { FormValues } from '../../src/ui/model.ts';

/** The parts of Slack's payloads DeskBridge reads, checked at the boundary. Slack sends more; we ignore the rest. */

const id = z.string().min(1).max(255);

export const commandPayload = z.object({
  command: z.string(),
  text: z.string().default(''),
  team_id: id,
  user_id: id,
  user_name: z.string().optional(),
  channel_id: id.optional(),
  trigger_id: z.string().min(1),
  response_url: z.string().optional(),
});

const user = z.object({ id, team_id: id.optional(), name: z.string().optional(), username: z.string().optional() });

const viewState = z.object({
  values: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({
        type: z.string(),
        value: z.string().nullish(),
        selected_option: z.object({ value: z.string() }).nullish(),
        selected_options: z.array(z.object({ value: z.string() })).nullish(),
        selected_conversation: z.string().nullish(),
        selected_channel: z.string().nullish(),
      }),
    ),
  ),
});

const view = z.object({
  id,
  hash: z.string().optional(),
  type: z.string(),
  callback_id: z.string().default(''),
  private_metadata: z.string().default(''),
  team_id: z.string().nullish(),
  app_installed_team_id: z.string().nullish(),
  state: viewState.optional(),
});

export const viewSubmissionPayload = z.object({
  type: z.literal('view_submission'),
  team: z.object({ id }).nullish(),
  user,
  view,
});

export const blockActionPayload = z.object({
  type: z.literal('block_actions'),
  team: z.object({ id }).nullish(),
  user,
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  channel: z.object({ id }).nullish(),
  message: z.object({ ts: z.string() }).nullish(),
  container: z
    .object({ type: z.string(), message_ts: z.string().optional(), channel_id: z.string().optional() })
    .nullish(),
  view: view.nullish(),
  actions: z.array(z.object({ action_id: id, value: z.string().max(2000).optional() })).min(1),
});

/** A modal's submitted inputs as neutral form values, keyed by the block id (our field id). */
export function formValues(state: z.infer<typeof viewState> | undefined): FormValues {
  const values: FormValues = {};
  for (const [blockId, actions] of Object.entries(state?.values ?? {})) {
    for (const input of Object.values(actions)) {
      const value =
        input.value ??
        input.selected_option?.value ??
        input.selected_conversation ??
        input.selected_channel ??
        (input.selected_options && input.selected_options.length > 0
          ? input.selected_options.map((o) => o.value).join(',')
          : null);
      values[blockId] = value === null || value === undefined || value === '' ? undefined : value;
    }
  }
  return values;
}

/** `file_shared` (Events API): which file, shared by whom. */
export const fileSharedEvent = z.object({
  type: z.literal('file_shared'),
  file_id: id,
  user_id: id,
  channel_id: z.string().optional(),
});

/** files.info: what DeskBridge needs to download a shared script. */
export const fileInfo = z.object({
  id,
  name: z.string().default('file'),
  size: z.number().int().nonnegative(),
  url_private_download: z.string().url(),
});
