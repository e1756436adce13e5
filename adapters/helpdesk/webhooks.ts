import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError } from '../../src/domain/errors.ts';
import type { Platform } from '../../src/domain/instance.ts';
import { assertJsonDepth } from '../../src/http/json-depth.ts';
import { JwtError, parseJwtAlgorithm, verifyJwt } from './jwt.ts';

/**
 * What helpdesk webhooks look like and how each platform's are checked (the receiver, `POST /webhooks/{instance-slug}`,
 * is src/sync/webhook-intake.ts). Freshdesk and Freshservice automation webhooks are not signed,
 * so the rule must send the instance's secret in this header; Xurrent webhooks are JWT-signed by a webhook policy, or
 * carry the secret as a `secret` query parameter. A notice only says "this entity changed": the sync engine reads the
 * entity through the API, so nothing in the body is trusted beyond the id.
 */
export const WEBHOOK_SECRET_HEADER = 'x-deskbridge-secret';

/**
 * The template to put in a Freshdesk automation rule's "Trigger Webhook" action. Freshdesk's `{{ticket.id}}` is the
 * ticket number (Freshdesk's placeholder list; every public Freshdesk webhook recipe sends it).
 */
export const FRESHWORKS_WEBHOOK_TEMPLATE = '{"ticket_id":"{{ticket.id}}","triggered_event":"{{triggered_event}}"}';

/**
 * Freshservice renders `{{ticket.id}}` as the display id (`#INC-321`, `#SR-321`); `{{ticket.id_numeric}}` is the
 * number, which is what Freshservice integrations send from the Workflow Automator. `{{triggered_event}}` is left
 * out: it is a Freshdesk placeholder, and no Freshservice source lists it.
 */
export const FRESHSERVICE_WEBHOOK_TEMPLATE = '{"ticket_id":"{{ticket.id_numeric}}"}';

/** The "Trigger Webhook" body for a Freshdesk or Freshservice instance. */
export function freshworksWebhookTemplate(platform: Platform): string {
  return platform === 'freshservice' ? FRESHSERVICE_WEBHOOK_TEMPLATE : FRESHWORKS_WEBHOOK_TEMPLATE;
}

export interface XurrentWebhookPolicy {
  /** The policy's `jwt_alg`: rs256/384/512, es256/384/512 or hs256/384/512 (`none` is refused). */
  algorithm: string;
  /** The policy's public key (PEM), downloaded when the policy was created; for hs* the policy's shared secret. */
  key: string;
  /** The policy's `jwt_audience`. */
  audience?: string | null;
  /** Accepted `iss` values (the account URL in its .xurrent.com and .4me.com forms); any when empty. */
  issuers?: string[] | null;
}

export type ParsedWebhook =
  | { kind: 'verify-handshake'; callbackUrl: string; webhookId: string | null }
  | { kind: 'change'; entityId: string; event: string | null; deliveryId: string | null }
  | { kind: 'ignored'; reason: string };

export interface WebhookInput {
  platform: Platform;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Freshdesk/Freshservice: the per-instance secret header value; Xurrent without a policy: the `secret` parameter. */
  secret: string | null;
  xurrentPolicy?: XurrentWebhookPolicy | null;
  query?: URLSearchParams;
  nowMs?: number;
}

/** Constant-time comparison of a secret a caller presented with the one expected. */
export function sameSecret(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseBody(rawBody: Buffer, headers: IncomingHttpHeaders): Record<string, unknown> {
  const text = rawBody.toString('utf8');
  if ((headerValue(headers, 'content-type') ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  // Before parsing: a value nested 20,000 deep parses, then overflows the stack wherever it is read (String(), stringify).
  assertJsonDepth(text, 'The webhook body');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new DomainError('invalid_input', 'The webhook body is not a JSON object.');
}

function entityIdFrom(value: unknown): string | null {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().replace(/^#/, '') : '';
  return /^\d+$/.test(text) && text !== '0' ? text : null;
}

/** A Freshworks webhook names one ticket in a few bytes; anything much larger is not one of ours. */
const MAX_FRESHWORKS_WEBHOOK_BYTES = 16 * 1024;

/**
 * The ticket number in a Freshdesk/Freshservice webhook: a number, `"321"` or `"#321"`, and on Freshservice also the
 * display id `{{ticket.id}}` renders (`#INC-321`, `#SR-321`, `INC-321`). Anything else is null (refused by the caller).
 */
export function freshworksTicketNumber(value: unknown, platform: Platform): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? String(value) : null;
  if (typeof value !== 'string' || value.length > 32) return null;
  const pattern = platform === 'freshservice' ? /^#?(?:(?:INC|SR)-)?(\d{1,15})$/i : /^#?(\d{1,15})$/;
  const digits = pattern.exec(value.trim())?.[1];
  if (!digits) return null;
  const number = Number(digits);
  return number > 0 ? String(number) : null;
}

/** Checks a webhook's secret or signature and says what it announces; throws DomainError('unauthorized') if forged. */
export function verifyAndParseWebhook(input: WebhookInput): ParsedWebhook {
  if (input.platform === 'xurrent') return parseXurrent(input);
  if (!input.secret) {
    throw new DomainError(
      'unauthorized',
      `This instance has no webhook secret, so its webhooks cannot be trusted. Set one and send it in the ${WEBHOOK_SECRET_HEADER} header from the automation rule.`,
    );
  }
  if (!sameSecret(headerValue(input.headers, WEBHOOK_SECRET_HEADER), input.secret)) {
    throw new DomainError(
      'unauthorized',
      `The webhook did not carry this instance's secret in the ${WEBHOOK_SECRET_HEADER} header.`,
    );
  }
  if (input.rawBody.length > MAX_FRESHWORKS_WEBHOOK_BYTES)
    throw new DomainError(
      'invalid_input',
      `The webhook body is ${input.rawBody.length} bytes; a ticket notice is far smaller. Use the template ${freshworksWebhookTemplate(input.platform)}.`,
    );
  const body = parseBody(input.rawBody, input.headers);
  const nested =
    typeof body.ticket === 'object' && body.ticket !== null ? (body.ticket as Record<string, unknown>).id : undefined;
  const candidates = [body.ticket_id, nested, body.id].filter((v) => v !== undefined && v !== null && v !== '');
  const entityId = candidates.map((v) => freshworksTicketNumber(v, input.platform)).find((id) => id !== null);
  if (!entityId) {
    const given =
      candidates[0] === undefined ? 'no ticket id' : `the ticket id ${JSON.stringify(candidates[0]).slice(0, 40)}`;
    throw new DomainError(
      'invalid_input',
      `The webhook body carries ${given}, which is not a ticket number; use the template ${freshworksWebhookTemplate(input.platform)}.`,
    );
  }
  const event =
    typeof body.triggered_event === 'string'
      ? body.triggered_event
      : typeof body.event === 'string'
        ? body.event
        : null;
  return { kind: 'change', entityId, event, deliveryId: null };
}

function parseXurrent(input: WebhookInput): ParsedWebhook {
  let body = parseBody(input.rawBody, input.headers);
  let claims: Record<string, unknown> | null = null;
  if (input.xurrentPolicy) {
    if (typeof body.jwt !== 'string')
      throw new DomainError(
        'unauthorized',
        'The Xurrent webhook is not signed, but this instance expects a JWT from its webhook policy.',
      );
    try {
      claims = verifyJwt(body.jwt, {
        algorithm: parseJwtAlgorithm(input.xurrentPolicy.algorithm),
        key: input.xurrentPolicy.key,
        audience: input.xurrentPolicy.audience ?? null,
        issuers: input.xurrentPolicy.issuers ?? null,
        nowMs: input.nowMs ?? Date.now(),
      });
    } catch (error) {
      // Xurrent's webhook policy field jwt_claim_expires_in is optional; only with it does the JWT carry an exp.
      if (error instanceof JwtError && error.reason === 'no-expiry')
        throw new DomainError(
          'unauthorized',
          'The Xurrent webhook JWT has no expiry (exp claim), so a copy of it would be accepted forever. Set "Claim expires in" (jwt_claim_expires_in) on the webhook policy in Xurrent.',
        );
      if (error instanceof JwtError)
        throw new DomainError('unauthorized', `The Xurrent webhook signature is not valid: ${error.message}.`);
      throw error;
    }
    if (typeof claims.data !== 'object' || claims.data === null)
      throw new DomainError('invalid_input', 'The Xurrent webhook JWT has no data claim.');
    body = claims.data as Record<string, unknown>;
    if (claims.sub !== undefined && body.webhook_id !== undefined && String(claims.sub) !== String(body.webhook_id)) {
      throw new DomainError('unauthorized', 'The Xurrent webhook JWT was issued for another webhook.');
    }
  } else if (input.secret) {
    const given = input.query?.get('secret') ?? headerValue(input.headers, WEBHOOK_SECRET_HEADER);
    if (!sameSecret(given, input.secret))
      throw new DomainError(
        'unauthorized',
        "The Xurrent webhook did not carry this instance's secret (the secret parameter of its URI).",
      );
  } else {
    throw new DomainError(
      'unauthorized',
      'This instance has neither a Xurrent webhook policy nor a webhook secret, so its webhooks cannot be trusted. Configure one.',
    );
  }
  const event = typeof body.event === 'string' ? body.event : null;
  const webhookId = body.webhook_id === undefined || body.webhook_id === null ? null : String(body.webhook_id);
  if (event === 'webhook.verify') {
    const payload = (body.payload ?? {}) as Record<string, unknown>;
    if (typeof payload.callback !== 'string')
      throw new DomainError('invalid_input', 'The Xurrent verification message has no callback URL.');
    return { kind: 'verify-handshake', callbackUrl: payload.callback, webhookId };
  }
  if (!event?.startsWith('request.'))
    return { kind: 'ignored', reason: `event ${event ?? '(none)'} is not about a request` };
  const entityId = entityIdFrom(body.object_id);
  if (!entityId) throw new DomainError('invalid_input', 'The Xurrent webhook message has no object_id.');
  // Xurrent documents no delivery-id header; a signed message's `jti` names that one message, an unsigned one has none.
  const deliveryId = typeof claims?.jti === 'string' && claims.jti.length <= 200 ? claims.jti : null;
  return { kind: 'change', entityId, event, deliveryId };
}
