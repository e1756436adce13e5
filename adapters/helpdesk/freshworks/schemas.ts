import { z } from 'zod';

/** The Freshdesk/Freshservice payloads the connectors read, validated at the boundary; unknown fields pass through. */
export const freshworksAttachmentSchema = z.looseObject({
  // Freshservice's documented View a Ticket shows an attachment without an id (every other example has one).
  id: z.number().optional(),
  name: z.string(),
  content_type: z.string().nullable().optional(),
  // The real API says `size`; older payloads (and python-freshdesk's fixtures) say `file_size`.
  size: z.number().optional(),
  file_size: z.number().optional(),
  attachment_url: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
});

export const freshworksTicketSchema = z.looseObject({
  id: z.number(),
  subject: z.string().nullable(),
  description: z.string().nullable().optional(),
  status: z.number(),
  priority: z.number(),
  type: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  requester_id: z.number().nullable().optional(),
  responder_id: z.number().nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  attachments: z.array(freshworksAttachmentSchema).optional(),
  requester: z
    .looseObject({ id: z.number(), name: z.string().nullable().optional(), email: z.string().nullable().optional() })
    .nullable()
    .optional(),
});

export const freshworksConversationSchema = z.looseObject({
  id: z.number(),
  body: z.string().nullable(),
  private: z.boolean(),
  incoming: z.boolean().optional(),
  user_id: z.number().nullable().optional(),
  from_email: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string().nullable().optional(),
  attachments: z.array(freshworksAttachmentSchema).optional(),
});

/** A single-ticket read with `include=conversations`. */
export const freshworksTicketWithConversationsSchema = freshworksTicketSchema.extend({
  conversations: z.array(freshworksConversationSchema).optional(),
});

export const freshworksProjectSchema = z.looseObject({ id: z.number(), name: z.string() });

export type FreshworksTicket = z.infer<typeof freshworksTicketSchema>;
export type FreshworksConversation = z.infer<typeof freshworksConversationSchema>;
export type FreshworksAttachment = z.infer<typeof freshworksAttachmentSchema>;

/** A body as the platform sends it: bare (Freshdesk) or under a key (Freshservice `{"ticket": ...}`). */
export function wrapped<T extends z.ZodType>(wrap: boolean, key: string, schema: T): z.ZodType<z.infer<T>> {
  return wrap
    ? z.object({ [key]: schema }).transform((body) => body[key] as z.infer<T>)
    : (schema as unknown as z.ZodType<z.infer<T>>);
}
