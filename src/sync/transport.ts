/** Where a connection's messages go: the other node, its key and its id for the connection. */
export interface PeerAddress {
  key: Buffer;
  nodeUrl: string;
  remoteConnectionId: string;
}

/**
 * What a sync message is: an entity's replica, an ack of one, a pair linked or unlinked by an admin, or an entity
 * deleted on the sender's side.
 */
export const messageKinds = ['replica', 'ack', 'link', 'unlink', 'deleted'] as const;
export type MessageKind = (typeof messageKinds)[number];

/** A sync message as it travels between nodes (src/node/wire.ts checks what arrives). */
export interface OutgoingMessage {
  idempotencyKey: string;
  kind: MessageKind;
  entityKey: string | null;
  payload: unknown;
}

/** What a node we pull from answers: its messages after the id asked for, or `push` when it can call us itself. */
export interface PullAnswer {
  mode: 'pull' | 'push';
  /** Each with the sender's outbox id: the next pull asks for what comes after the last. */
  messages: Array<OutgoingMessage & { id: number }>;
}

/** The node protocol as the sync engine uses it (implemented over signed HTTP in src/node). */
export interface SyncTransport {
  /** `requestId` travels with the request (src/domain/request-id.ts): both nodes log it. */
  push(peer: PeerAddress, messages: OutgoingMessage[], requestId?: string): Promise<void>;
  pull(peer: PeerAddress, after: number, requestId?: string): Promise<PullAnswer>;
}
