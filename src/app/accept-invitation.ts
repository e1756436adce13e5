import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { connections, invitations } from '../../db/schema.ts';
import type { Connection, Mode } from '../domain/connection.ts';
import { DomainError } from '../domain/errors.ts';
import {
  effectiveLicense,
  instancePublicUrl,
  needsIncomingProject,
  platforms,
  type Platform,
} from '../domain/instance.ts';
import {
  assertDestination,
  assertNotExpired,
  decodeInvitation,
  deriveConnectionKey,
  secretMatchesHash,
  verifyInvitationSignature,
} from '../domain/invitation.ts';
import type { AcceptHandshakeResult } from '../domain/remote.ts';
import type { AppDeps } from './deps.ts';
import { chooseIncomingProject, INVITATION_SIGNING_PURPOSE } from './initiate-connection.ts';
import { audit } from './store/audit.ts';
import { recordStatusChange, toConnection } from './store/connections.ts';
import { requireInstanceRow, toInstance } from './store/instances.ts';
import { validateInput } from './validate.ts';

export interface InvitationPreview {
  connectionName: string;
  description: string;
  mode: Mode;
  initiatorUrl: string;
  initiatorPlatform: Platform;
  /** The accepting side's short names: its own and the initiator's. */
  localShortName: string;
  remoteShortName: string;
  expiresAt: Date;
  /** True when the accepting instance must choose where incoming entities are created. */
  needsIncomingProject: boolean;
}

/** What the accept screen shows before Confirm; refuses a code this instance could not accept anyway. */
export function previewInvitation(deps: AppDeps, input: { instance: string; code: string }): InvitationPreview {
  const instanceRow = requireInstanceRow(deps.db, input.instance);
  const payload = checkCodeForAcceptor(deps, instanceRow, input.code);
  return {
    connectionName: payload.connectionName,
    description: payload.description,
    mode: payload.mode,
    initiatorUrl: payload.initiatorUrl,
    initiatorPlatform: payload.platform,
    localShortName: payload.destinationShortName,
    remoteShortName: payload.initiatorShortName,
    expiresAt: payload.expiresAt,
    needsIncomingProject: needsIncomingProject(instanceRow.platform),
  };
}

const acceptInput = z.object({
  instance: z.string().min(1),
  code: z.string().min(1, 'paste the invitation code'),
  incomingProjectId: z.string().optional(),
  actor: z.string().min(1),
});

export type AcceptInvitationInput = z.input<typeof acceptInput>;

/**
 * The accepting side: checks the code, chooses the incoming project, completes the handshake with the initiating
 * node and stores the connection as active. Nothing is stored unless the initiator agreed.
 */
export async function acceptInvitation(deps: AppDeps, input: AcceptInvitationInput): Promise<Connection> {
  const data = validateInput(acceptInput, input);
  const instanceRow = requireInstanceRow(deps.db, data.instance);
  const instance = toInstance(instanceRow);
  const payload = checkCodeForAcceptor(deps, instanceRow, data.code);
  const project = await chooseIncomingProject(deps, instanceRow, data.incomingProjectId);

  const ownUrl = instancePublicUrl(deps.publicUrl, instance.slug);
  const isPrivate = payload.destinationUrl === null;
  const connectionId = randomUUID();
  const result = await deps.remote.acceptInvitation(payload.nodeUrl, {
    code: data.code.trim(),
    acceptor: {
      url: isPrivate ? null : ownUrl,
      nodeUrl: isPrivate ? null : deps.publicUrl,
      connectionId,
      platform: instance.platform,
      name: instance.name,
    },
  });

  const key = deriveConnectionKey(payload.secret, payload.connectionId, connectionId);
  const now = deps.clock();
  const row = {
    id: connectionId,
    instanceId: instance.id,
    role: 'acceptor' as const,
    name: payload.connectionName,
    description: payload.description,
    localShortName: payload.destinationShortName,
    remoteShortName: payload.initiatorShortName,
    mode: payload.mode,
    status: 'pending' as const,
    remoteUrl: payload.initiatorUrl,
    remoteNodeUrl: payload.nodeUrl,
    remoteConnectionId: result.initiatorConnectionId,
    remotePlatform: payload.platform,
    remoteIsPrivate: false,
    incomingProjectId: project?.id ?? null,
    incomingProjectName: project?.name ?? null,
    keyEnc: deps.secrets.seal(key.toString('base64')),
    createdAt: now,
  };
  deps.db.transaction((tx) => {
    tx.insert(connections).values(row).run();
    recordStatusChange(
      tx,
      row,
      'active',
      `Accepted the invitation from ${result.initiatorName}${isPrivate ? ' (private side)' : ''}.`,
      now,
    );
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'connection.accept',
      subjectType: 'connection',
      subjectId: connectionId,
      details: { instance: instance.slug, initiator: payload.initiatorUrl, mode: payload.mode, private: isPrivate },
    });
  });
  deps.logger.info({ connectionId, instance: instance.slug, initiator: payload.initiatorUrl }, 'invitation accepted');
  return toConnection({ ...row, status: 'active', entitiesUnderSync: 0, lastSyncEntity: null, lastSyncAt: null });
}

/** The checks the accepting node can make on its own, before it calls the initiator. */
function checkCodeForAcceptor(deps: AppDeps, instanceRow: Parameters<typeof toInstance>[0], code: string) {
  const { payload } = decodeInvitation(code);
  const now = deps.clock();
  assertNotExpired(payload, now);
  const ownUrl = instancePublicUrl(deps.publicUrl, instanceRow.slug);
  assertDestination(payload, ownUrl);
  if (payload.initiatorUrl === ownUrl) {
    throw new DomainError(
      'invitation_invalid',
      'This invitation was issued by this same instance; paste it into the partner instance instead.',
    );
  }
  const existing = deps.db
    .select({ id: connections.id, name: connections.name })
    .from(connections)
    .where(
      and(
        eq(connections.instanceId, instanceRow.id),
        eq(connections.remoteConnectionId, payload.connectionId),
        eq(connections.remoteUrl, payload.initiatorUrl),
      ),
    )
    .get();
  if (existing) {
    throw new DomainError(
      'invitation_used',
      `This invitation has already been accepted: it is connection "${existing.name}".`,
    );
  }
  if (payload.mode === 'script' && effectiveLicense(toInstance(instanceRow).license, now) === 'expired') {
    throw new DomainError(
      'mode_not_allowed',
      `This is a Script mode invitation, and the license of ${instanceRow.name} has expired. Renew the license, or ask for a Basic mode invitation.`,
    );
  }
  return payload;
}

const handshakeSchema = z.object({
  code: z.string().min(1),
  acceptor: z.object({
    url: z.url().nullable(),
    nodeUrl: z.url().nullable(),
    connectionId: z.uuid(),
    platform: z.enum(platforms),
    name: z.string().min(1).max(200),
  }),
});

export { handshakeSchema as acceptHandshakeSchema };

/**
 * The initiating side of the handshake (`POST /v1/invitations/accept`): checks the code's signature, expiry,
 * single use and destination, then marks the connection active and stores the derived key, all at once.
 */
export function completeInvitation(deps: AppDeps, handshake: z.infer<typeof handshakeSchema>): AcceptHandshakeResult {
  const payload = verifyInvitationSignature(handshake.code, deps.secrets.derive(INVITATION_SIGNING_PURPOSE));
  const connection = deps.db.select().from(connections).where(eq(connections.id, payload.connectionId)).get();
  const invitation = deps.db.select().from(invitations).where(eq(invitations.connectionId, payload.connectionId)).get();
  if (!connection || !invitation || connection.role !== 'initiator') {
    throw new DomainError(
      'not_found',
      'This invitation no longer exists: the inviting admin deleted the connection. Ask them for a new invitation.',
    );
  }
  if (invitation.usedAt !== null) {
    throw new DomainError(
      'invitation_used',
      'This invitation code has already been used. Ask the inviting admin for a new one.',
    );
  }
  const now = deps.clock();
  assertNotExpired({ expiresAt: invitation.expiresAt }, now);
  if (connection.status !== 'pending') {
    throw new DomainError('conflict', `The invited connection is ${connection.status}, not waiting for acceptance.`);
  }
  assertDestination({ destinationUrl: invitation.boundDestination }, handshake.acceptor.url);
  if (!secretMatchesHash(payload.secret, invitation.secretHash)) {
    throw new DomainError(
      'invitation_invalid',
      'This invitation code does not match the invitation on record. Ask the inviting admin for a new one.',
    );
  }
  const instance = requireInstanceRow(deps.db, connection.instanceId);
  const key = deriveConnectionKey(payload.secret, connection.id, handshake.acceptor.connectionId);
  deps.db.transaction((tx) => {
    const claimed = tx
      .update(invitations)
      .set({ usedAt: now })
      .where(and(eq(invitations.connectionId, connection.id), isNull(invitations.usedAt)))
      .run();
    if (claimed.changes !== 1) {
      throw new DomainError(
        'invitation_used',
        'This invitation code has already been used. Ask the inviting admin for a new one.',
      );
    }
    tx.update(connections)
      .set({
        remoteUrl: handshake.acceptor.url,
        remoteNodeUrl: handshake.acceptor.nodeUrl,
        remoteConnectionId: handshake.acceptor.connectionId,
        remotePlatform: handshake.acceptor.platform,
        remoteIsPrivate: handshake.acceptor.url === null,
        keyEnc: deps.secrets.seal(key.toString('base64')),
      })
      .where(eq(connections.id, connection.id))
      .run();
    recordStatusChange(tx, connection, 'active', `${handshake.acceptor.name} accepted the invitation.`, now);
    audit(tx, {
      at: now,
      actor: `node:${handshake.acceptor.url ?? 'private'}`,
      action: 'connection.accepted',
      subjectType: 'connection',
      subjectId: connection.id,
      details: { acceptor: handshake.acceptor.name, acceptorUrl: handshake.acceptor.url },
    });
  });
  deps.logger.info(
    { connectionId: connection.id, acceptor: handshake.acceptor.url ?? 'private' },
    'invitation completed',
  );
  deps.events?.emit({
    type: 'connection.accepted',
    connectionId: connection.id,
    acceptorName: handshake.acceptor.name,
    acceptorUrl: handshake.acceptor.url,
    at: now,
  });
  return { initiatorConnectionId: connection.id, initiatorName: instance.name, acceptedAt: now.toISOString() };
}
