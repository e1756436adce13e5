import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runRulesCommand } from '../../src/cli/rules-command.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { sampleEntity } from './support/entities.ts';

const dir = mkdtempSync(join(tmpdir(), 'deskbridge-rules-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runRulesCommand(args, { stdout, stderr });
  return { code, stdout: out, stderr: err };
}

const entityFile = file('entity.json', JSON.stringify(sampleEntity('freshdesk')));

describe('deskbridge rules check', () => {
  it('prints one OK line for a valid script', async () => {
    const r = await cli(['check', file('ok.groovy', defaultScripts('freshdesk').incoming)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK: .*ok\.groovy \(\d+ lines\) has no syntax errors\n$/);
  });

  it('prints the error on one line with file:line:column', async () => {
    const path = file('bad.groovy', 'replica.summary = entity.summary\nif (firstSync {\n}\n');
    const r = await cli(['check', path]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${path}:2:4: Syntax error at 2:4:`);
  });

  it('reports a missing file and bad usage', async () => {
    expect((await cli(['check', join(dir, 'nope.groovy')])).code).toBe(1);
    expect((await cli(['check'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });
});

describe('deskbridge rules run', () => {
  it('outgoing prints the replica as JSON', async () => {
    const script = file(
      'out.groovy',
      'replica.summary = entity.summary.toUpperCase()\nreplica.comments = entity.comments.findAll { !it.internal }\nprintln "built"',
    );
    const r = await cli(['run', '--script', script, '--entity', entityFile, '--platform', 'freshdesk']);
    expect(r.code).toBe(0);
    const replica = JSON.parse(r.stdout) as { summary: string; comments: unknown[] };
    expect(replica.summary).toBe('PRINTER ON 3RD FLOOR BROKEN');
    expect(replica.comments).toHaveLength(15);
    expect(r.stderr).toBe('built\n');
  });

  it('incoming prints the resulting entity', async () => {
    const replica = file(
      'replica.json',
      JSON.stringify({ summary: 'From partner', status: { id: 'completed', name: 'Completed' } }),
    );
    const script = file(
      'in.groovy',
      'entity.summary = replica.summary\nif (replica.status.name == "Completed") entity.status = nodeHelper.getStatus("Resolved")',
    );
    const r = await cli([
      'run',
      '--script',
      script,
      '--entity',
      entityFile,
      '--replica',
      replica,
      '--direction',
      'incoming',
    ]);
    expect(r.code).toBe(0);
    const entity = JSON.parse(r.stdout) as { summary: string; status: unknown; comments: unknown[] };
    expect(entity.summary).toBe('From partner');
    expect(entity.status).toEqual({ id: 4, name: 'Resolved' });
    expect(entity.comments).toHaveLength(20);
  });

  it('incoming with --first-sync and a minimal entity file', async () => {
    const replica = file('replica2.json', JSON.stringify({ summary: 'New one' }));
    const minimal = file('minimal.json', JSON.stringify({ summary: '' }));
    const script = file('first.groovy', 'if (firstSync) entity.serviceId = 1336\nentity.summary = replica.summary');
    const r = await cli([
      'run',
      '--script',
      script,
      '--entity',
      minimal,
      '--replica',
      replica,
      '--first-sync',
      '--platform',
      'xurrent',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      platform: 'xurrent',
      summary: 'New one',
      native: { serviceId: 1336 },
    });
  });

  it('a script error exits 1 with the error on stderr', async () => {
    const script = file('typo.groovy', 'replica.summary = entity.sumary');
    const r = await cli(['run', '--script', script, '--entity', entityFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Script error at 1:26: No such property: sumary for entity (did you mean summary?)');
  });

  it('an invalid entity file is reported with the field', async () => {
    const bad = file('bad-entity.json', JSON.stringify({ labels: 'not-a-list' }));
    const r = await cli(['run', '--script', file('x.groovy', 'replica.x = 1'), '--entity', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('labels');
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['run', '--script', 'x'])).code).toBe(2);
    expect((await cli(['run', '--script', 'x', '--entity', entityFile, '--direction', 'sideways'])).code).toBe(2);
  });
});

const binary = join(import.meta.dirname, '../../bin/deskbridge.mjs');

describe('the real binary', () => {
  it('node bin/deskbridge.mjs rules check and run', async () => {
    const run = promisify(execFile);
    const ok = await run(process.execPath, [
      binary,
      'rules',
      'check',
      file('bin-ok.groovy', 'replica.summary = entity.summary'),
    ]);
    expect(ok.stdout).toContain('OK:');
    const out = await run(process.execPath, [
      binary,
      'rules',
      'run',
      '--script',
      file('bin-run.groovy', 'replica.key = entity.key'),
      '--entity',
      entityFile,
    ]);
    expect(JSON.parse(out.stdout)).toMatchObject({ key: '#1234' });
    const failed = await run(process.execPath, [binary, 'rules', 'check', file('bin-bad.groovy', 'def x = (')]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('bin-bad.groovy:1:9:');
  }, 30_000);
});
