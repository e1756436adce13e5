import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandUsage } from '../../src/cli/usage.ts';
import { tempDir } from '../support/nodes.ts';
import { runDeskbridge } from '../support/processes.ts';

// Every call runs the installed binary (bin/deskbridge.mjs) in a process of its own, as an admin types it.
const dataDir = tempDir('deskbridge-cli-help-');
const env = { DESKBRIDGE_DATA_DIR: dataDir };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('deskbridge help', () => {
  it('--help, -h and help print the whole usage and exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help'], []]) {
      const r = await runDeskbridge(args, env);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage:');
      for (const usage of Object.values(commandUsage)) expect(r.stdout).toContain(usage);
      expect(r.stderr).toBe('');
    }
  });

  it('<command> --help, <command> -h and help <command> print that command alone and exit 0, touching no data', async () => {
    for (const args of [
      ['rules', '--help'],
      ['rules', '-h'],
      ['help', 'rules'],
      ['rules', 'run', '--help'],
    ]) {
      const r = await runDeskbridge(args, env);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toBe(`Usage:\n${commandUsage.rules}\n`);
    }
    const connections = await runDeskbridge(['connections', 'initiate', '-h'], env);
    expect(connections.code).toBe(0);
    expect(connections.stdout).toContain('deskbridge connections accept --instance SLUG --code CODE');
    expect(connections.stdout).not.toContain('deskbridge rules check');
    // Help for a command that works on the data dir did not open (or create) the database.
    expect(existsSync(join(dataDir, 'deskbridge.db'))).toBe(false);
  });

  it('an unknown command exits 2 with one line naming it (and the closest command), then the commands there are', async () => {
    const r = await runDeskbridge(['conections'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'deskbridge: Unknown command "conections". Did you mean "connections"?\n\n' +
        'Commands: instances, connections, rules, approvals, triggers, errors, sync, entities, queue, audit, simulator, local, backup, restore.\n' +
        '"deskbridge help <command>" shows one command; "deskbridge --help" shows them all.\n',
    );
    const far = await runDeskbridge(['zzz'], env);
    expect(far.code).toBe(2);
    expect(far.stderr.split('\n')[0]).toBe('deskbridge: Unknown command "zzz".');
    const helpFor = await runDeskbridge(['help', 'rulez'], env);
    expect(helpFor.code).toBe(2);
    expect(helpFor.stderr.split('\n')[0]).toBe('deskbridge: There is no command "rulez". Did you mean "rules"?');
  });

  it("an unknown subcommand exits 2 naming the closest one, then that command's usage, touching no data", async () => {
    const r = await runDeskbridge(['connections', 'lst'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `deskbridge: Unknown connections command "lst". Did you mean "list"?\n\nUsage:\n${commandUsage.connections}\n`,
    );
    expect(existsSync(join(dataDir, 'deskbridge.db'))).toBe(false);
  });

  it("an unknown flag exits 2 with one line naming it, then that command's usage", async () => {
    const r = await runDeskbridge(['connections', 'list', '--bogus'], env);
    expect(r.code).toBe(2);
    const [first, blank, ...usage] = r.stderr.split('\n');
    expect(first).toMatch(/^deskbridge: Unknown option '--bogus'/);
    expect(blank).toBe('');
    expect(usage.join('\n')).toBe(`Usage:\n${commandUsage.connections}\n`);
  });

  it('"--help" after "--" is an argument, not a request for help', async () => {
    const r = await runDeskbridge(['rules', 'check', '--', '--help'], env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });
});
