import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAdaptiveCard } from './adaptive-cards.ts';

/**
 * A stand-in for the Bot Connector service the Teams bot calls back (its activities carry `serviceUrl` pointing
 * here): conversations, activities (post, reply, update, delete) and members. Every call is recorded, and every
 * Adaptive Card posted or updated is put through the 1.5 check; failures collect in `problems`.
 */
export interface ConnectorCall {
  method: string;
  path: string;
  conversationId: string | null;
  activityId: string | null;
  body: Record<string, unknown> | null;
  /** The id this call's activity got (posts), for the test to click on it. */
  resultId: string | null;
}

export interface ConnectorMember {
  id: string;
  name: string;
  aadObjectId: string;
  tenantId: string;
  userPrincipalName?: string;
}

export class FakeBotConnector {
  readonly calls: ConnectorCall[] = [];
  readonly problems: string[] = [];
  /** Members per conversation (a shared channel holds two tenants' users); `*` answers any other conversation. */
  readonly members = new Map<string, ConnectorMember[]>();
  /** Status codes to answer the next posts with (a throttled channel), consumed in order. */
  readonly failNextPosts: number[] = [];
  /** Files users "sent" in Teams, served at `files/:name` (what a file.download.info downloadUrl points at). */
  readonly files = new Map<string, string>();
  /** The Retry-After (seconds) of a 429; botbuilder's HTTP pipeline itself retries a throttled call up to 3 times. */
  retryAfterSeconds = 3;
  #server: Server | null = null;
  #seq = 0;
  #waiters: { predicate: (c: ConnectorCall) => boolean; resolve: (c: ConnectorCall) => void }[] = [];
  serviceUrl = '';

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.serviceUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  setMembers(conversationId: string, members: ConnectorMember[]): this {
    this.members.set(conversationId, members);
    return this;
  }

  /** Posts (new activities and replies) into a conversation, with their cards. */
  posts(conversationId?: string): ConnectorCall[] {
    return this.calls.filter(
      (c) =>
        c.method === 'POST' &&
        c.activityId === null &&
        c.conversationId !== null &&
        (!conversationId || c.conversationId === conversationId),
    );
  }

  /** A file a user sends: its download URL, as Teams would put it in the message. */
  fileUrl(name: string, content: string): string {
    this.files.set(name, content);
    return `${this.serviceUrl}files/${encodeURIComponent(name)}`;
  }

  waitFor(predicate: (c: ConnectorCall) => boolean, timeoutMs = 5000): Promise<ConnectorCall> {
    const found = this.calls.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no connector call matched within ${timeoutMs} ms; calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ')}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        predicate,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    // v3 / conversations / :id / (activities / :activityId? | members / :memberId? | pagedmembers)
    const conversationId = parts[0] === 'v3' && parts[1] === 'conversations' ? (parts[2] ?? null) : null;
    const activityId = parts[3] === 'activities' ? (parts[4] ?? null) : null;
    const call: ConnectorCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      conversationId,
      activityId,
      body,
      resultId: null,
    };
    if (body) this.#checkCards(body, `${call.method} ${call.path}`);

    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const record = () => {
      this.calls.push(call);
      for (const w of [...this.#waiters]) {
        if (w.predicate(call)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
    };

    if (req.method === 'GET' && parts[0] === 'files' && parts[1] && this.files.has(parts[1])) {
      record();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(this.files.get(parts[1]));
      return;
    }
    if (req.method === 'POST' && parts.length === 2 && conversationId === null && parts[1] === 'conversations') {
      call.resultId = `conv-${++this.#seq}`;
      record();
      return json(201, { id: call.resultId, activityId: `act-${this.#seq}` });
    }
    if (conversationId && parts[3] === 'activities') {
      if (req.method === 'POST') {
        const failure = this.failNextPosts.shift();
        if (failure) {
          record();
          res.writeHead(failure, {
            'content-type': 'application/json',
            ...(failure === 429 ? { 'retry-after': String(this.retryAfterSeconds) } : {}),
          });
          res.end(
            JSON.stringify({
              error: {
                code: failure === 403 ? 'BotDisabledByAdmin' : 'Throttled',
                message: 'refused by the fake connector',
              },
            }),
          );
          return;
        }
        call.resultId = `act-${++this.#seq}`;
        // A reply (`/activities/:replyTo`) is not an activity id of its own: keep it apart from updates.
        call.activityId = null;
        record();
        return json(201, { id: call.resultId });
      }
      if (req.method === 'PUT') {
        record();
        return json(200, { id: activityId });
      }
      if (req.method === 'DELETE') {
        record();
        return json(200, {});
      }
    }
    if (conversationId && req.method === 'GET' && (parts[3] === 'members' || parts[3] === 'pagedmembers')) {
      record();
      const members = this.members.get(conversationId) ?? this.members.get('*') ?? [];
      if (parts[3] === 'pagedmembers') return json(200, { members });
      if (parts[4]) {
        const member =
          members.find((m) => m.id === parts[4]) ?? [...this.members.values()].flat().find((m) => m.id === parts[4]);
        return member
          ? json(200, member)
          : json(404, { error: { code: 'MemberNotFoundInConversation', message: 'no such member' } });
      }
      return json(200, members);
    }
    record();
    this.problems.push(`unexpected connector call ${req.method} ${url.pathname}`);
    json(404, { error: { code: 'NotFound', message: 'fake connector: unknown route' } });
  }

  #checkCards(body: Record<string, unknown>, where: string): void {
    const attachments = (body['attachments'] ?? []) as { contentType?: string; content?: unknown }[];
    attachments.forEach((a, i) => {
      if (a.contentType === 'application/vnd.microsoft.card.adaptive')
        this.problems.push(...checkAdaptiveCard(a.content, `${where} attachment ${i}`));
      else this.problems.push(`${where} attachment ${i}: not an Adaptive Card (${String(a.contentType)})`);
    });
  }
}

/** The Adaptive Card of a recorded post or update. */
export function cardOf(call: ConnectorCall): Record<string, unknown> {
  const attachments = (call.body?.['attachments'] ?? []) as { content?: Record<string, unknown> }[];
  const content = attachments[0]?.content;
  if (!content)
    throw new Error(`${call.method} ${call.path} carries no card: ${JSON.stringify(call.body).slice(0, 300)}`);
  return content;
}
