import type { Server } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createHttpServer, listen } from '../../src/http/server.ts';
import { startTestNode, type TestNode } from '../support/nodes.ts';

/**
 * Issue 18, findings 5 and 8 at the HTTP server: slow bodies and idle sockets are cut (timeouts set explicitly, not
 * Node's 5-minute default), a 500 logs the path without its query string (a Xurrent webhook's secret travels as
 * `?secret=`), and a malformed path is a 400.
 */
function socketAnswer(port: number, write: (send: (text: string) => void) => void) {
  return new Promise<{ answer: string; afterMs: number }>((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('connect', () => write((text) => socket.write(text)));
    socket.on('data', (data) => {
      answer += data.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ answer: answer.split('\r\n')[0] ?? '', afterMs: performance.now() - started }));
  });
}

describe('timeouts', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createHttpServer(
      [{ method: 'POST', path: '/upload', handle: (ctx) => ({ status: 200, body: { bytes: ctx.rawBody.length } }) }],
      createLogger('silent'),
      { headersTimeoutMs: 300, requestTimeoutMs: 800, keepAliveTimeoutMs: 200, checkIntervalMs: 50 },
    );
    port = (await listen(server, 0, '127.0.0.1')).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('cut a slowloris body (one byte every 100 ms) at the request timeout with a 408', async () => {
    let timer: NodeJS.Timeout | undefined;
    const result = await socketAnswer(port, (send) => {
      send('POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n');
      timer = setInterval(() => send('a'), 100);
    });
    clearInterval(timer);
    expect(result.answer).toBe('HTTP/1.1 408 Request Timeout');
    // The whole body would take 100 s at that pace.
    expect(result.afterMs).toBeLessThan(3000);
  });

  it('close a socket that never sends its headers', async () => {
    const result = await socketAnswer(port, () => {});
    expect(result.answer).toBe('HTTP/1.1 408 Request Timeout');
    expect(result.afterMs).toBeLessThan(3000);
  });

  it('are set on the service itself, well below Node’s defaults', async () => {
    const node: TestNode = await startTestNode('timeouts');
    try {
      expect({
        headersTimeout: node.server.headersTimeout,
        requestTimeout: node.server.requestTimeout,
        keepAliveTimeout: node.server.keepAliveTimeout,
      }).toEqual({ headersTimeout: 15_000, requestTimeout: 60_000, keepAliveTimeout: 5_000 });
    } finally {
      await node.stop();
    }
  });
});

describe('errors and logs', () => {
  let server: Server;
  let base: string;
  const logs: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    server = createHttpServer(
      [
        {
          method: 'POST',
          path: '/webhooks/:slug',
          handle: () => {
            throw new Error('the database is locked');
          },
        },
      ],
      createLogger('info', sink),
    );
    base = `http://127.0.0.1:${(await listen(server, 0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a 500 logs the path without the query string that carries a webhook secret', async () => {
    const response = await fetch(`${base}/webhooks/globex?secret=xr-secret-4f9a77&other=1`, { method: 'POST' });
    expect(response.status).toBe(500);
    const line = logs.find((l) => l.includes('request failed'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ path: '/webhooks/globex', method: 'POST' });
    expect(logs.join('')).not.toContain('xr-secret-4f9a77');
  });
});

describe('a malformed path', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode('paths');
  });
  afterAll(async () => {
    await node.stop();
  });

  it('is a 400 on every route with a parameter, and no error is logged', async () => {
    const logsBefore = node.logs.length;
    for (const [method, path] of [
      ['GET', '/i/%E0'],
      ['GET', '/i/%zz'],
      ['POST', '/webhooks/%E0%A4%A'],
      ['GET', '/v1/connections/%C0%AF/status'],
    ] as const) {
      const response = await fetch(`${node.config.publicUrl}${path}`, { method });
      expect([path, response.status]).toEqual([path, 400]);
      expect(await response.json()).toEqual({
        error: {
          code: 'invalid_input',
          message: 'The request path is not valid: each % must start the UTF-8 escape of a character, such as %20.',
        },
      });
    }
    expect(node.logs.slice(logsBefore).join('')).not.toContain('request failed');
  });
});
