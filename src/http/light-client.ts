import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  OutboundRefusal,
  outboundAgents,
  outboundPolicy,
  refuseLiteralAddress,
  type OutboundAgents,
} from './outbound-policy.ts';

/**
 * A small HTTP/1.1 client over node:http with keep-alive, for many small JSON calls: the connectors' API calls and the
 * poller's status checks of other nodes. The global fetch (undici) spent more CPU per call than the rest of a sync
 * step together (web streams, abort signals, Headers and Response objects), and kept ~100 MB more resident over a
 * 10,000-connection health cycle (each finished request stayed reachable from its AbortSignal.timeout until it
 * fired). Here each request is read whole under its own timer and released at once. Every connection goes through
 * the outbound-address policy of its agents (src/http/outbound-policy.ts); no redirect is followed here.
 */
export interface LightResponse {
  status: number;
  readonly headers: Headers;
  /** One header without building a Headers object. */
  header(name: string): string | null;
  bytes: Uint8Array;
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/** Headers are converted only when read: most callers look at the status and the body alone. */
function lightResponse(status: number, raw: IncomingHttpHeaders, bytes: Uint8Array): LightResponse {
  let headers: Headers | null = null;
  return {
    status,
    bytes,
    get headers() {
      headers ??= toHeaders(raw);
      return headers;
    },
    header: (name) => {
      const value = raw[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : (value ?? null);
    },
  };
}

/** Errors shaped as fetch's (a TypeError with the system error as `cause`, a TimeoutError), so callers read both alike. */
function fetchLikeError(error: Error & { code?: string }): Error {
  return Object.assign(new TypeError('fetch failed'), { cause: error });
}

/** Thrown when an answer is longer than `maxBytes`: the connection is closed as soon as that is known. */
export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes`);
  }
}

/** Without agents: those of the strict policy (no private, loopback or link-local address is called). */
const strictAgents = outboundAgents(outboundPolicy(false));

/** An answer larger than this is cut off: whoever is on the other end cannot fill our memory. */
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function lightRequest(
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array;
    timeoutMs: number;
    /** Answers longer than this fail with ResponseTooLarge (default 64 MiB). */
    maxBytes?: number;
  },
  agents: OutboundAgents = strictAgents,
): Promise<LightResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    try {
      refuseLiteralAddress(agents.policy, target);
    } catch (error) {
      reject(error);
      return;
    }
    const secure = target.protocol === 'https:';
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const maxBytes = init.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let settled = false;
    const finish = (error: Error | null, response?: LightResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      { method: init.method, headers, agent: secure ? agents.https : agents.http },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        // An answer that announces more than the limit is refused before its first byte is read.
        if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
          finish(new ResponseTooLarge(maxBytes));
          req.destroy();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            finish(new ResponseTooLarge(maxBytes));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(null, lightResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
        res.on('error', (error) => finish(fetchLikeError(error)));
        res.on('aborted', () =>
          finish(fetchLikeError(new Error('the connection closed before the answer was complete'))),
        );
      },
    );
    const timer = setTimeout(() => {
      finish(new DOMException('The operation timed out.', 'TimeoutError'));
      req.destroy();
    }, init.timeoutMs);
    // A refusal by the policy's lookup is the caller's to word ("the helpdesk URL ... resolves to ..."), not a network error.
    req.on('error', (error) => finish(error instanceof OutboundRefusal ? error : fetchLikeError(error)));
    req.end(init.body);
  });
}
