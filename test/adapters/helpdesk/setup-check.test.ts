import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator, type FreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { startXurrentSimulator, type XurrentSimulator } from '../../../adapters/helpdesk/xurrent/simulator.ts';
import type { SetupCheckInput } from '../../../src/domain/helpdesk.ts';
import { fastConnectorOptions } from '../../support/sync-nodes.ts';

/** The connectors' pre-flight probes against the simulators, over real HTTP on loopback. */
describe('Helpdesk.checkSetup', () => {
  let fd: FreshdeskSimulator;
  let xr: XurrentSimulator;
  const input: SetupCheckInput = {
    connections: [],
    webhookUrl: 'http://127.0.0.1:1/webhooks/acme',
    webhookSecret: 'the-secret',
  };

  beforeAll(async () => {
    [fd, xr] = await Promise.all([startFreshdeskSimulator({ rateLimitPerMinute: 10 }), startXurrentSimulator()]);
  });
  afterAll(async () => {
    await Promise.all([fd?.close(), xr?.close()]);
  });

  const freshdesk = (apiKey: string) =>
    createHelpdesk(
      { platform: 'freshdesk', baseUrl: fd.url, credentials: { kind: 'apiKey', apiKey } },
      fastConnectorOptions,
    );

  it('a refused API key is the one problem: nothing else can be read without it', async () => {
    const findings = await freshdesk('not-a-key').checkSetup(input);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: 'problem', topic: 'credentials' });
    expect(findings[0]!.fix).toMatch(/API key/);
  });

  it('a nearly spent minute is a warning about the rate limit', async () => {
    // Other integrations spent seven of the ten calls of this minute.
    const auth = { authorization: `Basic ${Buffer.from(`${fd.apiKey}:X`).toString('base64')}` };
    for (let i = 0; i < 7; i++) await (await fetch(`${fd.url}/api/v2/groups`, { headers: auth })).arrayBuffer();
    const findings = await freshdesk(fd.apiKey).checkSetup(input);
    // The probe's own two calls leave one.
    expect(findings.find((f) => f.topic === 'rate limit')).toMatchObject({
      level: 'warning',
      message: '1 of 10 API calls left this minute: a bulk sync will be slowed down.',
    });
  });

  it('a Xurrent token that may not read webhooks gets a warning, not a failure', async () => {
    xr.addToken('read-only-token', 'readonly');
    const client = createHelpdesk(
      {
        platform: 'xurrent',
        baseUrl: xr.url,
        credentials: { kind: 'token', token: 'read-only-token', account: xr.account },
      },
      fastConnectorOptions,
    );
    const findings = await client.checkSetup(input);
    expect(findings.find((f) => f.topic === 'webhook')).toMatchObject({
      level: 'warning',
      message: expect.stringContaining('account administrators only'),
    });
    expect(findings.find((f) => f.topic === 'credentials')?.level).toBe('ok');
  });

  it('a Xurrent webhook with the right secret is ok; a disabled one is a problem', async () => {
    const admin = createHelpdesk(
      { platform: 'xurrent', baseUrl: xr.url, credentials: { kind: 'token', token: xr.token, account: xr.account } },
      fastConnectorOptions,
    );
    // A receiver that answers Xurrent's verification handshake, as DeskBridge does.
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', async () => {
        const callback = (JSON.parse(body) as { payload?: { callback?: string } }).payload?.callback;
        if (callback) await (await fetch(callback)).arrayBuffer();
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const here = { ...input, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/acme` };
    for (const event of ['request.create', 'request.update', 'request.note-added'])
      await xr.webhooks.register({ event, uri: `${here.webhookUrl}?secret=the-secret` });
    receiver.close();
    const findings = (await admin.checkSetup(here)).filter((f) => f.topic === 'webhook');
    expect(findings.map((f) => f.level)).toEqual(['ok', 'ok', 'ok']);
    xr.webhooks.list()[0]!.disabled = true;
    const after = (await admin.checkSetup(here)).filter((f) => f.topic === 'webhook');
    expect(after[0]).toMatchObject({
      level: 'problem',
      message: expect.stringMatching(/request\.create\) is disabled/),
    });
    expect(after.at(-1)).toMatchObject({
      level: 'warning',
      message: expect.stringContaining('No webhook for request.create'),
    });
  });
});
