import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import {
  agentOf,
  connect,
  registerOn,
  startSimulator,
  startSyncNode,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';
import { TestClock } from '../support/nodes.ts';
import { capturedIo } from '../support/cli-io.ts';

describe('deskbridge triggers | errors | rules publish | sync bulk', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
    [a, b] = await Promise.all([startSyncNode('a', {}, clock), startSyncNode('b', {}, clock)]);
    await registerOn(a, 'acme', fd, { webhooks: false });
    await registerOn(b, 'initech', fs, { webhooks: false });
    const [group] = await agentOf(fd).listProjects();
    const [workspace] = await agentOf(fs).listProjects();
    await connect(a, 'acme', b, 'initech', { aProject: group!.id, bProject: workspace!.id });
    env = { DESKBRIDGE_DATA_DIR: a.dataDir, LOG_LEVEL: 'silent' };
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), fs?.close()]);
  });

  const cli = async (...args: string[]) => {
    const c = capturedIo();
    const code = await runCli(args, c.io, env);
    return { code, stdout: c.out(), stderr: c.err() };
  };

  it('adds, lists, deactivates and deletes triggers; a query the helpdesk refuses is refused with its words', async () => {
    const bad = await cli('triggers', 'add', 'acme to initech', '--query', 'colour:blue');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^deskbridge: The helpdesk refused the trigger query "colour:blue": .*colour/);

    const added = await cli(
      'triggers',
      'add',
      'acme to initech',
      '--query',
      'priority:3',
      '--notes',
      'High only',
      '--json',
    );
    expect(added.code, added.stderr).toBe(0);
    const trigger = JSON.parse(added.stdout) as { id: string };
    const list = await cli('triggers', 'list', 'acme to initech');
    expect(list.stdout).toMatch(/ticket\s+priority:3\s+yes\s+High only/);
    expect((await cli('triggers', 'deactivate', trigger.id)).stdout).toMatch(/is inactive/);
    expect((await cli('triggers', 'activate', trigger.id)).stdout).toMatch(/is active/);
    expect((await cli('triggers', 'edit', trigger.id, '--query', 'priority:4')).code).toBe(0);
    expect((await cli('triggers', 'delete', trigger.id)).stdout).toMatch(/is deleted/);
    expect((await cli('triggers', 'list', 'acme to initech')).stdout).toBe('(none)\n');
  });

  it('publishes rules from files, refusing a script with an error at its line', async () => {
    const outgoing = join(a.dataDir, 'out.groovy');
    const incoming = join(a.dataDir, 'in.groovy');
    writeFileSync(outgoing, 'replica.summary = entity.summary\n');
    writeFileSync(incoming, 'entity.summary = replica.summary\nentity.summary = (\n');
    const refused = await cli('rules', 'publish', 'acme to initech', '--outgoing', outgoing, '--incoming', incoming);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/incoming script has an error at line \d+/);
    writeFileSync(incoming, 'entity.summary = replica.summary\n');
    const ok = await cli('rules', 'publish', 'acme to initech', '--outgoing', outgoing, '--incoming', incoming);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Rules version 2 of "acme to initech" is published/);
  });

  it('lists no errors, and bulk-syncs with plain progress lines when not on a terminal', async () => {
    expect((await cli('errors', 'list', 'acme to initech')).stdout).toBe('(none)\n');
    expect((await cli('triggers', 'add', 'acme to initech', '--query', '')).code).toBe(0);
    const agent = agentOf(fd);
    for (const n of [1, 2, 3])
      await agent.createEntity({
        summary: `Bulk ${n}`,
        description: 'x',
        reporter: { id: null, email: 'a@acme.example', displayName: null },
      });
    const run = cli('sync', 'bulk', 'acme to initech');
    // The service's engine does the work; here the test drives it.
    let done = false;
    void run.then(() => (done = true));
    while (!done) {
      await a.sync.tick();
      await b.sync.tick();
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/synced 3\/3\nSent 3 entities to the other side\.\n$/);
  }, 20_000);
});
