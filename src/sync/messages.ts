import { z } from 'zod';

/** A file the other side has not got yet travels with the replica (its helpdesk URL is of no use to them). */
const fileSchema = z.object({
  id: z.string().min(1),
  filename: z.string().min(1).max(500),
  mimetype: z.string().max(200),
  data: z.base64(),
});

/** The longest entity URL a node takes from the other; a helpdesk's web address of one ticket is far shorter. */
const MAX_ENTITY_URL_LENGTH = 2000;

/** An http(s) address without credentials in it, as the URL parser writes it; anything else is no URL to show. */
function webUrlOf(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '')
    return undefined;
  return url.href.length <= MAX_ENTITY_URL_LENGTH ? url.href : undefined;
}

/**
 * Where the sender's agents open its entity: this side's scripts get it as `issueUrl`, and post it as a link. It comes
 * from the other node, so one that is not a plain web address, or too long, is dropped and the replica applies
 * without it (as from a node too old to send one).
 */
const entityUrlSchema = z
  .string()
  .max(MAX_ENTITY_URL_LENGTH)
  .optional()
  .catch(undefined)
  .transform((text) => (text === undefined ? undefined : webUrlOf(text)));

/**
 * A replica of one entity: the sender's entity id (and its web address), and ours when the sender knows it (after
 * our ack).
 */
export const replicaPayloadSchema = z.object({
  entityId: z.string().min(1).max(200),
  entityUrl: entityUrlSchema,
  entityKey: z.string().max(200).nullable(),
  remoteEntityId: z.string().max(200).nullable(),
  replica: z.record(z.string(), z.unknown()),
  hash: z.string(),
  files: z.array(fileSchema).default([]),
  /** Sent again after the pair was unlinked (a bulk sync naming it): the receiver links it again with the twin found. */
  relink: z.boolean().default(false),
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

/**
 * "These two entities are twins from now on" (`deskbridge entities connect`): the sender's entity and ours. The
 * receiver checks ours against its own helpdesk and its twin links before it records anything.
 */
export const linkPayloadSchema = z.object({
  entityId: z.string().min(1).max(200),
  entityKey: z.string().max(200).nullable(),
  remoteEntityId: z.string().min(1).max(200),
});

/**
 * "Stop syncing this pair": the sender's entity (and ours, when it knows it). `refused` is a link the receiver would
 * not record (the reason is in `message`); both stop syncing the pair either way.
 */
export const unlinkPayloadSchema = z.object({
  entityId: z.string().min(1).max(200),
  remoteEntityId: z.string().min(1).max(200).nullable(),
  refused: z.boolean().default(false),
  message: z.string().max(500).default(''),
});

export type LinkPayload = z.infer<typeof linkPayloadSchema>;
export type UnlinkPayload = z.infer<typeof unlinkPayloadSchema>;

/**
 * "Our entity was deleted": the sender's entity id (and key), and ours when the sender knows it. The receiver stops
 * syncing the pair and does what its connection's on_twin_deleted setting says.
 */
export const deletedPayloadSchema = z.object({
  entityId: z.string().min(1).max(200),
  entityKey: z.string().max(200).nullable(),
  remoteEntityId: z.string().min(1).max(200).nullable(),
});

export type DeletedPayload = z.infer<typeof deletedPayloadSchema>;
