import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { modes } from '../domain/connection.ts';
import { DomainError, isDomainErrorCode } from '../domain/errors.ts';
import { platforms } from '../domain/instance.ts';
import { exchangePublicKeyPattern } from '../domain/key-exchange.ts';
import type {
  AcceptanceConfirmAnswer,
  AcceptanceConfirmRequest,
  AcceptHandshake,
  AcceptHandshakeResult,
  PeerConnection,
  PeerEntity,
  PeerEntityQuery,
  RemoteInstanceInfo,
  RemoteNodes,
} from '../domain/remote.ts';
import { idempotencyKeyFor, REQUEST_ID_HEADER } from '../domain/request-id.ts';
import { signedHeaders } from '../domain/request-signing.ts';
import { parseJsonText } from '../http/json-depth.ts';
import { entityLookupAnswerSchema } from './wire.ts';
import { lightRequest, type LightResponse } from '../http/light-client.ts';
import {
  checkUrlShape,
  OutboundRefusal,
  outboundAgents,
  outboundPolicy,
  type OutboundAgents,
  type OutboundPolicy,
} from '../http/outbound-policy.ts';

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
  exchange: z.object({
    publicKey: z.string().regex(exchangePublicKeyPattern),
    proof: z.string().max(200),
    keyConfirmation: z.string().max(200),
  }),
});

const confirmAnswerSchema = z.object({ confirmed: z.literal(true), proof: z.string().max(200) });

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export interface NodeClientOptions {
  timeoutMs: number;
  /** Which addresses other nodes may be at (DESKBRIDGE_ALLOW_PRIVATE_URLS); without one, only public addresses. */
  outbound?: OutboundPolicy;
  /** Keep-alive sockets per node (the poller checks many nodes at once). */
  maxSockets?: number;
  /** The node's clock: signatures carry its time, which the other node checks against its own (5-minute window). */
  clock?: () => Date;
}

/** A node's answer is a small JSON document; one batch of pulled messages (with files) is the largest. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * Talks to other DeskBridge nodes over HTTP (the keep-alive client of src/http/light-client.ts), with a timeout of
 * seconds on every call. Every URL here came from someone else (an admin typing a destination, an invitation code, the
 * other node's own answers), so every call goes through the outbound-address policy and no redirect is followed.
 */
export class NodeClient implements RemoteNodes {
  readonly #timeoutMs: number;
  readonly #agents: OutboundAgents;
  readonly #clock: () => Date;

  constructor(options: NodeClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#agents = outboundAgents(options.outbound ?? outboundPolicy(false), options.maxSockets);
    this.#clock = options.clock ?? (() => new Date());
  }

  async lookupEntities(peer: PeerConnection, query: PeerEntityQuery): Promise<PeerEntity[]> {
    const answer = await this.signed(peer, 'POST', '/entities/lookup', query);
    const parsed = entityLookupAnswerSchema.safeParse(answer);
    if (!parsed.success)
      throw new DomainError(
        'remote_error',
        `The other DeskBridge at ${peer.nodeUrl} gave an answer we could not read.`,
      );
    return parsed.data.entities;
  }

  async fetchInstanceInfo(instanceUrl: string): Promise<RemoteInstanceInfo> {
    checkUrlShape(instanceUrl, {
      what: 'The destination instance URL',
      example: 'https://deskbridge.example.com/i/partner',
      allowHttp: true,
    });
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
      // The inviting node calls the destination back before it answers: time for both calls.
      2 * this.#timeoutMs,
    );
    const parsed = acceptResultSchema.safeParse(body);
    if (!parsed.success)
      throw new DomainError('remote_error', `The inviting DeskBridge at ${nodeUrl} gave an answer we could not read.`);
    return parsed.data;
  }

  async confirmAcceptance(nodeUrl: string, request: AcceptanceConfirmRequest): Promise<AcceptanceConfirmAnswer> {
    const body = await this.#request(
      `${nodeUrl}/v1/invitations/confirm`,
      { method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json' } },
      `the destination DeskBridge at ${nodeUrl}`,
    );
    const parsed = confirmAnswerSchema.safeParse(body);
    if (!parsed.success)
      throw new DomainError(
        'remote_error',
        `The destination DeskBridge at ${nodeUrl} gave an answer we could not read.`,
      );
    return parsed.data;
  }

  /** A request signed with a connection key (everything after acceptance). */
  async signed<T>(
    connection: { key: Buffer; nodeUrl: string; remoteConnectionId: string },
    method: 'GET' | 'POST',
    pathAfterConnection: string,
    body?: unknown,
    schema?: z.ZodType<T>,
    /** Sent as `x-deskbridge-request-id`, bound to the signature through the idempotency key (src/domain/request-id.ts). */
    requestId?: string,
  ): Promise<T> {
    const path = `/v1/connections/${encodeURIComponent(connection.remoteConnectionId)}${pathAfterConnection}`;
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = signedHeaders(connection.key, {
      method,
      path,
      body: text,
      timestamp: this.#clock().getTime(),
      idempotencyKey: requestId === undefined ? randomUUID() : idempotencyKeyFor(requestId),
    });
    const result = await this.#request(
      `${connection.nodeUrl}${path}`,
      {
        method,
        headers: {
          ...headers,
          ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: text }),
      },
      `the other DeskBridge at ${connection.nodeUrl}`,
    );
    return schema ? schema.parse(result) : (result as T);
  }

  async #request(
    url: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
    what: string,
    timeoutMs = this.#timeoutMs,
  ): Promise<unknown> {
    // A user name (`https://good@evil`) or a fragment (`https://evil#`, which swallows the path appended to it) makes a
    // node URL say one thing and call another.
    if (url.includes('@') || url.includes('#'))
      throw new DomainError('invalid_input', `DeskBridge does not call ${what}: a node URL has no @ or # in it.`);
    let response: LightResponse;
    try {
      response = await lightRequest(
        url,
        {
          method: init.method,
          headers: { accept: 'application/json', ...init.headers },
          ...(init.body === undefined ? {} : { body: init.body }),
          timeoutMs,
          maxBytes: MAX_ANSWER_BYTES,
        },
        this.#agents,
      );
    } catch (error) {
      if (error instanceof OutboundRefusal) throw error.about(what);
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new DomainError(
        'remote_unreachable',
        timedOut
          ? `No answer from ${what} within ${Math.round(timeoutMs / 100) / 10} seconds. Check the URL and that the other node is running.`
          : `Could not reach ${what}. Check the URL and that the other node is running.`,
      );
    }
    const { status } = response;
    if (status >= 300 && status < 400)
      throw new DomainError(
        'remote_error',
        `DeskBridge does not follow redirects between nodes, and ${what} answered with one (HTTP ${status}). Check the URL.`,
      );
    let body: unknown = null;
    try {
      body = parseJsonText(Buffer.from(response.bytes).toString('utf8'), 'The answer');
    } catch {
      body = null;
    }
    if (status >= 200 && status < 300) return body;
    const error = errorBodySchema.safeParse(body);
    if (error.success) {
      const code = error.data.error.code;
      throw new DomainError(isDomainErrorCode(code) ? code : 'remote_error', error.data.error.message);
    }
    throw new DomainError('remote_error', `${what} answered HTTP ${status}. Check the URL.`);
  }
}
