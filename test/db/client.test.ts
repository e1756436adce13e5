import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildAppDeps } from '../../src/app-deps.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { recordRunningService } from '../../src/running-service.ts';
import { fixedHelpdesks } from '../support/helpdesks.ts';
import { tempDir } from '../support/nodes.ts';
import { registerTestInstance } from '../support/story.ts';

/**
 * Issue 18, finding 9: the data dir the service creates is 0700 and the database, its WAL and shared-memory files
 * and the generated key file are 0600, whatever the umask leaves; an older install's 0644 files are tightened.
 */
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

let parent: string;
let umaskBefore: number;
beforeAll(() => {
  // The usual umask, under which files are created 0644 and dirs 0755 unless the code asks otherwise.
  umaskBefore = process.umask(0o022);
  parent = tempDir('deskbridge-modes-');
});
afterAll(() => {
  process.umask(umaskBefore);
  rmSync(parent, { recursive: true, force: true });
});

const opened: Array<{ close(): void }> = [];
afterEach(() => {
  while (opened.length > 0) opened.pop()!.close();
});

function open(dataDir: string) {
  const deps = buildAppDeps({
    config: loadConfig({ DESKBRIDGE_DATA_DIR: dataDir }),
    logger: createLogger('silent'),
    connectHelpdesk: fixedHelpdesks(),
  });
  opened.push(deps.db.$client);
  return deps;
}

describe('the files of a data dir', () => {
  it('are this user’s only when the service creates them', async () => {
    const dataDir = join(parent, 'fresh', 'data');
    const deps = open(dataDir);
    await registerTestInstance(deps, 'acme', 'freshdesk');
    recordRunningService(dataDir, { pid: process.pid, publicUrl: 'http://127.0.0.1:1', local: null });
    const db = join(dataDir, 'deskbridge.db');
    expect(existsSync(`${db}-wal`) && existsSync(`${db}-shm`)).toBe(true);
    expect({
      dir: mode(dataDir),
      parent: mode(join(parent, 'fresh')),
      db: mode(db),
      wal: mode(`${db}-wal`),
      shm: mode(`${db}-shm`),
      key: mode(join(dataDir, 'secret.key')),
    }).toEqual({ dir: '700', parent: '700', db: '600', wal: '600', shm: '600', key: '600' });
  });

  it('are tightened to 0600 when an older install left them readable by others', async () => {
    const dataDir = join(parent, 'older');
    open(dataDir).db.$client.close();
    opened.pop();
    const db = join(dataDir, 'deskbridge.db');
    writeFileSync(`${db}-wal`, '');
    for (const file of [db, `${db}-wal`]) chmodSync(file, 0o644);
    open(dataDir);
    expect([mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual(['600', '600', '600']);
  });
});
