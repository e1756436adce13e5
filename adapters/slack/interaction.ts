import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { z } from 'zod';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import type { FlowResult, Reply } from '../../src/ui/replies.ts';
import type { SlackContext } from './context.ts';
import { ANSWER_WITHIN_MS, withinDeadline } from './deadline.ts';
import { blockActionPayload, viewSubmissionPayload } from './payloads.ts';
import { perform, performEffects, type Surface } from './perform.ts';
import { messageModal, renderForm, workingModal } from './render/form.ts';
import { guarded } from '../../src/flows/outcome.ts';

export type BlockActionPayload = z.infer<typeof blockActionPayload>;

/** The acting user of a click: their own workspace is user.team_id (a partner's differs from ours). */
export async function clickActor(
  ctx: SlackContext,
  client: WebClient,
  body: unknown,
): Promise<{ payload: BlockActionPayload; actor: ChatActor }> {
  const payload = blockActionPayload.parse(body);
  const teamId = payload.user.team_id ?? payload.team?.id ?? '';
  const actor = await ctx.actors.resolve(client, {
    id: payload.user.id,
    teamId,
    name: payload.user.name ?? payload.user.username,
  });
  return { payload, actor };
}

/** Where a click happened: a modal, the Home tab or a message in a channel. */
export function clickSurface(
  payload: BlockActionPayload,
  client: WebClient,
  actor: ChatActor,
  respond: RespondFn,
): Surface {
  if (payload.view?.type === 'home') return { kind: 'home', client, actor, triggerId: payload.trigger_id ?? null };
  if (payload.view) return { kind: 'modal', client, actor, viewId: payload.view.id, hash: payload.view.hash };
  const channelId = payload.channel?.id ?? payload.container?.channel_id ?? '';
  return {
    kind: 'message',
    client,
    actor,
    triggerId: payload.trigger_id ?? null,
    channelId,
    respond: payload.response_url ? respond : null,
  };
}

type ViewAck = (response?: Record<string, unknown>) => Promise<void>;

/**
 * A modal step was submitted. The answer (next step, inline errors, close) goes back in the acknowledgement, so the
 * flow runs first; if it might outlast Slack's 3 seconds, a "working" view is acknowledged and replaced afterwards.
 */
export async function submitView(
  ctx: SlackContext,
  args: { ack: ViewAck; body: unknown; client: WebClient },
  flow: (actor: ChatActor, view: z.infer<typeof viewSubmissionPayload>['view']) => Promise<FlowResult> | FlowResult,
): Promise<void> {
  const payload = viewSubmissionPayload.parse(args.body);
  const teamId = payload.user.team_id ?? payload.team?.id ?? payload.view.team_id ?? '';
  const actor = await ctx.actors.resolve(args.client, {
    id: payload.user.id,
    teamId,
    name: payload.user.name ?? payload.user.username,
  });
  const work = guarded(ctx.logger, () => flow(actor, payload.view));
  const raced = await withinDeadline(work, ANSWER_WITHIN_MS + 500);
  if (raced.done) {
    await args.ack(ackFor(raced.value.reply));
    await performEffects(ctx, args.client, actor, raced.value.effects);
    return;
  }
  await args.ack({ response_action: 'update', view: workingModal('DeskBridge') });
  await perform(
    ctx,
    { kind: 'modal', client: args.client, actor, viewId: payload.view.id, hash: undefined },
    await raced.later,
  );
}

function ackFor(reply: Reply): Record<string, unknown> | undefined {
  switch (reply.kind) {
    case 'open-form':
    case 'show-form':
      return { response_action: 'update', view: renderForm(reply.form) };
    case 'field-errors':
      return { response_action: 'errors', errors: reply.errors };
    case 'close':
      return { response_action: 'clear' };
    case 'private-message':
      return { response_action: 'update', view: messageModal('DeskBridge', reply.message) };
    case 'home':
    case 'none':
      return undefined;
  }
}
