import { actorRef, type ChatActor, type ChatPlatform } from '../app/chat-actor.ts';
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
import type { Content, Message } from '../ui/model.ts';
import type { Effect } from '../ui/replies.ts';
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
    const key = `${platform}:${tenantId}/${userId}`;
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
  const initiator = /^(slack|teams):([^/]+)\/(.+)$/.exec(connectionInitiator(deps, event.connectionId) ?? '');
  if (initiator) tell(initiator[1] as ChatPlatform, initiator[2]!, initiator[3]!);
  for (const m of messages) tell(m.platform, m.tenantId, m.postedBy);
  return effects;
}
