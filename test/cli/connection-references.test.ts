import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConnections } from '../../src/app/connection-lifecycle.ts';
import { runConnectionsCommand } from '../../src/cli/connections-command.ts';
import { runCli } from '../../src/cli/run.ts';
import { capturedIo } from '../support/cli-io.ts';
import { startTestNode, type TestNode } from '../support/nodes.ts';
import { initiateAcmeToGlobex, registerTestInstance, snapshot } from '../support/story.ts';

/**
 * Local mode's situation: one node serves acme and globex, so "Acme to Globex" is the name of both sides. The CLI
 * must say which side's id it prints, and a name alone must not pick one of them.
 */
describe('the CLI names connections by id, id prefix or name, and says which instance it means', () => {
  let node: TestNode;
  let env: Record<string, string>;
  let acmeId: string;
  let globexId: string;
  let acceptOutput: string;

  const cli = async (...args: string[]) => {
    const c = capturedIo();
    const code = await runCli(args, c.io, env);
    return { code, stdout: c.out(), stderr: c.err() };
  };
  /** A refusal: exit 1, one line on stderr, nothing on stdout, and the database as it was. */
  const refused = async (...args: string[]) => {
    const before = snapshot(node);
    const r = await cli(...args);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(snapshot(node)).toEqual(before);
    return r.stderr;
  };

  beforeAll(async () => {
    node = await startTestNode('cli-refs');
    env = { DESKBRIDGE_DATA_DIR: node.dataDir, PUBLIC_URL: node.config.publicUrl, LOG_LEVEL: 'silent' };
    await registerTestInstance(node.deps, 'acme', 'freshdesk');
    await registerTestInstance(node.deps, 'globex', 'xurrent');
    const { code, connection } = await initiateAcmeToGlobex({ a: node, b: node });
    acmeId = connection.id;
    // The accept command on the node's own dependencies, so the code is checked against the test's clock.
    const c = capturedIo();
    await runConnectionsCommand(node.deps, ['accept', '--instance', 'globex', '--code', code], c.io, 'cli:test');
    acceptOutput = c.out();
    globexId = listConnections(node.deps, { instance: 'globex' })[0]!.id;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it("accept prints the accepting side's id and instance, and the initiating side's id when it is on this node", () => {
    expect(acceptOutput).toBe(
      `Connection "Acme to Globex" is active on globex. Its id on globex: ${globexId}\n` +
        `The initiating side, acme, is on this node too; its id for the connection: ${acmeId}\n` +
        'Commands for acme (its chat, or --instance acme) take that id; commands for globex take this one.\n',
    );
  });

  it('list shows every id with the instance it belongs to', async () => {
    const r = await cli('connections', 'list');
    expect(r.code, r.stderr).toBe(0);
    const [header, , ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+INSTANCE\s+CONNECTION\s+MODE\s+STATUS/);
    // Both sides were created at the same instant: their order is not the point.
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${acmeId}\\s+acme\\s+Acme to Globex\\s+script\\s+active`)),
        expect.stringMatching(new RegExp(`^${globexId}\\s+globex\\s+Acme to Globex\\s+script\\s+active`)),
      ]),
    );
  });

  it('a name both instances use is refused with each id and instance, in every command that takes a connection', async () => {
    const expected = `deskbridge: 2 connections are named "Acme to Globex": ${acmeId.slice(0, 8)}… on acme, ${globexId.slice(0, 8)}… on globex; give the id or --instance.\n`;
    const scripts = join(node.dataDir, 'outgoing.groovy');
    writeFileSync(scripts, 'replica.summary = entity.summary\n');
    for (const args of [
      ['connections', 'deactivate', 'Acme to Globex'],
      ['connections', 'delete', 'Acme to Globex', '--yes'],
      ['connections', 'edit', 'Acme to Globex', '--description', 'x'],
      ['triggers', 'add', 'Acme to Globex', '--query', ''],
      ['triggers', 'list', 'Acme to Globex'],
      ['errors', 'list', 'Acme to Globex'],
      ['sync', 'bulk', 'Acme to Globex', '--no-wait'],
      ['rules', 'publish', 'Acme to Globex', '--outgoing', scripts, '--incoming', scripts],
    ]) {
      expect(await refused(...args), args.join(' ')).toBe(expected);
    }
  });

  it('--instance picks the side; a unique id prefix works everywhere a connection is named', async () => {
    const r = await cli('connections', 'deactivate', 'Acme to Globex', '--instance', 'acme');
    expect(r.stdout).toBe('Connection "Acme to Globex" is deactivated.\n');
    expect(Object.fromEntries(listConnections(node.deps).map((c) => [c.instanceSlug, c.status]))).toEqual({
      acme: 'deactivated',
      globex: 'active',
    });
    expect((await cli('connections', 'activate', acmeId.slice(0, 6))).stdout).toBe(
      'Connection "Acme to Globex" is active.\n',
    );
    const triggers = await cli('triggers', 'list', globexId.slice(0, 8));
    expect(triggers.code, triggers.stderr).toBe(0);
    expect(triggers.stdout).toBe('(none)\n');
    const errors = await cli('errors', 'list', 'Acme to Globex', '--instance', 'globex', '--json');
    expect(errors.code, errors.stderr).toBe(0);
    expect(JSON.parse(errors.stdout)).toEqual([]);
    // A prefix with --instance of the other side is not found there.
    expect(await refused('triggers', 'list', globexId.slice(0, 8), '--instance', 'acme')).toBe(
      `deskbridge: There is no connection "${globexId.slice(0, 8)}" on this instance.\n`,
    );
  });

  it('a prefix shorter than 6 characters, an unknown id or an unknown instance is refused and changes nothing', async () => {
    expect(await refused('connections', 'deactivate', acmeId.slice(0, 4))).toBe(
      `deskbridge: There is no connection named "${acmeId.slice(0, 4)}"; to pick one by its id, give at least 6 characters of the id.\n`,
    );
    expect(await refused('connections', 'delete', '0123456789abcdef', '--yes')).toBe(
      'deskbridge: There is no connection "0123456789abcdef".\n',
    );
    expect(await refused('sync', 'bulk', acmeId, '--instance', 'nowhere', '--no-wait')).toMatch(
      /^deskbridge: There is no instance "nowhere" on this node\. Known instances: acme, globex\.\n$/,
    );
  });
});
