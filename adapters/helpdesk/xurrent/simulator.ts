import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FaultPlan } from '../simulator-kit/faults.ts';
import { FixedWindowQuota } from '../simulator-kit/rate-window.ts';
import { startSimServer } from '../simulator-kit/server.ts';
import { UrlSigner } from '../simulator-kit/signed-urls.ts';
import { XurrentRenderer } from './simulator-render.ts';
import { xurrentApi } from './simulator-routes.ts';
import {
  AGENT_PERSON_ID,
  type TokenRole,
  type XurrentRequestSeed,
  type XurrentSeed,
  XurrentStore,
} from './simulator-store.ts';
import {
  type WebhookPolicy,
  type XurrentDelivery,
  type XurrentWebhook,
  XurrentWebhooks,
} from './simulator-webhooks.ts';

/**
 * Xurrent (4me) REST v1 as the simulator plays it, put together from its parts: the store (simulator-store.ts), the
 * wire format (simulator-render.ts, simulator-request-listing.ts, simulator-errors.ts), the HTTP API
 * (simulator-routes.ts, simulator-webhooks-api.ts) and webhook delivery (simulator-webhooks.ts).
 */

export interface XurrentSimClock {
  now(): number;
}

export interface XurrentSimulatorOptions {
  port?: number;
  seed?: XurrentSeed | string;
  /** The default is Xurrent's 3600 per hour; with this the window is a minute. */
  rateLimitPerMinute?: number;
  clock?: XurrentSimClock;
  account?: string;
  token?: string;
  /** The account's time zone offset, as timestamps show it (`-06:00`). */
  timezoneOffset?: string;
  attachmentSizeLimit?: number;
  allowedExtensions?: string[];
  attachmentUrlTtlSeconds?: number;
  webhookRetries?: number;
  webhookRetryDelayMs?: number;
}

export interface XurrentSimulator {
  url: string;
  apiKey: string;
  /** The same as apiKey: Xurrent signs in with a bearer token. */
  token: string;
  account: string;
  /** The account URL (the JWT issuer). */
  accountUrl: string;
  close(): Promise<void>;
  faults: FaultPlan;
  seed(data: XurrentSeed): void;
  addToken(token: string, role: TokenRole, personId?: number): void;
  addRequest(fields: XurrentRequestSeed): number;
  agentUpdate(id: number, fields: Record<string, unknown>): void;
  /** An agent trashes the request in the UI (no webhook: Xurrent has no trash event); its URL then answers 404. */
  trashRequest(id: number): void;
  request(id: number): Record<string, unknown> | null;
  requestCount(): number;
  readonly requests: { total: number; throttled: number };
  setRateLimit(perWindow: number): void;
  webhooks: {
    createPolicy(input: { alg: WebhookPolicy['alg']; audience: string; expiresInSeconds?: number }): {
      id: number;
      publicKeyPem: string;
    };
    /** Registers a webhook and sends the `webhook.verify` message; resolves after that delivery. */
    register(input: { event: string; uri: string; name?: string; policyId?: number | null }): Promise<XurrentWebhook>;
    list(): XurrentWebhook[];
    deliveries: XurrentDelivery[];
    settle(): Promise<void>;
  };
}

const defaultAllowedExtensions = [
  'txt',
  'pdf',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'csv',
  'log',
  'zip',
  'docx',
  'xlsx',
  'json',
  'bin',
];

export async function startXurrentSimulator(options: XurrentSimulatorOptions = {}): Promise<XurrentSimulator> {
  const now = () => (options.clock ?? Date).now();
  const account = options.account ?? 'sim-account';
  const accountUrl = `https://${account}.xurrent.com`;
  const token = options.token ?? `sim-xurrent-${randomUUID().slice(0, 8)}`;
  let baseUrl = '';
  const site = () => baseUrl;
  const signer = new UrlSigner();
  const quota = new FixedWindowQuota(
    now,
    options.rateLimitPerMinute ?? 3600,
    options.rateLimitPerMinute ? 60_000 : 3_600_000,
  );
  const faults = new FaultPlan();
  const stats = { total: 0, throttled: 0 };
  const store = new XurrentStore(now, account, token);
  const render = new XurrentRenderer({
    store,
    now,
    timezoneOffset: options.timezoneOffset ?? '-06:00',
    signer,
    attachmentUrlTtlSeconds: options.attachmentUrlTtlSeconds ?? 300,
    baseUrl: site,
  });
  const webhooks = new XurrentWebhooks({
    store,
    render,
    now,
    accountUrl,
    baseUrl: site,
    retries: options.webhookRetries,
    retryDelayMs: options.webhookRetryDelayMs,
  });

  if (typeof options.seed === 'string') store.seed(JSON.parse(await readFile(options.seed, 'utf8')) as XurrentSeed);
  else if (options.seed) store.seed(options.seed);

  const running = await startSimServer(
    xurrentApi({
      store,
      render,
      webhooks,
      faults,
      quota,
      stats,
      signer,
      now,
      attachmentSizeLimit: options.attachmentSizeLimit ?? 20 * 1024 * 1024,
      allowedExtensions: options.allowedExtensions ?? defaultAllowedExtensions,
      baseUrl: site,
    }),
    options.port ?? 0,
  );
  baseUrl = running.url;

  return {
    url: running.url,
    apiKey: token,
    token,
    account,
    accountUrl,
    close: async () => {
      await webhooks.finishStarted();
      await running.close();
    },
    faults,
    seed: (data) => store.seed(data),
    addToken: (value, role, personId) => store.addToken(value, role, personId),
    addRequest: (fields) => store.addRequest(fields),
    agentUpdate(id, fields) {
      const request = store.requests.get(id);
      if (!request) throw new Error(`No request ${id}`);
      webhooks.requestChanged(store.writeRequest(fields, request, AGENT_PERSON_ID), false, AGENT_PERSON_ID);
    },
    trashRequest(id) {
      const request = store.requests.get(id);
      if (!request) throw new Error(`No request ${id}`);
      store.trash(request, AGENT_PERSON_ID);
    },
    request: (id) => {
      const request = store.requests.get(id);
      return request ? render.request(request) : null;
    },
    requestCount: () => store.requests.size,
    requests: stats,
    setRateLimit: (perWindow) => {
      quota.limit = perWindow;
    },
    webhooks: {
      createPolicy: (input) => webhooks.createPolicy(input),
      register: (input) => webhooks.register(input),
      list: () => webhooks.list(),
      deliveries: webhooks.deliveries,
      settle: () => webhooks.settle(),
    },
  };
}
