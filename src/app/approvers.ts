import { and, asc, eq } from 'drizzle-orm';
import { approvalSettings, approvers } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { actorRef, type ChatActor, type ChatPlatform } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from './chat-authorization.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import type { DbOrTx } from '../../db/client.ts';

/**
 * Who approves rule publishes, and how: the approvers of an instance (chat users of its workspace), the channel their
 * approval cards go to, and whether an author may approve their own change (off unless an admin turns it on).
 * Admins manage this; being an admin does not make anyone an approver.
 */

export interface ApprovalSettings {
  instanceId: string;
  channel: { platform: ChatPlatform; tenantId: string; channelId: string } | null;
  selfApproval: boolean;
}

export function approvalSettingsOf(db: DbOrTx, instanceId: string): ApprovalSettings {
  const row = db.select().from(approvalSettings).where(eq(approvalSettings.instanceId, instanceId)).get();
  const channel =
    row?.channelId && row.channelPlatform && row.channelTenantId
      ? { platform: row.channelPlatform, tenantId: row.channelTenantId, channelId: row.channelId }
      : null;
  return { instanceId, channel, selfApproval: row?.selfApproval ?? false };
}

export function isApprover(
  db: DbOrTx,
  instanceId: string,
  who: { platform: ChatPlatform; tenantId: string; userId: string },
): boolean {
  return (
    db
      .select({ userId: approvers.userId })
      .from(approvers)
      .where(
        and(
          eq(approvers.instanceId, instanceId),
          eq(approvers.platform, who.platform),
          eq(approvers.tenantId, who.tenantId),
          eq(approvers.userId, who.userId),
        ),
      )
      .get() !== undefined
  );
}

/** The approvers of the actor's instance (user ids in the actor's workspace), and the settings. */
export function listApprovers(deps: AppDeps, actor: ChatActor): { userIds: string[]; settings: ApprovalSettings } {
  const instance = requireInstanceAdmin(deps, actor, 'see the approvers');
  const userIds = deps.db
    .select({ userId: approvers.userId })
    .from(approvers)
    .where(
      and(
        eq(approvers.instanceId, instance.id),
        eq(approvers.platform, actor.platform),
        eq(approvers.tenantId, actor.tenantId),
      ),
    )
    .orderBy(asc(approvers.createdAt))
    .all()
    .map((r) => r.userId);
  return { userIds, settings: approvalSettingsOf(deps.db, instance.id) };
}

export function addApprover(deps: AppDeps, input: { actor: ChatActor; userId: string }): void {
  const instance = requireInstanceAdmin(deps, input.actor, 'add approvers');
  const who = { platform: input.actor.platform, tenantId: input.actor.tenantId, userId: input.userId };
  if (isApprover(deps.db, instance.id, who))
    throw new DomainError('conflict', 'That user is already an approver here.');
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.insert(approvers)
      .values({ instanceId: instance.id, ...who, addedBy: actorRef(input.actor), createdAt: now })
      .run();
    audit(tx, {
      at: now,
      actor: actorRef(input.actor),
      action: 'approver.add',
      subjectType: 'instance',
      subjectId: instance.id,
      details: { user: actorRef(who) },
    });
  });
}

export function removeApprover(deps: AppDeps, input: { actor: ChatActor; userId: string }): void {
  const instance = requireInstanceAdmin(deps, input.actor, 'remove approvers');
  const who = { platform: input.actor.platform, tenantId: input.actor.tenantId, userId: input.userId };
  if (!isApprover(deps.db, instance.id, who)) throw new DomainError('not_found', 'That user is not an approver here.');
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.delete(approvers)
      .where(
        and(
          eq(approvers.instanceId, instance.id),
          eq(approvers.platform, who.platform),
          eq(approvers.tenantId, who.tenantId),
          eq(approvers.userId, who.userId),
        ),
      )
      .run();
    audit(tx, {
      at: now,
      actor: actorRef(input.actor),
      action: 'approver.remove',
      subjectType: 'instance',
      subjectId: instance.id,
      details: { user: actorRef(who) },
    });
  });
}

function saveSettings(
  deps: AppDeps,
  actor: ChatActor,
  instanceId: string,
  changes: Partial<typeof approvalSettings.$inferInsert>,
  action: string,
  details: Record<string, unknown>,
): void {
  const now = deps.clock();
  const by = actorRef(actor);
  deps.db.transaction((tx) => {
    tx.insert(approvalSettings)
      .values({ instanceId, ...changes, updatedBy: by, updatedAt: now })
      .onConflictDoUpdate({ target: approvalSettings.instanceId, set: { ...changes, updatedBy: by, updatedAt: now } })
      .run();
    audit(tx, { at: now, actor: by, action, subjectType: 'instance', subjectId: instanceId, details });
  });
}

/** Where approval cards are posted: a channel of the actor's workspace. */
export function setApproversChannel(deps: AppDeps, input: { actor: ChatActor; channelId: string }): ApprovalSettings {
  const instance = requireInstanceAdmin(deps, input.actor, 'set the approvers channel');
  saveSettings(
    deps,
    input.actor,
    instance.id,
    { channelPlatform: input.actor.platform, channelTenantId: input.actor.tenantId, channelId: input.channelId },
    'approvals.channel',
    { channel: input.channelId },
  );
  return approvalSettingsOf(deps.db, instance.id);
}

export function setSelfApproval(deps: AppDeps, input: { actor: ChatActor; allowed: boolean }): ApprovalSettings {
  const instance = requireInstanceAdmin(deps, input.actor, 'change who may approve');
  saveSettings(deps, input.actor, instance.id, { selfApproval: input.allowed }, 'approvals.self-approval', {
    allowed: input.allowed,
  });
  return approvalSettingsOf(deps.db, instance.id);
}
