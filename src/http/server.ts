import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { DomainError, isDomainError } from '../domain/errors.ts';
import { compileRoutes, matchRoute, parseJsonBody, type RequestContext, type Route } from './router.ts';

const DEFAULT_MAX_BODY = 1024 * 1024;

/** The service's one HTTP server: every surface (node protocol, webhooks, Slack, Teams) is a route on it. */
export function createHttpServer(routes: Route[], logger: Logger): Server {
  const compiled = compileRoutes(routes);
  return createServer((req, res) => {
    void dispatch(req, res).catch((error: unknown) => {
      const errorId = randomUUID().slice(0, 8);
      logger.error({ err: error, errorId, path: req.url }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, {
          error: { code: 'internal', message: `Something went wrong on our side (error id ${errorId}).` },
        });
      else res.end();
    });
  });

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const match = matchRoute(compiled, method, url.pathname);
    if (match === null) {
      sendJson(res, 404, { error: { code: 'not_found', message: `Nothing is served at ${url.pathname}.` } });
      return;
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
    try {
      const rawBody = await readBody(req, route.maxBodyBytes ?? DEFAULT_MAX_BODY);
      const ctx: RequestContext = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        json: (schema) => parseJsonBody(rawBody, schema),
        remoteAddress: req.socket.remoteAddress,
      };
      const response = await route.handle(ctx);
      sendJson(res, response.status, response.body, response.headers);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      sendJson(res, error.httpStatus, { error: { code: error.code, message: error.message } });
    }
  }
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

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.destroy();
        reject(new DomainError('limit_exceeded', `The request body is larger than ${maxBytes} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
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
