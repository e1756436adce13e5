import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { auditLog, invitationMessages } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { ChatPlatform } from '../domain/chat-actor.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';

export interface InvitationMessage {
  id: string;
  connectionId: string;
  platform: ChatPlatform;
  tenantId: string;
  channelId: string;
  messageRef: string;
  postedBy: string;
  partnerTenantIds: string[];
  acceptedBy: string | null;
  acceptedAt: Date | null;
  createdAt: Date;
}

type Row = typeof invitationMessages.$inferSelect;

function toMessage(row: Row): InvitationMessage {
  const { codeEnc: _code, ...rest } = row;
  return rest;
}

/** Remembers where an invitation was posted, so the message can be updated and a partner's click checked against it. */
export function recordInvitationMessage(
  deps: AppDeps,
  input: Omit<InvitationMessage, 'id' | 'acceptedBy' | 'acceptedAt' | 'createdAt'> & { code: string; actor: string },
): InvitationMessage {
  const now = deps.clock();
  const row: Row = {
    id: randomUUID(),
    connectionId: input.connectionId,
    platform: input.platform,
    tenantId: input.tenantId,
    channelId: input.channelId,
    messageRef: input.messageRef,
    postedBy: input.postedBy,
    partnerTenantIds: input.partnerTenantIds,
    codeEnc: deps.secrets.seal(input.code),
    acceptedBy: null,
    acceptedAt: null,
    createdAt: now,
  };
  deps.db.transaction((tx) => {
    tx.insert(invitationMessages).values(row).run();
    audit(tx, {
      at: now,
      actor: input.actor,
      action: 'invitation.post',
      subjectType: 'connection',
      subjectId: input.connectionId,
      details: { platform: input.platform, channel: input.channelId, partners: input.partnerTenantIds },
    });
  });
  return toMessage(row);
}

/** The invitation posted as this very message (a click names its channel and message). */
export function findInvitationMessageAt(
  deps: AppDeps,
  at: { platform: ChatPlatform; channelId: string; messageRef: string },
): InvitationMessage | null {
  const row = deps.db
    .select()
    .from(invitationMessages)
    .where(
      and(
        eq(invitationMessages.platform, at.platform),
        eq(invitationMessages.channelId, at.channelId),
        eq(invitationMessages.messageRef, at.messageRef),
      ),
    )
    .get();
  return row ? toMessage(row) : null;
}

/** The code of a posted invitation, for accepting it on this node after the partner was authorized. */
export function invitationMessageCode(deps: AppDeps, id: string): string {
  const row = deps.db
    .select({ codeEnc: invitationMessages.codeEnc })
    .from(invitationMessages)
    .where(eq(invitationMessages.id, id))
    .get();
  if (!row)
    throw new DomainError(
      'not_found',
      'This invitation no longer exists: the inviting admin may have deleted the connection.',
    );
  return deps.secrets.open(row.codeEnc);
}

export function invitationMessagesFor(deps: AppDeps, connectionId: string): InvitationMessage[] {
  return deps.db
    .select()
    .from(invitationMessages)
    .where(eq(invitationMessages.connectionId, connectionId))
    .all()
    .map(toMessage);
}

/** The workspace that posted invitations into a channel: whose installation answers a partner's click there. */
export function invitationHostTenant(
  deps: AppDeps,
  input: { platform: ChatPlatform; channelId: string },
): string | null {
  const row = deps.db
    .select({ tenantId: invitationMessages.tenantId })
    .from(invitationMessages)
    .where(and(eq(invitationMessages.platform, input.platform), eq(invitationMessages.channelId, input.channelId)))
    .get();
  return row?.tenantId ?? null;
}

/** Marks the connection's invitation messages accepted; returns them, so the adapter can update each in place. */
export function markInvitationMessagesAccepted(
  deps: AppDeps,
  input: { connectionId: string; acceptedBy: string; at: Date },
): InvitationMessage[] {
  deps.db
    .update(invitationMessages)
    .set({ acceptedBy: input.acceptedBy, acceptedAt: input.at })
    .where(eq(invitationMessages.connectionId, input.connectionId))
    .run();
  return invitationMessagesFor(deps, input.connectionId);
}

/** Who initiated a connection (`slack:T1/U1`), from the audit log: the admin to tell when it is accepted. */
export function connectionInitiator(deps: AppDeps, connectionId: string): string | null {
  const row = deps.db
    .select({ actor: auditLog.actor })
    .from(auditLog)
    .where(and(eq(auditLog.subjectId, connectionId), eq(auditLog.action, 'connection.initiate')))
    .get();
  return row?.actor ?? null;
}
