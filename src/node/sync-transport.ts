import { z } from 'zod';
import { pullAnswerSchema, type PullAnswer } from '../sync/messages.ts';
import type { OutgoingMessage, PeerAddress, SyncTransport } from '../sync/transport.ts';
import type { NodeClient } from './client.ts';

const pushAnswerSchema = z.object({ accepted: z.array(z.string()), duplicates: z.array(z.string()) });

/** Sync messages over the node protocol: POST batches to a reachable peer; GET `?after=` from a peer we must pull from. */
export function nodeSyncTransport(client: NodeClient): SyncTransport {
  return {
    async push(peer: PeerAddress, messages: OutgoingMessage[]): Promise<void> {
      await client.signed(peer, 'POST', '/messages', { messages }, pushAnswerSchema);
    },
    async pull(peer: PeerAddress, after: number): Promise<PullAnswer> {
      return client.signed(peer, 'GET', `/messages?after=${after}`, undefined, pullAnswerSchema);
    },
  };
}
