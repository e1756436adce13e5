import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { loadConfig } from '../../src/config.ts';
import { isLocalMode, loadLocalSettings } from '../../src/local/settings.ts';
import { freeLocalModePorts, localModeEnv, tempDir, type LocalModePorts } from '../support/nodes.ts';
import { startServiceProcess, type ServiceProcess } from '../support/processes.ts';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('local mode is decided by the chat credentials', () => {
  it('runs with none; not with Slack or Microsoft credentials, nor with LOCAL_MODE=off', () => {
    const none = loadConfig({});
    expect(isLocalMode(none, {})).toBe(true);
    expect(isLocalMode(none, { LOCAL_MODE: 'off' })).toBe(false);
    expect(isLocalMode(loadConfig({ SLACK_SIGNING_SECRET: 'signing-secret-1', SLACK_BOT_TOKEN: 'xoxb-1' }), {})).toBe(
      false,
    );
    expect(isLocalMode(loadConfig({ SLACK_APP_TOKEN: 'xapp-1', SLACK_BOT_TOKEN: 'xoxb-1' }), {})).toBe(false);
    expect(
      isLocalMode(
        loadConfig({
          MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
          MICROSOFT_APP_PASSWORD: 'a-client-secret',
        }),
        {},
      ),
    ).toBe(false);
  });

  it('reads its ports and the Playground switch, and names a bad value', () => {
    expect(loadLocalSettings({})).toEqual({
      enabled: true,
      freshdeskPort: 4101,
      xurrentPort: 4102,
      playground: true,
      playgroundPort: 56150,
    });
    expect(loadLocalSettings({ LOCAL_PLAYGROUND: 'false', LOCAL_FRESHDESK_PORT: '5000' })).toMatchObject({
      playground: false,
      freshdeskPort: 5000,
    });
    expect(() => loadLocalSettings({ LOCAL_XURRENT_PORT: 'x' })).toThrow('LOCAL_XURRENT_PORT must be a number');
  });
});

describe('production mode: with MICROSOFT_APP_* set, `npm start` starts none of local mode', () => {
  let service: ServiceProcess;
  let dataDir: string;
  let ports: LocalModePorts;

  beforeAll(async () => {
    dataDir = tempDir('deskbridge-production-');
    ports = await freeLocalModePorts();
    service = await startServiceProcess(
      {
        ...localModeEnv(ports, dataDir),
        MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
        MICROSOFT_APP_PASSWORD: 'a-client-secret',
        POLLER_ENABLED: 'false',
      },
      `http://127.0.0.1:${ports.service}/healthz`,
    );
  }, 30_000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('no simulators, no Playground, no instances, and /api/messages refuses an unauthenticated request', async () => {
    // Give a (wrongly started) local mode the time it needs to open its ports.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await listening(ports.service)).toBe(true);
    expect(await listening(ports.freshdesk)).toBe(false);
    expect(await listening(ports.xurrent)).toBe(false);
    expect(await listening(ports.playground)).toBe(false);
    expect(service.output()).not.toContain('LOCAL MODE');
    expect((await fetch(`http://127.0.0.1:${ports.service}/i/acme`)).status).toBe(404);
    const response = await fetch(`http://127.0.0.1:${ports.service}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        text: 'help',
        serviceUrl: 'https://smba.trafficmanager.net/amer/',
        channelId: 'msteams',
        from: { id: 'x' },
        conversation: { id: 'c' },
        recipient: { id: 'b' },
      }),
    });
    expect(response.status).toBe(401);
  });
});

describe('local mode with LOCAL_PLAYGROUND=false: the simulators and instances, no Playground', () => {
  let service: ServiceProcess;
  let dataDir: string;
  let ports: LocalModePorts;

  beforeAll(async () => {
    dataDir = tempDir('deskbridge-no-playground-');
    ports = await freeLocalModePorts();
    service = await startServiceProcess(
      {
        ...localModeEnv(ports, dataDir),
        LOCAL_PLAYGROUND: 'false',
        POLLER_ENABLED: 'false',
      },
      `http://127.0.0.1:${ports.service}/healthz`,
    );
    const until = Date.now() + 20_000;
    while (!service.output().includes('local mode is ready') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
  }, 30_000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves acme and globex on this node, the simulators listen on loopback, the Playground does not run', async () => {
    expect(service.output()).toContain('LOCAL_PLAYGROUND=false');
    expect(await listening(ports.freshdesk)).toBe(true);
    expect(await listening(ports.xurrent)).toBe(true);
    expect(await listening(ports.playground)).toBe(false);
    for (const slug of ['acme', 'globex']) {
      const info = await fetch(`http://127.0.0.1:${ports.service}/i/${slug}`);
      expect(info.status).toBe(200);
    }
  });
});
