import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_ID_HEADER } from '../../src/domain/request-id.ts';
import { signedHeaders } from '../../src/domain/request-signing.ts';
import { storedConnectionKey } from '../support/story.ts';
import {
  rows,
  settle,
  startConnectedPair,
  stopSyncPair,
  type ConnectedPair,
  type SyncNode,
} from '../support/sync-nodes.ts';

type LogLine = Record<string, unknown> & { msg: string };

/** A node's captured pino output: one JSON object per line (a line that is not one fails the test here). */
function logLines(node: SyncNode): LogLine[] {
  return node.logs
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

describe('a request id follows one change across both nodes', () => {
  let pair: ConnectedPair;

  beforeAll(async () => {
    pair = await startConnectedPair(
      { slug: 'initech', platform: 'freshservice' },
      { slug: 'acme', platform: 'freshdesk' },
      { mode: 'basic', nodeEnv: { a: { LOG_LEVEL: 'info' }, b: { LOG_LEVEL: 'info' } } },
    );
  }, 30_000);

  afterAll(async () => {
    await stopSyncPair([pair?.a, pair?.b], [pair?.aSim, pair?.bSim]);
  });

  it("the sender's send, the receiver's intake and its apply log one id, each with its own connection id", async () => {
    const { a, b, aSim, bSim, ids } = pair;
    const ticket = await pair.aAgent.createEntity({
      summary: 'Printer on fire',
      description: '<p>Third floor</p>',
      labels: [],
      reporter: { id: null, email: 'sam@initech.example', displayName: 'Sam' },
    });
    await settle([a, b], [aSim, bSim]);
    const aLines = logLines(a);
    const bLines = logLines(b);

    const sent = aLines.find(
      (line) =>
        line.msg === 'sync messages sent to the other node' && (line['entities'] as string[]).includes(ticket.id),
    );
    expect(sent).toMatchObject({ connectionId: ids.a, requestId: expect.stringMatching(REQUEST_ID) });
    const requestId = sent!['requestId'];
    expect(bLines.filter((line) => line['requestId'] === requestId)).toEqual([
      expect.objectContaining({ msg: 'sync messages received', connectionId: ids.b, accepted: 1, duplicates: 0 }),
      expect.objectContaining({
        msg: 'sync change applied',
        connectionId: ids.b,
        remoteEntity: ticket.id,
        created: true,
      }),
    ]);
    // A's lines with that id are its own send only: an id is one batch, not reused for the ack coming back.
    expect(aLines.filter((line) => line['requestId'] === requestId)).toEqual([sent]);

    // The ack back is a batch of B's: B's send and A's intake share its id, each with its connection id.
    const ackSent = bLines.find((line) => line.msg === 'sync messages sent to the other node');
    expect(ackSent).toMatchObject({ connectionId: ids.b, requestId: expect.stringMatching(REQUEST_ID) });
    expect(ackSent!['requestId']).not.toBe(requestId);
    expect(
      aLines.find((line) => line['requestId'] === ackSent!['requestId'] && line.msg !== ackSent!.msg),
    ).toMatchObject({ msg: 'sync messages received', connectionId: ids.a });

    // No secret in either node's log: the helpdesk keys, the connection key.
    const key = storedConnectionKey(a.deps, ids.a);
    const text = a.logs.join('') + b.logs.join('');
    for (const secret of [aSim.apiKey, bSim.apiKey, key.toString('base64'), key.toString('hex')])
      expect(text.includes(secret), `a secret starting ${secret.slice(0, 4)} is in a log`).toBe(false);
  });

  it("replaces an id that is malformed, too long or not covered by the signature with the receiver's own, never logging it", async () => {
    const { a, b, ids } = pair;
    const key = storedConnectionKey(a.deps, ids.a);
    const path = `/v1/connections/${ids.b}/messages`;
    const cases: Array<{ given: string | null; bound: boolean }> = [
      { given: '<script>alert(1)</script>', bound: true },
      { given: `long${'x'.repeat(61)}`, bound: true },
      { given: 'id with spaces', bound: true },
      // A well-formed id the signed idempotency key does not carry: someone on the way may have set it.
      { given: 'forged-by-a-proxy-0123456789', bound: false },
      // An older node: no id at all.
      { given: null, bound: false },
    ];
    for (const [i, { given, bound }] of cases.entries()) {
      const before = b.logs.length;
      const body = JSON.stringify({
        messages: [{ idempotencyKey: `hostile-${i}`, kind: 'ack', entityKey: null, payload: { note: 'x' } }],
      });
      const idempotencyKey = bound && given !== null ? `${given}.${randomUUID()}` : randomUUID();
      const headers = signedHeaders(key, {
        method: 'POST',
        path,
        body,
        timestamp: a.clock.now().getTime(),
        idempotencyKey,
      });
      const response = await fetch(`${b.config.publicUrl}${path}`, {
        method: 'POST',
        headers: {
          ...headers,
          ...(given === null ? {} : { [REQUEST_ID_HEADER]: given }),
          'content-type': 'application/json',
        },
        body,
      });
      expect(response.status, String(given)).toBe(200);
      const received = logLines({ ...b, logs: b.logs.slice(before) } as SyncNode).find(
        (line) => line.msg === 'sync messages received',
      );
      expect(received, String(given)).toMatchObject({
        connectionId: ids.b,
        requestId: expect.stringMatching(REQUEST_ID),
      });
      expect(received!['requestId']).not.toBe(given);
      // The stored message carries the receiver's id, which its apply logs.
      const [stored] = rows<{ payload: string }>(
        b,
        'select payload from inbox where idempotency_key = ?',
        `hostile-${i}`,
      );
      expect(JSON.parse(stored!.payload)).toEqual({ note: 'x', requestId: received!['requestId'] });
      if (given !== null) expect(b.logs.join('').includes(given), given).toBe(false);
    }
  });

  it('a private node pulling: its pull, the sender handing the messages over and its apply log one id', async () => {
    const pulled = await startConnectedPair(
      { slug: 'initech', platform: 'freshservice' },
      { slug: 'acme', platform: 'freshdesk' },
      { mode: 'basic', privateB: true, nodeEnv: { a: { LOG_LEVEL: 'info' }, b: { LOG_LEVEL: 'info' } } },
    );
    try {
      const { a, b, aSim, bSim, ids } = pulled;
      const ticket = await pulled.aAgent.createEntity({
        summary: 'Badge reader offline',
        description: '<p>Lobby</p>',
        labels: [],
        reporter: { id: null, email: 'kim@initech.example', displayName: 'Kim' },
      });
      await settle([a, b], [aSim, bSim]);
      const handed = logLines(a).find(
        (line) => line.msg === 'sync messages handed to the other node' && line.connectionId === ids.a,
      );
      expect(handed).toMatchObject({ requestId: expect.stringMatching(REQUEST_ID), messages: 1 });
      const requestId = handed!['requestId'];
      expect(logLines(b).filter((line) => line['requestId'] === requestId)).toEqual([
        expect.objectContaining({ msg: 'sync messages pulled from the other node', connectionId: ids.b, messages: 1 }),
        expect.objectContaining({ msg: 'sync change applied', connectionId: ids.b, remoteEntity: ticket.id }),
      ]);
    } finally {
      await stopSyncPair([pulled.a, pulled.b], [pulled.aSim, pulled.bSim]);
    }
  });
});
