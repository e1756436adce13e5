import type { UrlSigner } from '../simulator-kit/signed-urls.ts';
import { formatUtcSeconds } from '../timestamps.ts';
import type { FreshworksFlavor } from './simulator-flavor.ts';
import {
  type Agent,
  DAY_MS,
  type FreshworksStore,
  type StoredAttachment,
  type StoredConversation,
  type StoredTicket,
} from './simulator-store.ts';

/**
 * Freshdesk's and Freshservice's JSON shapes of what the store holds: tickets (with `include=` extras),
 * conversations, attachments with signed, expiring URLs, agents; Freshservice's bodies wrapped under a key.
 */

function stripHtml(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

const date = (value: unknown) => (typeof value === 'number' ? formatUtcSeconds(value) : null);

export interface FreshworksRendererDeps {
  flavor: FreshworksFlavor;
  store: FreshworksStore;
  now(): number;
  signer: UrlSigner;
  attachmentUrlTtlSeconds: number;
  /** The simulator's own URL, known once it listens. */
  baseUrl(): string;
}

export class FreshworksRenderer {
  constructor(private readonly deps: FreshworksRendererDeps) {}

  /** A single record as the platform answers it: bare (Freshdesk) or under `key` (Freshservice). */
  one(key: string, value: unknown): unknown {
    return this.deps.flavor.wrap ? { [key]: value } : value;
  }

  attachment(a: StoredAttachment): Record<string, unknown> {
    const path = `/sim-cdn/attachments/${a.id}/${encodeURIComponent(a.name)}`;
    const expires = Math.floor(this.deps.now() / 1000) + this.deps.attachmentUrlTtlSeconds;
    return {
      id: a.id,
      name: a.name,
      content_type: a.content_type,
      size: a.data.length,
      attachment_url: `${this.deps.baseUrl()}${path}?expires=${expires}&signature=${this.deps.signer.sign(path, expires)}`,
      created_at: formatUtcSeconds(a.created_at),
      updated_at: formatUtcSeconds(a.updated_at),
    };
  }

  conversation(c: StoredConversation): Record<string, unknown> {
    return {
      id: c.id,
      ticket_id: c.ticket_id,
      body: c.body,
      body_text: stripHtml(c.body),
      incoming: c.incoming,
      private: c.private,
      user_id: c.user_id,
      support_email: c.support_email,
      source: c.source,
      to_emails: c.to_emails,
      from_email: c.from_email,
      cc_emails: c.cc_emails,
      bcc_emails: c.bcc_emails,
      created_at: formatUtcSeconds(c.created_at),
      updated_at: formatUtcSeconds(c.updated_at),
      attachments: c.attachments.map((a) => this.attachment(a)),
      // As Freshdesk documents a conversation (List All Conversations, Create a Note, Create a Reply).
      structured_body: { body_contents: [{ type: 'text', data: { content: stripHtml(c.body) } }] },
      last_edited_at: null,
      last_edited_user_id: null,
      ...(c.source === 2 ? { notified_to: c.to_emails } : c.incoming ? {} : { replied_to: c.to_emails }),
    };
  }

  /** A ticket; `includes` are the `include=` values (stats, requester, conversations, tags, description). */
  ticket(t: StoredTicket, includes: Set<string>, listing = false): Record<string, unknown> {
    const { flavor, store, now } = this.deps;
    const f = t.fields;
    const description = String(f.description ?? '');
    const body: Record<string, unknown> = {
      id: t.id,
      subject: f.subject ?? null,
      type: f.type ?? null,
      status: f.status,
      priority: f.priority,
      source: f.source,
      requester_id: f.requester_id ?? null,
      responder_id: f.responder_id ?? null,
      group_id: f.group_id ?? null,
      email_config_id: f.email_config_id ?? null,
    };
    if (!(listing && flavor.listOmitsDescription && !includes.has('description'))) {
      body.description = description;
      body.description_text = stripHtml(description);
    }
    Object.assign(body, flavor.extraDefaults(t.fields));
    body.custom_fields = {
      ...Object.fromEntries([...store.customFields].map((name) => [name, null])),
      ...t.custom_fields,
    };
    if (!flavor.tagsOnlyWithInclude || includes.has('tags')) body.tags = (f.tags as string[] | undefined) ?? [];
    const cc = (f.cc_emails as string[] | undefined) ?? [];
    Object.assign(body, {
      cc_emails: cc,
      fwd_emails: [],
      reply_cc_emails: cc,
      to_emails: null,
      is_escalated: typeof f.due_by === 'number' && f.due_by < now() && ![4, 5].includes(Number(f.status)),
      fr_escalated: typeof f.fr_due_by === 'number' && f.fr_due_by < now() && t.stats.first_responded_at === null,
      spam: false,
      deleted: t.deleted,
      due_by: date(f.due_by ?? t.created_at + 3 * DAY_MS),
      fr_due_by: date(f.fr_due_by ?? t.created_at + DAY_MS),
      created_at: formatUtcSeconds(t.created_at),
      updated_at: formatUtcSeconds(t.updated_at),
    });
    if (!listing) body.attachments = t.attachments.map((a) => this.attachment(a));
    if (includes.has('stats')) {
      body.stats = {
        agent_responded_at: date(t.stats.first_responded_at),
        requester_responded_at: null,
        first_responded_at: date(t.stats.first_responded_at),
        status_updated_at: date(t.stats.status_updated_at),
        reopened_at: null,
        resolved_at: date(t.stats.resolved_at),
        closed_at: date(t.stats.closed_at),
        pending_since: null,
      };
    }
    if (includes.has('requester')) {
      const requester = store.contacts.get(Number(f.requester_id));
      body.requester = requester
        ? {
            id: requester.id,
            name: requester.name,
            email: requester.email,
            mobile: requester.mobile,
            phone: requester.phone,
          }
        : null;
    }
    if (includes.has('conversations'))
      body.conversations = t.conversations.slice(0, 10).map((c) => this.conversation(c));
    return body;
  }

  agent(agent: Agent): unknown {
    return this.one('agent', {
      id: agent.id,
      available: true,
      ticket_scope: 1,
      occasional: false,
      contact: { name: agent.name, email: agent.email },
    });
  }
}
