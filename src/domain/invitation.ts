import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { modes, type Mode } from './connection.ts';
import { DomainError } from './errors.ts';
import { platforms, type Platform } from './instance.ts';

/**
 * An invitation code: `DB1.<payload>.<signature>`, both parts base64url. The payload names the initiator and the
 * connection (its *terms*) and carries the one-time secret; the signature is an HMAC of the terms alone under the
 * initiating node's invitation key, so the accepting node can have the terms checked without sending the secret.
 * `v` is the handshake version: 2 exchanges keys (see key-exchange.ts); a code without it is from an older node.
 */
export interface InvitationPayload {
  /** Initiator instance URL (`{PUBLIC_URL}/i/{slug}`). */
  initiatorUrl: string;
  /** Base URL of the initiating node's protocol endpoints. */
  nodeUrl: string;
  connectionId: string;
  mode: Mode;
  connectionName: string;
  description: string;
  /** The initiator's short name for itself, and for the destination. */
  initiatorShortName: string;
  destinationShortName: string;
  platform: Platform;
  /** The destination instance URL the code is bound to, or null for a private connection. */
  destinationUrl: string | null;
  expiresAt: Date;
  /**
   * One-time secret: the handshake is MACed with a key derived from it, and it never travels. The initiator derives
   * it again from its own key and the connection id, and stores only its hash.
   */
  secret: string;
}

const PREFIX = 'DB1';
export const INVITATION_VERSION = 2;

/** Shown wherever a code without a destination is shown: it is a bearer secret. */
export const UNBOUND_CODE_WARNING =
  'Anyone with this code can accept it once; share it privately. (It is not bound to a destination URL.)';

const wireTerms = z.object({
  v: z.literal(INVITATION_VERSION),
  u: z.string().url(),
  n: z.string().url(),
  c: z.string().min(1),
  m: z.enum(modes),
  cn: z.string(),
  d: z.string(),
  ls: z.string(),
  rs: z.string(),
  p: z.enum(platforms),
  b: z.string().url().nullable(),
  e: z.number().int(),
});

const wirePayload = wireTerms.extend({ s: z.string().min(16) });

/** What the accepting node sends the initiator instead of the code: the terms and their signature, no secret. */
export const signedInvitationTermsSchema = z.object({
  terms: wireTerms,
  signature: z.string().min(1).max(200),
});

export type SignedInvitationTerms = z.infer<typeof signedInvitationTermsSchema>;

export function encodeInvitation(payload: InvitationPayload, signingKey: Buffer): string {
  const terms: z.infer<typeof wireTerms> = {
    v: INVITATION_VERSION,
    u: payload.initiatorUrl,
    n: payload.nodeUrl,
    c: payload.connectionId,
    m: payload.mode,
    cn: payload.connectionName,
    d: payload.description,
    ls: payload.initiatorShortName,
    rs: payload.destinationShortName,
    p: payload.platform,
    b: payload.destinationUrl,
    e: Math.floor(payload.expiresAt.getTime() / 1000),
  };
  const body = Buffer.from(JSON.stringify({ ...terms, s: payload.secret })).toString('base64url');
  return `${PREFIX}.${body}.${sign(terms, signingKey)}`;
}

const malformed = () =>
  new DomainError(
    'invitation_invalid',
    'This invitation code is not valid: it may have been cut short or changed while copying. Ask the inviting admin to send it again.',
  );

/** A code, or an acceptance, from a DeskBridge that predates the key exchange: refused, with what to do. */
export const olderInvitation = () =>
  new DomainError('invitation_invalid', 'This invitation was made by an older DeskBridge; ask for a new one.');

/** Reads a code without checking its signature (only the initiating node can); throws on anything malformed. */
export function decodeInvitation(code: string): { payload: InvitationPayload; signed: SignedInvitationTerms } {
  const parts = code.trim().split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) throw malformed();
  const [, body, signature] = parts as [string, string, string];
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (typeof json === 'object' && json !== null && !('v' in json) && 's' in json && 'c' in json)
    throw olderInvitation();
  const parsed = wirePayload.safeParse(json);
  if (!parsed.success) throw malformed();
  const { s, ...terms } = parsed.data;
  return { signed: { terms, signature }, payload: { ...fromWire(terms), secret: s } };
}

function fromWire(w: z.infer<typeof wireTerms>): Omit<InvitationPayload, 'secret'> {
  return {
    initiatorUrl: w.u,
    nodeUrl: w.n,
    connectionId: w.c,
    mode: w.m,
    connectionName: w.cn,
    description: w.d,
    initiatorShortName: w.ls,
    destinationShortName: w.rs,
    platform: w.p,
    destinationUrl: w.b,
    expiresAt: new Date(w.e * 1000),
  };
}

/** The initiating node's check of terms an acceptor sent: they are the ones it signed. */
export function verifyInvitationSignature(
  signed: SignedInvitationTerms,
  signingKey: Buffer,
): Omit<InvitationPayload, 'secret'> {
  const expected = Buffer.from(sign(signed.terms, signingKey));
  const given = Buffer.from(signed.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new DomainError(
      'invitation_invalid',
      'This invitation code was not issued by that DeskBridge, or it was changed after it was issued. Ask the inviting admin for a new code.',
    );
  }
  return fromWire(signed.terms);
}

/** The one-time secret of an invitation: derived from the initiating node's own key, so it never needs storing. */
export function invitationSecret(key: Buffer, connectionId: string): string {
  return createHmac('sha256', key).update(connectionId).digest('base64url');
}

export function assertNotExpired(payload: Pick<InvitationPayload, 'expiresAt'>, now: Date): void {
  if (payload.expiresAt.getTime() <= now.getTime()) {
    throw new DomainError(
      'invitation_expired',
      `This invitation code expired on ${payload.expiresAt.toISOString()}. Ask the inviting admin to initiate the connection again.`,
    );
  }
}

export function assertDestination(
  payload: Pick<InvitationPayload, 'destinationUrl'>,
  acceptorUrl: string | null,
): void {
  if (payload.destinationUrl !== null && payload.destinationUrl !== acceptorUrl) {
    throw new DomainError(
      'invitation_wrong_destination',
      `This invitation code was issued for ${payload.destinationUrl}, not for ${acceptorUrl ?? 'a private instance'}. Accept it on the instance it was issued for.`,
    );
  }
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatchesHash(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Signs the terms in a fixed order, so the accepting node's re-serialised copy checks the same. */
function sign(w: z.infer<typeof wireTerms>, key: Buffer): string {
  const canonical = JSON.stringify([w.v, w.u, w.n, w.c, w.m, w.cn, w.d, w.ls, w.rs, w.p, w.b, w.e]);
  return createHmac('sha256', key).update(`${PREFIX}.v${w.v}.${canonical}`).digest('base64url');
}
