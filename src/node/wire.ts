import { z } from 'zod';
import { messageKinds, type PullAnswer } from '../sync/index.ts';

/**
 * A sync message as it travels between nodes, pushed in a batch or pulled: what a node takes from the other. Its
 * payload (a replica or an ack) is read by the sync engine when it applies the message (src/sync/messages.ts).
 */
const wireMessageSchema = z.object({
  idempotencyKey: z.string().min(1).max(200),
  kind: z.enum(messageKinds),
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

/** The most keys (or subject digests) one lookup names, and the most tickets an answer lists. */
const MAX_LOOKUP_KEYS = 200;
const MAX_ANSWER_ENTITIES = 200;

/** A ticket key as people type it (`#123`, `70001`): the other node's too, so it is checked before it is looked up. */
const entityKeySchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^#?[A-Za-z0-9_.-]+$/, 'a ticket key is its number or id, like #123 or 70001');

const subjectDigest = z.string().regex(/^[0-9a-f]{64}$/, 'a subject is sent as its SHA-256 digest');

/** `POST /v1/connections/{id}/entities/lookup`: tickets by key, or recent ones by subject digest. */
export const entityLookupSchema = z.union([
  z.object({ keys: z.array(entityKeySchema).min(1).max(MAX_LOOKUP_KEYS) }).strict(),
  z.object({ subjects: z.array(subjectDigest).min(1).max(MAX_LOOKUP_KEYS) }).strict(),
]);

const idText = z.string().min(1).max(200);

/** The answer: one entry per key asked about (or per recent ticket), from a node that may be hostile. */
export const entityLookupAnswerSchema = z.object({
  entities: z
    .array(
      z.object({
        key: z.string().max(200),
        found: z.boolean(),
        entityId: idText.nullable(),
        entityKey: z.string().max(200).nullable(),
        subject: subjectDigest.nullable(),
        linked: z.boolean(),
      }),
    )
    .max(MAX_ANSWER_ENTITIES),
});
