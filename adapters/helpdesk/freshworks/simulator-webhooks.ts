import type { RollingWindowQuota } from '../simulator-kit/rate-window.ts';
import { formatUtcSeconds } from '../timestamps.ts';
import type { FreshworksFlavor } from './simulator-flavor.ts';
import type { StoredTicket } from './simulator-store.ts';

/**
 * The webhooks a Freshdesk automation rule or a Freshservice workflow calls when a ticket changes: the rule's
 * content with its `{{ticket.*}}` placeholders filled in (JSON-escaped), its custom headers, retries; each call
 * spends the account's API quota.
 */

/** A Freshdesk automation rule / Freshservice workflow that calls a webhook when a ticket changes. */
export interface AutomationWebhook {
  url: string;
  /** Which changes fire it; default all. */
  events?: TicketEvent[];
  /** The "advanced" content with `{{ticket.id}}`-style placeholders; the default sends the id and the event. */
  template?: string;
  /** Custom headers (the per-instance secret header goes here). */
  headers?: Record<string, string>;
}

export type TicketEvent = 'ticket_created' | 'ticket_updated' | 'note_added';

export interface WebhookDelivery {
  url: string;
  event: string;
  body: string;
  status: number | null;
  attempts: number;
}

export interface FreshworksWebhooksDeps {
  flavor: FreshworksFlavor;
  quota: RollingWindowQuota;
  baseUrl(): string;
  /** Attempts after the first (default 2), and the pause between them (default 20 ms). */
  retries?: number;
  retryDelayMs?: number;
}

const statusNames: Record<number, string> = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' };
const priorityNames: Record<number, string> = { 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Urgent' };

export class FreshworksWebhooks {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly hooks: AutomationWebhook[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: FreshworksWebhooksDeps) {}

  add(hook: AutomationWebhook): void {
    this.hooks.push(hook);
  }

  /** Calls every hook that listens to `event`, with the ticket as it is now. */
  fire(event: TicketEvent, ticket: StoredTicket): void {
    const { flavor } = this.deps;
    for (const hook of this.hooks) {
      if (hook.events && !hook.events.includes(event)) continue;
      const template = hook.template ?? '{"ticket_id":"{{ticket.id}}","triggered_event":"{{triggered_event}}"}';
      const values: Record<string, string> = {
        ...flavor.webhookIds(ticket.id, ticket.fields.type),
        'ticket.subject': String(ticket.fields.subject ?? ''),
        'ticket.status': statusNames[Number(ticket.fields.status)] ?? String(ticket.fields.status),
        'ticket.priority': priorityNames[Number(ticket.fields.priority)] ?? String(ticket.fields.priority),
        'ticket.url': `${this.deps.baseUrl()}/a/tickets/${ticket.id}`,
        'ticket.updated_at': formatUtcSeconds(ticket.updated_at),
        triggered_event: event,
      };
      const body = template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, key: string) =>
        JSON.stringify(values[key] ?? '').slice(1, -1),
      );
      const delivery: WebhookDelivery = { url: hook.url, event, body, status: null, attempts: 0 };
      this.deliveries.push(delivery);
      const task = this.deliver(hook, delivery).finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  /** Waits for the deliveries under way now. */
  async finishStarted(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves when every delivery started so far has finished (including retries). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(hook: AutomationWebhook, delivery: WebhookDelivery): Promise<void> {
    const attempts = 1 + (this.deps.retries ?? 2);
    for (let i = 0; i < attempts; i++) {
      delivery.attempts += 1;
      // Webhook calls use the account's API quota.
      this.deps.quota.spend();
      // A timer cleared when the delivery is done (AbortSignal.timeout would fire for every delivery, later).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        const response = await fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': `${this.deps.flavor.platform === 'freshdesk' ? 'Freshdesk' : 'Freshservice'}-Webhook`,
            ...hook.headers,
          },
          body: delivery.body,
          signal: controller.signal,
        });
        delivery.status = response.status;
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        delivery.status = null;
      } finally {
        clearTimeout(timer);
      }
      await new Promise((resolve) => setTimeout(resolve, this.deps.retryDelayMs ?? 20));
    }
  }
}
