import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { preparedPerDatabase } from '../../db/prepared.ts';
import { chatAdmins } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { ChatActor } from '../domain/chat-actor.ts';
import { findWorkspaceInstance, requireWorkspaceInstance, type WorkspaceRef } from './chat-workspaces.ts';
import type { AppDeps } from './deps.ts';
import type { InstanceView } from './instances.ts';
import { findInvitationMessageAt, type InvitationMessage } from './invitation-messages.ts';

/**
 * Who may do what from chat. One decision for Slack and Teams: the adapters only report who the actor is.
 * Our own admins are authorized against our workspace; a partner is authorized against the invitation record.
 */

const addedAdmin = preparedPerDatabase((db: DbOrTx) =>
  db
    .select({ userId: chatAdmins.userId })
    .from(chatAdmins)
    .where(
      and(
        eq(chatAdmins.platform, sql.placeholder('platform')),
        eq(chatAdmins.tenantId, sql.placeholder('tenantId')),
        eq(chatAdmins.userId, sql.placeholder('userId')),
      ),
    )
    .prepare(),
);

export function isAddedAdmin(deps: AppDeps, ref: WorkspaceRef & { userId: string }): boolean {
  return addedAdmin(deps.db).get({ platform: ref.platform, tenantId: ref.tenantId, userId: ref.userId }) !== undefined;
}

/** Workspace admins and owners, and users added with `admins add`, administer the workspace's instance. */
export function isAdmin(deps: AppDeps, actor: ChatActor): boolean {
  return actor.isWorkspaceAdmin || isAddedAdmin(deps, actor);
}

export function requireAdmin(deps: AppDeps, actor: ChatActor, what: string): void {
  if (!isAdmin(deps, actor)) {
    throw new DomainError(
      'forbidden',
      `Only DeskBridge admins of this workspace can ${what}. Ask a workspace admin to add you with \`/bridge admins add\`.`,
    );
  }
}

/** An admin of the workspace's instance: what set-up, initiate, accept and the lifecycle commands need. */
export function requireInstanceAdmin(deps: AppDeps, actor: ChatActor, what: string): InstanceView {
  requireAdmin(deps, actor, what);
  return requireWorkspaceInstance(deps, actor);
}

export type PartnerAcceptance =
  /** The partner's workspace has an instance on this node: accept here, in a modal. */
  | { kind: 'accept-here'; invitation: InvitationMessage; instance: InstanceView }
  /** The partner's instance lives on another DeskBridge: they accept there with the code. */
  | { kind: 'accept-elsewhere'; invitation: InvitationMessage };

/**
 * A partner clicked Accept on an invitation message. They may only accept the invitation posted for them: the click
 * must come from the channel the message is in, and from one of the workspaces that shared that channel when it was
 * posted, not ours. When their workspace has an instance here, they must also be one of its admins.
 */
export function authorizePartnerAcceptance(
  deps: AppDeps,
  actor: ChatActor,
  input: { channelId: string; messageRef: string; connectionId: string },
): PartnerAcceptance {
  const invitation = findInvitationMessageAt(deps, { platform: actor.platform, ...input });
  if (!invitation || invitation.connectionId !== input.connectionId) {
    throw new DomainError(
      'forbidden',
      'This is not an invitation DeskBridge posted here, so it cannot be accepted from here.',
    );
  }
  if (actor.tenantId === invitation.tenantId) {
    throw new DomainError('forbidden', 'This invitation is for the partner workspace; an admin there accepts it.');
  }
  if (!invitation.partnerTenantIds.includes(actor.tenantId)) {
    throw new DomainError(
      'forbidden',
      'This invitation was posted for another workspace. Ask the inviting admin for an invitation of your own.',
    );
  }
  if (invitation.acceptedAt) {
    throw new DomainError('invitation_used', 'This invitation has already been accepted.');
  }
  const instance = findWorkspaceInstance(deps, actor);
  if (!instance) return { kind: 'accept-elsewhere', invitation };
  requireAdmin(deps, actor, `accept invitations for ${instance.name}`);
  return { kind: 'accept-here', invitation, instance };
}
