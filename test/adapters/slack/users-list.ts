import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSlack, FakeUser } from '../../support/fake-slack.ts';

/** A workspace member as users.list returns them (https://api.slack.com/methods/users.list): names and flags. */
export interface ListedUser extends FakeUser {
  real_name?: string;
  display_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
}

/**
 * users.list in front of the fake Slack Web API (which has no such method): answers it Slack's way, paged by
 * `limit` with `response_metadata.next_cursor`, and passes every other call to the fake unchanged.
 */
export class UsersListProxy {
  readonly users: ListedUser[] = [];
  /** The cursors users.list was called with, in order ('' for the first page). */
  readonly pages: string[] = [];
  #target: FakeSlack | null = null;
  #server: Server | null = null;
  url = '';

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** Where every other call goes; set once the node (and its fake Slack) is up. */
  forwardTo(fake: FakeSlack): void {
    this.#target = fake;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url?.startsWith('/api/users.list')) {
          const args = new URLSearchParams(body.toString('utf8'));
          const cursor = args.get('cursor') ?? '';
          const limit = Number(args.get('limit') ?? '100');
          this.pages.push(cursor);
          const from = cursor ? Number(cursor.replace('page-', '')) : 0;
          const members = this.users.slice(from, from + limit).map((u) => ({
            id: u.id,
            team_id: u.team_id,
            name: u.name.toLowerCase().replace(/\s+/g, '.'),
            deleted: u.deleted ?? false,
            is_bot: u.is_bot ?? false,
            real_name: u.real_name ?? u.name,
            profile: { real_name: u.real_name ?? u.name, display_name: u.display_name ?? '' },
          }));
          const next = from + limit < this.users.length ? `page-${from + limit}` : '';
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true, members, response_metadata: { next_cursor: next } }));
          return;
        }
        if (!this.#target) {
          res.writeHead(503).end();
          return;
        }
        void fetch(`${this.#target.url}${req.url ?? '/'}`, {
          method: req.method ?? 'POST',
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(
              (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host' && e[0] !== 'content-length',
            ),
          ),
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        }).then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        });
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
}
