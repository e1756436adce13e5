import { generateKeyPairSync, hkdfSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { listConnections } from '../../src/app/connection-lifecycle.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { decodeInvitation, UNBOUND_CODE_WARNING } from '../../src/domain/invitation.ts';
import { acceptProofFields, handshakeMac, invitationMacKey } from '../../src/domain/key-exchange.ts';
import { signedHeaders } from '../../src/domain/request-signing.ts';
import { freePort, startTestNode, TestClock, type TestNode } from '../support/nodes.ts';
import {
  initiateAcmeToGlobex,
  registerTestInstance,
  snapshot,
  storedConnectionKey,
  twoNodes,
} from '../support/story.ts';

/**
 * Issue 18, finding 1: whoever reads an invitation code (it is posted in a shared channel) must not be able to take
 * the connection over. Real nodes on loopback, real SQLite files; the attacker speaks the node protocol by hand.
 */

type Nodes = { a: TestNode; b: TestNode; stop(): Promise<void> };

async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The status endpoint of `node`'s connection, signed with `key`: 200 only for the key that node stored. */
async function statusSignedWith(node: TestNode, connectionId: string, key: Buffer): Promise<number> {
  const path = `/v1/connections/${connectionId}/status`;
  const headers = signedHeaders(key, {
    method: 'GET',
    path,
    body: '',
    timestamp: node.clock.now().getTime(),
    idempotencyKey: randomUUID(),
  });
  return (await fetch(`${node.url}${path}`, { headers })).status;
}

/** An X25519 public key of the attacker's own, as it travels (raw 32 bytes, base64url). */
function attackerPublicKey(): string {
  return generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x!;
}

/** The connection key DeskBridge derived before the key exchange: HKDF over the code's secret and the two ids. */
function keyDerivedFromCode(secret: string, initiatorConnectionId: string, acceptorConnectionId: string): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(secret, 'utf8'),
      `${initiatorConnectionId}:${acceptorConnectionId}`,
      'deskbridge/connection-key/v1',
      32,
    ),
  );
}

async function refusal(action: () => Promise<unknown>): Promise<DomainError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('a stranger who holds an invitation code', () => {
  let nodes: Nodes;
  beforeEach(async () => {
    nodes = await twoNodes();
  });
  afterEach(async () => {
    await nodes.stop();
  });

  it('cannot accept a code bound to a destination by claiming its URL: the destination says "not me", the partner still can', async () => {
    const { a, b } = nodes;
    const { code } = await initiateAcmeToGlobex(nodes);
    const { payload, signed } = decodeInvitation(code);
    const boundUrl = b.instanceUrl('globex');
    expect(payload.destinationUrl).toBe(boundUrl);
    const attackerNode = `http://127.0.0.1:${await freePort()}`;
    const before = [snapshot(a), snapshot(b)];

    // The acceptance as DeskBridge sent it before: the whole code, and the bound URL claimed.
    const asBefore = await postJson(`${payload.nodeUrl}/v1/invitations/accept`, {
      code,
      acceptor: {
        url: boundUrl,
        nodeUrl: attackerNode,
        connectionId: randomUUID(),
        platform: 'xurrent',
        name: 'Globex',
      },
    });
    expect(asBefore).toMatchObject({
      status: 400,
      body: { error: { code: 'invitation_invalid', message: expect.stringMatching(/older DeskBridge/) } },
    });

    // With the key exchange: a key of its own, and the proof the code lets anyone who holds it make.
    const acceptor = {
      url: boundUrl,
      nodeUrl: attackerNode,
      connectionId: randomUUID(),
      platform: 'xurrent',
      name: 'Globex',
    };
    const publicKey = attackerPublicKey();
    const macKey = invitationMacKey(payload.secret, payload.connectionId);
    const forged = await postJson(`${payload.nodeUrl}/v1/invitations/accept`, {
      invitation: signed,
      acceptor,
      exchange: {
        publicKey,
        proof: handshakeMac(macKey, 'accept', acceptProofFields(payload.connectionId, acceptor, publicKey)),
      },
    });
    expect(forged).toMatchObject({
      status: 403,
      body: {
        error: {
          code: 'invitation_wrong_destination',
          message: `${boundUrl} did not confirm that it is the one accepting this invitation, so the acceptance is refused and nothing changed. The code is bound to that instance: only its own DeskBridge can accept it, and the invitation stays open for it.`,
        },
      },
    });
    // A asked B itself (not the node the attacker named), and B said it is not accepting with that key.
    expect(a.logs.join('')).toMatch(/not accepting that invitation with that key/);
    expect([snapshot(a), snapshot(b)]).toEqual(before);

    // Asking B directly whether it accepts gets the same "not us".
    const probe = await postJson(`${b.url}/v1/invitations/confirm`, {
      initiatorConnectionId: payload.connectionId,
      acceptorConnectionId: acceptor.connectionId,
      destinationUrl: boundUrl,
      acceptorPublicKey: publicKey,
      nonce: 'n'.repeat(24),
      proof: 'x',
    });
    expect(probe).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });

    // The real partner accepts afterwards: the invitation was never used.
    const accepted = await acceptInvitation(b.deps, { instance: 'globex', code, actor: 'test:bob' });
    expect(accepted.status).toBe('active');
    const [onA] = listConnections(a.deps);
    expect(onA).toMatchObject({ status: 'active', remoteUrl: boundUrl, remoteConnectionId: accepted.id });
    expect(onA!.remoteConnectionId).not.toBe(acceptor.connectionId);
    // B's pending acceptance is gone once it is done.
    expect(snapshot(b)['pending_acceptances']).toEqual([]);
    expect(await statusSignedWith(a, onA!.id, storedConnectionKey(b.deps, accepted.id))).toBe(200);
  });

  it('cannot compute the connection key: the nodes agree on one that is not derived from the code', async () => {
    const { a, b } = nodes;
    const { code } = await initiateAcmeToGlobex(nodes);
    const accepted = await acceptInvitation(b.deps, { instance: 'globex', code, actor: 'test:bob' });
    const aConnectionId = listConnections(a.deps)[0]!.id;
    const onA = storedConnectionKey(a.deps, aConnectionId);
    const onB = storedConnectionKey(b.deps, accepted.id);
    expect(onA.equals(onB)).toBe(true);

    // All a holder of the code knows: the secret, the initiator's connection id, and (from the status events or a
    // guess) the acceptor's. Neither the old derivation nor the invitation's MAC key is the connection key.
    const { secret } = decodeInvitation(code).payload;
    const fromCode = keyDerivedFromCode(secret, aConnectionId, accepted.id);
    expect(onA.equals(fromCode)).toBe(false);
    expect(onA.equals(invitationMacKey(secret, aConnectionId))).toBe(false);

    expect(await statusSignedWith(a, aConnectionId, fromCode)).toBe(401);
    expect(await statusSignedWith(b, accepted.id, fromCode)).toBe(401);
    expect(await statusSignedWith(a, aConnectionId, onB)).toBe(200);
    expect(await statusSignedWith(b, accepted.id, onA)).toBe(200);
  });

  it('of the private kind (no destination) holds a bearer secret: accepted once, before it expires, with a warning', async () => {
    const { a, b } = nodes;
    const initiatePrivate = () =>
      initiateConnection(a.deps, {
        instance: 'acme',
        destinationUrl: null,
        mode: 'basic',
        localShortName: 'Acme',
        remoteShortName: 'Anyone',
        name: `Acme private ${randomUUID().slice(0, 4)}`,
        incomingProjectId: '1001',
        actor: 'test:alice',
      });
    expect(UNBOUND_CODE_WARNING).toBe(
      'Anyone with this code can accept it once; share it privately. (It is not bound to a destination URL.)',
    );

    const expiring = await initiatePrivate();
    a.clock.advance(73 * 3_600_000);
    let before = [snapshot(a), snapshot(b)];
    const expired = await refusal(() =>
      acceptInvitation(b.deps, { instance: 'globex', code: expiring.code, actor: 'test:bob' }),
    );
    expect(expired).toMatchObject({ code: 'invitation_expired', message: expect.stringMatching(/expired on/) });
    expect([snapshot(a), snapshot(b)]).toEqual(before);
    a.clock.advance(-73 * 3_600_000);

    const { code } = await initiatePrivate();
    // A private side names no URL: a claimed one is refused, not stored.
    const { payload, signed } = decodeInvitation(code);
    const acceptor = {
      url: 'https://elsewhere.example.test/i/x',
      nodeUrl: 'https://elsewhere.example.test',
      connectionId: randomUUID(),
      platform: 'xurrent',
      name: 'Elsewhere',
    };
    const publicKey = attackerPublicKey();
    const macKey = invitationMacKey(payload.secret, payload.connectionId);
    before = [snapshot(a), snapshot(b)];
    const claimed = await postJson(`${payload.nodeUrl}/v1/invitations/accept`, {
      invitation: signed,
      acceptor,
      exchange: {
        publicKey,
        proof: handshakeMac(macKey, 'accept', acceptProofFields(payload.connectionId, acceptor, publicKey)),
      },
    });
    expect(claimed).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/private side/) } } });
    expect([snapshot(a), snapshot(b)]).toEqual(before);

    await acceptInvitation(b.deps, { instance: 'globex', code, actor: 'test:bob' });
    await registerTestInstance(b.deps, 'umbrella', 'xurrent');
    before = [snapshot(a), snapshot(b)];
    const reused = await refusal(() => acceptInvitation(b.deps, { instance: 'umbrella', code, actor: 'test:carol' }));
    expect(reused).toMatchObject({ code: 'invitation_used', message: expect.stringMatching(/already been used/) });
    expect([snapshot(a), snapshot(b)]).toEqual(before);
  });

  it('made by a DeskBridge before the key exchange is refused with what to do, changing nothing', async () => {
    const { a, b } = nodes;
    const { code } = await initiateAcmeToGlobex(nodes);
    // The same code as an older node made it: no handshake version in the payload.
    const [prefix, body, signature] = code.split('.') as [string, string, string];
    const { v: _version, ...older } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const olderCode = `${prefix}.${Buffer.from(JSON.stringify(older)).toString('base64url')}.${signature}`;
    const before = [snapshot(a), snapshot(b)];
    const error = await refusal(() =>
      acceptInvitation(b.deps, { instance: 'globex', code: olderCode, actor: 'test:bob' }),
    );
    expect(error).toMatchObject({
      code: 'invitation_invalid',
      message: 'This invitation was made by an older DeskBridge; ask for a new one.',
    });
    expect([snapshot(a), snapshot(b)]).toEqual(before);
  });
});

/**
 * A man in the middle of the accepting node's call: the initiating node is reached through a proxy (its PUBLIC_URL
 * is the proxy's), which can read and change every byte, but never sees the code.
 */
describe('a man in the middle without the code', () => {
  let proxy: Server;
  let a: TestNode;
  let b: TestNode;
  const seen: string[] = [];
  let tamper: { request?: (body: Record<string, unknown>) => void; answer?: (body: Record<string, unknown>) => void };

  beforeEach(async () => {
    seen.length = 0;
    tamper = {};
    const port = await freePort();
    let target = '';
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let text = Buffer.concat(chunks).toString('utf8');
      seen.push(text);
      const isAccept = req.url === '/v1/invitations/accept';
      if (isAccept && tamper.request) {
        const json = JSON.parse(text);
        tamper.request(json);
        text = JSON.stringify(json);
      }
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        ...(req.method === 'POST' ? { body: text } : {}),
      });
      let answer = await upstream.text();
      if (isAccept && tamper.answer && upstream.ok) {
        const json = JSON.parse(answer);
        tamper.answer(json);
        answer = JSON.stringify(json);
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(answer);
    });
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    a = await startTestNode('a', { clock: new TestClock(), env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    target = a.url;
    b = await startTestNode('b', { clock: new TestClock() });
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(b.deps, 'globex', 'xurrent');
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it("cannot swap the accepting side's public key: the initiator refuses, nothing changes, and the secret never passed", async () => {
    const { code } = await initiateAcmeToGlobex({ a, b });
    tamper.request = (body) => {
      (body['exchange'] as Record<string, unknown>)['publicKey'] = attackerPublicKey();
    };
    const before = [snapshot(a), snapshot(b)];
    const error = await refusal(() => acceptInvitation(b.deps, { instance: 'globex', code, actor: 'test:bob' }));
    expect(error).toMatchObject({
      code: 'invitation_invalid',
      message: expect.stringMatching(/does not carry the proof of the invitation code/),
    });
    expect([snapshot(a), snapshot(b)]).toEqual(before);
    const { secret } = decodeInvitation(code).payload;
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(code);
    }

    // Without the swap the same code still works, through the same proxy.
    tamper = {};
    const accepted = await acceptInvitation(b.deps, { instance: 'globex', code, actor: 'test:bob' });
    const aConnectionId = listConnections(a.deps)[0]!.id;
    expect(storedConnectionKey(a.deps, aConnectionId).equals(storedConnectionKey(b.deps, accepted.id))).toBe(true);
  });

  it("cannot swap the initiating side's public key: the accepting side refuses and stores nothing", async () => {
    const { code } = await initiateAcmeToGlobex({ a, b });
    tamper.answer = (body) => {
      (body['exchange'] as Record<string, unknown>)['publicKey'] = attackerPublicKey();
    };
    const before = snapshot(b);
    const error = await refusal(() => acceptInvitation(b.deps, { instance: 'globex', code, actor: 'test:bob' }));
    expect(error).toMatchObject({
      code: 'remote_error',
      message: expect.stringMatching(/does not carry this invitation's proof: it was changed on the way/),
    });
    expect(snapshot(b)).toEqual(before);
    expect(listConnections(b.deps)).toEqual([]);
  });
});
