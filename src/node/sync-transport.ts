import type { OutgoingMessage, PeerAddress, PullAnswer, SyncTransport } from '../sync/index.ts';
import type { NodeClient } from './client.ts';
import { pullAnswerSchema, pushAnswerSchema } from './wire.ts';

/** Sync messages over the node protocol: POST batches to a reachable peer; GET `?after=` from a peer we must pull from. */
export function nodeSyncTransport(client: NodeClient): SyncTransport {
  return {
    async push(peer: PeerAddress, messages: OutgoingMessage[], requestId?: string): Promise<void> {
      await client.signed(peer, 'POST', '/messages', { messages }, pushAnswerSchema, requestId);
    },
    async pull(peer: PeerAddress, after: number, requestId?: string): Promise<PullAnswer> {
      return client.signed(peer, 'GET', `/messages?after=${after}`, undefined, pullAnswerSchema, requestId);
    },
  };
}
