import { and, asc, eq } from 'drizzle-orm';
import { chatAdmins } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { isAddedAdmin, requireAdmin } from './chat-authorization.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';

export function listAddedAdmins(deps: AppDeps, actor: ChatActor): string[] {
  requireAdmin(deps, actor, 'list the DeskBridge admins');
  return deps.db
    .select({ userId: chatAdmins.userId })
    .from(chatAdmins)
    .where(and(eq(chatAdmins.platform, actor.platform), eq(chatAdmins.tenantId, actor.tenantId)))
    .orderBy(asc(chatAdmins.createdAt))
    .all()
    .map((r) => r.userId);
}

export function addAdmin(deps: AppDeps, input: { actor: ChatActor; userId: string }): void {
  requireAdmin(deps, input.actor, 'add DeskBridge admins');
  const ref = { platform: input.actor.platform, tenantId: input.actor.tenantId, userId: input.userId };
  if (isAddedAdmin(deps, ref)) throw new DomainError('conflict', 'That user is already a DeskBridge admin here.');
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.insert(chatAdmins)
      .values({ ...ref, addedBy: actorRef(input.actor), createdAt: now })
      .run();
    audit(tx, {
      at: now,
      actor: actorRef(input.actor),
      action: 'admin.add',
      subjectType: 'chat_user',
      subjectId: `${ref.platform}:${ref.tenantId}/${ref.userId}`,
    });
  });
}

export function removeAdmin(deps: AppDeps, input: { actor: ChatActor; userId: string }): void {
  requireAdmin(deps, input.actor, 'remove DeskBridge admins');
  const ref = { platform: input.actor.platform, tenantId: input.actor.tenantId, userId: input.userId };
  if (!isAddedAdmin(deps, ref)) {
    throw new DomainError(
      'not_found',
      'That user is not a DeskBridge admin added here (workspace admins and owners always are).',
    );
  }
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.delete(chatAdmins)
      .where(
        and(
          eq(chatAdmins.platform, ref.platform),
          eq(chatAdmins.tenantId, ref.tenantId),
          eq(chatAdmins.userId, ref.userId),
        ),
      )
      .run();
    audit(tx, {
      at: now,
      actor: actorRef(input.actor),
      action: 'admin.remove',
      subjectType: 'chat_user',
      subjectId: `${ref.platform}:${ref.tenantId}/${ref.userId}`,
    });
  });
}
