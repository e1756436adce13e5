import { actorRef, chatUserOfRef, type ChatActor, type ChatPlatform } from '../domain/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import type { AppEvent } from '../app/events.ts';
import {
  connectionInitiator,
  markInvitationMessagesAccepted,
  recordInvitationMessage,
} from '../app/invitation-messages.ts';
import { getConnection } from '../app/connection-lifecycle.ts';
import { modeDescriptions, type Mode } from '../domain/connection.ts';
import { UNBOUND_CODE_WARNING } from '../domain/invitation.ts';
import { channelMention } from '../ui/mentions.ts';
import type { Content, Message } from '../ui/model.ts';
import type { Effect } from '../ui/replies.ts';
import type { ChatSurface } from './help.ts';
import { formatDate } from './outcome.ts';

export const ACCEPT_INVITATION_ACTION = 'invitation.accept';

export interface InvitationDetails {
  inviter: string;
  instanceName: string;
  connectionName: string;
  description: string;
  mode: Mode;
  expiresAt: Date;
  code: string;
  connectionId: string;
  /** The destination instance URL the code is bound to; null for a code anyone holding it can accept. */
  destinationUrl: string | null;
}

/** Who can accept a code, shown under it wherever it is shown: an unbound code is a bearer secret. */
export function codeBindingNote(destinationUrl: string | null): Content {
  return destinationUrl === null
    ? { kind: 'markdown', text: `*${UNBOUND_CODE_WARNING}*` }
    : {
        kind: 'note',
        text: `Only ${destinationUrl} can accept this code: its DeskBridge is asked to confirm the acceptance.`,
      };
}

/** The invitation as posted in a partner channel: who invites, what, until when, the code and an Accept button. */
export function invitationMessage(d: InvitationDetails): Message {
  return {
    kind: 'message',
    text: `${d.inviter} (${d.instanceName}) invites you to connect: ${d.connectionName}`,
    items: [
      { kind: 'markdown', text: `*${d.inviter}* of *${d.instanceName}* invites you to connect your helpdesks.` },
      {
        kind: 'facts',
        facts: [
          { label: 'Connection', value: d.connectionName },
          { label: 'Mode', value: modeDescriptions[d.mode].title },
          { label: 'Expires', value: formatDate(d.expiresAt) },
          ...(d.description ? [{ label: 'Description', value: d.description }] : []),
        ],
      },
      { kind: 'markdown', text: 'Invitation code:' },
      { kind: 'code', text: d.code },
      codeBindingNote(d.destinationUrl),
      {
        kind: 'actions',
        actions: [
          { id: ACCEPT_INVITATION_ACTION, label: 'Accept invitation', style: 'primary', value: d.connectionId },
        ],
      },
      {
        kind: 'note',
        text: 'Is your helpdesk on another DeskBridge? Accept there with `/bridge accept` and this code.',
      },
    ],
  };
}

export function acceptedInvitationMessage(d: {
  connectionName: string;
  mode: Mode;
  acceptedBy: string;
  at: Date;
}): Message {
  return {
    kind: 'message',
    text: `${d.acceptedBy} accepted the invitation: ${d.connectionName} is active`,
    items: [
      { kind: 'markdown', text: `*${d.acceptedBy}* accepted the invitation to connect.` },
      {
        kind: 'facts',
        facts: [
          { label: 'Connection', value: d.connectionName },
          { label: 'Mode', value: modeDescriptions[d.mode].title },
          { label: 'Accepted', value: formatDate(d.at) },
          { label: 'Status', value: 'Active' },
        ],
      },
    ],
  };
}

/**
 * The invitation could not be posted to its channel (the bot is not in it): the admin gets the code to send by hand,
 * and what to do, in the platform's words.
 */
export function invitationNotPosted(
  surface: ChatSurface,
  effect: Extract<Effect, { kind: 'post-invitation' }>,
): Message {
  const text =
    surface.platform === 'slack'
      ? `I could not post the invitation to ${channelMention(effect.channelId)}: invite me to that channel (\`/invite @${surface.botName}\`) or send the code yourself:`
      : `I could not post the invitation to that channel: add ${surface.botName} to its team, or send the code yourself:`;
  return {
    kind: 'message',
    text: surface.platform === 'slack' ? `${text}\n\`\`\`${effect.code}\`\`\`` : `${text} \`${effect.code}\``,
    items: [
      { kind: 'markdown', text },
      { kind: 'code', text: effect.code },
    ],
  };
}

/** After the adapter posted an invitation: remember where, and for which partner workspaces, it was posted. */
export function invitationPosted(
  deps: AppDeps,
  actor: ChatActor,
  input: { connectionId: string; channelId: string; messageRef: string; partnerTenantIds: string[]; code: string },
): void {
  recordInvitationMessage(deps, {
    connectionId: input.connectionId,
    platform: actor.platform,
    tenantId: actor.tenantId,
    channelId: input.channelId,
    messageRef: input.messageRef,
    postedBy: actor.userId,
    partnerTenantIds: input.partnerTenantIds.filter((t) => t !== actor.tenantId),
    code: input.code,
    actor: actorRef(actor),
  });
}

/** A platform-addressed effect: which workspace's installation carries it out. */
export interface AddressedEffect {
  platform: ChatPlatform;
  tenantId: string;
  effect: Effect;
}

/**
 * The partner accepted (through the node protocol, whichever surface they used): update every posted invitation in
 * place and tell the admin who initiated.
 */
export function onConnectionAccepted(deps: AppDeps, event: AppEvent): AddressedEffect[] {
  const connection = getConnection(deps, { connection: event.connectionId });
  const messages = markInvitationMessagesAccepted(deps, {
    connectionId: event.connectionId,
    acceptedBy: event.acceptorName,
    at: event.at,
  });
  const updated = acceptedInvitationMessage({
    connectionName: connection.name,
    mode: connection.mode,
    acceptedBy: event.acceptorName,
    at: event.at,
  });
  const effects: AddressedEffect[] = messages.map((m) => ({
    platform: m.platform,
    tenantId: m.tenantId,
    effect: { kind: 'update-message', channelId: m.channelId, messageRef: m.messageRef, message: updated },
  }));
  const told = new Set<string>();
  const tell = (platform: ChatPlatform, tenantId: string, userId: string) => {
    const key = actorRef({ platform, tenantId, userId });
    if (told.has(key)) return;
    told.add(key);
    const text = `${event.acceptorName} accepted your invitation: *${connection.name}* is now active.`;
    effects.push({
      platform,
      tenantId,
      effect: { kind: 'notify-user', userId, message: { kind: 'message', text, items: [{ kind: 'markdown', text }] } },
    });
    effects.push({ platform, tenantId, effect: { kind: 'refresh-home', userId } });
  };
  const initiator = chatUserOfRef(connectionInitiator(deps, event.connectionId) ?? '');
  if (initiator) tell(initiator.platform, initiator.tenantId, initiator.userId);
  for (const m of messages) tell(m.platform, m.tenantId, m.postedBy);
  return effects;
}

/** A chat surface's way to carry out effects addressed to workspaces of its platform. */
export type PerformAddressed = (addressed: AddressedEffect[]) => Promise<void> | void;

/**
 * The one reaction to an acceptance, whichever chat surfaces are on: the invitation messages are marked accepted
 * once, and each surface carries out what is addressed to its platform's workspaces. Returns the unsubscribe.
 */
export function followAcceptances(
  deps: AppDeps,
  surfaces: Partial<Record<ChatPlatform, PerformAddressed>>,
): () => void {
  const performers = (Object.entries(surfaces) as [ChatPlatform, PerformAddressed | undefined][]).filter(
    (entry): entry is [ChatPlatform, PerformAddressed] => entry[1] !== undefined,
  );
  if (performers.length === 0 || !deps.events) return () => {};
  return deps.events.on(async (event) => {
    if (event.type !== 'connection.accepted') return;
    const addressed = onConnectionAccepted(deps, event);
    await Promise.all(
      performers.map(async ([platform, perform]) => perform(addressed.filter((a) => a.platform === platform))),
    );
  });
}
