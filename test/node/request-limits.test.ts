import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { listConnections } from '../../src/app/connection-lifecycle.ts';
import { instanceWebhook } from '../../src/app/webhook-secrets.ts';
import { signedHeaders } from '../../src/domain/request-signing.ts';
import { initiateAcmeToGlobex, registerTestInstance, twoNodes } from '../support/story.ts';

/**
 * Issue 18, findings 5 and 13 on a real node: a node request is judged on its headers (signature headers, timestamp
 * window, a connection that exists) before a byte of its body is read, bodies are capped per route, and JSON nested
 * 20,000 deep is a 400 with a clear message wherever JSON is read (node protocol, webhooks), not a 500.
 */
type Nodes = Awaited<ReturnType<typeof twoNodes>>;

let nodes: Nodes;
let connectionId: string;
let key: Buffer;
/** Every socket node A accepted, to add up what it read. */
const accepted: Socket[] = [];

function inboxCount(): number {
  const db = new Database(join(nodes.a.dataDir, 'deskbridge.db'), { readonly: true });
  try {
    return (db.prepare('select count(*) as n from inbox').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  nodes = await twoNodes();
  nodes.a.server.on('connection', (socket: Socket) => accepted.push(socket));
  const { code } = await initiateAcmeToGlobex(nodes);
  await acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' });
  const row = listConnections(nodes.a.deps)[0]!;
  connectionId = row.id;
  const stored = nodes.a.deps.db.$client
    .prepare('select key_enc as keyEnc from connections where id = ?')
    .get(connectionId) as { keyEnc: string };
  key = Buffer.from(nodes.a.deps.secrets.open(stored.keyEnc), 'base64');
});

afterAll(async () => {
  await nodes.stop();
});

/**
 * Sends the head of a request declaring `declaredBytes`, then streams the body as fast as the socket takes it until
 * the node answers or closes. Resolves with what the node answered (status line) and how much of the body went out.
 */
function upload(path: string, headers: Record<string, string>, declaredBytes: number, method = 'POST') {
  const { port } = new URL(nodes.a.config.publicUrl);
  return new Promise<{ answer: string; closed: boolean; sent: number }>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let sent = 0;
    let done = false;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: answer.split('\r\n')[0] ?? '', closed, sent });
    };
    const timer = setTimeout(() => finish(false), 10_000);
    const pump = () => {
      while (!done && sent < declaredBytes) {
        sent += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('connect', () => {
      const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`${method} ${path} HTTP/1.1\r\n${head}content-length: ${declaredBytes}\r\n\r\n`);
      pump();
    });
    socket.on('data', (data) => {
      answer += data.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

const uploadBytes = Math.floor(7.5 * 1024 * 1024);

function signed(path: string, body: string, timestamp = nodes.a.clock.now().getTime(), method = 'POST') {
  return signedHeaders(key, { method, path, body, timestamp, idempotencyKey: randomUUID() });
}

describe('a stranger’s upload is refused on its headers', () => {
  it('answers 20 unsigned 7.5 MiB uploads 401 and closes them, reading a small part of what was sent', async () => {
    accepted.length = 0;
    const path = `/v1/connections/${connectionId}/messages`;
    const results = await Promise.all(Array.from({ length: 20 }, () => upload(path, {}, uploadBytes)));
    for (const result of results) {
      expect(result.answer).toBe('HTTP/1.1 401 Unauthorized');
      expect(result.closed).toBe(true);
    }
    const read = accepted.reduce((sum, socket) => sum + socket.bytesRead, 0);
    // Reading the bodies would be 20 × 7.5 MiB = 150 MiB; the node stopped after the headers.
    expect(read).toBeLessThan(20 * 1024 * 1024);
  });

  it('refuses, unread, a signed-looking upload for a connection that does not exist and a stale timestamp', async () => {
    accepted.length = 0;
    const unknown = `/v1/connections/${randomUUID()}/messages`;
    const stranger = await upload(unknown, signed(unknown, ''), uploadBytes);
    expect(stranger).toMatchObject({ answer: 'HTTP/1.1 401 Unauthorized', closed: true });
    const path = `/v1/connections/${connectionId}/messages`;
    const stale = await upload(path, signed(path, '', nodes.a.clock.now().getTime() - 10 * 60_000), uploadBytes);
    expect(stale).toMatchObject({ answer: 'HTTP/1.1 401 Unauthorized', closed: true });
    for (const socket of accepted) expect(socket.bytesRead).toBeLessThan(uploadBytes / 4);
  });

  it('refuses a body past the route limit (8 MiB of messages) before reading it, even from the partner', async () => {
    const path = `/v1/connections/${connectionId}/messages`;
    const result = await upload(path, signed(path, ''), 9 * 1024 * 1024);
    expect(result).toMatchObject({ answer: 'HTTP/1.1 413 Payload Too Large', closed: true });
    expect(result.sent).toBeLessThan(9 * 1024 * 1024);
  });

  it('takes no body at all on the status route', async () => {
    const path = `/v1/connections/${connectionId}/status`;
    const headers = signed(path, '', nodes.a.clock.now().getTime(), 'GET');
    const result = await upload(path, headers, 1024 * 1024, 'GET');
    expect(result).toMatchObject({ answer: 'HTTP/1.1 413 Payload Too Large', closed: true });
  });
});

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('JSON nested 20,000 deep', () => {
  it('in a signed message batch is a 400 naming the limit, and nothing is stored', async () => {
    const path = `/v1/connections/${connectionId}/messages`;
    const body = `{"messages":[{"idempotencyKey":"deep-1","kind":"replica","entityKey":"#1","payload":${deep(20_000)}}]}`;
    const before = inboxCount();
    const response = await fetch(`${nodes.a.config.publicUrl}${path}`, {
      method: 'POST',
      headers: { ...signed(path, body), 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: 'The request body is nested more than 256 levels deep; DeskBridge does not read JSON that deep.',
      },
    });
    expect(inboxCount()).toBe(before);
  });

  it('in a Xurrent webhook is a 400, and the webhook secret in its query is in no log line', async () => {
    await registerTestInstance(nodes.a.deps, 'wonka', 'xurrent');
    const hook = instanceWebhook(nodes.a.deps, { instance: 'wonka', actor: 'test:admin' });
    const logsBefore = nodes.a.logs.length;
    const body = `{"event":"request.update","object_id":12,"webhook_id":${deep(20_000)}}`;
    const response = await fetch(`${hook.url}?secret=${hook.secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'The webhook body is nested more than 256 levels deep; DeskBridge does not read JSON that deep.',
    );
    expect(nodes.a.logs.slice(logsBefore).join('')).not.toContain(hook.secret);
  });
});
