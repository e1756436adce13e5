import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { MetricsConfig } from '../config.ts';
import { listeningOn } from '../http/port-in-use.ts';
import type { RawRoute } from '../http/router.ts';
import { createHttpServer, listen, sendJson } from '../http/server.ts';
import type { Metrics } from './registry.ts';

const METRICS_PATH = '/metrics';
/** The loopback address the separate metrics port listens on: reachable from this machine only. */
export const METRICS_HOST = '127.0.0.1';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time (digests of equal length). */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/** GET /metrics: the Prometheus text format; with a token, a request without it gets a 401 and no figure. */
export function metricsRoute(metrics: Metrics, token: string | null): RawRoute {
  return {
    method: 'GET',
    path: METRICS_PATH,
    async raw(req: IncomingMessage, res: ServerResponse) {
      if (token !== null && !bearerMatches(req, token)) {
        sendJson(
          res,
          401,
          {
            error: {
              code: 'unauthorized',
              message: 'A scrape of /metrics needs Authorization: Bearer <METRICS_TOKEN>.',
            },
          },
          { 'www-authenticate': 'Bearer realm="deskbridge-metrics"' },
        );
        return;
      }
      const text = await metrics.scrape();
      res.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': Buffer.byteLength(text).toString(),
        'cache-control': 'no-store',
      });
      res.end(text);
    },
  };
}

/** The metrics port's own server on 127.0.0.1, listening; null without a metrics port. */
export async function startMetricsServer(
  metrics: Metrics | undefined,
  config: MetricsConfig,
  logger: Logger,
): Promise<Server | null> {
  const { port } = config;
  if (metrics === undefined || port === null) return null;
  const server = createHttpServer([metricsRoute(metrics, config.token)], logger);
  const address = await listeningOn(port, METRICS_HOST, 'DeskBridge metrics', 'METRICS_PORT', () =>
    listen(server, port, METRICS_HOST),
  );
  logger.info({ port: address.port, host: METRICS_HOST }, 'metrics are served on this machine only');
  return server;
}

/** Whether /metrics is served at all (METRICS_TOKEN or METRICS_PORT set). */
export function metricsServed(config: MetricsConfig): boolean {
  return config.token !== null || config.port !== null;
}

/** The /metrics route for the public port: only with a token and no metrics port of its own. */
export function publicMetricsRoutes(metrics: Metrics | undefined, config: MetricsConfig): RawRoute[] {
  return metrics && config.port === null && config.token !== null ? [metricsRoute(metrics, config.token)] : [];
}

export async function stopMetricsServer(server: Server | null): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
