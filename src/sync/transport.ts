import type { PullAnswer } from './messages.ts';

/** Where a connection's messages go: the other node, its key and its id for the connection. */
export interface PeerAddress {
  key: Buffer;
  nodeUrl: string;
  remoteConnectionId: string;
}

export interface OutgoingMessage {
  idempotencyKey: string;
  kind: 'replica' | 'ack';
  entityKey: string | null;
  payload: unknown;
}

/** The node protocol as the sync engine uses it (implemented over signed HTTP in src/node). */
export interface SyncTransport {
  push(peer: PeerAddress, messages: OutgoingMessage[]): Promise<void>;
  pull(peer: PeerAddress, after: number): Promise<PullAnswer>;
}
