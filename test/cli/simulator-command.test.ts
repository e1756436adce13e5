import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSimulatorCommand } from '../../src/cli/simulator-command.ts';
import { createHelpdesk } from '../../adapters/helpdesk/index.ts';
import { outboundPolicy } from '../../src/http/outbound-policy.ts';

/** The simulators listen on loopback. */
const onLoopback = { outbound: outboundPolicy(true) };

function streams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

async function firstLine(io: ReturnType<typeof streams>): Promise<Record<string, string> & { webhook?: unknown }> {
  for (let i = 0; i < 200 && !io.out().includes('\n'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return JSON.parse(io.out().split('\n')[0]!) as Record<string, string>;
}

describe('deskbridge simulator', () => {
  it('starts a Freshdesk simulator seeded from a file, prints its URL and key, and stops on request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-sim-'));
    const seedFile = join(dir, 'seed.json');
    writeFileSync(
      seedFile,
      JSON.stringify({ groups: [{ id: 7, name: 'Tier 2' }], tickets: [{ subject: 'Seeded', email: 'a@example.com' }] }),
    );
    const io = streams();
    const stop = new AbortController();
    const exit = runSimulatorCommand(['freshdesk', '--port', '0', '--seed', seedFile, '--rate-limit', '100'], {
      ...io,
      stop: stop.signal,
    });
    const line = await firstLine(io);
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createHelpdesk(
      { platform: 'freshdesk', baseUrl: line.url!, credentials: { kind: 'apiKey', apiKey: line.apiKey! } },
      onLoopback,
    );
    expect(await client.listProjects()).toEqual([{ id: '7', name: 'Tier 2' }]);
    expect((await client.getEntity('1')).summary).toBe('Seeded');
    const limited = await fetch(`${line.url}/api/v2/groups`, {
      headers: { authorization: `Basic ${Buffer.from(`${line.apiKey}:X`).toString('base64')}` },
    });
    expect(limited.headers.get('x-ratelimit-total')).toBe('100');
    stop.abort();
    expect(await exit).toBe(0);
    await expect(fetch(line.url!)).rejects.toThrow();
  });

  it('prints the account for Xurrent', async () => {
    const io = streams();
    const stop = new AbortController();
    const exit = runSimulatorCommand(['xurrent'], { ...io, stop: stop.signal });
    const line = await firstLine(io);
    expect(Object.keys(line).sort()).toEqual(['account', 'apiKey', 'url']);
    const client = createHelpdesk(
      {
        platform: 'xurrent',
        baseUrl: line.url!,
        credentials: { kind: 'token', token: line.apiKey!, account: line.account! },
      },
      onLoopback,
    );
    await client.verifyCredentials();
    stop.abort();
    expect(await exit).toBe(0);
  });

  it('--webhook: Freshdesk posts its changes there with the secret header, as an automation rule would', async () => {
    const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/acme`;
    const io = streams();
    const stop = new AbortController();
    const exit = runSimulatorCommand(['freshdesk', '--webhook', hookUrl, '--webhook-secret', 's3cret'], {
      ...io,
      stop: stop.signal,
    });
    const line = await firstLine(io);
    expect(line.webhook).toEqual({ url: hookUrl });
    expect(io.out()).not.toContain('s3cret');
    const created = await fetch(`${line.url}/api/v2/tickets`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${line.apiKey}:X`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ subject: 'Printer on fire', email: 'pat@acme.example', status: 2, priority: 2 }),
    });
    const ticket = (await created.json()) as { id: number };
    for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received[0]!.headers['x-deskbridge-secret']).toBe('s3cret');
    expect(JSON.parse(received[0]!.body)).toMatchObject({ ticket_id: String(ticket.id) });
    stop.abort();
    expect(await exit).toBe(0);
    receiver.close();
  });

  it('--webhook: Xurrent registers a webhook per request event, verified through the handshake', async () => {
    const verified: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', async () => {
        const message = JSON.parse(body) as { event: string; payload: { callback?: string } };
        if (message.event === 'webhook.verify' && new URL(req.url!, 'http://x').searchParams.get('secret') === 'k') {
          await (await fetch(message.payload.callback!)).arrayBuffer();
          verified.push(message.event);
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/globex`;
    const io = streams();
    const stop = new AbortController();
    const exit = runSimulatorCommand(['xurrent', '--webhook', hookUrl, '--webhook-secret', 'k'], {
      ...io,
      stop: stop.signal,
    });
    const line = await firstLine(io);
    expect(line.webhook).toEqual({
      url: hookUrl,
      webhooks: [
        { event: 'request.create', verified: true },
        { event: 'request.update', verified: true },
        { event: 'request.note-added', verified: true },
      ],
    });
    expect(verified).toHaveLength(3);
    // Xurrent's own API shows them (GET /v1/webhooks, administrators only).
    const listed = await fetch(`${line.url}/v1/webhooks`, {
      headers: { authorization: `Bearer ${line.apiKey}`, 'x-xurrent-account': String(line.account) },
    });
    const webhooks = (await listed.json()) as Array<{ event: string; uri: string; disabled: boolean }>;
    expect(webhooks.map((w) => [w.event, w.uri, w.disabled])).toEqual([
      ['request.create', `${hookUrl}?secret=k`, false],
      ['request.update', `${hookUrl}?secret=k`, false],
      ['request.note-added', `${hookUrl}?secret=k`, false],
    ]);
    stop.abort();
    expect(await exit).toBe(0);
    receiver.close();
  });

  it('explains bad arguments with exit code 2', async () => {
    for (const args of [
      [],
      ['zendesk'],
      ['freshdesk', '--port'],
      ['freshdesk', '--port', 'abc'],
      ['freshservice', '--rate-limit', '0'],
      ['xurrent', '--colour', 'red'],
      ['freshdesk', '--webhook-secret', 's'],
      ['freshdesk', '--webhook', 'not a url'],
      ['freshdesk', '--webhook', 'ftp://127.0.0.1/hook'],
      ['xurrent', '--webhook', 'http://127.0.0.1/hook?secret=s'],
      ['freshservice', '--webhook', 'http://127.0.0.1/hook', '--webhook-secret', ' '],
    ]) {
      const io = streams();
      expect(await runSimulatorCommand(args, io), args.join(' ')).toBe(2);
      expect(io.err()).not.toBe('');
      expect(io.out()).toBe('');
    }
  });
});
