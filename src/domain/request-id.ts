import { randomBytes, randomUUID } from 'node:crypto';
import { signatureHeaders } from './request-signing.ts';

/**
 * A request id follows one batch of sync messages across both nodes: the sender makes one per batch it pushes (or
 * per pull), sends it with the node-protocol request, and both nodes log it with their connection id, so an operator
 * can trace a ticket's sync through two companies' logs.
 *
 * It is covered by the request signature without changing the signed string: the idempotency key (which is signed)
 * is `<request id>.<uuid>`, and a receiver takes the header only when the signed key starts with it. Older nodes send
 * a bare uuid and no header; they ignore the header of newer ones: no protocol version change.
 */
export const REQUEST_ID_HEADER = 'x-deskbridge-request-id';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A fresh id: 16 random bytes, base64url (22 characters). */
export function newRequestId(): string {
  return randomBytes(16).toString('base64url');
}

/** The text if it is a request id (a short token of letters, digits, `-` and `_`, at most 64), else null. */
export function validRequestId(text: unknown): string | null {
  return typeof text === 'string' && REQUEST_ID_PATTERN.test(text) ? text : null;
}

/** The idempotency key of a request carrying this request id (a new one for every request, retries included). */
export function idempotencyKeyFor(requestId: string): string {
  return `${requestId}.${randomUUID()}`;
}

/**
 * The request id of a received, authenticated request: the header's when it is a valid id bound by the signed
 * idempotency key; otherwise (none, malformed, not signed for) one of this node's own. The header's text is never
 * returned or logged unless it passed.
 */
export function receivedRequestId(headers: Record<string, string | string[] | undefined>): string {
  const header = headers[REQUEST_ID_HEADER];
  const key = headers[signatureHeaders.idempotencyKey];
  const given = validRequestId(Array.isArray(header) ? header[0] : header);
  const signed = Array.isArray(key) ? key[0] : key;
  if (given !== null && typeof signed === 'string' && signed.startsWith(`${given}.`)) return given;
  return newRequestId();
}
