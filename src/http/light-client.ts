import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * A small HTTP/1.1 client over node:http with keep-alive, for many small JSON calls: the connectors' API calls and the
 * poller's status checks of other nodes. The global fetch (undici) spent more CPU per call than the rest of a sync
 * step together (web streams, abort signals, Headers and Response objects), and kept ~100 MB more resident over a
 * 10,000-connection health cycle (each finished request stayed reachable from its AbortSignal.timeout until it
 * fired). Here each request is read whole under its own timer and released at once. Multipart uploads and attachment
 * downloads (which may redirect) keep using fetch.
 */
export interface LightResponse {
  status: number;
  readonly headers: Headers;
  /** One header without building a Headers object. */
  header(name: string): string | null;
  bytes: Uint8Array;
}

interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

export function keepAliveAgents(maxSockets: number): Agents {
  return {
    http: new HttpAgent({ keepAlive: true, maxSockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets }),
  };
}

const sharedAgents = keepAliveAgents(64);

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

export function lightRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
  agents: Agents = sharedAgents,
): Promise<LightResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
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
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
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
    req.on('error', (error) => finish(fetchLikeError(error)));
    req.end(init.body);
  });
}

/** A fetch for clients that take one (NodeClient), over lightRequest: string bodies only, no redirects. */
export function lightFetch(timeoutMs: number, agents: Agents = sharedAgents): typeof fetch {
  const light = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const response = await lightRequest(
      url,
      { method: init?.method ?? 'GET', headers, ...(body === undefined ? {} : { body }), timeoutMs },
      agents,
    );
    const empty = response.bytes.length === 0 || response.status === 204 || response.status === 304;
    const contentType = response.header('content-type');
    return new Response(empty ? null : response.bytes, {
      status: response.status,
      headers: contentType ? { 'content-type': contentType } : {},
    });
  };
  return light as typeof fetch;
}
