/**
 * What a sync script may ask of its own helpdesk's REST API (`httpClient`, issue 17 item 4): one relative path on the
 * instance's API, one of four methods, a bounded body. The interpreter checks a call here before anything leaves the
 * run; the connector checks it again before it builds a URL, so a bridge between the two cannot widen it.
 */
import { DomainError } from './errors.ts';
import type { Platform } from './instance.ts';

export type ScriptHttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ScriptHttpRequest {
  method: ScriptHttpMethod;
  /** On the instance's API, with its prefix and query string (`/api/v2/agents/9?include=x`); checked below. */
  path: string;
  /** JSON text. */
  body?: string;
  /** What is left of the run's time; the host waits at most this long (and never longer than its own limit). */
  timeoutMs?: number;
}

/** The answer as the script may see it: the status and the body, never the request's or the answer's headers. */
export interface ScriptHttpResponse {
  status: number;
  body: string;
}

export const scriptHttpMethods: readonly ScriptHttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** The REST API a script reaches on each platform (helpdesk-apis.md 1.1, 2.1, 3.1): every path starts with it. */
export const scriptApiPrefix: Readonly<Record<Platform, string>> = {
  freshdesk: '/api/v2/',
  freshservice: '/api/v2/',
  xurrent: '/v1/',
};

export const scriptHttpLimits = Object.freeze({
  /** Path and query string, after percent-encoding. */
  maxPathLength: 2048,
  /** A request body, in characters of JSON text. */
  maxBodyChars: 256 * 1024,
  /** An answer is read up to this many bytes and cut off (the call fails) past it. */
  maxResponseBytes: 1024 * 1024,
  /** One call, from sending to the last byte of the answer. */
  timeoutMs: 10_000,
  /** Calls one run may make. */
  maxCallsPerRun: 20,
});

// RFC 3986 unreserved, sub-delims, ':', '@', '/', '?' and '%' (for escapes already written).
const urlChar = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
const controlChar = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Percent-encodes what a script may write literally but a URL may not carry (spaces and quotes in a search query,
 * non-ASCII letters). Backslashes, '#' and control characters are left for scriptPathProblem to refuse.
 */
export function encodeScriptPath(path: string): string {
  let out = '';
  for (const ch of path) {
    out += urlChar.test(ch) || ch === '\\' || ch === '#' || controlChar.test(ch) ? ch : encodeURIComponent(ch);
  }
  return out;
}

/** Decodes until nothing changes (three rounds at most), so `%252e%252e` is seen as `..`; null when malformed. */
function fullyDecoded(text: string): string | null {
  let current = text;
  for (let round = 0; round < 3; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return /%[0-9A-Fa-f]{2}/.test(current) ? null : current;
}

/**
 * Why a script may not call this path, or null when it may. Absolute URLs are refused even when they name the
 * instance's own host (the stricter reading: a script names paths, the instance's base URL is the node's to choose).
 */
export function scriptPathProblem(path: string, platform?: Platform): string | null {
  if (path.length === 0) return 'the path is empty';
  if (path.length > scriptHttpLimits.maxPathLength)
    return `the path is ${path.length} characters long, more than ${scriptHttpLimits.maxPathLength}`;
  if (controlChar.test(path)) return 'the path contains a control character';
  if (path.includes('\\')) return 'the path contains a backslash';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || path.startsWith('//'))
    return `'${path.slice(0, 80)}' is a URL: httpClient takes a path on this helpdesk's API (such as '${platform ? scriptApiPrefix[platform] : '/api/v2/'}tickets/1'), never a URL, not even to the same host`;
  if (!path.startsWith('/')) return `the path must start with '/' (such as '/api/v2/tickets/1')`;
  if (path.includes('#'))
    return /#\d/.test(path)
      ? "the path contains '#', a URL fragment (entity.key is '#<id>' on Freshdesk and Freshservice: build paths with entity.id)"
      : "the path contains '#', a URL fragment";
  for (const ch of path) if (!urlChar.test(ch)) return `the path contains '${ch}', which a URL cannot carry`;
  const queryAt = path.indexOf('?');
  const pathPart = queryAt < 0 ? path : path.slice(0, queryAt);
  const query = queryAt < 0 ? '' : path.slice(queryAt + 1);
  const decoded = fullyDecoded(pathPart);
  if (decoded === null) return 'the path has a malformed percent-escape';
  if (controlChar.test(decoded)) return 'the path contains an encoded control character';
  if (decoded.includes('\\')) return 'the path contains an encoded backslash';
  if (decoded.includes('@')) return "the path contains '@' (a user or host part is not allowed)";
  if (/[?#]/.test(decoded)) return "the path contains an encoded '?' or '#'";
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return "the path contains a '.' or '..' segment";
  if (segments.slice(0, -1).some((s) => s === '')) return "the path contains '//' (an empty segment)";
  const decodedQuery = fullyDecoded(query);
  if (decodedQuery === null) return 'the query string has a malformed percent-escape';
  if (controlChar.test(decodedQuery)) return 'the query string contains an encoded control character';
  if (platform && !decoded.startsWith(scriptApiPrefix[platform]))
    return `on ${platform} httpClient reaches the helpdesk's REST API, whose paths start with ${scriptApiPrefix[platform]}`;
  return null;
}

/**
 * Test runs (`rules test`, the chat Test run) change nothing in the helpdesk, so they may read but not write: only GET
 * is sent (DeskBridge's reading; Exalate has no test run that calls the helpdesk).
 */
export function testRunRefusal(method: ScriptHttpMethod): DomainError | null {
  if (method === 'GET') return null;
  return new DomainError(
    'forbidden',
    `httpClient.${method.toLowerCase()} is not available in a test run: a test run changes nothing in the helpdesk, so it only sends httpClient.get calls`,
  );
}
