import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

function captured() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('logs', () => {
  it('never write a secret: keys, tokens, passwords, authorization headers, invitation codes', () => {
    const { logger, lines } = captured();
    logger.info(
      {
        apiKey: 'fd-key-1',
        credentials: { apiKey: 'fd-key-2' },
        instance: { token: 'xr-token', botToken: 'xoxb-1' },
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1' } },
        body: { code: 'DB1.secret-invitation', name: 'Acme to Globex' },
        input: { code: 'DB1.another' },
      },
      'registered',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['fd-key-1', 'fd-key-2', 'xr-token', 'xoxb-1', 'Bearer abc', 'sid=1', 'DB1.']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('Acme to Globex');
  });

  it("keep an error's code, which says what went wrong (EADDRINUSE), and the port it names", () => {
    const { logger, lines } = captured();
    const error = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4101'), {
      code: 'EADDRINUSE',
      port: 4101,
    });
    logger.error({ err: error }, 'local mode did not start');
    const err = lines[0]!['err'] as Record<string, unknown>;
    expect(err['code']).toBe('EADDRINUSE');
    expect(err['port']).toBe(4101);
  });
});
