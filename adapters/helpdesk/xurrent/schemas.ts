import { z } from 'zod';

/** The Xurrent payloads the connector reads, validated at the boundary; unknown fields pass through. */
const ref = z.looseObject({ id: z.number(), name: z.string().nullable().optional() });

export const xurrentAttachmentSchema = z.looseObject({
  name: z.string(),
  key: z.string(),
  uri: z.string().nullable().optional(),
  inline: z.boolean().optional(),
  size: z.number().nullable().optional(),
});

export const xurrentRequestSchema = z.looseObject({
  id: z.number(),
  subject: z.string().nullable(),
  category: z.string().nullable().optional(),
  impact: z.string().nullable().optional(),
  status: z.string(),
  team: ref.nullable().optional(),
  member: ref.nullable().optional(),
  // A reference carries id and name (and nodeID); the service is read from the service instance itself.
  service_instance: ref.nullable().optional(),
  requested_by: ref.nullable().optional(),
  requested_for: ref.nullable().optional(),
  template: ref.nullable().optional(),
  source: z.string().nullable().optional(),
  sourceID: z.string().nullable().optional(),
  custom_fields: z
    .array(z.looseObject({ id: z.string(), value: z.unknown() }))
    .nullable()
    .optional(),
  attachments: z.array(xurrentAttachmentSchema).nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const xurrentNoteSchema = z.looseObject({
  id: z.number(),
  text: z.string().nullable(),
  internal: z.boolean(),
  person: ref.nullable().optional(),
  created_at: z.string(),
  attachments: z.array(xurrentAttachmentSchema).nullable().optional(),
});

/** What a create answers when only the id is certain: "Create a note" answers `{"id": N}` and nothing more. */
export const xurrentCreatedSchema = z.looseObject({ id: z.number().int().positive() });

/** A service instance as `GET /service_instances/:id` shows it: the service it belongs to is a reference. */
export const xurrentServiceInstanceSchema = z.looseObject({
  id: z.number(),
  name: z.string().nullable().optional(),
  service: ref.nullable().optional(),
  status: z.string().nullable().optional(),
});

export const xurrentStorageSchema = z.looseObject({
  size_limit: z.number(),
  allowed_extensions: z.array(z.string()).nullable().optional(),
  provider: z.enum(['s3', 'local']),
  upload_uri: z.string(),
  s3: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  local: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

export type XurrentRequest = z.infer<typeof xurrentRequestSchema>;
export type XurrentNote = z.infer<typeof xurrentNoteSchema>;
export type XurrentAttachment = z.infer<typeof xurrentAttachmentSchema>;
