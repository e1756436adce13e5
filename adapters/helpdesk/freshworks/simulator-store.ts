import type { FilePart } from '../simulator-kit/multipart.ts';
import { SimHttpError } from '../simulator-kit/server.ts';
import { dropdownErrors } from './simulator-custom-values.ts';
import { type FreshworksFlavor, writableFields } from './simulator-flavor.ts';
import { type SeedTicketField, SimTicketFields } from './simulator-ticket-fields.ts';
import { type FreshworksFieldError, validationFailed } from './wire.ts';

/**
 * What a Freshdesk or Freshservice simulator holds (tickets with their conversations and attachments, contacts,
 * agents, groups or workspaces, custom fields, API keys) and the writes both APIs validate, with their messages.
 * A refused write throws the 400 answer and changes nothing.
 */

export interface StoredAttachment {
  id: number;
  name: string;
  content_type: string;
  data: Buffer;
  created_at: number;
  updated_at: number;
}

export interface StoredConversation {
  id: number;
  ticket_id: number;
  body: string;
  incoming: boolean;
  private: boolean;
  user_id: number | null;
  source: number;
  support_email: string | null;
  to_emails: string[];
  from_email: string | null;
  cc_emails: string[] | null;
  bcc_emails: string[] | null;
  attachments: StoredAttachment[];
  created_at: number;
  updated_at: number;
}

export interface StoredTicket {
  id: number;
  fields: Record<string, unknown>;
  custom_fields: Record<string, unknown>;
  attachments: StoredAttachment[];
  conversations: StoredConversation[];
  created_at: number;
  updated_at: number;
  /** In the trash (`DELETE /tickets/:id`): still readable, with `"deleted": true`, until restored or purged. */
  deleted: boolean;
  stats: {
    first_responded_at: number | null;
    resolved_at: number | null;
    closed_at: number | null;
    status_updated_at: number | null;
  };
}

export interface Contact {
  id: number;
  name: string;
  email: string | null;
  mobile: string | null;
  phone: string | null;
}

export interface Agent {
  id: number;
  name: string;
  email: string;
}

export interface Project {
  id: number;
  name: string;
  primary?: boolean;
}

export type ApiKeyRole = 'admin' | 'readonly';

export type TicketSeed = Record<string, unknown> & { conversations?: Array<Record<string, unknown>> };

export interface FreshworksSeed {
  tickets?: TicketSeed[];
  groups?: Project[];
  workspaces?: Project[];
  agents?: Agent[];
  contacts?: Contact[];
  /** Custom field names accepted in `custom_fields` (Freshdesk `cf_*`). */
  customFields?: string[];
  /** Dropdown custom fields and their choices (the field is accepted too); other values are refused. */
  customFieldChoices?: Record<string, string[]>;
  /** Ticket fields to mark required for agents (default ones by name, custom ones are added); see simulator-ticket-fields.ts. */
  ticketFields?: SeedTicketField[];
  apiKeys?: Record<string, ApiKeyRole>;
}

/** What a conversation is: a note (private unless told, source 2) or a reply to the requester (public, source 0). */
export type ConversationKind = 'note' | 'reply';

export const DAY_MS = 24 * 60 * 60 * 1000;
const SUPPORT_EMAIL = 'support@simulator.example';

function describeCap(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb}MB` : `${bytes} bytes`;
}

export class FreshworksStore {
  readonly tickets = new Map<number, StoredTicket>();
  readonly contacts = new Map<number, Contact>();
  readonly agents: Agent[] = [{ id: 1001, name: 'Simulator Agent', email: 'agent@simulator.example' }];
  groups: Project[] = [
    { id: 301, name: 'Support' },
    { id: 302, name: 'Escalations' },
  ];
  workspaces: Project[] = [
    { id: 2, name: 'IT', primary: true },
    { id: 3, name: 'HR' },
  ];
  readonly customFields = new Set<string>();
  readonly dropdowns = new Map<string, string[]>();
  readonly ticketFields: SimTicketFields;
  readonly apiKeys: Map<string, ApiKeyRole>;
  private nextTicketId = 1;
  private nextConversationId = 5001;
  private nextAttachmentId = 9001;
  private nextContactId = 7001;

  constructor(
    private readonly flavor: FreshworksFlavor,
    private readonly now: () => number,
    /** The most a ticket's attachments may add up to. */
    private readonly capBytes: number,
    apiKey: string,
  ) {
    this.apiKeys = new Map([[apiKey, 'admin']]);
    this.ticketFields = new SimTicketFields(flavor.platform, this.customFields);
  }

  primaryWorkspace(): number | null {
    return this.workspaces.find((w) => w.primary)?.id ?? this.workspaces[0]?.id ?? null;
  }

  seed(data: FreshworksSeed): void {
    for (const name of data.customFields ?? []) this.customFields.add(name);
    for (const [name, values] of Object.entries(data.customFieldChoices ?? {})) {
      this.customFields.add(name);
      this.dropdowns.set(name, [...values]);
    }
    this.ticketFields.seed(data.ticketFields);
    if (data.groups) this.groups = data.groups;
    if (data.workspaces) this.workspaces = data.workspaces;
    if (data.agents) this.agents.splice(0, this.agents.length, ...data.agents);
    for (const contact of data.contacts ?? []) {
      this.contacts.set(contact.id, contact);
      this.nextContactId = Math.max(this.nextContactId, contact.id + 1);
    }
    for (const [key, role] of Object.entries(data.apiKeys ?? {})) this.apiKeys.set(key, role);
    for (const raw of data.tickets ?? []) this.addTicket(raw);
  }

  /** Puts a ticket in as it is (no validation, no webhooks; its custom fields become known ones). */
  addTicket(raw: TicketSeed): number {
    const { conversations = [], created_at, updated_at, id, custom_fields, ...fields } = raw;
    const createdAt = typeof created_at === 'string' ? Date.parse(created_at) : this.now();
    const ticket = this.newTicket(typeof id === 'number' ? id : undefined, createdAt);
    if (custom_fields && typeof custom_fields === 'object') {
      for (const key of Object.keys(custom_fields)) this.customFields.add(key);
    }
    this.applyFields(ticket, { ...fields, ...(custom_fields ? { custom_fields } : {}) });
    ticket.updated_at = typeof updated_at === 'string' ? Date.parse(updated_at) : createdAt;
    for (const c of conversations) {
      const at = typeof c.created_at === 'string' ? Date.parse(c.created_at) : ticket.updated_at;
      ticket.conversations.push({
        id: this.nextConversationId++,
        ticket_id: ticket.id,
        body: String(c.body ?? ''),
        incoming: c.incoming === true,
        private: c.private !== false,
        user_id: typeof c.user_id === 'number' ? c.user_id : (this.agents[0]?.id ?? null),
        source: 2,
        support_email: null,
        to_emails: [],
        from_email: null,
        cc_emails: null,
        bcc_emails: null,
        attachments: [],
        created_at: at,
        updated_at: at,
      });
    }
    this.tickets.set(ticket.id, ticket);
    return ticket.id;
  }

  /** `POST /tickets`: checks every field and the attachment cap, then stores the ticket and its files. */
  createTicket(fields: Record<string, unknown>, files: FilePart[]): StoredTicket {
    const errors = this.validateTicket(fields, true);
    if (errors.length > 0) throw new SimHttpError(validationFailed(errors));
    this.checkAttachmentCap(null, files);
    const ticket = this.newTicket(undefined, this.now());
    this.applyFields(ticket, fields);
    ticket.attachments.push(...this.storeFiles(files));
    this.tickets.set(ticket.id, ticket);
    return ticket;
  }

  /** `PUT /tickets/:id`, JSON or multipart with `attachments[]`. */
  updateTicket(ticket: StoredTicket, fields: Record<string, unknown>, files: FilePart[]): void {
    const errors = this.validateTicket(fields, false);
    if (errors.length > 0) throw new SimHttpError(validationFailed(errors));
    this.checkAttachmentCap(ticket, files);
    this.applyFields(ticket, fields);
    ticket.attachments.push(...this.storeFiles(files));
    ticket.updated_at = this.now();
  }

  /** Moved to the trash (the API's delete, or an agent's in the UI). */
  trashTicket(ticket: StoredTicket): void {
    ticket.deleted = true;
    ticket.updated_at = this.now();
  }

  restoreTicket(ticket: StoredTicket): void {
    ticket.deleted = false;
    ticket.updated_at = this.now();
  }

  /** The trash emptied: the ticket is gone, and the API answers 404 for it. */
  purgeTicket(id: number): void {
    this.tickets.delete(id);
  }

  /** A change made in the agent's UI: nothing is validated. */
  agentUpdate(ticket: StoredTicket, fields: Record<string, unknown>): void {
    this.applyFields(ticket, fields);
    ticket.updated_at = this.now();
  }

  /** `POST /tickets/:id/notes` and `/reply`: only the fields each takes, a body that is not blank. */
  addConversation(
    ticket: StoredTicket,
    kind: ConversationKind,
    fields: Record<string, unknown>,
    files: FilePart[],
  ): StoredConversation {
    const allowed =
      kind === 'note'
        ? ['body', 'private', 'incoming', 'notify_emails', 'user_id']
        : ['body', 'from_email', 'user_id', 'cc_emails', 'bcc_emails'];
    const errors: FreshworksFieldError[] = [];
    for (const name of Object.keys(fields))
      if (!allowed.includes(name))
        errors.push({ field: name, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
    const isPrivate = fields.private === undefined ? true : fields.private === true || fields.private === 'true';
    if (typeof fields.body !== 'string' || fields.body.trim() === '')
      errors.push({ field: 'body', message: 'It should be a/an String', code: 'missing_field' });
    if (
      fields.private !== undefined &&
      typeof fields.private !== 'boolean' &&
      fields.private !== 'true' &&
      fields.private !== 'false'
    ) {
      errors.push({ field: 'private', message: 'It should be a/an Boolean', code: 'datatype_mismatch' });
    }
    if (errors.length > 0) throw new SimHttpError(validationFailed(errors));
    this.checkAttachmentCap(ticket, files);
    const at = this.now();
    const conversation: StoredConversation = {
      id: this.nextConversationId++,
      ticket_id: ticket.id,
      body: String(fields.body),
      incoming: fields.incoming === true || fields.incoming === 'true',
      private: kind === 'note' ? isPrivate : false,
      user_id: typeof fields.user_id === 'number' ? fields.user_id : (this.agents[0]?.id ?? null),
      source: kind === 'note' ? 2 : 0,
      support_email: kind === 'reply' ? SUPPORT_EMAIL : null,
      to_emails:
        kind === 'reply'
          ? [this.contacts.get(Number(ticket.fields.requester_id))?.email ?? 'requester@simulator.example']
          : ((fields.notify_emails as string[] | undefined) ?? []),
      from_email: kind === 'reply' ? String(fields.from_email ?? SUPPORT_EMAIL) : null,
      // A note's cc list: null in python-freshdesk's Freshdesk note, [] in Freshservice's documented one.
      cc_emails:
        kind === 'reply'
          ? ((fields.cc_emails as string[] | undefined) ?? [])
          : this.flavor.platform === 'freshservice'
            ? []
            : null,
      bcc_emails: kind === 'reply' ? ((fields.bcc_emails as string[] | undefined) ?? []) : null,
      attachments: this.storeFiles(files),
      created_at: at,
      updated_at: at,
    };
    ticket.conversations.push(conversation);
    if (!conversation.private && ticket.stats.first_responded_at === null) ticket.stats.first_responded_at = at;
    ticket.updated_at = at;
    return conversation;
  }

  /**
   * The requester answers by email: a public conversation with `incoming: true`, `source` 0 (email), from the
   * requester's contact, as the vendors show a customer reply.
   */
  customerReply(ticket: StoredTicket, body: string): StoredConversation {
    const requester = this.contacts.get(Number(ticket.fields.requester_id));
    const at = this.now();
    const conversation: StoredConversation = {
      id: this.nextConversationId++,
      ticket_id: ticket.id,
      body,
      incoming: true,
      private: false,
      user_id: requester?.id ?? null,
      source: 0,
      support_email: SUPPORT_EMAIL,
      to_emails: [SUPPORT_EMAIL],
      from_email: requester?.email ? `${requester.name} <${requester.email}>` : null,
      cc_emails: [],
      bcc_emails: [],
      attachments: [],
      created_at: at,
      updated_at: at,
    };
    ticket.conversations.push(conversation);
    ticket.updated_at = at;
    return conversation;
  }

  /** An attachment of any ticket or conversation, by id. */
  findAttachment(id: number): StoredAttachment | undefined {
    for (const ticket of this.tickets.values()) {
      const found = [...ticket.attachments, ...ticket.conversations.flatMap((c) => c.attachments)].find(
        (a) => a.id === id,
      );
      if (found) return found;
    }
    return undefined;
  }

  private validateTicket(input: Record<string, unknown>, creating: boolean): FreshworksFieldError[] {
    const errors: FreshworksFieldError[] = [];
    const kinds = writableFields(this.flavor);
    for (const [name, value] of Object.entries(input)) {
      if (name === 'custom_fields') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          errors.push({
            field: 'custom_fields',
            message: 'It should be a/an key/value pair',
            code: 'datatype_mismatch',
          });
          continue;
        }
        for (const key of Object.keys(value)) {
          if (!this.customFields.has(key))
            errors.push({ field: key, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
        }
        errors.push(...dropdownErrors(value as Record<string, unknown>, this.dropdowns));
        continue;
      }
      const kind = kinds[name];
      if (!kind) {
        errors.push({ field: name, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
        continue;
      }
      if (value === null) continue;
      if (kind === 'int' && !Number.isInteger(value))
        errors.push({ field: name, message: 'It should be a/an Positive Integer', code: 'datatype_mismatch' });
      if (kind === 'string' && typeof value !== 'string')
        errors.push({ field: name, message: 'It should be a/an String', code: 'datatype_mismatch' });
      if (kind === 'bool' && typeof value !== 'boolean')
        errors.push({ field: name, message: 'It should be a/an Boolean', code: 'datatype_mismatch' });
      if (kind === 'strings' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
        errors.push({ field: name, message: 'It should be a/an Array', code: 'datatype_mismatch' });
      }
      if (kind === 'date' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
        errors.push({ field: name, message: "It should be in the 'valid date time' format", code: 'invalid_value' });
      }
    }
    if (input.status !== undefined && ![2, 3, 4, 5].includes(Number(input.status))) {
      errors.push({ field: 'status', message: "It should be one of these values: '2,3,4,5'", code: 'invalid_value' });
    }
    if (input.priority !== undefined && ![1, 2, 3, 4].includes(Number(input.priority))) {
      errors.push({ field: 'priority', message: "It should be one of these values: '1,2,3,4'", code: 'invalid_value' });
    }
    if (input.source !== undefined && !this.flavor.validSources.includes(Number(input.source))) {
      errors.push({
        field: 'source',
        message: `It should be one of these values: '${this.flavor.validSources.join(',')}'`,
        code: 'invalid_value',
      });
    }
    if (input.group_id !== undefined && input.group_id !== null && !this.groups.some((g) => g.id === input.group_id)) {
      errors.push({
        field: 'group_id',
        message: 'There is no group matching the given group_id',
        code: 'invalid_value',
      });
    }
    if (
      this.flavor.workspaces &&
      input.workspace_id !== undefined &&
      !this.workspaces.some((w) => w.id === input.workspace_id)
    ) {
      errors.push({
        field: 'workspace_id',
        message: 'There is no workspace matching the given workspace_id',
        code: 'invalid_value',
      });
    }
    if (creating) {
      const requesterGiven = ['requester_id', 'email', 'phone'].some(
        (k) => input[k] !== undefined && input[k] !== null,
      );
      if (!requesterGiven) {
        errors.push({
          field: 'requester_id',
          message: 'Please fill at least 1 of requester_id, phone, email fields',
          code: 'missing_field',
        });
      }
      errors.push(...this.ticketFields.missingOnCreate(input));
      for (const name of this.flavor.requiredOnCreate) {
        if (input[name] === undefined || input[name] === null || input[name] === '')
          errors.push({ field: name, message: 'It should be a/an String', code: 'missing_field' });
      }
    }
    return errors;
  }

  private checkAttachmentCap(ticket: StoredTicket | null, files: FilePart[]): void {
    if (files.length === 0) return;
    const existing = ticket
      ? ticket.attachments.reduce((s, a) => s + a.data.length, 0) +
        ticket.conversations.reduce((s, c) => s + c.attachments.reduce((x, a) => x + a.data.length, 0), 0)
      : 0;
    const total = existing + files.reduce((s, f) => s + f.data.length, 0);
    if (total > this.capBytes) {
      throw new SimHttpError(
        validationFailed([
          {
            field: 'attachments',
            message: `The total size of all of a ticket's attachments cannot exceed ${describeCap(this.capBytes)}`,
            code: 'invalid_value',
          },
        ]),
      );
    }
  }

  private storeFiles(files: FilePart[]): StoredAttachment[] {
    const at = this.now();
    return files.map((f) => ({
      id: this.nextAttachmentId++,
      name: f.filename,
      content_type: f.mimetype,
      data: f.data,
      created_at: at,
      updated_at: at,
    }));
  }

  private applyFields(ticket: StoredTicket, input: Record<string, unknown>): void {
    const kinds = writableFields(this.flavor);
    for (const [name, value] of Object.entries(input)) {
      if (name === 'custom_fields') Object.assign(ticket.custom_fields, value);
      else if (name === 'email' || name === 'phone' || name === 'name') continue;
      else if (kinds[name] === 'date') ticket.fields[name] = value === null ? null : Date.parse(String(value));
      else ticket.fields[name] = value;
    }
    if (typeof input.email === 'string') ticket.fields.requester_id = this.contactFor(input.email, input.name).id;
    if (input.status !== undefined) {
      const at = this.now();
      ticket.stats.status_updated_at = at;
      if (input.status === 4) ticket.stats.resolved_at = at;
      if (input.status === 5) ticket.stats.closed_at = at;
    }
  }

  private newTicket(id: number | undefined, at: number): StoredTicket {
    const ticketId = id ?? this.nextTicketId;
    this.nextTicketId = Math.max(this.nextTicketId, ticketId + 1);
    const ticket: StoredTicket = {
      id: ticketId,
      fields: { status: 2, priority: 1, source: 2, tags: [], cc_emails: [] },
      custom_fields: {},
      attachments: [],
      conversations: [],
      created_at: at,
      updated_at: at,
      deleted: false,
      stats: { first_responded_at: null, resolved_at: null, closed_at: null, status_updated_at: null },
    };
    if (this.flavor.workspaces) ticket.fields.workspace_id = this.primaryWorkspace();
    return ticket;
  }

  /** The contact with this email; a new one takes the `name` given with the ticket (else the email's local part). */
  private contactFor(email: string, name?: unknown): Contact {
    for (const contact of this.contacts.values()) if (contact.email === email) return contact;
    const given = typeof name === 'string' && name.trim() !== '' ? name : null;
    const contact: Contact = {
      id: this.nextContactId++,
      name: given ?? email.split('@')[0] ?? email,
      email,
      mobile: null,
      phone: null,
    };
    this.contacts.set(contact.id, contact);
    return contact;
  }
}
