import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { RawRoute } from '../../src/http/router.ts';
import { safeError } from './log.ts';
import { serviceUrlProblem } from './service-url.ts';

export const TEAMS_MESSAGES_PATH = '/api/messages';
const MAX_BODY_BYTES = 1024 * 1024;

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address);
}

/** Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its socket says. */
const forwardingHeaders = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/**
 * POST /api/messages on the service's own server. botbuilder reads a parsed body and an Express-like response, so
 * the raw request is read here (size-capped) and a small response shim handed over. In local mode botbuilder checks
 * no token at all, so only this machine may call, directly (not through a proxy on it), for a connector on it. With
 * credentials the replies go only to Microsoft's Bot Connector hosts (service-url.ts).
 */
export function messagesRoute(options: {
  adapter: CloudAdapter;
  localMode: boolean;
  logger: Logger;
  run: (turn: TurnContext) => Promise<void>;
}): RawRoute {
  return {
    method: 'POST',
    path: TEAMS_MESSAGES_PATH,
    async raw(req: IncomingMessage, res: ServerResponse) {
      const proxied = forwardingHeaders.some((name) => req.headers[name] !== undefined);
      if (options.localMode && (!isLoopback(req.socket.remoteAddress) || proxied)) {
        return send(res, 401, {
          error: 'Teams is in local mode (no MICROSOFT_APP_ID): only direct requests from this machine are accepted.',
        });
      }
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)).toString('utf8'));
      } catch (error) {
        return send(res, error instanceof BodyTooLarge ? 413 : 400, {
          error: error instanceof BodyTooLarge ? 'Body too large.' : 'The body is not JSON.',
        });
      }
      // Checked before botbuilder sees the activity: it would reply (and store a reference) to whatever URL is named.
      const problem = serviceUrlProblem((body as { serviceUrl?: unknown } | null)?.serviceUrl, {
        localMode: options.localMode,
      });
      if (problem) return send(res, 403, { error: problem });
      const shim = responseShim(res);
      try {
        await options.adapter.process(
          { body: body as Record<string, unknown>, headers: req.headers, method: req.method },
          shim,
          options.run,
        );
      } catch (error) {
        options.logger.error({ error: safeError(error) }, 'teams: processing an activity failed');
        if (!res.headersSent) send(res, 500, { error: 'Internal error.' });
      }
      if (!res.writableEnded) shim.end();
    },
  };
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The slice of an Express response botbuilder's CloudAdapter.process uses. */
function responseShim(res: ServerResponse) {
  let status = 200;
  let payload: unknown;
  const headers: Record<string, string> = {};
  return {
    socket: res.socket,
    header(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
      return this;
    },
    status(code: number) {
      status = code;
      return this;
    },
    send(body: unknown) {
      payload = body;
      return this;
    },
    end() {
      if (res.writableEnded) return this;
      if (payload === undefined || payload === null) {
        res.writeHead(status, headers);
        res.end();
      } else if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
        res.end(payload);
      } else {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      }
      return this;
    },
  };
}
