import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileRoutes, type JsonRoute, matchRoute } from '../../../src/http/router.ts';
import type { FaultPlan } from './faults.ts';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  params: Record<string, string>;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON; leave out for an empty body. */
  json?: unknown;
  raw?: Buffer;
}

export interface SimRoute {
  method: JsonRoute['method'];
  path: string;
  /** Reachable without credentials and outside the quota (pre-signed downloads, webhook callbacks). */
  anonymous?: boolean;
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
}

/** Thrown by simulator handlers to answer with a platform error body. */
export class SimHttpError extends Error {
  constructor(readonly response: SimResponse) {
    super(`HTTP ${response.status}`);
  }
}

export interface SimPlatform {
  routes: SimRoute[];
  faults: FaultPlan;
  /** Authentication and quota; may answer early (401, 429) and adds headers (X-RateLimit-*) to every answer. */
  admit(req: SimRequest): { reject?: SimResponse; headers: Record<string, string> };
  notFound(req: SimRequest): SimResponse;
  serverError(status: number): SimResponse;
  throttled(retryAfterSeconds: number): SimResponse;
}

export interface RunningSimServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;

/** The HTTP side of every simulator: faults first, then the platform's admission rules, then its routes. */
export async function startSimServer(platform: SimPlatform, port = 0): Promise<RunningSimServer> {
  // The service router's matcher, reused: routes carry a placeholder handler and map back to the simulator's.
  const table = new Map<JsonRoute, SimRoute>();
  for (const route of platform.routes)
    table.set({ method: route.method, path: route.path, handle: () => ({ status: 500 }) }, route);
  const compiled = compileRoutes([...table.keys()]);
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      void respond(Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        }
      });
    });

    async function respond(body: Buffer): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      const simReq: SimRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        params: {},
      };
      for (const fault of platform.faults.take(method, url.pathname)) {
        if (fault.kind === 'latency') {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              timers.delete(timer);
              resolve();
            }, fault.ms);
            timers.add(timer);
          });
          if (res.destroyed) return;
        } else if (fault.kind === 'drop') {
          req.socket.destroy();
          return;
        } else if (fault.kind === 'timeout') {
          return;
        } else if (fault.kind === 'status') {
          send(platform.serverError(fault.status));
          return;
        } else {
          send(platform.throttled(fault.retryAfterSeconds));
          return;
        }
      }
      const match = matchRoute(compiled, method, url.pathname);
      const route = match && 'route' in match ? table.get(match.route as JsonRoute) : undefined;
      let extraHeaders: Record<string, string> = {};
      if (!route?.anonymous) {
        const admission = platform.admit(simReq);
        extraHeaders = admission.headers;
        if (admission.reject) {
          send(admission.reject, extraHeaders);
          return;
        }
      }
      if (!route || !match || !('route' in match)) {
        send(platform.notFound(simReq), extraHeaders);
        return;
      }
      simReq.params = match.params;
      try {
        send(await route.handle(simReq), extraHeaders);
      } catch (error) {
        if (error instanceof SimHttpError) send(error.response, extraHeaders);
        else throw error;
      }
    }

    function send(response: SimResponse, extra: Record<string, string> = {}): void {
      if (res.destroyed) return;
      const payload =
        response.raw ?? (response.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(response.json)));
      const headers: Record<string, string> = {
        ...extra,
        ...response.headers,
        'content-length': String(payload.length),
      };
      if (response.json !== undefined && !response.raw) headers['content-type'] ??= 'application/json; charset=utf-8';
      res.writeHead(response.status, headers);
      res.end(payload);
    }
  });
  // Like a real API, keep idle connections long enough to be reused: fetch (undici) drops a socket whose keep-alive
  // hint is within ~1-2 s, so a 1 s hint meant a new TCP connection (and a socket-reset error) on every call.
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
