import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { modes } from '../domain/connection.ts';
import { DomainError, isDomainErrorCode } from '../domain/errors.ts';
import { platforms } from '../domain/instance.ts';
import type { AcceptHandshake, AcceptHandshakeResult, RemoteInstanceInfo, RemoteNodes } from '../domain/remote.ts';
import { signedHeaders } from '../domain/request-signing.ts';

const instanceInfoSchema = z.object({
  url: z.url(),
  nodeUrl: z.url(),
  name: z.string(),
  platform: z.enum(platforms),
  modes: z.array(z.enum(modes)),
  protocol: z.number().int(),
});

const acceptResultSchema = z.object({
  initiatorConnectionId: z.string(),
  initiatorName: z.string(),
  acceptedAt: z.string(),
});

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export interface NodeClientOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
  /** The node's clock: signatures carry its time, which the other node checks against its own (5-minute window). */
  clock?: () => Date;
}

/** Talks to other DeskBridge nodes over HTTP, with a timeout of seconds on every call. */
export class NodeClient implements RemoteNodes {
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #clock: () => Date;

  constructor(options: NodeClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch ?? fetch;
    this.#clock = options.clock ?? (() => new Date());
  }

  async fetchInstanceInfo(instanceUrl: string): Promise<RemoteInstanceInfo> {
    const body = await this.#request(instanceUrl, { method: 'GET' }, `the destination instance URL ${instanceUrl}`);
    const parsed = instanceInfoSchema.safeParse(body);
    if (!parsed.success) {
      throw new DomainError(
        'remote_error',
        `${instanceUrl} answered, but not as a DeskBridge instance. Check the URL: it looks like https://host/i/name.`,
      );
    }
    return parsed.data;
  }

  async acceptInvitation(nodeUrl: string, handshake: AcceptHandshake): Promise<AcceptHandshakeResult> {
    const body = await this.#request(
      `${nodeUrl}/v1/invitations/accept`,
      { method: 'POST', body: JSON.stringify(handshake), headers: { 'content-type': 'application/json' } },
      `the inviting DeskBridge at ${nodeUrl}`,
    );
    const parsed = acceptResultSchema.safeParse(body);
    if (!parsed.success)
      throw new DomainError('remote_error', `The inviting DeskBridge at ${nodeUrl} gave an answer we could not read.`);
    return parsed.data;
  }

  /** A request signed with a connection key (everything after acceptance). */
  async signed<T>(
    connection: { key: Buffer; nodeUrl: string; remoteConnectionId: string },
    method: 'GET' | 'POST',
    pathAfterConnection: string,
    body?: unknown,
    schema?: z.ZodType<T>,
  ): Promise<T> {
    const path = `/v1/connections/${encodeURIComponent(connection.remoteConnectionId)}${pathAfterConnection}`;
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = signedHeaders(connection.key, {
      method,
      path,
      body: text,
      timestamp: this.#clock().getTime(),
      idempotencyKey: randomUUID(),
    });
    const result = await this.#request(
      `${connection.nodeUrl}${path}`,
      {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: text }),
      },
      `the other DeskBridge at ${connection.nodeUrl}`,
    );
    return schema ? schema.parse(result) : (result as T);
  }

  async #request(url: string, init: RequestInit, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#fetch(url, {
        ...init,
        headers: { accept: 'application/json', ...init.headers },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new DomainError(
        'remote_unreachable',
        timedOut
          ? `No answer from ${what} within ${Math.round(this.#timeoutMs / 100) / 10} seconds. Check the URL and that the other node is running.`
          : `Could not reach ${what}. Check the URL and that the other node is running.`,
      );
    }
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (response.ok) return body;
    const error = errorBodySchema.safeParse(body);
    if (error.success) {
      const code = error.data.error.code;
      throw new DomainError(isDomainErrorCode(code) ? code : 'remote_error', error.data.error.message);
    }
    throw new DomainError('remote_error', `${what} answered HTTP ${response.status}. Check the URL.`);
  }
}
