import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { DomainError } from '../domain/errors.ts';
import { parseJsonText } from './json-depth.ts';

/**
 * The routing table of the service's one HTTP server. Routes are plain data (method, path pattern, handler) so each
 * part of the service (node protocol, webhooks, Slack, Teams) contributes its own list and main.ts joins them.
 */
/** What is known of a request before its body is read. */
export interface RequestHead {
  method: string;
  /** The path without the query string. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  remoteAddress: string | undefined;
}

export interface RequestContext extends RequestHead {
  rawBody: Buffer;
  /** Parses the body as JSON against a schema; a bad (or too deeply nested) body is a 400 naming the first problem. */
  json<T>(schema: z.ZodType<T>): T;
}

export interface HttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface JsonRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/v1/connections/:id/status`; `:name` matches one path segment. */
  path: string;
  handle(ctx: RequestContext): Promise<HttpResponse> | HttpResponse;
  /** Largest accepted body in bytes (default 1 MiB); a longer one is refused (413) without being read. */
  maxBodyBytes?: number;
  /**
   * Checks what can be checked before the body is read (a node request's signature headers, timestamp window and
   * connection): a refusal here is answered at once and the connection closed, so a stranger's upload is never read.
   */
  beforeBody?(head: RequestHead): void | Promise<void>;
}

/** A route that takes the raw request (for frameworks such as Bolt and botbuilder that read the body themselves). */
export interface RawRoute {
  method: 'GET' | 'POST';
  path: string;
  raw(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export type Route = JsonRoute | RawRoute;

interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
}

export function compileRoutes(routes: Route[]): CompiledRoute[] {
  return routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return { route, regex: new RegExp(`^${pattern}/?$`), names };
  });
}

export function matchRoute(
  compiled: CompiledRoute[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { allowed: string[] } | null {
  const allowed: string[] = [];
  for (const { route, regex, names } of compiled) {
    const match = regex.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodePathSegment(match[i + 1]!);
    });
    return { route, params };
  }
  return allowed.length > 0 ? { allowed } : null;
}

/** A path segment as sent, percent-decoded; a broken escape (`%E0`, `%zz`) is the caller's mistake: a 400. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DomainError(
      'invalid_input',
      'The request path is not valid: each % must start the UTF-8 escape of a character, such as %20.',
    );
  }
}

export function parseJsonBody<T>(rawBody: Buffer, schema: z.ZodType<T>): T {
  const value = rawBody.length === 0 ? {} : parseJsonText(rawBody.toString('utf8'), 'The request body');
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new DomainError('invalid_input', `Invalid request: ${where}: ${issue.message}.`);
  }
  return parsed.data;
}
