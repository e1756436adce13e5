import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { compileRoutes, matchRoute, type Route } from '../http/router.ts';
import type { Metrics } from './registry.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Counts and times every request the server answers, labelled by the route template it matched (the same table the
 * server routes by), never by the path as sent: a stranger's random paths all count as `unmatched`.
 */
export function observeRequests(server: Server, routes: Route[], metrics: Metrics): void {
  const compiled = compileRoutes(routes);
  const routeOf = (req: IncomingMessage): { method: string; route: string } => {
    const method = METHODS.has(req.method ?? '') ? req.method! : 'other';
    try {
      const match = matchRoute(compiled, method, new URL(req.url ?? '/', 'http://localhost').pathname);
      return { method, route: match && 'route' in match ? match.route.path : 'unmatched' };
    } catch {
      // A path that is not a URL path, or a broken escape: the server answers 400.
      return { method, route: 'unmatched' };
    }
  };
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const labels = routeOf(req);
    const stop = metrics.httpRequestDuration.startTimer(labels);
    res.once('close', () => {
      stop();
      metrics.httpRequests.inc({ ...labels, status: res.headersSent ? String(res.statusCode) : 'aborted' });
    });
  });
}
