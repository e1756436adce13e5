import { DomainError, isDomainError } from '../domain/errors.ts';
import type { ChangeNotice } from '../domain/helpdesk.ts';
import type { Platform } from '../domain/instance.ts';
import { lightRequest, type LightResponse } from '../http/light-client.ts';
import { OutboundRefusal, outboundAgents, outboundPolicy, type OutboundPolicy } from '../http/outbound-policy.ts';
import type { JsonRoute, RequestContext } from '../http/router.ts';
import {
  type ParsedWebhook,
  verifyAndParseWebhook,
  type XurrentWebhookPolicy,
} from '../../adapters/helpdesk/webhooks.ts';

/**
 * Webhook intake, the push half of change detection: `POST /webhooks/{instance-slug}` checks a delivery the way its
 * platform signs it (adapters/helpdesk/webhooks.ts), and hands the entity it names to the sync engine
 * (SyncEngine.intake), which reads the entity through the API: nothing in the body is trusted beyond the id.
 */

/** What the webhook routes need to know about an instance. */
export interface WebhookInstance {
  platform: Platform;
  webhookSecret: string | null;
  xurrentPolicy?: XurrentWebhookPolicy | null;
  /** The instance's API base URL: a verification callback must point at the same site. */
  baseUrl?: string | null;
}

/** What became of a delivery for a known instance: what `instances check` reports from DeskBridge's side. */
export const webhookOutcomes = ['accepted', 'refused-secret', 'refused-body'] as const;
export type WebhookOutcome = (typeof webhookOutcomes)[number];

export interface WebhookRouteDeps {
  findInstanceBySlug(slug: string): Promise<WebhookInstance | null>;
  intake(notice: ChangeNotice): Promise<void>;
  /** Told of each delivery's outcome for a known instance (unknown instances are not recorded). */
  recordOutcome?(slug: string, outcome: WebhookOutcome): void;
  /** Confirms a Xurrent webhook by calling its callback; the default GETs it through `outbound`. */
  confirmCallback?(url: string): Promise<void>;
  /** Which addresses a verification callback may reach (default: public addresses only). */
  outbound?: OutboundPolicy;
  now?(): number;
  /**
   * How long an instance found by slug is reused (0: looked up for every delivery). Each helpdesk write fires a
   * webhook, so under load the lookup (two queries and a decryption) is paid several times per synced ticket.
   */
  instanceCacheMs?: number;
}

/** The site part of a host (`wdc.xurrent.com` -> `xurrent.com`); IP addresses and single labels stay whole. */
function site(hostname: string): string {
  if (/^[\d.]+$/.test(hostname) || hostname.includes(':') || !hostname.includes('.')) return hostname;
  return hostname.split('.').slice(-2).join('.');
}

/** The port a URL connects to, written or not. */
function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/**
 * A forged verification message must not make us call arbitrary URLs: the callback must be on the helpdesk's site,
 * on the port the helpdesk is reached on (another port of the same host is another service), with no credentials.
 */
export function callbackAllowed(callbackUrl: string, baseUrl: string | null | undefined): boolean {
  let callback: URL;
  try {
    callback = new URL(callbackUrl);
  } catch {
    return false;
  }
  if (callback.protocol !== 'https:' && callback.protocol !== 'http:') return false;
  if (callback.username || callback.password) return false;
  if (!baseUrl)
    return (
      callback.protocol === 'https:' &&
      callback.port === '' &&
      /(^|\.)(xurrent|4me)(-[a-z]+)?\.(com|qa)$/.test(callback.hostname)
    );
  const base = new URL(baseUrl);
  if (callback.protocol === 'http:' && base.protocol !== 'http:') return false;
  return site(callback.hostname) === site(base.hostname) && portOf(callback) === portOf(base);
}

/**
 * GETs the callback (Xurrent: "GET or POST that callback URL") through the outbound-address policy, and follows no
 * redirect: the URL was checked, a place it redirects to was not. What the other side answered is named by its status
 * only, never echoed.
 */
async function confirmThrough(policy: OutboundPolicy, url: string): Promise<void> {
  let response: LightResponse;
  try {
    response = await lightRequest(
      url,
      { method: 'GET', headers: {}, timeoutMs: 5000, maxBytes: 64 * 1024 },
      outboundAgents(policy, 4),
    );
  } catch (error) {
    if (error instanceof OutboundRefusal) throw error.about('the webhook verification link');
    throw new DomainError(
      'remote_error',
      'The webhook verification link could not be reached; register the webhook again.',
    );
  }
  if (response.status >= 300 && response.status < 400)
    throw new DomainError(
      'remote_error',
      `The webhook verification link answered with a redirect (HTTP ${response.status}), which DeskBridge does not follow; register the webhook again.`,
    );
  if (response.status < 200 || response.status >= 300)
    throw new DomainError(
      'remote_error',
      `Xurrent refused the webhook verification (HTTP ${response.status}); register the webhook again.`,
    );
}

export function webhookRoutes(deps: WebhookRouteDeps): JsonRoute[] {
  const now = deps.now ?? Date.now;
  const cacheMs = deps.instanceCacheMs ?? 0;
  const outbound = deps.outbound ?? outboundPolicy(false);
  const found = new Map<string, { instance: WebhookInstance; until: number }>();
  // Only instances that exist are kept, briefly: a new or removed one is seen within cacheMs (of real time, not the
  // injected clock, which tests may hold still).
  const findInstance = async (slug: string): Promise<WebhookInstance | null> => {
    if (cacheMs <= 0) return deps.findInstanceBySlug(slug);
    const hit = found.get(slug);
    if (hit && hit.until > Date.now()) return hit.instance;
    const instance = await deps.findInstanceBySlug(slug);
    if (instance) found.set(slug, { instance, until: Date.now() + cacheMs });
    else found.delete(slug);
    return instance;
  };
  return [
    {
      method: 'POST',
      path: '/webhooks/:slug',
      async handle(ctx: RequestContext) {
        const slug = ctx.params.slug ?? '';
        const instance = await findInstance(slug);
        if (!instance)
          throw new DomainError(
            'not_found',
            `No helpdesk instance "${slug}" receives webhooks here; check the URL in the helpdesk's webhook.`,
          );
        let parsed: ParsedWebhook;
        try {
          parsed = verifyAndParseWebhook({
            platform: instance.platform,
            headers: ctx.headers,
            rawBody: ctx.rawBody,
            secret: instance.webhookSecret,
            xurrentPolicy: instance.xurrentPolicy ?? null,
            query: ctx.query,
            nowMs: now(),
          });
        } catch (error) {
          if (isDomainError(error) && error.code === 'unauthorized') deps.recordOutcome?.(slug, 'refused-secret');
          else if (isDomainError(error) && error.code === 'invalid_input') deps.recordOutcome?.(slug, 'refused-body');
          throw error;
        }
        if (parsed.kind === 'verify-handshake') {
          if (!callbackAllowed(parsed.callbackUrl, instance.baseUrl)) {
            throw new DomainError(
              'forbidden',
              'The verification callback does not point at the helpdesk of this instance, so it was not called.',
            );
          }
          await (deps.confirmCallback ?? ((url: string) => confirmThrough(outbound, url)))(parsed.callbackUrl);
          deps.recordOutcome?.(slug, 'accepted');
          return { status: 200, body: { status: 'verified' } };
        }
        if (parsed.kind === 'ignored') {
          deps.recordOutcome?.(slug, 'accepted');
          return { status: 200, body: { status: 'ignored', reason: parsed.reason } };
        }
        await deps.intake({
          instanceSlug: slug,
          platform: instance.platform,
          entityId: parsed.entityId,
          event: parsed.event,
          deliveryId: parsed.deliveryId,
          receivedAt: new Date(now()).toISOString(),
        });
        deps.recordOutcome?.(slug, 'accepted');
        return { status: 202, body: { status: 'accepted' } };
      },
    },
  ];
}
