import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { startXurrentSimulator } from '../../adapters/helpdesk/xurrent/simulator.ts';
import { freePort, tempDir } from '../support/nodes.ts';
import { runDeskbridge, startServiceProcess, type ServiceProcess } from '../support/processes.ts';

/** The foundation story, driven only through the `deskbridge` binary and two service processes. */
interface Node {
  env: Record<string, string>;
  url: string;
  service: ServiceProcess;
  dataDir: string;
}

let a: Node;
let b: Node;
let freshdesk: Awaited<ReturnType<typeof startFreshdeskSimulator>>;
let xurrent: Awaited<ReturnType<typeof startXurrentSimulator>>;

async function startNode(name: string): Promise<Node> {
  const port = await freePort();
  const dataDir = tempDir(`deskbridge-cli-${name}-`);
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DESKBRIDGE_DATA_DIR: dataDir,
    DESKBRIDGE_NODE_TIMEOUT_MS: '3000',
  };
  const service = await startServiceProcess(env, `${url}/healthz`);
  return { env, url, service, dataDir };
}

beforeAll(async () => {
  freshdesk = await startFreshdeskSimulator({});
  xurrent = await startXurrentSimulator({});
  [a, b] = await Promise.all([startNode('a'), startNode('b')]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.service.stop(), b?.service.stop()]);
  await Promise.all([freshdesk?.close(), xurrent?.close()]);
  for (const node of [a, b]) if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

describe('the deskbridge CLI, two nodes, end to end', () => {
  it('registers, initiates, accepts and lists; refusals are one line with a non-zero exit', async () => {
    const bad = await runDeskbridge(
      [
        'instances',
        'add',
        '--platform',
        'freshdesk',
        '--url',
        freshdesk.url,
        '--name',
        'Acme',
        '--api-key',
        'wrong-key',
      ],
      a.env,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^deskbridge: .*(credentials|API key)/i);

    const addA = await runDeskbridge(
      [
        'instances',
        'add',
        '--platform',
        'freshdesk',
        '--url',
        freshdesk.url,
        '--name',
        'Acme',
        '--api-key',
        freshdesk.apiKey,
        '--json',
      ],
      a.env,
    );
    expect(addA.code, addA.stderr).toBe(0);
    expect(JSON.parse(addA.stdout)).toMatchObject({ slug: 'acme', platform: 'freshdesk', url: `${a.url}/i/acme` });

    const addB = await runDeskbridge(
      [
        'instances',
        'add',
        '--platform',
        'xurrent',
        '--url',
        xurrent.url,
        '--name',
        'Globex',
        '--token',
        xurrent.apiKey,
        '--account',
        xurrent.account,
      ],
      b.env,
    );
    expect(addB.code, addB.stderr).toBe(0);
    expect(addB.stdout).toContain(`Partners reach it at ${b.url}/i/globex`);

    const webhook = await runDeskbridge(['instances', 'webhook', 'acme', '--json'], a.env);
    expect(webhook.code, webhook.stderr).toBe(0);
    const hook = JSON.parse(webhook.stdout) as { url: string; secret: string; header: string; template: string };
    expect(hook.url).toBe(`${a.url}/webhooks/acme`);
    const post = (secret: string) =>
      fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [hook.header]: secret },
        body: '{"ticket_id":"1","triggered_event":"{ticket_action:updated}"}',
      });
    expect((await post('not-the-secret')).status).toBe(401);
    expect((await post(hook.secret)).status).toBe(202);

    const projects = await runDeskbridge(['instances', 'projects', 'acme', '--json'], a.env);
    expect(projects.code, projects.stderr).toBe(0);
    const groups = JSON.parse(projects.stdout) as { id: string; name: string }[];
    expect(groups.length).toBeGreaterThan(0);

    const initiate = await runDeskbridge(
      [
        'connections',
        'initiate',
        '--instance',
        'acme',
        '--destination',
        `${b.url}/i/globex`,
        '--mode',
        'script',
        '--local-name',
        'Acme',
        '--remote-name',
        'Globex',
        '--name',
        'Acme to Globex',
        '--description',
        'Escalations',
        '--project',
        groups[0]!.id,
        '--json',
      ],
      a.env,
    );
    expect(initiate.code, initiate.stderr).toBe(0);
    const { code, connection } = JSON.parse(initiate.stdout) as {
      code: string;
      connection: { id: string; status: string };
    };
    expect(connection.status).toBe('pending');

    const accept = await runDeskbridge(['connections', 'accept', '--instance', 'globex', '--code', code], b.env);
    expect(accept.code, accept.stderr).toBe(0);
    // Each side has its own id: the output says which is globex's, and which one acme's side uses.
    const [acceptedLine, otherSide] = accept.stdout.split('\n');
    expect(acceptedLine).toMatch(/^Connection "Acme to Globex" is active on globex\. Its id on globex: [0-9a-f-]{36}$/);
    expect(acceptedLine).not.toContain(connection.id);
    expect(otherSide).toBe(
      `On the initiating side (${a.url}/i/acme) its id is ${connection.id}; that side's commands take that one.`,
    );

    for (const [node, local, remote] of [
      [a, 'Acme', 'Globex'],
      [b, 'Globex', 'Acme'],
    ] as const) {
      const list = await runDeskbridge(['connections', 'list', '--json'], node.env);
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([
        expect.objectContaining({
          name: 'Acme to Globex',
          mode: 'script',
          status: 'active',
          localShortName: local,
          remoteShortName: remote,
        }),
      ]);
    }
    const table = await runDeskbridge(['connections', 'list'], a.env);
    expect(table.stdout).toMatch(/CONNECTION\s+MODE\s+STATUS/);
    expect(table.stdout).toMatch(/Acme to Globex \(Escalations\)\s+script\s+active/);

    const reused = await runDeskbridge(['connections', 'accept', '--instance', 'globex', '--code', code], b.env);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toBe(
      'deskbridge: This invitation has already been accepted: it is connection "Acme to Globex".\n',
    );

    const modeChange = await runDeskbridge(['connections', 'edit', 'Acme to Globex', '--mode', 'basic'], a.env);
    expect(modeChange.code).toBe(1);
    expect(modeChange.stderr).toMatch(/^deskbridge: The mode of a connection cannot be changed/);

    const deleteWithoutYes = await runDeskbridge(['connections', 'delete', 'Acme to Globex'], a.env);
    expect(deleteWithoutYes.code).toBe(2);
    const deactivate = await runDeskbridge(['connections', 'deactivate', 'Acme to Globex'], a.env);
    expect(deactivate.stdout).toBe('Connection "Acme to Globex" is deactivated.\n');
  }, 90_000);
});
