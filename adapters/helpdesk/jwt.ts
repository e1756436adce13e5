import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../../src/http/json-depth.ts';

/**
 * Compact JWS (JWT) signing and verification with node:crypto, for Xurrent webhook policies. Their `jwt_alg` is one of
 * es256/384/512, hs256/384/512, rs256/384/512 or none (the GraphQL enum WebhookPolicyJwtAlg); every one but `none` is
 * accepted here. The verifier is always told which algorithm to expect, so a token cannot pick its own: an HS-signed
 * token checked against an RS policy fails, and a PEM public key is never taken as an HMAC secret.
 */
export const jwtAlgorithms = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'] as const;
export type JwtAlgorithm = (typeof jwtAlgorithms)[number];

export class JwtError extends Error {
  /** Set where the caller has more to say than the message (how to fix the issuer's settings). */
  readonly reason: 'no-expiry' | null;
  constructor(message: string, reason: 'no-expiry' | null = null) {
    super(message);
    this.reason = reason;
  }
}

/** A webhook body is small; a token beyond this is refused before any parsing or crypto. */
const MAX_TOKEN_CHARS = 256 * 1024;

const hashOf = (alg: JwtAlgorithm) => `sha${alg.slice(2)}`;
const isHmac = (alg: JwtAlgorithm) => alg.startsWith('HS');

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function parseJwtAlgorithm(value: string): JwtAlgorithm {
  const upper = value.toUpperCase();
  if (!(jwtAlgorithms as readonly string[]).includes(upper)) throw new JwtError(`Unsupported JWT algorithm ${value}`);
  return upper as JwtAlgorithm;
}

function hmacSecret(key: KeyObject | string): string | Buffer {
  if (typeof key !== 'string') return key.export();
  // A public key is public: taking one as the HMAC secret is the classic algorithm-confusion attack.
  if (/-----BEGIN [A-Z ]*(PUBLIC KEY|CERTIFICATE)-----/.test(key))
    throw new JwtError('an HS policy needs its shared secret, not a public key');
  if (key.length === 0) throw new JwtError('an HS policy needs its shared secret');
  return key;
}

export function signJwt(
  claims: Record<string, unknown>,
  alg: JwtAlgorithm,
  key: KeyObject | string,
  kid?: string,
): string {
  const header = { typ: 'JWT', alg, ...(kid ? { kid } : {}) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature: Buffer;
  if (isHmac(alg)) signature = createHmac(hashOf(alg), hmacSecret(key)).update(input).digest();
  else {
    const signer = createSign(hashOf(alg));
    signer.update(input);
    const privateKey = typeof key === 'string' ? createPrivateKey(key) : key;
    signature = alg.startsWith('ES')
      ? signer.sign({ key: privateKey, dsaEncoding: 'ieee-p1363' })
      : signer.sign(privateKey);
  }
  return `${input}.${b64url(signature)}`;
}

export interface JwtExpectations {
  algorithm: JwtAlgorithm;
  /** PEM public key (RS*, ES*) or the policy's shared secret (HS*). */
  key: string;
  audience?: string | null;
  /** Accepted issuers; any when empty or absent. */
  issuers?: string[] | null;
  nowMs: number;
  leewaySeconds?: number;
}

function readPart(part: string): Record<string, unknown> {
  const text = Buffer.from(part, 'base64url').toString('utf8');
  if (jsonNestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw new JwtError(`the JWT is nested more than ${MAX_JSON_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JwtError('the JWT is not readable');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new JwtError('the JWT is not readable');
  return value as Record<string, unknown>;
}

function signatureMatches(expect: JwtExpectations, input: string, signature: Buffer): boolean {
  if (isHmac(expect.algorithm)) {
    const expected = createHmac(hashOf(expect.algorithm), hmacSecret(expect.key)).update(input).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(expect.key);
  } catch {
    throw new JwtError(`the policy's key is not a PEM public key for ${expect.algorithm}`);
  }
  const verifier = createVerify(hashOf(expect.algorithm));
  verifier.update(input);
  try {
    return expect.algorithm.startsWith('ES')
      ? verifier.verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      : verifier.verify(publicKey, signature);
  } catch {
    // An RSA key given for an ES policy (or the reverse) is a mismatch, not a crash.
    return false;
  }
}

export function verifyJwt(token: string, expect: JwtExpectations): Record<string, unknown> {
  if (token.length > MAX_TOKEN_CHARS) throw new JwtError('the JWT is too large');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('not a compact JWT');
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = readPart(headerPart);
  const claims = readPart(claimsPart);
  if (header.alg !== expect.algorithm)
    throw new JwtError(`the JWT is signed with ${String(header.alg)}, expected ${expect.algorithm}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  if (!signatureMatches(expect, `${headerPart}.${claimsPart}`, signature))
    throw new JwtError('the JWT signature does not match the key');
  const now = Math.floor(expect.nowMs / 1000);
  const leeway = expect.leewaySeconds ?? 60;
  // A token without an expiry stays valid forever: whoever saw one delivery could send it again any day.
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp))
    throw new JwtError('the JWT has no exp (expiry) claim', 'no-expiry');
  if (now > claims.exp + leeway) throw new JwtError('the JWT has expired');
  if (typeof claims.nbf === 'number' && now + leeway < claims.nbf) throw new JwtError('the JWT is not valid yet');
  if (
    expect.audience &&
    claims.aud !== expect.audience &&
    !(Array.isArray(claims.aud) && claims.aud.includes(expect.audience))
  ) {
    throw new JwtError('the JWT is meant for another audience');
  }
  if (expect.issuers && expect.issuers.length > 0 && !expect.issuers.includes(String(claims.iss)))
    throw new JwtError('the JWT comes from an unexpected issuer');
  return claims;
}
