import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import { doneNotice, guarded } from '../../src/flows/outcome.ts';
import { homeView } from '../../src/flows/home.ts';
import { invitationPosted } from '../../src/flows/invitation-message.ts';
import { approvalCardWasPosted } from '../../src/flows/approval-card.ts';
import { undeliveredNotice } from '../../src/flows/undelivered.ts';
import type { Message } from '../../src/ui/model.ts';
import { followProgress } from '../../src/ui/progress.ts';
import type { Effect, FlowResult, Reply } from '../../src/ui/replies.ts';
import { slackSurface, type SlackContext } from './context.ts';
import { withinDeadline } from './deadline.ts';
import { messageModal, renderForm, workingModal } from './render/form.ts';
import { renderHome, renderMessage } from './render/message.ts';

/** Where an interaction came from decides how a reply reaches the user. */
export type Surface =
  | { kind: 'command'; client: WebClient; actor: ChatActor; triggerId: string; respond: RespondFn }
  | {
      kind: 'message';
      client: WebClient;
      actor: ChatActor;
      triggerId: string | null;
      channelId: string;
      respond: RespondFn | null;
    }
  | { kind: 'home'; client: WebClient; actor: ChatActor; triggerId: string | null }
  | { kind: 'modal'; client: WebClient; actor: ChatActor; viewId: string; hash: string | undefined };

/**
 * Runs a flow for an interaction that carries a trigger: if it answers in time, its reply is shown as is; otherwise a
 * "working" modal is opened while the trigger is still valid and replaced with the answer.
 */
export async function answer(
  ctx: SlackContext,
  surface: Surface,
  flow: () => Promise<FlowResult> | FlowResult,
  title = 'DeskBridge',
): Promise<void> {
  const work = guarded(ctx.logger, flow);
  const triggerId = surface.kind === 'modal' ? null : surface.triggerId;
  const raced = triggerId ? await withinDeadline(work) : { done: true as const, value: await work };
  if (raced.done) {
    await perform(ctx, surface, raced.value);
    return;
  }
  const opened = await surface.client.views.open({ trigger_id: triggerId!, view: workingModal(title) });
  const result = await raced.later;
  const viewId = opened.view?.id;
  if (viewId)
    await perform(
      ctx,
      { kind: 'modal', client: surface.client, actor: surface.actor, viewId, hash: undefined },
      result,
    );
}

export async function perform(ctx: SlackContext, surface: Surface, result: FlowResult): Promise<void> {
  await performReply(surface, result.reply);
  await performEffects(ctx, surface.client, surface.actor, result.effects);
}

async function performReply(surface: Surface, reply: Reply): Promise<void> {
  const { client } = surface;
  switch (reply.kind) {
    case 'open-form':
    case 'show-form': {
      const view = renderForm(reply.form);
      if (surface.kind === 'modal')
        await client.views.update({ view_id: surface.viewId, ...(surface.hash ? { hash: surface.hash } : {}), view });
      else if (surface.triggerId) await client.views.open({ trigger_id: surface.triggerId, view });
      return;
    }
    case 'private-message':
      return privateMessage(surface, reply.message);
    case 'home':
      await client.views.publish({ user_id: surface.actor.userId, view: renderHome(reply.home) });
      return;
    case 'field-errors': {
      // Only a submission can show errors inline; anywhere else, say them.
      const text = Object.values(reply.errors).join(' ');
      return privateMessage(surface, { kind: 'message', text, items: [{ kind: 'markdown', text }] });
    }
    case 'close':
      if (surface.kind === 'modal') {
        await client.views.update({ view_id: surface.viewId, view: messageModal('DeskBridge', doneNotice()) });
      }
      return;
    case 'none':
      return;
  }
}

async function privateMessage(surface: Surface, message: Message): Promise<void> {
  const rendered = renderMessage(message);
  switch (surface.kind) {
    case 'command':
      await surface.respond({ response_type: 'ephemeral', replace_original: false, ...rendered });
      return;
    case 'message':
      if (surface.respond) await surface.respond({ response_type: 'ephemeral', replace_original: false, ...rendered });
      else
        await surface.client.chat.postEphemeral({
          channel: surface.channelId,
          user: surface.actor.userId,
          ...rendered,
        });
      return;
    case 'home':
      if (surface.triggerId)
        await surface.client.views.open({ trigger_id: surface.triggerId, view: messageModal('DeskBridge', message) });
      else await surface.client.chat.postMessage({ channel: surface.actor.userId, ...rendered });
      return;
    case 'modal':
      await surface.client.views.update({ view_id: surface.viewId, view: messageModal('DeskBridge', message) });
      return;
  }
}

/** Effects of a flow started by `actor` in their own workspace. */
export async function performEffects(
  ctx: SlackContext,
  client: WebClient,
  actor: ChatActor,
  effects: Effect[],
): Promise<void> {
  for (const effect of effects) {
    try {
      await performEffect(ctx, client, actor, effect);
    } catch (error) {
      ctx.logger.warn({ err: error, effect: effect.kind }, 'slack effect failed');
      const told = undeliveredNotice(slackSurface, effect);
      if (told) await client.chat.postMessage({ channel: actor.userId, ...renderMessage(told) }).catch(() => {});
    }
  }
}

async function performEffect(ctx: SlackContext, client: WebClient, actor: ChatActor, effect: Effect): Promise<void> {
  switch (effect.kind) {
    case 'post-invitation': {
      const posted = await client.chat.postMessage({ channel: effect.channelId, ...renderMessage(effect.message) });
      if (!posted.ts) return;
      invitationPosted(ctx.deps, actor, {
        connectionId: effect.connectionId,
        channelId: posted.channel ?? effect.channelId,
        messageRef: posted.ts,
        partnerTenantIds: await sharedTeams(client, effect.channelId),
        code: effect.code,
      });
      return;
    }
    case 'update-message':
      await client.chat.update({ channel: effect.channelId, ts: effect.messageRef, ...renderMessage(effect.message) });
      return;
    case 'notify-user':
      await client.chat.postMessage({ channel: effect.userId, ...renderMessage(effect.message) });
      return;
    case 'post-approval-card': {
      const posted = await client.chat.postMessage({ channel: effect.channelId, ...renderMessage(effect.message) });
      if (posted.ts)
        approvalCardWasPosted(ctx.deps, actor, {
          requestId: effect.requestId,
          channelId: posted.channel ?? effect.channelId,
          messageRef: posted.ts,
        });
      return;
    }
    case 'send-file':
      return sendFile(client, effect);
    case 'track-progress':
      return trackProgress(ctx, client, effect);
    case 'refresh-home': {
      const viewer =
        effect.userId === actor.userId
          ? actor
          : await ctx.actors.resolve(client, { id: effect.userId, teamId: actor.tenantId });
      await client.views.publish({ user_id: effect.userId, view: renderHome(homeView(ctx.deps, viewer)) });
      return;
    }
  }
}

/** The workspaces a channel is shared with (Slack Connect); ours is among them and is filtered out by the flow. */
async function sharedTeams(client: WebClient, channelId: string): Promise<string[]> {
  try {
    const info = await client.conversations.info({ channel: channelId });
    const channel = info.channel as { shared_team_ids?: string[]; connected_team_ids?: string[] } | undefined;
    return [...new Set([...(channel?.shared_team_ids ?? []), ...(channel?.connected_team_ids ?? [])])];
  } catch {
    return [];
  }
}

/** A text file into the user's DM with the bot: files.uploadV2 (getUploadURLExternal, the upload, completeUploadExternal). */
async function sendFile(client: WebClient, effect: Extract<Effect, { kind: 'send-file' }>): Promise<void> {
  const dm = await client.conversations.open({ users: effect.userId });
  const channelId = dm.channel?.id;
  if (!channelId) throw new Error('conversations.open returned no channel');
  await client.filesUploadV2({
    channel_id: channelId,
    filename: effect.filename,
    title: effect.title,
    content: effect.content,
  });
}

/**
 * A progress message, updated in place until the job says it is done. It runs after the interaction was answered;
 * the timer does not keep the process alive, and a failed update is logged and retried at the next tick.
 */
async function trackProgress(
  ctx: SlackContext,
  client: WebClient,
  effect: Extract<Effect, { kind: 'track-progress' }>,
): Promise<void> {
  const first = effect.poll();
  const posted = await client.chat.postMessage({
    channel: effect.channelId ?? effect.userId,
    ...renderMessage(first.message),
  });
  const channel = posted.channel ?? effect.channelId ?? effect.userId;
  const ts = posted.ts;
  if (!ts || first.done) return;
  followProgress(
    effect,
    first.message,
    async (message) => {
      await client.chat.update({ channel, ts, ...renderMessage(message) });
    },
    (error, what) => ctx.logger.warn({ err: error }, `progress ${what} failed`),
  );
}
