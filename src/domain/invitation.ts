import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { modes, type Mode } from './connection.ts';
import { DomainError } from './errors.ts';
import { platforms, type Platform } from './instance.ts';

/**
 * An invitation code: `DB1.<payload>.<signature>`, both parts base64url. The payload names the initiator and the
 * connection; the signature is an HMAC of the payload under the initiating node's invitation key, so only that node
 * can check it, and it does so when the code is presented back to it.
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
  /** One-time secret; the initiator stores only its hash. */
  secret: string;
}

const PREFIX = 'DB1';

const wirePayload = z.object({
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
  s: z.string().min(16),
});

export function encodeInvitation(payload: InvitationPayload, signingKey: Buffer): string {
  const wire: z.infer<typeof wirePayload> = {
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
    s: payload.secret,
  };
  const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${PREFIX}.${body}.${sign(body, signingKey)}`;
}

const malformed = () =>
  new DomainError(
    'invitation_invalid',
    'This invitation code is not valid: it may have been cut short or changed while copying. Ask the inviting admin to send it again.',
  );

/** Reads a code without checking its signature (only the initiating node can); throws on anything malformed. */
export function decodeInvitation(code: string): { payload: InvitationPayload; body: string; signature: string } {
  const parts = code.trim().split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) throw malformed();
  const [, body, signature] = parts as [string, string, string];
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  const parsed = wirePayload.safeParse(json);
  if (!parsed.success) throw malformed();
  const w = parsed.data;
  return {
    body,
    signature,
    payload: {
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
      secret: w.s,
    },
  };
}

export function verifyInvitationSignature(code: string, signingKey: Buffer): InvitationPayload {
  const { payload, body, signature } = decodeInvitation(code);
  const expected = Buffer.from(sign(body, signingKey));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new DomainError(
      'invitation_invalid',
      'This invitation code was not issued by that DeskBridge, or it was changed after it was issued. Ask the inviting admin for a new code.',
    );
  }
  return payload;
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

function sign(body: string, key: Buffer): string {
  return createHmac('sha256', key).update(`${PREFIX}.${body}`).digest('base64url');
}

/**
 * The key both sides sign node requests with. Each side derives it from the one-time secret and the two connection
 * ids, so the key itself never travels.
 */
export function deriveConnectionKey(
  secret: string,
  initiatorConnectionId: string,
  acceptorConnectionId: string,
): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(secret, 'utf8'),
      `${initiatorConnectionId}:${acceptorConnectionId}`,
      'deskbridge/connection-key/v1',
      32,
    ),
  );
}
