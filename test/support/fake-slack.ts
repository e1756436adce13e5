import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSlackCall } from './block-kit.ts';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | null;
  /** What the fake answered. */
  result?: Record<string, unknown>;
}

export interface FakeUser {
  id: string;
  team_id: string;
  name: string;
  is_admin?: boolean;
  is_owner?: boolean;
}

/**
 * A fake Slack Web API on loopback: the methods DeskBridge calls, Slack-shaped answers, every call recorded and run
 * through the Block Kit check. Also serves response_url posts (`/response/...`).
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly problems: string[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, { shared_team_ids: string[] }>();
  /** Answers the next `times` calls to a method with 429 and Retry-After (seconds), as Slack's rate limiter does. */
  readonly rateLimited = new Map<string, { times: number; retryAfterSec: number; match: (args: Record<string, unknown>) => boolean }>();
  #server: Server | null = null;
  #seq = 0;
  url = '';

  /** The Web API base URL (SLACK_API_URL). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(): string {
    return `${this.url}/response/${++this.#seq}`;
  }

  addUser(user: FakeUser): this {
    this.users.set(user.id, user);
    return this;
  }

  rateLimit(method: string, times: number, retryAfterSec: number, match: (args: Record<string, unknown>) => boolean = () => true): this {
    this.rateLimited.set(method, { times, retryAfterSec, match });
    return this;
  }

  addChannel(id: string, sharedTeamIds: string[]): this {
    this.channels.set(id, { shared_team_ids: sharedTeamIds });
    return this;
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  last(method: string): SlackCall | undefined {
    return this.callsTo(method).at(-1);
  }

  /** Resolves when a call to `method` matching `predicate` has arrived (listeners keep working after the ack). */
  async waitFor(method: string, predicate: (call: SlackCall) => boolean = () => true, timeoutMs = 3000): Promise<SlackCall> {
    const started = Date.now();
    for (;;) {
      const found = this.calls.find((c) => c.method === method && predicate(c));
      if (found) return found;
      if (Date.now() - started > timeoutMs) throw new Error(`no ${method} call arrived within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const path = (req.url ?? '/').split('?')[0]!;
        const args = parseArgs(raw, req.headers['content-type'] ?? '');
        const auth = req.headers.authorization;
        const token = typeof auth === 'string' ? auth.replace(/^Bearer /, '') : typeof args['token'] === 'string' ? args['token'] : null;
        const method = path.startsWith('/response/') ? 'response_url' : path.replace(/^\/api\//, '');
        const limit = this.rateLimited.get(method);
        if (limit && limit.times > 0 && limit.match(args)) {
          limit.times--;
          this.calls.push({ method, args, token, result: { ok: false, error: 'ratelimited', status: 429 } });
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limit.retryAfterSec) });
          res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
          return;
        }
        const body = this.#answer(method, args);
        this.calls.push({ method, args, token, result: body });
        this.problems.push(...checkSlackCall(method, args));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const n = ++this.#seq;
    switch (method) {
      case 'auth.test':
        return { ok: true, team_id: 'T_HOST', user_id: 'U_BOT', bot_id: 'B_BOT', url: 'https://fake.slack.test/' };
      case 'users.info': {
        const user = this.users.get(String(args['user']));
        return user ? { ok: true, user: { ...user, real_name: user.name, profile: { display_name: user.name } } } : { ok: false, error: 'user_not_found' };
      }
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish': {
        const view = (args['view'] ?? {}) as Record<string, unknown>;
        return { ok: true, view: { ...view, id: String(args['view_id'] ?? `V${n}`), hash: `h${n}` } };
      }
      case 'chat.postMessage':
        return { ok: true, channel: args['channel'], ts: `1700000000.${String(n).padStart(6, '0')}`, message: { text: args['text'] } };
      case 'chat.update':
        return { ok: true, channel: args['channel'], ts: args['ts'] };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700000000.${String(n).padStart(6, '0')}` };
      case 'conversations.info': {
        const channel = this.channels.get(String(args['channel']));
        return channel
          ? { ok: true, channel: { id: args['channel'], is_ext_shared: channel.shared_team_ids.length > 1, shared_team_ids: channel.shared_team_ids } }
          : { ok: false, error: 'channel_not_found' };
      }
      case 'response_url':
        return { ok: true };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** WebClient posts form fields with nested values as JSON strings; response_url posts are JSON. */
function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return out;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
