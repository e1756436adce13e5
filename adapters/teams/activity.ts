import { TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { z } from 'zod';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { rememberTeamsConversation, type TeamsConversationKind } from '../../src/app/teams-conversations.ts';
import { isTeamsTenantAdmin, recordTeamsUser } from '../../src/app/teams-users.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { failureMessage } from '../../src/flows/outcome.ts';
import type { Message } from '../../src/ui/model.ts';
import type { Logger } from 'pino';

/** The parts of a Teams activity DeskBridge relies on, checked (zod at the boundary). */
const teamsActivity = z.object({
  from: z.object({ id: z.string().min(1), name: z.string().optional(), aadObjectId: z.string().optional() }),
  conversation: z.object({
    id: z.string().min(1),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
    name: z.string().optional(),
  }),
  channelData: z
    .object({
      tenant: z.object({ id: z.string() }).optional(),
      team: z.object({ id: z.string(), name: z.string().optional() }).optional(),
      channel: z
        .object({
          id: z.string(),
          name: z.string().optional(),
          type: z.string().optional(),
          membershipType: z.string().optional(),
        })
        .optional(),
    })
    .passthrough()
    .optional(),
});

/**
 * The user's own tenant. Teams puts it in channelData.tenant (and conversation.tenantId); in a shared channel a
 * partner's activity names the partner's tenant, which is what partner authorization compares.
 */
export function tenantOf(activity: Activity): string {
  const a = teamsActivity.parse(activity);
  const tenant = a.channelData?.tenant?.id ?? a.conversation.tenantId;
  if (!tenant)
    throw new DomainError('forbidden', 'This Teams activity names no tenant, so DeskBridge cannot tell who you are.');
  return tenant;
}

/** A channel thread's conversation id carries `;messageid=`: the channel itself is what we address and record. */
export function conversationKey(activity: Pick<Activity, 'conversation'>): string {
  return activity.conversation.id.split(';messageid=')[0]!;
}

/**
 * Who acts. Identity is the tenant and the AAD object id from the activity (Teams signs the activity; card data is
 * never trusted for this), read afresh on every message and invoke. Seen users are recorded for their MRI.
 */
export function actorOf(deps: AppDeps, activity: Activity): ChatActor {
  const a = teamsActivity.parse(activity);
  const tenantId = tenantOf(activity);
  const aadObjectId = a.from.aadObjectId;
  if (!aadObjectId)
    throw new DomainError(
      'forbidden',
      'Teams did not say who you are (no AAD object id); DeskBridge answers signed-in users only.',
    );
  const displayName = a.from.name || aadObjectId;
  recordTeamsUser(deps, { tenantId, aadObjectId, mri: a.from.id, name: displayName });
  return {
    platform: 'teams',
    tenantId,
    userId: aadObjectId,
    displayName,
    isWorkspaceAdmin: isTeamsTenantAdmin(deps, { tenantId, aadObjectId }),
  };
}

/** Who acts, or the one-line refusal to answer with when Teams did not say who it is. */
export function actorOrRefusal(
  deps: AppDeps,
  logger: Logger,
  activity: Activity,
): { actor: ChatActor } | { refusal: Message } {
  try {
    return { actor: actorOf(deps, activity) };
  } catch (error) {
    return { refusal: failureMessage(error, logger) };
  }
}

function kindOf(conversationType: string | undefined): TeamsConversationKind {
  if (conversationType === 'channel') return 'channel';
  if (conversationType === 'groupChat') return 'groupChat';
  return 'personal';
}

/** Keeps where this activity came from, so the bot can post there later (invitations, notices). */
export function rememberConversation(deps: AppDeps, activity: Activity): void {
  const a = teamsActivity.parse(activity);
  // The conversation's own tenant (a shared channel's host), not the speaker's: a partner speaking in a shared
  // channel must not make it theirs.
  const tenantId = a.conversation.tenantId ?? a.channelData?.tenant?.id;
  if (!tenantId) return;
  const kind = kindOf(a.conversation.conversationType);
  const conversationId = conversationKey(activity);
  const reference = TurnContext.getConversationReference(activity) as ConversationReference;
  const stored = { ...reference, conversation: { ...reference.conversation, id: conversationId } };
  delete (stored as Partial<ConversationReference>).activityId;
  const channel = a.channelData?.channel;
  rememberTeamsConversation(deps, {
    conversationId,
    tenantId,
    kind,
    teamId: a.channelData?.team?.id ?? null,
    name:
      kind === 'channel'
        ? (channel?.name ?? (channel?.id === a.channelData?.team?.id ? 'General' : null))
        : (a.conversation.name ?? null),
    channelType: channel?.membershipType ?? channel?.type ?? null,
    userAadObjectId: kind === 'personal' ? (a.from.aadObjectId ?? null) : null,
    reference: JSON.parse(JSON.stringify(stored)) as Record<string, unknown>,
  });
}
