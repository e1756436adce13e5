import type { Logger } from 'pino';
import type { z } from 'zod';
import { DomainError } from '../../src/domain/errors.ts';
import { type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff.ts';
import { type Clock, systemClock } from './clock.ts';
import { type FieldError, helpdeskError, unreachableError } from './helpdesk-errors.ts';
import { lightRequest, ResponseTooLarge, type LightResponse } from '../../src/http/light-client.ts';
import {
  OutboundRefusal,
  outboundAgents,
  outboundPolicy,
  type OutboundAgents,
  type OutboundPolicy,
} from '../../src/http/outbound-policy.ts';
import { parseLinkHeader } from './link-header.ts';
import { type QuotaReading, RateBudget } from './rate-budget.ts';

/** Knobs every connector takes; tests inject a manual clock, a fast backoff and short timeouts. */
export interface ConnectorOptions {
  clock?: Clock;
  /** Which addresses the helpdesk may be at (DESKBRIDGE_ALLOW_PRIVATE_URLS); without one, only public addresses. */
  outbound?: OutboundPolicy;
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
  /** Told of every call and every wait for the rate budget (src/metrics counts them). */
  observer?: HelpdeskCallObserver;
}

/**
 * What happened to one HTTP exchange with the helpdesk: its answer handed back (`ok`), tried again (`retried`: a 429
 * waited out, a 5xx or a network failure), or the request failed with it (`failed`).
 */
export type HelpdeskCallOutcome = 'ok' | 'retried' | 'failed';

/** What a connector reports of its calls; each report is one HTTP exchange (or one wait for the rate budget). */
export interface HelpdeskCallObserver {
  /** `status` is null when no answer came (a network failure, a timeout, an address the policy refused). */
  exchanged(status: number | null, outcome: HelpdeskCallOutcome, ms: number): void;
  /** Time spent waiting until the instance's rate budget allowed the next call (0 when none). */
  waited(ms: number): void;
}

const unobserved: HelpdeskCallObserver = { exchanged: () => {}, waited: () => {} };

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
  private readonly agents: OutboundAgents;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxThrottleRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly report: HelpdeskCallObserver;

  constructor(
    private readonly config: TransportConfig,
    private readonly options: ConnectorOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.budget = new RateBudget(this.clock, { windowMs: config.quotaWindowMs });
    this.agents = outboundAgents(options.outbound ?? outboundPolicy(false));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxThrottleRetries = options.maxThrottleRetries ?? 3;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 5 * 60_000;
    this.backoff = options.backoff ?? defaultBackoff;
    this.random = options.random ?? Math.random;
    this.report = options.observer ?? unobserved;
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
      if (!spec.anonymous) this.report.waited(await this.budget.acquire());
      const started = performance.now();
      const exchanged = (status: number | null, outcome: HelpdeskCallOutcome) =>
        this.report.exchanged(status, outcome, performance.now() - started);
      let response: RawResponse;
      try {
        response = await this.attempt(spec, url);
      } catch (error) {
        const retried =
          error instanceof AttemptFailure && (idempotent || error.notSent) && failures + 1 < this.maxAttempts;
        exchanged(null, retried ? 'retried' : 'failed');
        if (!(error instanceof AttemptFailure)) throw error;
        failures += 1;
        if (retried) {
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
      if ((status >= 200 && status < 300) || spec.passStatuses?.includes(status)) {
        exchanged(status, 'ok');
        return response;
      }
      if (status === 429) {
        const retryAfterMs = retryAfterToMs(response.headers.get('retry-after'), this.clock.now());
        throttles += 1;
        if (throttles <= this.maxThrottleRetries && retryAfterMs <= this.maxRetryAfterMs) {
          exchanged(status, 'retried');
          this.options.logger?.warn(
            { helpdesk: this.config.label, retryAfterMs },
            'helpdesk throttled the request; waiting',
          );
          // The budget holds every request of this instance back until the helpdesk's wait is over.
          this.budget.exhaustedFor(retryAfterMs);
          continue;
        }
        exchanged(status, 'failed');
        throw this.failure(response, spec, Math.ceil(retryAfterMs / 1000));
      }
      if (status >= 500) {
        failures += 1;
        const notProcessed = status === 502 || status === 503 || status === 504;
        if ((idempotent || notProcessed) && failures < this.maxAttempts) {
          exchanged(status, 'retried');
          this.options.logger?.warn(
            { helpdesk: this.config.label, method: spec.method, status, failures },
            'helpdesk answered 5xx; retrying',
          );
          await this.clock.sleep(backoffDelay(failures - 1, this.backoff, this.random));
          continue;
        }
      }
      exchanged(status, 'failed');
      throw this.failure(response, spec, null);
    }
  }

  /**
   * One call of a sync script (`httpClient`): the path relative to the API root, with this instance's credentials and
   * counted against its rate budget. Unlike send(): one attempt, no redirect followed (a 3xx is handed back like any
   * other status), the answer read up to `maxBytes` and cut off past it, and every status but 429 handed back. A 429
   * holds the whole instance back as send() does, and fails the call as throttled so the sync is retried later.
   */
  async scriptCall(
    call: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; body?: string },
    limits: { timeoutMs: number; maxBytes: number },
  ): Promise<{ status: number; bytes: Uint8Array }> {
    const root = new URL(this.config.apiRoot);
    const url = new URL(`${this.config.apiRoot}${call.path}`);
    // The path was checked already; this is the last look before credentials go out: same origin, under the API root.
    if (
      !call.path.startsWith('/') ||
      url.origin !== root.origin ||
      !url.pathname.startsWith(`${root.pathname.replace(/\/+$/, '')}/`)
    ) {
      throw new DomainError('forbidden', `httpClient may only call ${this.config.label}'s own API.`);
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.config.authHeaders };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    this.report.waited(await this.budget.acquire());
    const started = performance.now();
    let response: Awaited<ReturnType<typeof lightRequest>>;
    try {
      response = await lightRequest(
        url.toString(),
        {
          method: call.method,
          headers,
          ...(call.body === undefined ? {} : { body: call.body }),
          timeoutMs: limits.timeoutMs,
          maxBytes: limits.maxBytes,
        },
        this.agents,
      );
    } catch (error) {
      this.report.exchanged(null, 'failed', performance.now() - started);
      if (error instanceof OutboundRefusal) throw this.refused(error, url.toString());
      if (error instanceof ResponseTooLarge) {
        throw new DomainError(
          'limit_exceeded',
          `${this.config.label} answered with more than ${limits.maxBytes} bytes; httpClient reads at most that much (ask for less: a smaller page, fewer fields).`,
        );
      }
      const failure =
        (error as { name?: string }).name === 'TimeoutError'
          ? new AttemptFailure(`no answer within ${Math.round(limits.timeoutMs / 100) / 10} s`, false)
          : this.describeNetworkError(error);
      throw unreachableError(this.config.label, failure.reason, call.method !== 'GET' && !failure.notSent);
    }
    this.budget.observe(this.config.readQuota(response.headers));
    this.report.exchanged(response.status, response.status === 429 ? 'failed' : 'ok', performance.now() - started);
    if (response.status === 429) {
      this.budget.exhaustedFor(retryAfterToMs(response.headers.get('retry-after'), this.clock.now()));
      throw this.failure(response, { method: call.method, path: call.path, what: 'a sync script call' }, null);
    }
    return { status: response.status, bytes: response.bytes };
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
    let body: string | Uint8Array | undefined;
    if (spec.form) {
      // Encoded the way fetch encodes a FormData (multipart with a fresh boundary), then sent like any other body.
      const encoded = new Request('http://form.invalid/', { method: 'POST', body: spec.form });
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
      body = new Uint8Array(await encoded.arrayBuffer());
    } else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    let method: string = spec.method;
    let current = url;
    for (let redirects = 0; ; redirects++) {
      let response: LightResponse;
      try {
        response = await lightRequest(
          current,
          { method, headers, ...(body === undefined ? {} : { body }), timeoutMs: this.timeoutMs },
          this.agents,
        );
      } catch (error) {
        if (error instanceof OutboundRefusal) throw this.refused(error, current);
        throw this.describeNetworkError(error);
      }
      const location = response.status >= 300 && response.status < 400 ? response.header('location') : null;
      if (location === null) return response;
      const next = this.redirectTarget(spec, current, location, redirects);
      // As fetch does: a 303, or a 301/302 after a POST, is followed with a GET and no body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
      }
      current = next;
    }
  }

  /**
   * Where a redirect may lead. An API call (credentials in its headers) stays on the helpdesk's host, upgrading
   * http:// to https:// at most; a pre-signed attachment URL carries no credentials and may move to its storage host.
   * Either way every hop goes through the outbound-address policy, and never from https:// down to http://.
   */
  private redirectTarget(spec: RequestSpec, from: string, location: string, redirects: number): string {
    const source = new URL(from);
    let target: URL;
    try {
      target = new URL(location, source);
    } catch {
      throw new DomainError('helpdesk_unavailable', `${this.config.label} redirected to an address that is not a URL.`);
    }
    const refuse = (why: string) =>
      new DomainError(
        'helpdesk_unavailable',
        `${this.config.label} redirected ${spec.what ?? 'the request'} to ${target.origin}, which DeskBridge does not follow (${why}). Check the instance URL.`,
      );
    if (redirects >= MAX_REDIRECTS) throw refuse(`more than ${MAX_REDIRECTS} redirects`);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw refuse('not an http(s) URL');
    if (source.protocol === 'https:' && target.protocol === 'http:') throw refuse('from https:// down to http://');
    if (!spec.anonymous && target.hostname !== source.hostname) throw refuse('another host than the helpdesk');
    return target.href;
  }

  /** A refusal by the outbound-address policy, naming the helpdesk URL it was about. */
  private refused(error: OutboundRefusal, url: string): OutboundRefusal {
    return error.about(`the ${this.config.label} URL ${new URL(url).origin}`);
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
        // A body that is not the helpdesk's JSON error is not shown: it may be any service's page.
        body = null;
      }
    }
    const { message, fieldErrors } = this.config.readFailure(response.status, body);
    return helpdeskError(
      { status: response.status, message, fieldErrors, retryAfterSeconds },
      { label: this.config.label, ...(spec.what ? { what: spec.what } : {}) },
    );
  }
}

const MAX_REDIRECTS = 5;

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
