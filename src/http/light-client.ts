import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * A small HTTP/1.1 client over node:http with keep-alive, for the connectors' JSON calls. The global fetch (undici)
 * spent more CPU per call than the rest of a sync step together (web streams, abort signals, Headers and Response
 * objects); a synced ticket is several calls. Multipart uploads and attachment downloads (which may redirect) keep
 * using fetch.
 */
export interface LightResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/** Errors shaped as fetch's (a TypeError with the system error as `cause`, a TimeoutError), so callers read both alike. */
function fetchLikeError(error: Error & { code?: string }): Error {
  return Object.assign(new TypeError('fetch failed'), { cause: error });
}

export function lightRequest(url: string, init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<LightResponse> {
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
    const req = (secure ? httpsRequest : httpRequest)(target, { method: init.method, headers, agent: secure ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: toHeaders(res.headers), bytes: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', (error) => finish(fetchLikeError(error)));
      res.on('aborted', () => finish(fetchLikeError(new Error('the connection closed before the answer was complete'))));
    });
    const timer = setTimeout(() => {
      finish(new DOMException('The operation timed out.', 'TimeoutError'));
      req.destroy();
    }, init.timeoutMs);
    req.on('error', (error) => finish(fetchLikeError(error)));
    req.end(init.body);
  });
}
