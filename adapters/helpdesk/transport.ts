import type { Logger } from 'pino';
import type { z } from 'zod';
import { DomainError } from '../../src/domain/errors.ts';
import { type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff.ts';
import { type Clock, systemClock } from './clock.ts';
import { type FieldError, helpdeskError, unreachableError } from './helpdesk-errors.ts';
import { lightRequest } from '../../src/http/light-client.ts';
import { parseLinkHeader } from './link-header.ts';
import { type QuotaReading, RateBudget } from './rate-budget.ts';

/** Knobs every connector takes; tests inject a manual clock, a fast backoff and short timeouts. */
export interface ConnectorOptions {
  clock?: Clock;
  fetch?: typeof fetch;
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  /** Attempts for one request when the helpdesk fails with 5xx or the network fails. */
  maxAttempts?: number;
  /** How many 429 answers one request waits out before giving up. */
  maxThrottleRetries?: number;
  /** A Retry-After longer than this is not waited out: the request fails as throttled. */
  maxRetryAfterMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  logger?: Logger;
}

/** How one platform speaks HTTP: where, how to sign in, how it reports quota and failures. */
export interface TransportConfig {
  label: string;
  apiRoot: string;
  authHeaders: Record<string, string>;
  readQuota(headers: Headers): QuotaReading;
  /** The rolling window the platform counts calls in, or null when it reports a reset time instead. */
  quotaWindowMs: number | null;
  readFailure(status: number, body: unknown): { message: string | null; fieldErrors: FieldError[] };
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the API root (`/tickets/1`), or an absolute URL (a Link rel="next", an attachment URL). */
  path: string;
  query?: Record<string, string | number | undefined | null>;
  json?: unknown;
  form?: FormData;
  /** What the request is about, for error messages ("ticket 42"). */
  what?: string;
  /** Attachment URLs are pre-signed: no credentials, and they do not count against the API quota. */
  anonymous?: boolean;
  /** Whether repeating the request is harmless; creates and uploads are not, so they are not retried blindly. */
  idempotent?: boolean;
  /** Statuses handed back to the caller instead of becoming errors. */
  passStatuses?: number[];
}

export interface RawResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

class AttemptFailure extends Error {
  constructor(
    readonly reason: string,
    /** True when the request surely never reached the helpdesk. */
    readonly notSent: boolean,
  ) {
    super(reason);
  }
}

/** The one HTTP path of every connector: budget, timeouts, retries with backoff and jitter, error translation. */
export class HelpdeskTransport {
  readonly clock: Clock;
  private readonly budget: RateBudget;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxThrottleRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;

  constructor(
    private readonly config: TransportConfig,
    private readonly options: ConnectorOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.budget = new RateBudget(this.clock, { windowMs: config.quotaWindowMs });
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxThrottleRetries = options.maxThrottleRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 5 * 60_000;
    this.backoff = options.backoff ?? defaultBackoff;
    this.random = options.random ?? Math.random;
  }

  get label(): string {
    return this.config.label;
  }

  url(path: string, query?: RequestSpec['query']): string {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${this.config.apiRoot}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  async send(spec: RequestSpec): Promise<RawResponse> {
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const url = this.url(spec.path, spec.query);
    let failures = 0;
    let throttles = 0;
    for (;;) {
      if (!spec.anonymous) await this.budget.acquire();
      let response: RawResponse;
      try {
        response = await this.attempt(spec, url);
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        failures += 1;
        if ((idempotent || error.notSent) && failures < this.maxAttempts) {
          this.options.logger?.warn(
            { helpdesk: this.config.label, method: spec.method, reason: error.reason, failures },
            'helpdesk request failed; retrying',
          );
          await this.clock.sleep(backoffDelay(failures - 1, this.backoff, this.random));
          continue;
        }
        throw unreachableError(this.config.label, error.reason, !idempotent && !error.notSent);
      }
      if (!spec.anonymous) this.budget.observe(this.config.readQuota(response.headers));
      const { status } = response;
      if (status >= 200 && status < 300) return response;
      if (spec.passStatuses?.includes(status)) return response;
      if (status === 429) {
        const retryAfterMs = retryAfterToMs(response.headers.get('retry-after'), this.clock.now());
        throttles += 1;
        if (throttles <= this.maxThrottleRetries && retryAfterMs <= this.maxRetryAfterMs) {
          this.options.logger?.warn(
            { helpdesk: this.config.label, retryAfterMs },
            'helpdesk throttled the request; waiting',
          );
          // The budget holds every request of this instance back until the helpdesk's wait is over.
          this.budget.exhaustedFor(retryAfterMs);
          continue;
        }
        throw this.failure(response, spec, Math.ceil(retryAfterMs / 1000));
      }
      if (status >= 500) {
        failures += 1;
        const notProcessed = status === 502 || status === 503 || status === 504;
        if ((idempotent || notProcessed) && failures < this.maxAttempts) {
          this.options.logger?.warn(
            { helpdesk: this.config.label, method: spec.method, status, failures },
            'helpdesk answered 5xx; retrying',
          );
          await this.clock.sleep(backoffDelay(failures - 1, this.backoff, this.random));
          continue;
        }
      }
      throw this.failure(response, spec, null);
    }
  }

  /** Sends and validates a JSON answer against the platform's schema. */
  async json<T>(spec: RequestSpec, schema: z.ZodType<T>): Promise<{ data: T; headers: Headers; status: number }> {
    const response = await this.send(spec);
    return { data: this.parse(response, schema, spec.what), headers: response.headers, status: response.status };
  }

  /** Reads every page of a list by following Link rel="next" as an opaque URL until the last page. */
  async collect<T>(spec: RequestSpec, schema: z.ZodType<T[]>): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = this.url(spec.path, spec.query);
    while (next) {
      const page: { data: T[]; headers: Headers } = await this.json({ ...spec, path: next, query: {} }, schema);
      items.push(...page.data);
      next = parseLinkHeader(page.headers.get('link')).next;
    }
    return items;
  }

  parse<T>(response: RawResponse, schema: z.ZodType<T>, what?: string): T {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(response.bytes).toString('utf8'));
    } catch {
      throw this.unexpected(what, 'the body is not JSON');
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw this.unexpected(what, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    return parsed.data;
  }

  private unexpected(what: string | undefined, detail: string): DomainError {
    return new DomainError(
      'helpdesk_unavailable',
      `${this.config.label} sent an answer DeskBridge does not understand${what ? ` for ${what}` : ''} (${detail}). Check that the instance URL points at the ${this.config.label} API.`,
    );
  }

  private async attempt(spec: RequestSpec, url: string): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (!spec.anonymous) Object.assign(headers, this.config.authHeaders);
    let body: string | FormData | undefined;
    if (spec.form) body = spec.form;
    else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    // The API's JSON calls go through the keep-alive node:http client (much less CPU per call than fetch); uploads,
    // attachment downloads (pre-signed, possibly redirected) and an injected fetch (tests) keep fetch.
    if (this.options.fetch === undefined && !spec.anonymous && typeof body !== 'object') {
      let light: RawResponse;
      try {
        light = await lightRequest(url, {
          method: spec.method,
          headers,
          ...(body === undefined ? {} : { body }),
          timeoutMs: this.timeoutMs,
        });
      } catch (error) {
        throw this.describeNetworkError(error);
      }
      // A redirect (say, http:// to https://) is followed the way fetch follows it.
      if (!(light.status >= 300 && light.status < 400 && light.headers.has('location'))) return light;
    }
    // A timer cleared once the body is in, rather than AbortSignal.timeout: that one fires (building a TimeoutError and
    // keeping the request reachable) for every request, long after it finished.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
      this.timeoutMs,
    );
    try {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: spec.method,
          headers,
          body,
          signal: controller.signal,
          redirect: 'follow',
        });
      } catch (error) {
        throw this.describeNetworkError(error);
      }
      try {
        const bytes = new Uint8Array(await response.arrayBuffer());
        return { status: response.status, headers: response.headers, bytes };
      } catch (error) {
        throw this.describeNetworkError(error);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private describeNetworkError(error: unknown): AttemptFailure {
    const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return new AttemptFailure(`no answer within ${Math.round(this.timeoutMs / 100) / 10} s`, false);
    }
    const code = err.cause?.code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new AttemptFailure(`${code === 'ECONNREFUSED' ? 'connection refused' : 'host not found'}`, true);
    }
    return new AttemptFailure(
      `connection failed: ${code ?? err.cause?.message ?? err.message ?? 'unknown error'}`,
      false,
    );
  }

  private failure(response: RawResponse, spec: RequestSpec, retryAfterSeconds: number | null): DomainError {
    let body: unknown = null;
    const text = Buffer.from(response.bytes).toString('utf8');
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text.slice(0, 200);
      }
    }
    const { message, fieldErrors } = this.config.readFailure(response.status, body);
    return helpdeskError(
      { status: response.status, message, fieldErrors, retryAfterSeconds },
      { label: this.config.label, ...(spec.what ? { what: spec.what } : {}) },
    );
  }
}

/** Retry-After is seconds or an HTTP date; a missing one means "a minute", the Freshworks window. */
export function retryAfterToMs(value: string | null, now: number): number {
  if (!value) return 60_000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? 60_000 : Math.max(0, date - now);
}

export function numberHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
