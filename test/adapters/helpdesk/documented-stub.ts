import { afterEach, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMultipart, type ParsedForm, parseMultipart } from '../../../adapters/helpdesk/simulator-kit/multipart.ts';

/**
 * What the documented-example contract tests share (freshdesk-documented.test.ts, freshservice-documented.test.ts):
 * the fixtures (fixtures/*-documented-examples.json, each entry naming the vendor page it is copied from), a loopback
 * stand-in that answers exactly the documented bodies and records what the connector sent, and the shape comparison
 * that holds the simulators to the documented bodies.
 */
export type Documented = Record<string, Record<string, unknown>>;

export function loadDocumented(name: string): Documented {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Documented;
}

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The JSON body, or the multipart fields (file parts listed under `files`). */
  body: unknown;
  form: ParsedForm | null;
}

export interface StubAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A loopback helpdesk that answers what the docs show and records every request; `close` goes to the caller. */
export async function documentedServer(
  answer: (r: Recorded, url: string) => StubAnswer | null,
): Promise<{ url: string; seen: Recorded[]; close: () => Promise<void> }> {
  const seen: Recorded[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://x');
        const form = isMultipart(req.headers) ? await parseMultipart(req.headers, raw) : null;
        const text = raw.toString('utf8');
        const recorded: Recorded = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: form ? Object.fromEntries(form.fields) : text ? (JSON.parse(text) as unknown) : null,
          form,
        };
        seen.push(recorded);
        const reply = answer(recorded, base) ?? { status: 404 };
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;

/** Every key any documented example of the platform shows as null: the docs say it may be null. */
export function documentedNullables(docs: Documented): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown, key: string) => {
    if (value === null) found.add(key);
    else if (Array.isArray(value)) for (const item of value) walk(item, key);
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  for (const entry of Object.values(docs)) walk(entry.response ?? null, '');
  return found;
}

/**
 * What the simulator's body lacks against the documented one: a missing key, another JSON type, or a timestamp in
 * another form. Extra keys are fine. A documented null says nothing of the type; a null where the docs show a value
 * is accepted only for keys some documented example shows as null (`nullable`).
 */
export function shapeGaps(expected: unknown, actual: unknown, nullable: Set<string>, path = ''): string[] {
  const where = path || '(root)';
  const key = path.replace(/\[\]$/, '').split('.').pop() ?? '';
  if (expected === null) return [];
  if (actual === null && nullable.has(key)) return [];
  if (typeOf(expected) !== typeOf(actual))
    return [`${where}: documented ${typeOf(expected)}, got ${typeOf(actual)} (${JSON.stringify(actual)})`];
  if (typeof expected === 'string' && timestamp.test(expected) && !timestamp.test(String(actual)))
    return [`${where}: ${String(actual)} is not a documented timestamp form`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length === 0 || actual.length === 0) return [];
    return expected.flatMap((item, i) =>
      shapeGaps(item, actual[Math.min(i, actual.length - 1)], nullable, `${path}[]`),
    );
  }
  if (typeOf(expected) === 'object') {
    const act = actual as Record<string, unknown>;
    return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) => {
      const child = path ? `${path}.${k}` : k;
      return k in act ? shapeGaps(v, act[k], nullable, child) : [`${child}: missing`];
    });
  }
  return [];
}

export const basicAuth = (key: string) => `Basic ${Buffer.from(`${key}:X`).toString('base64')}`;

/**
 * What a documented-examples test file replays: the examples, a copy of one part of an entry, the keys some example
 * shows as null, and `closers` run (last first) after each test, where `stub` puts the stub servers it starts.
 */
export function documentedReplay(name: string) {
  const docs = loadDocumented(name);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });
  return {
    docs,
    doc: <T>(entry: string, part = 'response') => structuredClone(docs[entry]![part]) as T,
    nullable: documentedNullables(docs),
    closers,
    async stub(answer: (r: Recorded, url: string) => StubAnswer | null) {
      const server = await documentedServer(answer);
      closers.push(server.close);
      return server;
    },
  };
}

/** The request the connector sent is the documented entry's method, path and content type, with `curl -u key:X`. */
export function expectDocumentedRequest(
  sent: Recorded,
  request: { method: string; path: string; contentType?: string },
  apiKey: string,
): void {
  expect(`${sent.method} ${sent.path}`).toBe(`${request.method} ${request.path}`);
  // `curl -u <key>:X`: Basic auth with the key as user name and X as password.
  expect(sent.headers.authorization).toBe(basicAuth(apiKey));
  if (request.contentType) expect(String(sent.headers['content-type'])).toContain(request.contentType);
}
