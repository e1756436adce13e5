import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from './errors.ts';

/**
 * Node-to-node request signing: HMAC-SHA256 with the connection key over method, path (with query), timestamp,
 * idempotency key and the body's hash. A request is good for five minutes and only once.
 */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

export const signatureHeaders = {
  timestamp: 'x-deskbridge-timestamp',
  signature: 'x-deskbridge-signature',
  idempotencyKey: 'idempotency-key',
} as const;

export interface SignableRequest {
  method: string;
  path: string;
  body: string | Buffer;
  timestamp: number;
  idempotencyKey: string;
}

export function computeSignature(key: Buffer, request: SignableRequest): string {
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const canonical = [
    request.method.toUpperCase(),
    request.path,
    String(request.timestamp),
    request.idempotencyKey,
    bodyHash,
  ].join('\n');
  return `v1=${createHmac('sha256', key).update(canonical).digest('hex')}`;
}

export function signedHeaders(key: Buffer, request: SignableRequest): Record<string, string> {
  return {
    [signatureHeaders.timestamp]: String(request.timestamp),
    [signatureHeaders.idempotencyKey]: request.idempotencyKey,
    [signatureHeaders.signature]: computeSignature(key, request),
  };
}

/**
 * The signature headers, present and well-formed, with a timestamp inside the window: what can be checked before the
 * body is read (and before the key is looked up).
 */
export function readSignatureHeaders(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): { idempotencyKey: string; timestamp: number; signature: string } {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const timestampText = header(signatureHeaders.timestamp);
  const idempotencyKey = header(signatureHeaders.idempotencyKey);
  const signature = header(signatureHeaders.signature);
  if (!timestampText || !idempotencyKey || !signature) {
    throw new DomainError(
      'unauthorized',
      'This request is not signed: timestamp, idempotency key and signature headers are required.',
    );
  }
  const timestamp = Number(timestampText);
  if (!Number.isSafeInteger(timestamp) || Math.abs(now - timestamp) > SIGNATURE_WINDOW_MS) {
    throw new DomainError(
      'unauthorized',
      "The request timestamp is outside the five-minute window; check both nodes' clocks.",
    );
  }
  if (idempotencyKey.length > 200) throw new DomainError('unauthorized', 'The idempotency key is too long.');
  return { idempotencyKey, timestamp, signature };
}

/** Checks signature and freshness; the caller checks the idempotency key has not been seen. */
export function verifySignature(
  key: Buffer,
  request: { method: string; path: string; body: Buffer; headers: Record<string, string | string[] | undefined> },
  now: number,
): { idempotencyKey: string; timestamp: number } {
  const { idempotencyKey, timestamp, signature } = readSignatureHeaders(request.headers, now);
  const expected = Buffer.from(computeSignature(key, { ...request, timestamp, idempotencyKey }));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new DomainError('unauthorized', "The request signature does not match this connection's key.");
  }
  return { idempotencyKey, timestamp };
}
