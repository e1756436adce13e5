import { and, asc, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { teamsConversations } from '../../db/schema/index.ts';
import type { AppDeps } from './deps.ts';
import { validateInput } from './validate.ts';

/**
 * Conversation references of the Teams bot: what proactive messages (invitations into a shared channel, the poller's
 * notices, a note to the admin who initiated) need, since Teams lets a bot post only where it was spoken to or
 * installed. The reference itself is botbuilder's JSON, kept opaque here.
 */
export type TeamsConversationKind = (typeof teamsConversations.$inferSelect)['kind'];

export interface TeamsConversation {
  conversationId: string;
  tenantId: string;
  kind: TeamsConversationKind;
  teamId: string | null;
  name: string | null;
  channelType: string | null;
  userAadObjectId: string | null;
  reference: Record<string, unknown>;
}

const conversationInput = z.object({
  conversationId: z.string().min(1).max(500),
  tenantId: z.string().min(1).max(100),
  kind: z.enum(['channel', 'groupChat', 'personal']),
  teamId: z.string().max(500).nullable(),
  name: z.string().max(300).nullable(),
  channelType: z.string().max(50).nullable(),
  userAadObjectId: z.string().max(100).nullable(),
  reference: z.record(z.string(), z.unknown()),
});

/** Stores (or refreshes) where the bot can speak. A later name or channel type fills in what an earlier one lacked. */
export function rememberTeamsConversation(deps: AppDeps, input: TeamsConversation): void {
  const c = validateInput(conversationInput, input);
  const now = deps.clock();
  const existing = findTeamsConversation(deps, c.conversationId);
  const merged = {
    // A conversation belongs to the tenant it was first stored for (the host of a shared channel).
    tenantId: existing?.tenantId ?? c.tenantId,
    kind: c.kind,
    teamId: c.teamId ?? existing?.teamId ?? null,
    name: c.name ?? existing?.name ?? null,
    channelType: c.channelType ?? existing?.channelType ?? null,
    userAadObjectId: c.userAadObjectId ?? existing?.userAadObjectId ?? null,
    reference: c.reference,
    updatedAt: now,
  };
  deps.db
    .insert(teamsConversations)
    .values({ conversationId: c.conversationId, ...merged, createdAt: now })
    .onConflictDoUpdate({ target: teamsConversations.conversationId, set: merged })
    .run();
}

export function findTeamsConversation(deps: AppDeps, conversationId: string): TeamsConversation | null {
  const row = deps.db
    .select()
    .from(teamsConversations)
    .where(eq(teamsConversations.conversationId, conversationId))
    .get();
  return row ? toConversation(row) : null;
}

/** The channels of a tenant the bot knows: what an admin can post an invitation into. */
export function listTeamsChannels(deps: AppDeps, tenantId: string): TeamsConversation[] {
  return deps.db
    .select()
    .from(teamsConversations)
    .where(and(eq(teamsConversations.tenantId, tenantId), eq(teamsConversations.kind, 'channel')))
    .orderBy(asc(teamsConversations.name), asc(teamsConversations.conversationId))
    .all()
    .map(toConversation);
}

/** The personal chat with a user, for a private note (null until they have talked to the bot or installed it). */
export function findPersonalConversation(
  deps: AppDeps,
  input: { tenantId: string; aadObjectId: string },
): TeamsConversation | null {
  const row = deps.db
    .select()
    .from(teamsConversations)
    .where(
      and(
        eq(teamsConversations.tenantId, input.tenantId),
        eq(teamsConversations.kind, 'personal'),
        eq(teamsConversations.userAadObjectId, input.aadObjectId),
      ),
    )
    .get();
  return row ? toConversation(row) : null;
}

/** The bot was removed from a team or chat: its references there are useless and are dropped. */
export function forgetTeamsConversation(deps: AppDeps, conversationId: string): void {
  deps.db.delete(teamsConversations).where(eq(teamsConversations.conversationId, conversationId)).run();
}

function toConversation(row: typeof teamsConversations.$inferSelect): TeamsConversation {
  const { updatedAt: _u, createdAt: _c, ...rest } = row;
  return rest;
}

/** The Bot Connector address of a tenant (from its latest stored reference): where a new 1:1 chat is created. */
export function tenantServiceUrl(deps: AppDeps, tenantId: string): string | null {
  const row = deps.db
    .select({ reference: teamsConversations.reference })
    .from(teamsConversations)
    .where(eq(teamsConversations.tenantId, tenantId))
    .orderBy(desc(teamsConversations.updatedAt))
    .get();
  const serviceUrl = row?.reference['serviceUrl'];
  return typeof serviceUrl === 'string' ? serviceUrl : null;
}
