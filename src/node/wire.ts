import { z } from 'zod';
import type { PullAnswer } from '../sync/index.ts';

/**
 * A sync message as it travels between nodes, pushed in a batch or pulled: what a node takes from the other. Its
 * payload (a replica or an ack) is read by the sync engine when it applies the message (src/sync/messages.ts).
 */
const wireMessageSchema = z.object({
  idempotencyKey: z.string().min(1).max(200),
  kind: z.enum(['replica', 'ack']),
  entityKey: z.string().max(200).nullable().default(null),
  payload: z.unknown(),
});

/** `POST /v1/connections/{id}/messages`: a batch of messages. */
export const messageBatchSchema = z.object({ messages: z.array(wireMessageSchema).max(500) });
export type MessageBatch = z.infer<typeof messageBatchSchema>;

/** The answer to `GET /v1/connections/{id}/messages?after=`, each message with the sender's outbox id. */
export const pullAnswerSchema: z.ZodType<PullAnswer> = z.object({
  mode: z.enum(['pull', 'push']),
  messages: z.array(wireMessageSchema.extend({ id: z.number().int() })),
});

/** The answer to a pushed batch: the messages stored now, and those stored before (a batch sent again). */
export const pushAnswerSchema = z.object({ accepted: z.array(z.string()), duplicates: z.array(z.string()) });
