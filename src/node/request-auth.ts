import { and, eq, lt } from 'drizzle-orm';
import { connections, nodeRequestIds } from '../../db/schema/index.ts';
import type { AppDeps } from '../app/deps.ts';
import { DomainError } from '../domain/errors.ts';
import { readSignatureHeaders, SIGNATURE_WINDOW_MS, verifySignature } from '../domain/request-signing.ts';
import type { ConnectionRow } from '../store/connections.ts';

export interface SignedRequest {
  connectionId: string;
  method: string;
  /** Path with query string, exactly as sent. */
  path: string;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** The same answer for "no such connection" and "bad signature", so the endpoint reveals nothing to a stranger. */
function signatureMismatch(): DomainError {
  return new DomainError('unauthorized', "The request signature does not match this connection's key.");
}

/**
 * What a node request must show before its body is read: the signature headers, a timestamp inside the window, and a
 * connection that exists and has a key. A stranger's upload is refused on its headers alone.
 */
export function admitNodeRequest(
  deps: AppDeps,
  request: { connectionId: string; headers: SignedRequest['headers'] },
): void {
  readSignatureHeaders(request.headers, deps.clock().getTime());
  const row = deps.db
    .select({ keyEnc: connections.keyEnc })
    .from(connections)
    .where(eq(connections.id, request.connectionId))
    .get();
  if (!row || row.keyEnc === null) throw signatureMismatch();
}

/**
 * Authenticates a request from the other node of a connection: a valid signature under the connection key, a fresh
 * timestamp, and an idempotency key not seen before (a replay is refused with 409). Records the key.
 */
export function authenticateNodeRequest(deps: AppDeps, request: SignedRequest): ConnectionRow {
  const row = deps.db.select().from(connections).where(eq(connections.id, request.connectionId)).get();
  if (!row || row.keyEnc === null) throw signatureMismatch();
  const key = Buffer.from(deps.secrets.open(row.keyEnc), 'base64');
  const now = deps.clock().getTime();
  const { idempotencyKey } = verifySignature(key, request, now);
  deps.db.transaction((tx) => {
    tx.delete(nodeRequestIds)
      .where(lt(nodeRequestIds.at, new Date(now - 2 * SIGNATURE_WINDOW_MS)))
      .run();
    const seen = tx
      .select({ at: nodeRequestIds.at })
      .from(nodeRequestIds)
      .where(and(eq(nodeRequestIds.connectionId, row.id), eq(nodeRequestIds.requestId, idempotencyKey)))
      .get();
    if (seen)
      throw new DomainError('conflict', 'This request was already received (its idempotency key was used before).');
    tx.insert(nodeRequestIds)
      .values({ connectionId: row.id, requestId: idempotencyKey, at: new Date(now) })
      .run();
  });
  return row;
}
