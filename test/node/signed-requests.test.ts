import Database from 'better-sqlite3';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { listConnections } from '../../src/app/connection-lifecycle.ts';
import { decodeInvitation } from '../../src/domain/invitation.ts';
import { signedHeaders } from '../../src/domain/request-signing.ts';
import { API_KEYS, initiateAcmeToGlobex, storedConnectionKey, twoNodes } from '../support/story.ts';

type Nodes = Awaited<ReturnType<typeof twoNodes>>;

let nodes: Nodes;
let code: string;
let key: Buffer;
let aConnectionId: string;

function inboxRows(node: { dataDir: string }): unknown[] {
  const db = new Database(join(node.dataDir, 'deskbridge.db'), { readonly: true });
  try {
    return db.prepare('select connection_id, idempotency_key, kind, entity_key from inbox').all();
  } finally {
    db.close();
  }
}

async function send(
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  options: { key?: Buffer; timestamp?: number; idempotencyKey?: string; tamperBody?: boolean } = {},
) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = signedHeaders(options.key ?? key, {
    method,
    path,
    body: text,
    timestamp: options.timestamp ?? nodes.a.clock.now().getTime(),
    idempotencyKey: options.idempotencyKey ?? crypto.randomUUID(),
  });
  const response = await fetch(`${nodes.a.config.publicUrl}${path}`, {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: options.tamperBody ? text.replace('summary', 'SUMMARY') : text } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers };
}

beforeAll(async () => {
  nodes = await twoNodes();
  ({ code } = await initiateAcmeToGlobex(nodes));
  const accepted = await acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' });
  aConnectionId = listConnections(nodes.a.deps)[0]!.id;
  // The other side's key, as it stored it: the two nodes agreed on it in the key exchange.
  key = storedConnectionKey(nodes.b.deps, accepted.id);
});

afterAll(async () => {
  await nodes.stop();
});

describe('signed node requests', () => {
  const batch = {
    messages: [{ idempotencyKey: 'msg-1', kind: 'replica', entityKey: '#42', payload: { summary: 'Printer on fire' } }],
  };

  it('answers the status endpoint to the other side, signed with the exchanged key', async () => {
    const result = await send('GET', `/v1/connections/${aConnectionId}/status`, undefined);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ status: 'active', protocol: 1, entitiesUnderSync: 0, lastSync: null });
  });

  it('stores a signed batch once: a message sent again in a new request is acknowledged, not stored twice', async () => {
    const first = await send('POST', `/v1/connections/${aConnectionId}/messages`, batch);
    expect(first).toMatchObject({ status: 200, body: { accepted: ['msg-1'], duplicates: [] } });
    const again = await send('POST', `/v1/connections/${aConnectionId}/messages`, batch);
    expect(again).toMatchObject({ status: 200, body: { accepted: [], duplicates: ['msg-1'] } });
    expect(inboxRows(nodes.a)).toEqual([
      { connection_id: aConnectionId, idempotency_key: 'msg-1', kind: 'replica', entity_key: '#42' },
    ]);
  });

  it('refuses a forged signature, a changed body, an old timestamp, a missing signature and a replay, changing nothing', async () => {
    const before = inboxRows(nodes.a);
    const path = `/v1/connections/${aConnectionId}/messages`;
    const other = {
      messages: [{ idempotencyKey: 'msg-2', kind: 'replica', entityKey: '#43', payload: { summary: 'x' } }],
    };

    const forged = await send('POST', path, other, { key: Buffer.alloc(32, 7) });
    expect(forged).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized', message: expect.stringMatching(/signature does not match/) } },
    });

    const changedBody = await send('POST', path, other, { tamperBody: true });
    expect(changedBody.status).toBe(401);

    const old = await send('POST', path, other, { timestamp: nodes.a.clock.now().getTime() - 6 * 60_000 });
    expect(old).toMatchObject({
      status: 401,
      body: { error: { message: expect.stringMatching(/five-minute window/) } },
    });

    const unsigned = await fetch(`${nodes.a.config.publicUrl}${path}`, { method: 'POST', body: JSON.stringify(other) });
    expect(unsigned.status).toBe(401);

    const wrongConnection = await send('GET', `/v1/connections/00000000-0000-4000-8000-000000000000/status`, undefined);
    expect(wrongConnection.status).toBe(401);

    const fresh = await send('GET', `/v1/connections/${aConnectionId}/status`, undefined, {
      idempotencyKey: 'replay-me',
    });
    expect(fresh.status).toBe(200);
    const replayed = await send('POST', path, other, { idempotencyKey: 'replay-me' });
    expect(replayed).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', message: expect.stringMatching(/already received/) } },
    });

    expect(inboxRows(nodes.a)).toEqual(before);
  });

  it('refuses a signed batch that is not one (too long, an unknown kind, no idempotency key) with a 400, storing none of it', async () => {
    const before = inboxRows(nodes.a);
    const path = `/v1/connections/${aConnectionId}/messages`;
    const message = (n: number) => ({ idempotencyKey: `bad-${n}`, kind: 'replica', entityKey: null, payload: {} });
    const bad = [
      { messages: Array.from({ length: 501 }, (_, n) => message(n)) },
      { messages: [message(1), { ...message(2), kind: 'delete' }] },
      { messages: [message(3), { ...message(4), idempotencyKey: '' }] },
      { messages: 'all of them' },
    ];
    for (const body of bad) {
      const answer = await send('POST', path, body);
      expect(answer, JSON.stringify(body).slice(0, 80)).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_input' } },
      });
    }
    expect(inboxRows(nodes.a)).toEqual(before);
  });

  it('answers a pull with `push` where this node can call the other side, and refuses an `after` that is no message id', async () => {
    // Globex's node is public here: Acme pushes to it, so there is nothing to pull from Acme.
    const pulled = await send('GET', `/v1/connections/${aConnectionId}/messages?after=0`, undefined);
    expect(pulled).toMatchObject({ status: 200, body: { mode: 'push', messages: [] } });
    for (const after of ['-1', '1.5', 'x']) {
      const refused = await send('GET', `/v1/connections/${aConnectionId}/messages?after=${after}`, undefined);
      expect(refused, after).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_input', message: expect.stringMatching(/after must be a message id/) } },
      });
    }
  });
});

describe('secrets at rest and in logs', () => {
  it('keeps the API key, the invitation secret, the code and the connection key out of the SQLite files and the logs', () => {
    const secret = decodeInvitation(code).payload.secret;
    const needles = [API_KEYS.acme, API_KEYS.globex, secret, code, key.toString('base64'), key.toString('hex')];
    for (const node of [nodes.a, nodes.b]) {
      const files = ['deskbridge.db', 'deskbridge.db-wal'].map((f) => join(node.dataDir, f)).filter(existsSync);
      const stored = Buffer.concat(files.map((f) => readFileSync(f)));
      expect(stored.length).toBeGreaterThan(0);
      for (const needle of needles)
        expect(stored.includes(Buffer.from(needle)), `${node.name} stores ${needle.slice(0, 6)}…`).toBe(false);
      const logs = node.logs.join('');
      expect(logs).toMatch(/invitation/);
      for (const needle of needles)
        expect(logs.includes(needle), `${node.name} logs ${needle.slice(0, 6)}…`).toBe(false);
    }
  });

  it('creates the generated key file with mode 0600', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(join(nodes.a.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  });
});
