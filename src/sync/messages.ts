import { z } from 'zod';

/** A file the other side has not got yet travels with the replica (its helpdesk URL is of no use to them). */
const fileSchema = z.object({
  id: z.string().min(1),
  filename: z.string().min(1).max(500),
  mimetype: z.string().max(200),
  data: z.base64(),
});

/** A replica of one entity: the sender's entity id, and ours when the sender knows it (after our ack). */
export const replicaPayloadSchema = z.object({
  entityId: z.string().min(1).max(200),
  entityKey: z.string().max(200).nullable(),
  remoteEntityId: z.string().max(200).nullable(),
  replica: z.record(z.string(), z.unknown()),
  hash: z.string(),
  files: z.array(fileSchema).default([]),
});

/** "I applied your replica": the acker's entity id and the comment/attachment ids it created for yours. */
export const ackPayloadSchema = z.object({
  entityId: z.string().min(1).max(200),
  entityKey: z.string().max(200).nullable(),
  remoteEntityId: z.string().min(1).max(200),
  comments: z.array(z.tuple([z.string(), z.string()])).default([]),
  attachments: z.array(z.tuple([z.string(), z.string()])).default([]),
});

export type ReplicaPayload = z.infer<typeof replicaPayloadSchema>;
export type AckPayload = z.infer<typeof ackPayloadSchema>;

/** A message as it travels (push and pull). */
export const wireMessageSchema = z.object({
  id: z.number().int().optional(),
  idempotencyKey: z.string().min(1).max(200),
  kind: z.enum(['replica', 'ack']),
  entityKey: z.string().max(200).nullable().default(null),
  payload: z.unknown(),
});

export const pullAnswerSchema = z.object({
  mode: z.enum(['pull', 'push']),
  messages: z.array(wireMessageSchema.extend({ id: z.number().int() })),
});
export type PullAnswer = z.infer<typeof pullAnswerSchema>;
