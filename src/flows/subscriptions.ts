import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import type { AppDeps } from '../app/deps.ts';
import {
  listChannelSubscriptions,
  setChannelDigest,
  subscribeChannel,
  unsubscribeChannel,
  type Subscription,
} from '../app/subscriptions.ts';
import { DomainError } from '../domain/errors.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { notice } from './outcome.ts';

const DIGEST_FLAG = /(^|\s)--digest(\s|$)/i;

function requireChannel(channelId: string | null | undefined, sub: string): string {
  if (!channelId)
    throw new DomainError('invalid_input', `Run \`/bridge ${sub}\` in the channel that should receive the notices.`);
  return channelId;
}

function describe(s: Subscription): string {
  return `${s.connection ? `*${s.connection.name}*` : '*all connections*'}${s.digest ? ' (with the daily digest)' : ''}`;
}

/** `subscribe <connection|all> [--digest]`: this channel hears about status changes from now on. */
export function subscribeFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: { channelId: string | null | undefined; rest: string },
): FlowResult {
  const instance = requireInstanceAdmin(deps, actor, 'subscribe channels to status notices');
  const channelId = requireChannel(input.channelId, 'subscribe');
  const digest = DIGEST_FLAG.test(input.rest);
  const target = input.rest.replace(DIGEST_FLAG, ' ').trim();
  if (!target)
    throw new DomainError(
      'invalid_input',
      'Name the connection, or `all`: `/bridge subscribe <connection|all> [--digest]`.',
    );
  const s = subscribeChannel(deps, {
    platform: actor.platform,
    tenantId: actor.tenantId,
    channelId,
    instance: instance.id,
    target,
    digest,
    actor: actorRef(actor),
  });
  return reply({
    kind: 'private-message',
    message: notice(
      `This channel is subscribed to status changes of ${describe(s)}. Each change is posted here once, with the reason.`,
    ),
  });
}

/** `unsubscribe [<connection|all>]`: without a name, every subscription of this channel ends. */
export function unsubscribeFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: { channelId: string | null | undefined; rest: string },
): FlowResult {
  const instance = requireInstanceAdmin(deps, actor, 'unsubscribe channels from status notices');
  const channelId = requireChannel(input.channelId, 'unsubscribe');
  const removed = unsubscribeChannel(deps, {
    platform: actor.platform,
    tenantId: actor.tenantId,
    channelId,
    instance: instance.id,
    ...(input.rest.trim() ? { target: input.rest.trim() } : {}),
    actor: actorRef(actor),
  });
  return reply({
    kind: 'private-message',
    message: notice(`This channel no longer receives status changes of ${removed.map(describe).join(', ')}.`),
  });
}

/** `digest on|off`, or with no argument, what this channel is subscribed to. */
export function digestFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: { channelId: string | null | undefined; verb: string | undefined },
): FlowResult {
  const channelId = requireChannel(input.channelId, 'digest');
  const verb = input.verb?.toLowerCase();
  if (verb !== 'on' && verb !== 'off') {
    const instance = requireInstanceAdmin(deps, actor, 'see channel subscriptions');
    const current = listChannelSubscriptions(deps, { platform: actor.platform, channelId, instance: instance.id });
    const text =
      current.length > 0
        ? `This channel is subscribed to ${current.map(describe).join(', ')}.`
        : 'This channel has no subscriptions.';
    return reply({
      kind: 'private-message',
      message: notice(`${text} Use \`/bridge digest on|off\` to switch the daily digest.`),
    });
  }
  const instance = requireInstanceAdmin(deps, actor, 'switch the daily digest');
  setChannelDigest(deps, {
    platform: actor.platform,
    tenantId: actor.tenantId,
    channelId,
    instance: instance.id,
    on: verb === 'on',
    actor: actorRef(actor),
  });
  return reply({
    kind: 'private-message',
    message: notice(
      verb === 'on'
        ? 'This channel gets a daily digest: connections, entities synced, errors.'
        : 'The daily digest for this channel is off.',
    ),
  });
}
