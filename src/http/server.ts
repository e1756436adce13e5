import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { DomainError, isDomainError } from '../domain/errors.ts';
import {
  compileRoutes,
  matchRoute,
  parseJsonBody,
  type RequestContext,
  type HttpResponse,
  type RequestHead,
  type Route,
} from './router.ts';

const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * How long a client may take, set explicitly rather than left to Node's defaults (a 5-minute request timeout, checked
 * every 30 s): a slow body or an idle socket is cut, so held-open connections cannot pile up.
 */
export interface ServerTimeouts {
  /** From the connection (or the previous request) to the end of the headers. */
  headersTimeoutMs: number;
  /** From the connection to the end of the body: an 8 MiB batch of messages fits at ~150 KB/s. */
  requestTimeoutMs: number;
  /** An idle keep-alive socket between requests. */
  keepAliveTimeoutMs: number;
  /** How often the two limits above are enforced. */
  checkIntervalMs: number;
}

const defaultServerTimeouts: ServerTimeouts = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 2_000,
};

/** The answer to a request refused before its body was read: the rest of the body is not read either. */
class RefusedUnread extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    override readonly message: string,
  ) {
    super(message);
  }
}

/** The path of a request without its query string: queries carry secrets (a Xurrent webhook's `?secret=`). */
function pathOnly(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/**
 * Answers a request before its route is looked at and its body read, or lets it through (null): the service refuses
 * new work this way while it shuts down.
 */
export type RequestGate = (method: string, path: string) => HttpResponse | null;

/** The service's one HTTP server: every surface (node protocol, webhooks, Slack, Teams) is a route on it. */
export function createHttpServer(
  routes: Route[],
  logger: Logger,
  timeouts: ServerTimeouts = defaultServerTimeouts,
  gate: RequestGate = () => null,
): Server {
  const compiled = compileRoutes(routes);
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    (req, res) => {
      void dispatch(req, res).catch((error: unknown) => {
        const errorId = randomUUID().slice(0, 8);
        logger.error({ err: error, errorId, method: req.method, path: pathOnly(req.url) }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            error: { code: 'internal', message: `Something went wrong on our side (error id ${errorId}).` },
          });
        else res.end();
      });
    },
  );
  return server;

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await answer(req, res);
    } catch (error) {
      if (error instanceof RefusedUnread) {
        // Answered without reading the body: close the connection instead of draining whatever the client still sends.
        res.shouldKeepAlive = false;
        sendJson(res, error.status, { error: { code: error.code, message: error.message } }, { connection: 'close' });
        return;
      }
      if (!isDomainError(error)) throw error;
      sendJson(res, error.httpStatus, { error: { code: error.code, message: error.message } });
    }
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new DomainError('invalid_input', 'The request path is not a valid URL path.');
    }
    const method = req.method ?? 'GET';
    const refused = gate(method, url.pathname);
    if (refused) {
      // The body is not read: close the connection rather than drain it.
      res.shouldKeepAlive = false;
      sendJson(res, refused.status, refused.body, { ...refused.headers, connection: 'close' });
      return;
    }
    const match = matchRoute(compiled, method, url.pathname);
    if (match === null) {
      throw new DomainError('not_found', `Nothing is served at ${url.pathname}.`);
    }
    if ('allowed' in match) {
      res.setHeader('Allow', match.allowed.join(', '));
      sendJson(res, 405, {
        error: { code: 'method_not_allowed', message: `Use ${match.allowed.join(' or ')} for ${url.pathname}.` },
      });
      return;
    }
    const { route, params } = match;
    if ('raw' in route) {
      await route.raw(req, res);
      return;
    }
    const head: RequestHead = {
      method,
      path: url.pathname,
      params,
      query: url.searchParams,
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
    };
    const maxBytes = route.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) throw tooLarge(maxBytes);
    if (route.beforeBody) {
      try {
        await route.beforeBody(head);
      } catch (error) {
        if (!isDomainError(error)) throw error;
        throw new RefusedUnread(error.httpStatus, error.code, error.message);
      }
    }
    const rawBody = await readBody(req, maxBytes);
    const ctx: RequestContext = { ...head, rawBody, json: (schema) => parseJsonBody(rawBody, schema) };
    const response = await route.handle(ctx);
    sendJson(res, response.status, response.body, response.headers);
  }
}

function tooLarge(maxBytes: number): RefusedUnread {
  return new RefusedUnread(413, 'limit_exceeded', `The request body is larger than ${maxBytes} bytes.`);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  res.end(text);
}

/** Reads a body of at most `maxBytes`; past that the request is refused (413) and the rest is not read. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
