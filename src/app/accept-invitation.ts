import { randomUUID } from 'node:crypto';
import { and, eq, lte } from 'drizzle-orm';
import { z } from 'zod';
import { connections, pendingAcceptances } from '../../db/schema/index.ts';
import type { Connection, Mode } from '../domain/connection.ts';
import { DomainError } from '../domain/errors.ts';
import { effectiveLicense, instancePublicUrl, needsIncomingProject, type Platform } from '../domain/instance.ts';
import { assertDestination, assertNotExpired, decodeInvitation, type InvitationPayload } from '../domain/invitation.ts';
import {
  acceptedProofFields,
  acceptProofFields,
  confirmProofFields,
  connectionKeyFromExchange,
  exchangePublicKeyPattern,
  handshakeMac,
  handshakeMacMatches,
  invitationMacKey,
  keyConfirmationFields,
  newExchangeKeyPair,
  type ExchangeKeyPair,
} from '../domain/key-exchange.ts';
import type { AcceptanceConfirmAnswer, AcceptHandshakeResult } from '../domain/remote.ts';
import type { AppDeps } from './deps.ts';
import { chooseIncomingProject } from './initiate-connection.ts';
import { audit } from '../store/audit.ts';
import { recordStatusChange, toConnection } from '../store/connections.ts';
import { findInstanceRow, requireInstanceRow, toInstance, type InstanceRow } from '../store/instances.ts';
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
  const { payload } = checkCodeForAcceptor(deps, instanceRow, input.code);
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

/** How long an acceptance in progress may be confirmed: far longer than the handshake's two calls take. */
const PENDING_ACCEPTANCE_MS = 10 * 60 * 1000;

/**
 * The accepting side: checks the code, chooses the incoming project, runs the key exchange with the initiating
 * node and stores the connection as active. While it waits, the acceptance is on record so that the initiator can
 * call back and have it confirmed (for a code bound to this instance). Nothing is stored unless the initiator agreed
 * and its answer carries the invitation's proof and the same connection key.
 */
export async function acceptInvitation(deps: AppDeps, input: AcceptInvitationInput): Promise<Connection> {
  const data = validateInput(acceptInput, input);
  const instanceRow = requireInstanceRow(deps.db, data.instance);
  const instance = toInstance(instanceRow);
  const { payload, signed } = checkCodeForAcceptor(deps, instanceRow, data.code);
  const project = await chooseIncomingProject(deps, instanceRow, data.incomingProjectId);

  const ownUrl = instancePublicUrl(deps.publicUrl, instance.slug);
  const isPrivate = payload.destinationUrl === null;
  const connectionId = randomUUID();
  const acceptor = {
    url: isPrivate ? null : ownUrl,
    nodeUrl: isPrivate ? null : deps.publicUrl,
    connectionId,
    platform: instance.platform,
    name: instance.name,
  };
  const keys = newExchangeKeyPair();
  const macKey = invitationMacKey(payload.secret, payload.connectionId);
  // A private side cannot be called back; only a bound destination is asked to confirm.
  if (!isPrivate)
    recordPendingAcceptance(deps, { instanceRow, connectionId, payload, publicKey: keys.publicKey, macKey });
  try {
    const result = await deps.remote.acceptInvitation(payload.nodeUrl, {
      invitation: signed,
      acceptor,
      exchange: {
        publicKey: keys.publicKey,
        proof: handshakeMac(macKey, 'accept', acceptProofFields(payload.connectionId, acceptor, keys.publicKey)),
      },
    });
    const key = keyFromInitiatorAnswer(deps, { payload, connectionId, keys, macKey, result });
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
    return toConnection({
      ...row,
      status: 'active',
      linkNote: true,
      onTwinDeleted: 'ignore',
      entitiesUnderSync: 0,
      lastSyncEntity: null,
      lastSyncAt: null,
    });
  } finally {
    deps.db.delete(pendingAcceptances).where(eq(pendingAcceptances.acceptorConnectionId, connectionId)).run();
  }
}

/**
 * The connection key, from the initiator's answer: its public key must carry the invitation's proof (a man in the
 * middle without the code cannot swap it), and its key confirmation must match the key computed here.
 */
function keyFromInitiatorAnswer(
  deps: AppDeps,
  input: {
    payload: InvitationPayload;
    connectionId: string;
    keys: ExchangeKeyPair;
    macKey: Buffer;
    result: AcceptHandshakeResult;
  },
): Buffer {
  const { payload, result } = input;
  const parties = {
    initiatorConnectionId: payload.connectionId,
    acceptorConnectionId: input.connectionId,
    initiatorPublicKey: result.exchange.publicKey,
    acceptorPublicKey: input.keys.publicKey,
  };
  const unverified = () => {
    deps.logger.warn(
      { initiator: payload.nodeUrl, initiatorConnectionId: payload.connectionId },
      "the inviting node's answer did not carry the invitation's proof",
    );
    return new DomainError(
      'remote_error',
      `The answer from the inviting DeskBridge at ${payload.nodeUrl} does not carry this invitation's proof: it was changed on the way, or it did not come from that node. Nothing was stored here. Tell the inviting admin: they may need to delete the connection and send a new invitation.`,
    );
  };
  if (
    result.initiatorConnectionId !== payload.connectionId ||
    !handshakeMacMatches(
      input.macKey,
      'accepted',
      acceptedProofFields(parties, result.initiatorName),
      result.exchange.proof,
    )
  )
    throw unverified();
  const key = connectionKeyFromExchange(input.keys.privateKey, result.exchange.publicKey, parties);
  if (!handshakeMacMatches(key, 'key-confirmation', keyConfirmationFields(parties), result.exchange.keyConfirmation))
    throw unverified();
  return key;
}

function recordPendingAcceptance(
  deps: AppDeps,
  input: {
    instanceRow: InstanceRow;
    connectionId: string;
    payload: InvitationPayload;
    publicKey: string;
    macKey: Buffer;
  },
): void {
  const now = deps.clock();
  deps.db.transaction((tx) => {
    // Rows left by a process that stopped in the middle of an acceptance.
    tx.delete(pendingAcceptances).where(lte(pendingAcceptances.expiresAt, now)).run();
    tx.insert(pendingAcceptances)
      .values({
        acceptorConnectionId: input.connectionId,
        instanceId: input.instanceRow.id,
        initiatorConnectionId: input.payload.connectionId,
        publicKey: input.publicKey,
        macKeyEnc: deps.secrets.seal(input.macKey.toString('base64')),
        expiresAt: new Date(now.getTime() + PENDING_ACCEPTANCE_MS),
        createdAt: now,
      })
      .run();
  });
}

const confirmRequestSchema = z.object({
  initiatorConnectionId: z.string().min(1).max(100),
  acceptorConnectionId: z.uuid(),
  destinationUrl: z.url().max(2000),
  acceptorPublicKey: z.string().regex(exchangePublicKeyPattern, 'must be an X25519 public key (base64url)'),
  nonce: z.string().min(16).max(100),
  proof: z.string().min(1).max(200),
});

export { confirmRequestSchema as acceptanceConfirmSchema };

/**
 * The accepting node's answer to the initiator's call back (`POST /v1/invitations/confirm`): yes only when this node
 * has that acceptance in progress, for that instance, with that public key, and the call carries the invitation's
 * proof. Whoever accepted with a code of ours but a key of their own gets "not us", and the initiator refuses them.
 */
export function confirmAcceptance(
  deps: AppDeps,
  request: z.infer<typeof confirmRequestSchema>,
): AcceptanceConfirmAnswer {
  const notOurs = () =>
    new DomainError(
      'not_found',
      'This DeskBridge is not accepting that invitation with that key: whoever sent the acceptance is not this instance.',
    );
  const row = deps.db
    .select()
    .from(pendingAcceptances)
    .where(eq(pendingAcceptances.acceptorConnectionId, request.acceptorConnectionId))
    .get();
  if (
    !row ||
    row.expiresAt.getTime() <= deps.clock().getTime() ||
    row.initiatorConnectionId !== request.initiatorConnectionId ||
    row.publicKey !== request.acceptorPublicKey
  )
    throw notOurs();
  const instanceRow = findInstanceRow(deps.db, row.instanceId);
  if (!instanceRow || instancePublicUrl(deps.publicUrl, instanceRow.slug) !== request.destinationUrl) throw notOurs();
  const macKey = Buffer.from(deps.secrets.open(row.macKeyEnc), 'base64');
  const fields = confirmProofFields(request);
  if (!handshakeMacMatches(macKey, 'confirm', fields, request.proof)) throw notOurs();
  return { confirmed: true, proof: handshakeMac(macKey, 'confirmed', fields) };
}

/** The checks the accepting node can make on its own, before it calls the initiator. */
function checkCodeForAcceptor(deps: AppDeps, instanceRow: InstanceRow, code: string) {
  const decoded = decodeInvitation(code);
  const { payload } = decoded;
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
  return decoded;
}
