import { createPublicKey } from 'node:crypto';
import { DomainError } from './errors.ts';

/**
 * A Xurrent webhook policy, as an admin copies it from Xurrent into DeskBridge: its `jwt_alg` (the GraphQL enum
 * WebhookPolicyJwtAlg: es/hs/rs 256/384/512, or none, which is refused: an unsigned webhook proves nothing), its
 * `jwt_audience`, and the public key Xurrent hands out once when the policy is made (RS/ES) or its shared secret (HS).
 */
export const webhookPolicyAlgorithms = [
  'rs256',
  'rs384',
  'rs512',
  'es256',
  'es384',
  'es512',
  'hs256',
  'hs384',
  'hs512',
] as const;
export type WebhookPolicyAlgorithm = (typeof webhookPolicyAlgorithms)[number];

export interface WebhookPolicy {
  algorithm: WebhookPolicyAlgorithm;
  key: string;
  audience: string | null;
}

const MAX_KEY_CHARS = 16 * 1024;
const MIN_SECRET_CHARS = 16;
const MAX_AUDIENCE_CHARS = 200;

function invalid(message: string, field: string): DomainError {
  return new DomainError('invalid_input', message, { field });
}

/** Checks a policy before it is stored: the algorithm, and a key that fits it (never a private key, never `none`). */
export function checkWebhookPolicy(input: { algorithm: string; key: string; audience?: string | null }): WebhookPolicy {
  const algorithm = input.algorithm.trim().toLowerCase();
  if (!(webhookPolicyAlgorithms as readonly string[]).includes(algorithm)) {
    throw invalid(
      `The policy's algorithm must be one of ${webhookPolicyAlgorithms.join(', ')} (its jwt_alg in Xurrent); "none" is refused: an unsigned webhook proves nothing.`,
      'algorithm',
    );
  }
  const key = input.key.trim();
  if (key.length === 0) throw invalid("Give the policy's key: its public key (RS, ES) or shared secret (HS).", 'key');
  if (key.length > MAX_KEY_CHARS) throw invalid(`The policy's key is longer than ${MAX_KEY_CHARS} characters.`, 'key');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw invalid(
      "That is a private key: give the policy's public key (DeskBridge never needs the private one).",
      'key',
    );
  }
  const audience = input.audience?.trim() || null;
  if (audience && audience.length > MAX_AUDIENCE_CHARS)
    throw invalid(`The audience is longer than ${MAX_AUDIENCE_CHARS} characters.`, 'audience');
  if (algorithm.startsWith('hs')) {
    if (/-----BEGIN /.test(key)) {
      throw invalid(
        `An ${algorithm} policy is checked with its shared secret, not a PEM key (taking a public key as the secret would let anyone sign).`,
        'key',
      );
    }
    if (key.length < MIN_SECRET_CHARS)
      throw invalid(`The policy's shared secret is shorter than ${MIN_SECRET_CHARS} characters.`, 'key');
    return { algorithm: algorithm as WebhookPolicyAlgorithm, key, audience };
  }
  let type: string | undefined;
  try {
    type = createPublicKey(key).asymmetricKeyType;
  } catch {
    throw invalid(`The key is not a PEM public key, which an ${algorithm} policy is checked with.`, 'key');
  }
  const wanted = algorithm.startsWith('rs') ? 'rsa' : 'ec';
  if (type !== wanted) {
    throw invalid(
      `An ${algorithm} policy is checked with an ${wanted.toUpperCase()} public key; this one is ${type ?? 'of another kind'}.`,
      'key',
    );
  }
  return { algorithm: algorithm as WebhookPolicyAlgorithm, key, audience };
}
