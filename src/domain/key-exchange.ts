import {
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { DomainError } from './errors.ts';

/**
 * The key exchange that gives a new connection its key. Each node makes an X25519 key pair for the one handshake;
 * the connection key is HKDF over their Diffie-Hellman secret, salted with a hash of both connection ids and both
 * public keys. Every handshake message is MACed under a key derived from the invitation code's secret, which never
 * travels: a man in the middle without the code cannot swap a public key, and someone who holds the code can take
 * part in an exchange of their own but never compute the key of another. Private keys stay in the memory of the
 * process that made them and are dropped when the handshake ends.
 */
export interface ExchangeKeyPair {
  privateKey: KeyObject;
  /** The raw 32-byte public key, base64url (43 characters). */
  publicKey: string;
}

/** An X25519 public key as it travels: 32 bytes, base64url without padding. */
export const exchangePublicKeyPattern = /^[A-Za-z0-9_-]{43}$/;

export function newExchangeKeyPair(): ExchangeKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: publicKey.export({ format: 'jwk' }).x! };
}

/** Who takes part in an exchange: both connection ids and both public keys. */
export interface ExchangeParties {
  initiatorConnectionId: string;
  acceptorConnectionId: string;
  initiatorPublicKey: string;
  acceptorPublicKey: string;
}

const unusableKey = () =>
  new DomainError(
    'invitation_invalid',
    'The other node sent a public key that cannot be used for a key exchange. Nothing was stored; try again, or ask for a new invitation.',
  );

/** The connection key, as both sides compute it: each with its own private key and the other's public key. */
export function connectionKeyFromExchange(own: KeyObject, peerPublicKey: string, parties: ExchangeParties): Buffer {
  if (!exchangePublicKeyPattern.test(peerPublicKey)) throw unusableKey();
  let shared: Buffer;
  try {
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peerPublicKey }, format: 'jwk' });
    shared = diffieHellman({ privateKey: own, publicKey: peer });
  } catch {
    throw unusableKey();
  }
  // A low-order point gives an all-zero secret that anyone can compute.
  if (shared.every((byte) => byte === 0)) throw unusableKey();
  const salt = createHash('sha256')
    .update(transcript('connection-key', partyFields(parties)))
    .digest();
  return Buffer.from(hkdfSync('sha256', shared, salt, 'deskbridge/connection-key/v2', 32));
}

/** The key the handshake messages of one invitation are MACed with: derived from the code's secret. */
export function invitationMacKey(secret: string, initiatorConnectionId: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), initiatorConnectionId, 'deskbridge/invitation-mac/v2', 32),
  );
}

/**
 * The messages of the handshake, each with its own label so one can never be passed off as another:
 * `accept` (acceptor -> initiator: who accepts, with which public key), `confirm` and `confirmed` (the initiator's
 * call back to the bound destination, and its answer), `accepted` (initiator -> acceptor: its public key) and
 * `key-confirmation` (under the connection key itself: both sides computed the same key).
 */
export type HandshakeStep = 'accept' | 'confirm' | 'confirmed' | 'accepted' | 'key-confirmation';

export function handshakeMac(key: Buffer, step: HandshakeStep, fields: readonly (string | null)[]): string {
  return createHmac('sha256', key).update(transcript(step, fields)).digest('base64url');
}

export function handshakeMacMatches(
  key: Buffer,
  step: HandshakeStep,
  fields: readonly (string | null)[],
  given: string,
): boolean {
  const expected = Buffer.from(handshakeMac(key, step, fields));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A JSON array: unambiguous whatever the fields contain. */
function transcript(step: string, fields: readonly (string | null)[]): string {
  return JSON.stringify([`deskbridge/handshake/v2/${step}`, ...fields]);
}

/** What the acceptor's `accept` MAC covers: everything it claims, and its public key. */
export function acceptProofFields(
  initiatorConnectionId: string,
  acceptor: { url: string | null; nodeUrl: string | null; connectionId: string; platform: string; name: string },
  acceptorPublicKey: string,
): (string | null)[] {
  return [
    initiatorConnectionId,
    acceptor.connectionId,
    acceptor.url,
    acceptor.nodeUrl,
    acceptor.platform,
    acceptor.name,
    acceptorPublicKey,
  ];
}

/** What the `confirm` call and its `confirmed` answer cover (the nonce makes each answer good for one call). */
export function confirmProofFields(request: {
  initiatorConnectionId: string;
  acceptorConnectionId: string;
  destinationUrl: string;
  acceptorPublicKey: string;
  nonce: string;
}): string[] {
  return [
    request.initiatorConnectionId,
    request.acceptorConnectionId,
    request.destinationUrl,
    request.acceptorPublicKey,
    request.nonce,
  ];
}

/** What the initiator's `accepted` MAC covers: both parties, and the name the acceptor will show for it. */
export function acceptedProofFields(parties: ExchangeParties, initiatorName: string): string[] {
  return [...partyFields(parties), initiatorName];
}

export function keyConfirmationFields(parties: ExchangeParties): string[] {
  return partyFields(parties);
}

function partyFields(p: ExchangeParties): string[] {
  return [p.initiatorConnectionId, p.acceptorConnectionId, p.initiatorPublicKey, p.acceptorPublicKey];
}
