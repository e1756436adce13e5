import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

/** A workspace member as users.list returns them (https://api.slack.com/methods/users.list): names and flags. */
export interface ListedUser extends FakeUser {
  real_name?: string;
  display_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
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
  /** Channels the bot is not a member of: chat.postMessage answers `not_in_channel` (Slack's documented error). */
  readonly notInChannel = new Set<string>();
  /** What users.list pages through (by `limit`, with `response_metadata.next_cursor`, as Slack documents). */
  readonly listedUsers: ListedUser[] = [];
  /** The cursors users.list was called with, in order ('' for the first page). */
  readonly usersListPages: string[] = [];
  /** Files users shared (files.info, and the private download that needs the bot token). */
  readonly sharedFiles = new Map<string, { id: string; name: string; content: string; user: string }>();
  /** Files the bot uploaded with files.uploadV2, completed: where they went and what they hold. */
  readonly uploads: { id: string; filename: string; title: string; channelId: string; content: string }[] = [];
  /** Upload URLs handed out by files.getUploadURLExternal and the bytes posted to them. */
  readonly #pendingUploads = new Map<string, { filename: string; length: number; content: string | null }>();
  /** The token a bot must present to download shared files. */
  botToken: string | null = null;
  /** Answers the next `times` calls to a method with 429 and Retry-After (seconds), as Slack's rate limiter does. */
  readonly rateLimited = new Map<
    string,
    { times: number; retryAfterSec: number; match: (args: Record<string, unknown>) => boolean }
  >();
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

  rateLimit(
    method: string,
    times: number,
    retryAfterSec: number,
    match: (args: Record<string, unknown>) => boolean = () => true,
  ): this {
    this.rateLimited.set(method, { times, retryAfterSec, match });
    return this;
  }

  /** A file a user shared: its file_shared event is for the test to send; files.info and the download serve it. */
  shareFile(file: { id: string; name: string; content: string; user: string }): this {
    this.sharedFiles.set(file.id, file);
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
  async waitFor(
    method: string,
    predicate: (call: SlackCall) => boolean = () => true,
    timeoutMs = 3000,
  ): Promise<SlackCall> {
    const started = Date.now();
    for (;;) {
      const found = this.calls.find((c) => c.method === method && predicate(c));
      if (found) return found;
      if (Date.now() - started > timeoutMs)
        throw new Error(
          `no ${method} call arrived within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const path = (req.url ?? '/').split('?')[0]!;
        if (this.#fileTransfer(path, raw, req, res)) return;
        const args = parseArgs(raw, req.headers['content-type'] ?? '');
        const auth = req.headers.authorization;
        const token =
          typeof auth === 'string'
            ? auth.replace(/^Bearer /, '')
            : typeof args['token'] === 'string'
              ? args['token']
              : null;
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

  /**
   * The two plain-HTTP legs of Slack files: the upload URL (the bytes of a files.uploadV2, multipart or raw) and a
   * shared file's private download URL, which needs the bot token.
   */
  #fileTransfer(path: string, raw: string, req: IncomingMessage, res: ServerResponse): boolean {
    const upload = /^\/upload\/([A-Z0-9_]+)$/.exec(path);
    if (upload) {
      const pending = this.#pendingUploads.get(upload[1]!);
      const content = fileContent(raw, String(req.headers['content-type'] ?? ''));
      this.calls.push({
        method: 'file_upload',
        args: { fileId: upload[1], bytes: Buffer.byteLength(content) },
        token: null,
      });
      if (!pending) {
        res.writeHead(404).end('no such upload');
        return true;
      }
      pending.content = content;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${Buffer.byteLength(content)}`);
      return true;
    }
    const download = /^\/download\/([A-Z0-9_]+)\//.exec(path);
    if (download) {
      const auth = String(req.headers.authorization ?? '');
      const file = this.sharedFiles.get(download[1]!);
      const token = auth.replace(/^Bearer /, '');
      this.calls.push({ method: 'file_download', args: { fileId: download[1] }, token });
      if (!file || (this.botToken !== null && token !== this.botToken)) {
        // Slack answers a download without the right token with its login page, not the file.
        res.writeHead(403).end('forbidden');
        return true;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(file.content);
      return true;
    }
    return false;
  }

  #answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const n = ++this.#seq;
    switch (method) {
      case 'auth.test':
        return { ok: true, team_id: 'T_HOST', user_id: 'U_BOT', bot_id: 'B_BOT', url: 'https://fake.slack.test/' };
      case 'users.list': {
        const cursor = String(args['cursor'] ?? '');
        const limit = Number(args['limit'] ?? 100);
        this.usersListPages.push(cursor);
        const from = cursor ? Number(cursor.replace('page-', '')) : 0;
        const members = this.listedUsers.slice(from, from + limit).map((u) => ({
          id: u.id,
          team_id: u.team_id,
          name: u.name.toLowerCase().replace(/\s+/g, '.'),
          deleted: u.deleted ?? false,
          is_bot: u.is_bot ?? false,
          real_name: u.real_name ?? u.name,
          profile: { real_name: u.real_name ?? u.name, display_name: u.display_name ?? '' },
        }));
        const next = from + limit < this.listedUsers.length ? `page-${from + limit}` : '';
        return { ok: true, members, response_metadata: { next_cursor: next } };
      }
      case 'users.info': {
        const user = this.users.get(String(args['user']));
        return user
          ? { ok: true, user: { ...user, real_name: user.name, profile: { display_name: user.name } } }
          : { ok: false, error: 'user_not_found' };
      }
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish': {
        const view = (args['view'] ?? {}) as Record<string, unknown>;
        return { ok: true, view: { ...view, id: String(args['view_id'] ?? `V${n}`), hash: `h${n}` } };
      }
      case 'chat.postMessage':
        if (this.notInChannel.has(String(args['channel']))) return { ok: false, error: 'not_in_channel' };
        return {
          ok: true,
          channel: args['channel'],
          ts: `1700000000.${String(n).padStart(6, '0')}`,
          message: { text: args['text'] },
        };
      case 'chat.update':
        return { ok: true, channel: args['channel'], ts: args['ts'] };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700000000.${String(n).padStart(6, '0')}` };
      case 'conversations.info': {
        const channel = this.channels.get(String(args['channel']));
        return channel
          ? {
              ok: true,
              channel: {
                id: args['channel'],
                is_ext_shared: channel.shared_team_ids.length > 1,
                shared_team_ids: channel.shared_team_ids,
              },
            }
          : { ok: false, error: 'channel_not_found' };
      }
      case 'response_url':
        return { ok: true };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args['users'])}` } };
      case 'files.getUploadURLExternal': {
        const fileId = `F_UP${n}`;
        if (!args['filename'] || !args['length']) return { ok: false, error: 'invalid_arguments' };
        this.#pendingUploads.set(fileId, {
          filename: String(args['filename']),
          length: Number(args['length']),
          content: null,
        });
        return { ok: true, file_id: fileId, upload_url: `${this.url}/upload/${fileId}` };
      }
      case 'files.completeUploadExternal': {
        const files = (Array.isArray(args['files']) ? args['files'] : []) as { id: string; title?: string }[];
        const done: Record<string, unknown>[] = [];
        for (const f of files) {
          const pending = this.#pendingUploads.get(f.id);
          // Slack completes only files whose bytes arrived at their upload URL.
          if (!pending || pending.content === null) return { ok: false, error: 'file_not_found' };
          this.uploads.push({
            id: f.id,
            filename: pending.filename,
            title: f.title ?? pending.filename,
            channelId: String(args['channel_id'] ?? ''),
            content: pending.content,
          });
          this.#pendingUploads.delete(f.id);
          done.push({ id: f.id, title: f.title ?? pending.filename, name: pending.filename });
        }
        return { ok: true, files: done };
      }
      case 'files.info': {
        const file = this.sharedFiles.get(String(args['file']));
        return file
          ? {
              ok: true,
              file: {
                id: file.id,
                name: file.name,
                size: Buffer.byteLength(file.content),
                user: file.user,
                url_private_download: `${this.url}/download/${file.id}/${encodeURIComponent(file.name)}`,
              },
            }
          : { ok: false, error: 'file_not_found' };
      }
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

/** The file's bytes from an upload request: a multipart part, a form field, or the raw body. */
function fileContent(raw: string, contentType: string): string {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (boundary) {
    const part = raw.split(`--${boundary}`).find((p) => p.includes('\r\n\r\n') && !p.startsWith('--'));
    if (part) return part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(raw);
    return params.get('body') ?? params.get('file') ?? raw;
  }
  return raw;
}
