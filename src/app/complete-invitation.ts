import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { connections, invitations } from '../../db/schema/index.ts';
import { DomainError, isDomainError } from '../domain/errors.ts';
import { platforms } from '../domain/instance.ts';
import {
  assertDestination,
  assertNotExpired,
  invitationSecret,
  olderInvitation,
  secretMatchesHash,
  signedInvitationTermsSchema,
  verifyInvitationSignature,
} from '../domain/invitation.ts';
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
} from '../domain/key-exchange.ts';
import type { AcceptHandshakeResult } from '../domain/remote.ts';
import type { AppDeps } from './deps.ts';
import { INVITATION_SECRET_PURPOSE, INVITATION_SIGNING_PURPOSE } from './initiate-connection.ts';
import { audit } from '../store/audit.ts';
import { recordStatusChange, type ConnectionRow } from '../store/connections.ts';
import { requireInstanceRow } from '../store/instances.ts';
import { validateInput } from './validate.ts';

const handshakeSchema = z.object({
  invitation: signedInvitationTermsSchema,
  acceptor: z.object({
    url: z.url().nullable(),
    nodeUrl: z.url().nullable(),
    connectionId: z.uuid(),
    platform: z.enum(platforms),
    name: z.string().min(1).max(200),
  }),
  exchange: z.object({
    publicKey: z.string().regex(exchangePublicKeyPattern, 'must be an X25519 public key (base64url)'),
    proof: z.string().min(1).max(200),
  }),
});

type Handshake = z.infer<typeof handshakeSchema>;

/** The acceptance an older DeskBridge sends: the whole code, secret included, and no key exchange. */
function isOlderHandshake(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'code' in body && !('exchange' in body);
}

/**
 * The initiating side of the handshake (`POST /v1/invitations/accept`). Checks the terms' signature, that the
 * invitation is open (single use, not expired, pending) and for this acceptor, and that the acceptance carries the
 * proof of the code's secret. For a code bound to a destination it then asks that destination's node itself whether
 * it is the one accepting: a claimed URL is never enough. Only then does it make its half of the key exchange, and
 * mark the connection active with the derived key, all at once. A refusal changes nothing: the invitation stays open.
 */
export async function completeInvitation(deps: AppDeps, body: unknown): Promise<AcceptHandshakeResult> {
  if (isOlderHandshake(body)) {
    throw new DomainError(
      'invitation_invalid',
      'This acceptance comes from an older DeskBridge that does not exchange connection keys. Upgrade the accepting DeskBridge, then accept the invitation again.',
    );
  }
  const handshake = validateInput(handshakeSchema, body);
  const terms = verifyInvitationSignature(handshake.invitation, deps.secrets.derive(INVITATION_SIGNING_PURPOSE));
  const { connection, boundDestination, secretHash } = openInvitation(deps, terms.connectionId);
  assertDestination({ destinationUrl: boundDestination }, handshake.acceptor.url);
  if (boundDestination === null && (handshake.acceptor.url !== null || handshake.acceptor.nodeUrl !== null)) {
    throw new DomainError(
      'invitation_invalid',
      'This invitation has no destination: it is accepted by a private side, which names no URL of its own.',
    );
  }
  const secret = invitationSecret(deps.secrets.derive(INVITATION_SECRET_PURPOSE), connection.id);
  // A secret that does not derive again is from before the key exchange (or before the node's key changed).
  if (!secretMatchesHash(secret, secretHash)) throw olderInvitation();
  const macKey = invitationMacKey(secret, connection.id);
  const acceptorKey = handshake.exchange.publicKey;
  if (
    !handshakeMacMatches(
      macKey,
      'accept',
      acceptProofFields(connection.id, handshake.acceptor, acceptorKey),
      handshake.exchange.proof,
    )
  ) {
    throw new DomainError(
      'invitation_invalid',
      'This acceptance does not carry the proof of the invitation code: it was made without the code, or changed on the way. Nothing changed; accept again with the code you received.',
    );
  }

  const own = newExchangeKeyPair();
  const parties = {
    initiatorConnectionId: connection.id,
    acceptorConnectionId: handshake.acceptor.connectionId,
    initiatorPublicKey: own.publicKey,
    acceptorPublicKey: acceptorKey,
  };
  // Before any call: a public key that cannot be used is refused here.
  const key = connectionKeyFromExchange(own.privateKey, acceptorKey, parties);
  if (boundDestination !== null) await confirmWithDestination(deps, connection, boundDestination, handshake, macKey);

  const instance = requireInstanceRow(deps.db, connection.instanceId);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    const claimed = tx
      .update(invitations)
      .set({ usedAt: now })
      .where(and(eq(invitations.connectionId, connection.id), isNull(invitations.usedAt)))
      .run();
    const current = tx
      .select({ status: connections.status })
      .from(connections)
      .where(eq(connections.id, connection.id))
      .get();
    if (claimed.changes !== 1 || current?.status !== 'pending') {
      throw new DomainError(
        'invitation_used',
        'This invitation code has already been used. Ask the inviting admin for a new one.',
      );
    }
    tx.update(connections)
      .set({
        remoteUrl: handshake.acceptor.url,
        // For a bound code, the node the destination URL named when the connection was initiated (and that just
        // confirmed); never a URL the acceptor merely claims.
        remoteNodeUrl: boundDestination === null ? null : connection.remoteNodeUrl,
        remoteConnectionId: handshake.acceptor.connectionId,
        remotePlatform: handshake.acceptor.platform,
        remoteIsPrivate: boundDestination === null,
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
  return {
    initiatorConnectionId: connection.id,
    initiatorName: instance.name,
    acceptedAt: now.toISOString(),
    exchange: {
      publicKey: own.publicKey,
      proof: handshakeMac(macKey, 'accepted', acceptedProofFields(parties, instance.name)),
      keyConfirmation: handshakeMac(key, 'key-confirmation', keyConfirmationFields(parties)),
    },
  };
}

/** The invitation of a connection, when it can still be accepted: it exists, is unused, unexpired and pending. */
function openInvitation(deps: AppDeps, connectionId: string) {
  const connection = deps.db.select().from(connections).where(eq(connections.id, connectionId)).get();
  const invitation = deps.db.select().from(invitations).where(eq(invitations.connectionId, connectionId)).get();
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
  assertNotExpired({ expiresAt: invitation.expiresAt }, deps.clock());
  if (connection.status !== 'pending') {
    throw new DomainError('conflict', `The invited connection is ${connection.status}, not waiting for acceptance.`);
  }
  return { connection, boundDestination: invitation.boundDestination, secretHash: invitation.secretHash };
}

/**
 * Calls the bound destination's node (the one its URL named at initiation) and asks whether it is accepting with
 * this key; its answer must carry the invitation's proof over our nonce. Anything else refuses the acceptance.
 */
async function confirmWithDestination(
  deps: AppDeps,
  connection: ConnectionRow,
  destinationUrl: string,
  handshake: Handshake,
  macKey: Buffer,
): Promise<void> {
  const notConfirmed = (reason: string) => {
    deps.logger.warn(
      { connectionId: connection.id, destination: destinationUrl, reason },
      'the bound destination did not confirm an acceptance',
    );
    return new DomainError(
      'invitation_wrong_destination',
      `${destinationUrl} did not confirm that it is the one accepting this invitation, so the acceptance is refused and nothing changed. The code is bound to that instance: only its own DeskBridge can accept it, and the invitation stays open for it.`,
    );
  };
  if (!connection.remoteNodeUrl) throw notConfirmed('no node URL on record for the destination');
  const request = {
    initiatorConnectionId: connection.id,
    acceptorConnectionId: handshake.acceptor.connectionId,
    destinationUrl,
    acceptorPublicKey: handshake.exchange.publicKey,
    nonce: randomBytes(18).toString('base64url'),
  };
  const fields = confirmProofFields(request);
  let answer: { proof: string };
  try {
    answer = await deps.remote.confirmAcceptance(connection.remoteNodeUrl, {
      ...request,
      proof: handshakeMac(macKey, 'confirm', fields),
    });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    if (error.code === 'remote_unreachable') {
      throw new DomainError(
        'remote_unreachable',
        `The inviting DeskBridge could not ask ${destinationUrl} to confirm this acceptance: ${error.message} Nothing changed; the invitation stays open.`,
      );
    }
    throw notConfirmed(error.message);
  }
  if (!handshakeMacMatches(macKey, 'confirmed', fields, answer.proof))
    throw notConfirmed('the answer had no valid proof');
}
