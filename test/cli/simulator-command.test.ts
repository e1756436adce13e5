import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSimulatorCommand } from '../../src/cli/simulator-command.ts';
import { createHelpdesk } from '../../adapters/helpdesk/index.ts';

function streams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

async function firstLine(io: ReturnType<typeof streams>): Promise<Record<string, string>> {
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
    const client = createHelpdesk({
      platform: 'freshdesk',
      baseUrl: line.url!,
      credentials: { kind: 'apiKey', apiKey: line.apiKey! },
    });
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
    const client = createHelpdesk({
      platform: 'xurrent',
      baseUrl: line.url!,
      credentials: { kind: 'token', token: line.apiKey!, account: line.account! },
    });
    await client.verifyCredentials();
    stop.abort();
    expect(await exit).toBe(0);
  });

  it('explains bad arguments with exit code 2', async () => {
    for (const args of [
      [],
      ['zendesk'],
      ['freshdesk', '--port'],
      ['freshdesk', '--port', 'abc'],
      ['freshservice', '--rate-limit', '0'],
      ['xurrent', '--colour', 'red'],
    ]) {
      const io = streams();
      expect(await runSimulatorCommand(args, io), args.join(' ')).toBe(2);
      expect(io.err()).not.toBe('');
      expect(io.out()).toBe('');
    }
  });
});
