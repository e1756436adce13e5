import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningService, recordRunningService } from '../../src/running-service.ts';
import { freeLocalModePorts, localModeEnv, tempDir, type LocalModePorts } from '../support/nodes.ts';
import { runDeskbridge, startServiceProcess, type ServiceProcess } from '../support/processes.ts';

/**
 * A newcomer starts local mode on ports of their choosing in one terminal and types CLI commands in another, with
 * none of the service's environment: only the data dir (here given; by default ./data in the same folder).
 */
describe('the CLI in a second terminal speaks for the service running on its data dir', () => {
  let dataDir: string;
  let ports: LocalModePorts;
  let service: ServiceProcess;
  const chatless = {
    SLACK_SIGNING_SECRET: '',
    SLACK_APP_TOKEN: '',
    MICROSOFT_APP_ID: '',
    MICROSOFT_APP_PASSWORD: '',
  };

  beforeAll(async () => {
    dataDir = tempDir('deskbridge-second-terminal-');
    ports = await freeLocalModePorts();
    service = await startServiceProcess(
      { ...localModeEnv(ports, dataDir), ...chatless, LOCAL_PLAYGROUND: 'false' },
      `http://127.0.0.1:${ports.service}/healthz`,
    );
    const until = Date.now() + 30_000;
    while (!service.output().includes('local mode is ready')) {
      if (Date.now() > until) throw new Error(`local mode did not start:\n${service.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Written once local mode has its simulators (just after the line above).
    while (!findRunningService(dataDir)?.local) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const secondTerminal = () => ({ DESKBRIDGE_DATA_DIR: dataDir });

  it("instance URLs are the running service's, not those of the default port 3000", async () => {
    const listed = await runDeskbridge(['instances', 'list', '--json'], secondTerminal());
    expect(listed.code, listed.stderr).toBe(0);
    const acme = (JSON.parse(listed.stdout) as { slug: string; url: string }[]).find((i) => i.slug === 'acme');
    expect(acme?.url).toBe(`http://localhost:${ports.service}/i/acme`);
  });

  it("an explicit PUBLIC_URL that is not the running service's is used, and the CLI says so", async () => {
    const listed = await runDeskbridge(['instances', 'list', '--json'], {
      ...secondTerminal(),
      PUBLIC_URL: 'http://bridge.example.test',
    });
    expect(listed.code).toBe(0);
    expect(listed.stderr).toMatch(
      new RegExp(
        `^deskbridge: note: the service running on .* is reached at http://localhost:${ports.service}; this command uses PUBLIC_URL=http://bridge.example.test\\.\\n$`,
      ),
    );
  });

  it('an invitation initiated and accepted from the second terminal is for the instance URL the code names', async () => {
    const initiated = await runDeskbridge(
      [
        'connections',
        'initiate',
        '--instance',
        'acme',
        '--destination',
        `http://localhost:${ports.service}/i/globex`,
        '--mode',
        'basic',
        '--local-name',
        'Acme',
        '--remote-name',
        'Globex',
        '--name',
        'Second terminal',
        '--project',
        '301',
        '--json',
      ],
      secondTerminal(),
    );
    expect(initiated.code, initiated.stderr).toBe(0);
    const { code } = JSON.parse(initiated.stdout) as { code: string };
    const accepted = await runDeskbridge(['connections', 'accept', '--instance', 'globex', '--code', code], {
      ...secondTerminal(),
    });
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
  });

  it("`local ticket` creates the ticket in this service's simulated Freshdesk", async () => {
    const created = await runDeskbridge(['local', 'ticket', 'Printer on fire'], secondTerminal());
    expect(created.code, created.stderr).toBe(0);
    const id = /#(\d+)/.exec(created.stdout)?.[1];
    const response = await fetch(`http://127.0.0.1:${ports.freshdesk}/api/v2/tickets/${id}`, {
      headers: { authorization: `Basic ${Buffer.from('local-acme-freshdesk-key:X').toString('base64')}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { subject: string }).subject).toBe('Printer on fire');
  });

  it('once the service stops, `local ticket` says no local-mode service runs there, and sends nothing', async () => {
    await service.stop();
    expect(existsSync(join(dataDir, 'service.json'))).toBe(false);
    const refused = await runDeskbridge(['local', 'ticket', 'Printer on fire'], secondTerminal());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `No DeskBridge in local mode is running on the data dir ${dataDir}. Start it with \`npm start\` (no chat credentials), or run this command with the DESKBRIDGE_DATA_DIR the service uses.\n`,
    );
  });
});

describe('the running-service record', () => {
  it("is ignored when its process is gone, or when it is not DeskBridge's", () => {
    const dir = tempDir('deskbridge-running-');
    try {
      const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
      recordRunningService(dir, { pid: gone, publicUrl: 'http://localhost:3300', local: null });
      expect(findRunningService(dir)).toBeNull();
      recordRunningService(dir, { pid: process.pid, publicUrl: 'http://localhost:3300', local: null });
      expect(findRunningService(dir)?.publicUrl).toBe('http://localhost:3300');
      writeFileSync(join(dir, 'service.json'), '{"pid": "1; rm -rf /", "publicUrl": "javascript:alert(1)"}');
      expect(findRunningService(dir)).toBeNull();
      writeFileSync(join(dir, 'service.json'), 'x'.repeat(100_000));
      expect(findRunningService(dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
