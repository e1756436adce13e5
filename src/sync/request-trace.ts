import { validRequestId } from '../domain/request-id.ts';

/**
 * A received message keeps the request id it came with (src/domain/request-id.ts) in its stored payload, under this
 * key, so the lines the apply logs carry it too (no column: the payload is this node's copy, and the schemas that read
 * it ignore the key). Whatever the sender put under the key is replaced.
 */
const REQUEST_ID_KEY = 'requestId';

/** The messages as stored: each object payload with the request id of the request that brought it. */
export function carryRequestId<M extends { payload: unknown }>(messages: readonly M[], requestId: string): M[] {
  return messages.map((message) => {
    const payload = message.payload;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return message;
    return { ...message, payload: { ...payload, [REQUEST_ID_KEY]: requestId } };
  });
}

/** The request id a stored message came with; null for one stored before ids travelled (or an unreadable one). */
export function requestIdOf(payload: unknown): string | null {
  if (payload === null || typeof payload !== 'object') return null;
  return validRequestId((payload as Record<string, unknown>)[REQUEST_ID_KEY]);
}
