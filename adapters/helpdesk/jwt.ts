import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Compact JWS (JWT) signing and verification with node:crypto, for Xurrent webhook policies: RS256/384/512 and
 * ES256/384/512 as Xurrent offers them, plus HS256 for shared-secret setups. The verifier is always told which
 * algorithm to expect, so a token cannot pick its own.
 */
export const jwtAlgorithms = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'HS256'] as const;
export type JwtAlgorithm = (typeof jwtAlgorithms)[number];

export class JwtError extends Error {}

const hashOf: Record<JwtAlgorithm, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  HS256: 'sha256',
};

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function parseJwtAlgorithm(value: string): JwtAlgorithm {
  const upper = value.toUpperCase();
  if (!(jwtAlgorithms as readonly string[]).includes(upper)) throw new JwtError(`Unsupported JWT algorithm ${value}`);
  return upper as JwtAlgorithm;
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
  if (alg === 'HS256')
    signature = createHmac('sha256', typeof key === 'string' ? key : key.export())
      .update(input)
      .digest();
  else {
    const signer = createSign(hashOf[alg]);
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
  /** PEM public key (RS*, ES*) or the shared secret (HS256). */
  key: string;
  audience?: string | null;
  /** Accepted issuers; any when empty or absent. */
  issuers?: string[] | null;
  nowMs: number;
  leewaySeconds?: number;
}

export function verifyJwt(token: string, expect: JwtExpectations): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('not a compact JWT');
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new JwtError('the JWT is not readable');
  }
  if (header.alg !== expect.algorithm)
    throw new JwtError(`the JWT is signed with ${String(header.alg)}, expected ${expect.algorithm}`);
  const input = `${headerPart}.${claimsPart}`;
  const signature = Buffer.from(signaturePart, 'base64url');
  let valid: boolean;
  if (expect.algorithm === 'HS256') {
    const expected = createHmac('sha256', expect.key).update(input).digest();
    valid = expected.length === signature.length && timingSafeEqual(expected, signature);
  } else {
    const verifier = createVerify(hashOf[expect.algorithm]);
    verifier.update(input);
    const publicKey = createPublicKey(expect.key);
    valid = expect.algorithm.startsWith('ES')
      ? verifier.verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
      : verifier.verify(publicKey, signature);
  }
  if (!valid) throw new JwtError('the JWT signature does not match the key');
  const now = Math.floor(expect.nowMs / 1000);
  const leeway = expect.leewaySeconds ?? 60;
  if (typeof claims.exp === 'number' && now > claims.exp + leeway) throw new JwtError('the JWT has expired');
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
