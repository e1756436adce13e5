/** What tells Freshdesk and Freshservice apart in a simulator. */
export interface FreshworksFlavor {
  platform: 'freshdesk' | 'freshservice';
  /** Freshservice wraps bodies (`{"ticket": ...}`); Freshdesk does not. */
  wrap: boolean;
  defaultAttachmentCapBytes: number;
  defaultRateLimitPerMinute: number;
  searchPath: string;
  searchEnvelope(total: number, tickets: unknown[]): unknown;
  /** Writable ticket fields besides the common ones, with their kind. */
  extraFields: Record<string, FieldKind>;
  /** Fields every ticket shows, with their default values, besides the common ones; from the ticket's stored fields. */
  extraDefaults(fields: Record<string, unknown>): Record<string, unknown>;
  requiredOnCreate: string[];
  validSources: number[];
  /** Freshdesk lists omit the description unless `include=description`. */
  listOmitsDescription: boolean;
  /** Freshservice shows `tags` only with `include=tags`. */
  tagsOnlyWithInclude: boolean;
  /** Freshservice shows only the primary workspace unless `workspace_id` is given. */
  workspaces: boolean;
  /**
   * What a webhook's `{{ticket.*}}` placeholders render besides the common ones: Freshservice's `{{ticket.id}}` is the
   * display id (`#INC-1`), its `{{ticket.id_numeric}}` the number.
   */
  webhookIds(id: number, type: unknown): Record<string, string>;
}

export type FieldKind = 'int' | 'string' | 'strings' | 'bool' | 'date';

const commonFields: Record<string, FieldKind> = {
  subject: 'string',
  description: 'string',
  status: 'int',
  priority: 'int',
  source: 'int',
  type: 'string',
  requester_id: 'int',
  email: 'string',
  phone: 'string',
  name: 'string',
  responder_id: 'int',
  group_id: 'int',
  tags: 'strings',
  cc_emails: 'strings',
  due_by: 'date',
  fr_due_by: 'date',
  email_config_id: 'int',
};

/** Every ticket field a create or update may carry, with its kind. */
export function writableFields(flavor: FreshworksFlavor): Record<string, FieldKind> {
  return { ...commonFields, ...flavor.extraFields };
}
