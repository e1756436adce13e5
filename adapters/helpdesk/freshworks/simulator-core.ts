import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FaultPlan } from '../simulator-kit/faults.ts';
import { RollingWindowQuota } from '../simulator-kit/rate-window.ts';
import { startSimServer } from '../simulator-kit/server.ts';
import { UrlSigner } from '../simulator-kit/signed-urls.ts';
import type { FreshworksFlavor } from './simulator-flavor.ts';
import { FreshworksRenderer } from './simulator-render.ts';
import { freshworksApi } from './simulator-routes.ts';
import { type ApiKeyRole, type FreshworksSeed, FreshworksStore } from './simulator-store.ts';
import { type AutomationWebhook, FreshworksWebhooks, type WebhookDelivery } from './simulator-webhooks.ts';

export type { FreshworksSeed } from './simulator-store.ts';

/**
 * A Freshdesk or Freshservice simulator (the flavor tells them apart), put together from its parts: the store
 * (simulator-store.ts), the wire format (simulator-render.ts, simulator-ticket-listing.ts, wire.ts), the HTTP API
 * (simulator-routes.ts, simulator-ticket-fields.ts) and the automation webhooks (simulator-webhooks.ts).
 */

export interface SimClock {
  now(): number;
}

export interface FreshworksSimulatorOptions {
  port?: number;
  seed?: FreshworksSeed | string;
  rateLimitPerMinute?: number;
  clock?: SimClock;
  apiKey?: string;
  attachmentCapBytes?: number;
  /** How long attachment URLs stay valid. */
  attachmentUrlTtlSeconds?: number;
  webhookRetries?: number;
  webhookRetryDelayMs?: number;
}

export interface FreshworksSimulator {
  url: string;
  apiKey: string;
  close(): Promise<void>;
  faults: FaultPlan;
  seed(data: FreshworksSeed): void;
  addApiKey(key: string, role: ApiKeyRole): void;
  /** Adds a ticket directly (no API call, no quota); returns its id. */
  addTicket(fields: Record<string, unknown>): number;
  /** Changes a ticket as an agent would in the UI: bumps updated_at and fires webhooks. */
  agentUpdate(id: number, fields: Record<string, unknown>): void;
  /**
   * The requester answers by email: a public conversation with `incoming: true`, `source` 0 (email), from the
   * requester's contact, as the vendors show a customer reply; fires the webhooks. Returns the conversation id.
   */
  customerReply(id: number, body: string): number;
  /** An agent deletes the ticket in the UI: it goes to the trash (read with `"deleted": true`); no webhook. */
  trashTicket(id: number): void;
  /** The trash is emptied: the ticket is gone for good (a 404). */
  purgeTicket(id: number): void;
  /** The ticket as the API would show it (with stats and conversations' count), or null. */
  ticket(id: number): Record<string, unknown> | null;
  ticketCount(): number;
  readonly requests: { total: number; throttled: number };
  setRateLimit(perMinute: number): void;
  webhooks: {
    add(hook: AutomationWebhook): void;
    deliveries: WebhookDelivery[];
    /** Resolves when every delivery started so far has finished (including retries). */
    settle(): Promise<void>;
  };
}

export async function startFreshworksSimulator(
  flavor: FreshworksFlavor,
  options: FreshworksSimulatorOptions = {},
): Promise<FreshworksSimulator> {
  const now = () => (options.clock ?? Date).now();
  const apiKey = options.apiKey ?? `sim-${flavor.platform}-${randomUUID().slice(0, 8)}`;
  let baseUrl = '';
  const site = () => baseUrl;
  const quota = new RollingWindowQuota(now, options.rateLimitPerMinute ?? flavor.defaultRateLimitPerMinute, 60_000);
  const faults = new FaultPlan();
  const signer = new UrlSigner();
  const stats = { total: 0, throttled: 0 };
  const store = new FreshworksStore(
    flavor,
    now,
    options.attachmentCapBytes ?? flavor.defaultAttachmentCapBytes,
    apiKey,
  );
  const render = new FreshworksRenderer({
    flavor,
    store,
    now,
    signer,
    attachmentUrlTtlSeconds: options.attachmentUrlTtlSeconds ?? 300,
    baseUrl: site,
  });
  const webhooks = new FreshworksWebhooks({
    flavor,
    quota,
    baseUrl: site,
    retries: options.webhookRetries,
    retryDelayMs: options.webhookRetryDelayMs,
  });

  if (typeof options.seed === 'string') store.seed(JSON.parse(await readFile(options.seed, 'utf8')) as FreshworksSeed);
  else if (options.seed) store.seed(options.seed);

  const running = await startSimServer(
    freshworksApi({ flavor, store, render, webhooks, faults, quota, stats, signer, now, baseUrl: site }),
    options.port ?? 0,
  );
  baseUrl = running.url;

  const ticketOrThrow = (id: number) => {
    const ticket = store.tickets.get(id);
    if (!ticket) throw new Error(`No ticket ${id}`);
    return ticket;
  };

  return {
    url: running.url,
    apiKey,
    close: async () => {
      await webhooks.finishStarted();
      await running.close();
    },
    faults,
    seed: (data) => store.seed(data),
    addApiKey: (key, role) => {
      store.apiKeys.set(key, role);
    },
    addTicket: (fields) => store.addTicket(fields),
    customerReply(id, body) {
      const ticket = ticketOrThrow(id);
      const conversation = store.customerReply(ticket, body);
      webhooks.fire('note_added', ticket);
      return conversation.id;
    },
    trashTicket: (id) => store.trashTicket(ticketOrThrow(id)),
    purgeTicket: (id) => store.purgeTicket(ticketOrThrow(id).id),
    agentUpdate(id, fields) {
      const ticket = ticketOrThrow(id);
      store.agentUpdate(ticket, fields);
      webhooks.fire('ticket_updated', ticket);
    },
    ticket: (id) => {
      const ticket = store.tickets.get(id);
      return ticket ? render.ticket(ticket, new Set(['stats', 'tags'])) : null;
    },
    ticketCount: () => store.tickets.size,
    requests: stats,
    setRateLimit: (perMinute) => {
      quota.limit = perMinute;
    },
    webhooks: {
      add: (hook) => webhooks.add(hook),
      deliveries: webhooks.deliveries,
      settle: () => webhooks.settle(),
    },
  };
}
