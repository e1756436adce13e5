import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { type JwtAlgorithm, signJwt } from '../jwt.ts';
import { formatLinkHeader } from '../link-header.ts';
import { nodeId, type XurrentRenderer } from './simulator-render.ts';
import { DEFAULT_PERSON_ID, type RequestChange, type StoredRequest, type XurrentStore } from './simulator-store.ts';

/**
 * Xurrent's webhooks as the simulator sends them (developer.xurrent.com/v1/webhooks): registered ones are verified
 * through the `webhook.verify` message's callback first; a policy signs each message as a JWT; failed messages are
 * retried, and a webhook that failed 20 messages over more than a week is disabled.
 */

export interface WebhookPolicy {
  id: number;
  /** Every `jwt_alg` Xurrent offers but `none`. */
  alg: JwtAlgorithm;
  audience: string;
  expiresInSeconds: number;
  /** The key handed out once, at creation: the public key (RS*, ES*) or the shared secret (HS*). */
  publicKeyPem: string;
  /** What signs: the private key, or the shared secret. */
  privateKey: KeyObject | string;
}

export interface XurrentWebhook {
  id: number;
  name: string;
  event: string;
  uri: string;
  policyId: number | null;
  disabled: boolean;
  verified: boolean;
  verifyCode: string;
  verifyExpiresAt: number;
  consecutiveFailures: number;
  firstFailureAt: number | null;
  last_error: string | null;
}

export interface XurrentDelivery {
  webhookId: number;
  event: string;
  body: string;
  headers: Record<string, string>;
  status: number | null;
  attempts: number;
}

export type WebhookVerification = 'verified' | 'unknown' | 'expired';

export interface XurrentWebhooksDeps {
  store: XurrentStore;
  render: XurrentRenderer;
  now(): number;
  /** The account URL (the JWT issuer). */
  accountUrl: string;
  baseUrl(): string;
  /** Attempts after the first (default 2), and the pause between them (default 20 ms). */
  retries?: number;
  retryDelayMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** An HS policy signs with a shared secret; RS and ES ones with a private key whose public half is handed out. */
function policyKeys(alg: JwtAlgorithm): { privateKey: KeyObject | string; publicKeyPem: string } {
  if (alg.startsWith('HS')) {
    const secret = randomBytes(32).toString('base64url');
    return { privateKey: secret, publicKeyPem: secret };
  }
  const { privateKey, publicKey } = alg.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: alg === 'ES256' ? 'P-256' : alg === 'ES384' ? 'P-384' : 'P-521' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export class XurrentWebhooks {
  readonly deliveries: XurrentDelivery[] = [];
  private readonly policies = new Map<number, WebhookPolicy>();
  private readonly webhooks = new Map<number, XurrentWebhook>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextWebhookId = 1;
  private nextPolicyId = 1;

  constructor(private readonly deps: XurrentWebhooksDeps) {}

  createPolicy({
    alg,
    audience,
    expiresInSeconds = 300,
  }: {
    alg: WebhookPolicy['alg'];
    audience: string;
    expiresInSeconds?: number;
  }): { id: number; publicKeyPem: string } {
    const policy: WebhookPolicy = { id: this.nextPolicyId++, alg, audience, expiresInSeconds, ...policyKeys(alg) };
    this.policies.set(policy.id, policy);
    // As in Xurrent, the public key is handed out once, at creation.
    return { id: policy.id, publicKeyPem: policy.publicKeyPem };
  }

  /** Registers a webhook and sends the `webhook.verify` message; resolves after that delivery. */
  async register({
    event,
    uri,
    name,
    policyId = null,
  }: {
    event: string;
    uri: string;
    name?: string;
    policyId?: number | null;
  }): Promise<XurrentWebhook> {
    const webhook: XurrentWebhook = {
      id: this.nextWebhookId++,
      name: name ?? `${event} webhook`,
      event,
      uri,
      policyId,
      disabled: false,
      verified: false,
      verifyCode: randomBytes(12).toString('hex'),
      verifyExpiresAt: this.deps.now() + DAY_MS,
      consecutiveFailures: 0,
      firstFailureAt: null,
      last_error: null,
    };
    this.webhooks.set(webhook.id, webhook);
    const callback = `${this.deps.baseUrl()}/webhooks/${webhook.id}/verify?code=${webhook.verifyCode}&expires_at=${Math.floor(webhook.verifyExpiresAt / 1000)}`;
    await this.deliver(
      webhook,
      this.envelope(webhook, 'webhook.verify', webhook.id, { callback }, DEFAULT_PERSON_ID),
      {},
    );
    return webhook;
  }

  list(): XurrentWebhook[] {
    return [...this.webhooks.values()];
  }

  /** The verification callback: the right code before the link expires verifies the webhook. */
  verify(id: number, code: string | null): WebhookVerification {
    const webhook = this.webhooks.get(id);
    if (!webhook || code !== webhook.verifyCode) return 'unknown';
    if (this.deps.now() > webhook.verifyExpiresAt) return 'expired';
    webhook.verified = true;
    return 'verified';
  }

  /** The messages a change sends: create or update, a status change, and one per note added. */
  requestChanged({ request, notes, previousStatus }: RequestChange, created: boolean, personId: number): void {
    this.notify(created ? 'request.create' : 'request.update', request, personId);
    if (!created && previousStatus !== request.fields.status)
      this.notify('request.status-changed', request, personId, { previous_status: previousStatus });
    for (const note of notes)
      this.notify(
        'request.note-added',
        request,
        personId,
        { note_id: note.id, note_nodeID: nodeId('Note', note.id) },
        `${this.deps.baseUrl()}/v1/requests/${request.id}/notes/${note.id}`,
      );
  }

  /** Waits for the deliveries under way now. */
  async finishStarted(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Waits until no delivery is under way, including those started while waiting. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private notify(
    event: string,
    request: StoredRequest,
    personId: number,
    extra: Record<string, unknown> = {},
    related?: string,
  ): void {
    const { render, accountUrl } = this.deps;
    for (const webhook of this.webhooks.values()) {
      if (webhook.event !== event || !webhook.verified || webhook.disabled) continue;
      const f = request.fields;
      const payload = {
        audit_line_id: null,
        source: f.source ?? null,
        sourceID: f.sourceID ?? null,
        status: f.status,
        team: render.team(f.team_id),
        member: render.person(f.member_id),
        ...extra,
      };
      const links: Record<string, string> = {
        canonical: `${accountUrl}/requests/${request.id}`,
        resource: `${this.deps.baseUrl()}/v1/requests/${request.id}`,
      };
      if (related) links.related = related;
      void this.deliver(webhook, this.envelope(webhook, event, request.id, payload, personId), links);
    }
  }

  private envelope(
    webhook: XurrentWebhook,
    event: string,
    objectId: number,
    payload: Record<string, unknown>,
    personId: number | null,
  ): Record<string, unknown> {
    const { store, accountUrl } = this.deps;
    const person = personId === null ? null : store.people.get(personId);
    return {
      webhook_id: webhook.id,
      webhook_nodeID: nodeId('Webhook', webhook.id),
      account_id: store.account,
      account: accountUrl,
      custom_url: accountUrl,
      name: webhook.name,
      event,
      object_id: objectId,
      object_nodeID: nodeId(event === 'webhook.verify' ? 'Webhook' : 'Req', objectId),
      person_id: person?.id ?? null,
      person_nodeID: person ? nodeId('Person', person.id) : null,
      person_name: person?.name ?? null,
      payload,
    };
  }

  private deliver(
    webhook: XurrentWebhook,
    message: Record<string, unknown>,
    links: Record<string, string>,
  ): Promise<void> {
    const { now } = this.deps;
    const policy = webhook.policyId === null ? undefined : this.policies.get(webhook.policyId);
    let body: string;
    if (policy) {
      const iat = Math.floor(now() / 1000);
      body = JSON.stringify({
        jwt: signJwt(
          {
            data: message,
            jti: randomBytes(16).toString('hex'),
            sub: String(webhook.id),
            iss: this.deps.accountUrl,
            nbf: iat,
            iat,
            exp: iat + policy.expiresInSeconds,
            aud: policy.audience,
          },
          policy.alg,
          policy.privateKey,
        ),
      });
    } else body = JSON.stringify(message);
    // Only the headers developer.xurrent.com/v1/webhooks documents: no delivery-id header (a JWT's jti names one).
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': '4me/1.0 (https://developer.xurrent.com/v1/webhooks)',
    };
    if (Object.keys(links).length > 0) headers.link = formatLinkHeader(links);
    const delivery: XurrentDelivery = {
      webhookId: webhook.id,
      event: String(message.event),
      body,
      headers,
      status: null,
      attempts: 0,
    };
    this.deliveries.push(delivery);
    const task = (async () => {
      const attempts = 1 + (this.deps.retries ?? 2);
      for (let i = 0; i < attempts; i++) {
        delivery.attempts += 1;
        try {
          const response = await fetch(webhook.uri, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(10_000),
          });
          delivery.status = response.status;
          await response.arrayBuffer();
          if (response.ok) {
            webhook.consecutiveFailures = 0;
            webhook.firstFailureAt = null;
            return;
          }
          webhook.last_error = `HTTP ${response.status}`;
        } catch (error) {
          webhook.last_error = (error as Error).message;
        }
        await new Promise((resolve) => setTimeout(resolve, this.deps.retryDelayMs ?? 20));
      }
      // After 20 failed messages over more than a week Xurrent disables the webhook.
      webhook.consecutiveFailures += 1;
      webhook.firstFailureAt ??= now();
      if (webhook.consecutiveFailures >= 20 && now() - webhook.firstFailureAt > 7 * DAY_MS) webhook.disabled = true;
    })().finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
    return task;
  }
}
