import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { knownMigrations } from '../../db/migration-status.ts';
import { databasePath } from '../../db/client.ts';
import { listConnections, listStatusEvents } from '../../src/app/connection-lifecycle.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { listInstances } from '../../src/app/instances.ts';
import { listRuleVersions } from '../../src/app/rule-versions.ts';
import { listTriggers } from '../../src/app/triggers.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { tempDir } from '../support/nodes.ts';
import { createDatabaseAt } from '../support/old-schema.ts';
import { repoRoot, runDeskbridge } from '../support/processes.ts';

/**
 * An install made by an older DeskBridge, opened by this one: the database is created by the real drizzle migrator
 * with only the old migrations and filled with raw SQL written for that schema (test/fixtures/upgrade/, which says
 * which migration each file is for); then the current code opens it, which applies the rest, and everything is found
 * as it was. The sealed values were sealed with this key (the fixtures say so).
 */
const KEY = 'a'.repeat(64);
const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'upgrade', name);

let dirs: string[] = [];
let open: AppDeps[] = [];

afterEach(async () => {
  for (const deps of open) {
    await deps.rules.close();
    deps.db.$client.close();
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
  open = [];
});

function oldInstall(lastTag: string, seeds: string[]): string {
  const dataDir = tempDir('deskbridge-upgrade-');
  dirs.push(dataDir);
  createDatabaseAt(databasePath(dataDir), lastTag, seeds.map(fixture));
  return dataDir;
}

/** The current code on the data dir, as the service and the CLI open it (the real migrator runs here). */
function currentCode(dataDir: string): AppDeps {
  const config = loadConfig({ DESKBRIDGE_DATA_DIR: dataDir, DESKBRIDGE_SECRET_KEY: KEY, LOG_LEVEL: 'silent' });
  const deps = buildAppDeps({ config, logger: createLogger('silent') });
  open.push(deps);
  return deps;
}

function all<T = Record<string, unknown>>(deps: AppDeps, sql: string): T[] {
  return deps.db.$client.prepare(sql).all() as T[];
}

describe('upgrading an install made by the oldest committed migration (0000_init)', () => {
  it('keeps instances, sealed credentials, connections and their status, invitations, the inbox and the logs', () => {
    const dataDir = oldInstall('0000_init', ['0000-data.sql']);
    const deps = currentCode(dataDir);

    const applied = all<{ hash: string }>(deps, 'SELECT hash FROM __drizzle_migrations ORDER BY created_at');
    expect(applied.map((m) => m.hash)).toEqual(knownMigrations().map((m) => m.hash));

    expect(
      listInstances(deps).map((i) => ({
        id: i.id,
        slug: i.slug,
        name: i.name,
        platform: i.platform,
        baseUrl: i.baseUrl,
        public: i.public,
        license: i.license,
      })),
    ).toEqual([
      {
        id: 'inst-acme-0000',
        slug: 'acme',
        name: 'Acme Support',
        platform: 'freshdesk',
        baseUrl: 'https://acme.freshdesk.com',
        public: true,
        license: { kind: 'paid', until: null },
      },
      {
        id: 'inst-globex-0000',
        slug: 'globex',
        name: 'Globex IT',
        platform: 'xurrent',
        baseUrl: 'https://api.xurrent.com',
        public: false,
        license: { kind: 'evaluation', until: new Date(1797000000000) },
      },
    ]);
    const sealed = all<{ id: string; credentials_enc: string }>(
      deps,
      'SELECT id, credentials_enc FROM instances ORDER BY id',
    );
    expect(sealed.map((row) => deps.secrets.openJson(row.credentials_enc))).toEqual([
      { kind: 'apiKey', apiKey: 'fd-key-acme-0000' },
      { kind: 'token', token: 'xu-token-globex-0000', account: 'globex' },
    ]);

    const connections = listConnections(deps);
    expect(connections.map((c) => [c.id, c.instanceSlug, c.name, c.role, c.mode, c.status])).toEqual([
      ['conn-acme-initech-00', 'acme', 'Acme to Initech', 'initiator', 'script', 'active'],
      ['conn-acme-pending-0', 'acme', 'Acme to Hooli', 'initiator', 'basic', 'pending'],
      ['conn-globex-paused0', 'globex', 'Globex from Umbrella', 'acceptor', 'basic', 'deactivated'],
    ]);
    expect(connections[0]).toMatchObject({
      description: 'tickets both ways',
      remoteUrl: 'https://initech.example/i/initech',
      remoteConnectionId: 'conn-remote-initech-0',
      remotePlatform: 'freshservice',
      incomingProject: { id: '43000012', name: 'Tier 2' },
      entitiesUnderSync: 12,
      lastSync: { entityKey: 'ACME-41', at: new Date(1795000500000) },
    });
    expect(connections[2]).toMatchObject({ remoteIsPrivate: true, entitiesUnderSync: 3 });
    const [key] = all<{ key_enc: string }>(deps, "SELECT key_enc FROM connections WHERE id = 'conn-acme-initech-00'");
    expect(deps.secrets.open(key!.key_enc)).toBe(Buffer.alloc(32, 7).toString('base64'));
    // Columns added later take their documented defaults: the link note on (0009), deleted twins ignored (0010).
    expect(all(deps, 'SELECT link_note, on_twin_deleted FROM connections ORDER BY id')).toEqual(
      Array(3).fill({ link_note: 1, on_twin_deleted: 'ignore' }),
    );
    expect(listStatusEvents(deps, 'conn-globex-paused0')).toEqual([
      {
        connectionId: 'conn-globex-paused0',
        from: 'active',
        to: 'deactivated',
        reason: 'paused by an admin',
        at: new Date(1795000350000),
      },
    ]);

    expect(all(deps, 'SELECT connection_id, bound_destination, expires_at, used_at FROM invitations')).toEqual([
      {
        connection_id: 'conn-acme-pending-0',
        bound_destination: 'https://hooli.example/i/hooli',
        expires_at: 1795259400000,
        used_at: null,
      },
    ]);
    // The inbox (0000's one queue): the applied message stays applied, the waiting one still waits.
    expect(all(deps, 'SELECT id, idempotency_key, entity_key, applied_at, attempts FROM inbox ORDER BY id')).toEqual([
      { id: 1, idempotency_key: 'initech:ticket:7:rev1', entity_key: 'INI-7', applied_at: 1795000400500, attempts: 0 },
      { id: 2, idempotency_key: 'initech:ticket:8:rev1', entity_key: 'INI-8', applied_at: null, attempts: 0 },
    ]);
    expect(all(deps, 'SELECT request_id FROM node_request_ids')).toEqual([{ request_id: 'req-0001' }]);
    expect(all(deps, 'SELECT actor, action, subject_id, details FROM audit_log')).toEqual([
      {
        actor: 'slack:T1:U1',
        action: 'connection.initiate',
        subject_id: 'conn-acme-initech-00',
        details: '{"mode":"script"}',
      },
    ]);
  });

  it('is opened and migrated by the real deskbridge binary too', async () => {
    const dataDir = oldInstall('0000_init', ['0000-data.sql']);
    const listed = await runDeskbridge(['connections', 'list', '--json'], {
      DESKBRIDGE_DATA_DIR: dataDir,
      DESKBRIDGE_SECRET_KEY: KEY,
    });
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { id: string; status: string }[];
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['conn-acme-initech-00', 'active'],
      ['conn-acme-pending-0', 'pending'],
      ['conn-globex-paused0', 'deactivated'],
    ]);
  });
});

describe('upgrading an install at a middle point (0002_sync, with sync data)', () => {
  it('keeps the rules, triggers, queues, twin links, sync state and errors, and the webhook secret', () => {
    const dataDir = oldInstall('0002_sync', ['0000-data.sql', '0002-data.sql']);
    const deps = currentCode(dataDir);

    expect(
      listRuleVersions(deps, { connection: 'conn-acme-initech-00' }).map((v) => [v.version, v.status, v.outgoing]),
    ).toEqual(
      expect.arrayContaining([
        [1, 'published', 'replica.summary = entity.summary'],
        [2, 'draft', 'replica.summary = entity.summary\nreplica.comments = entity.comments'],
      ]),
    );
    expect(listTriggers(deps, { connection: 'conn-acme-initech-00' })).toMatchObject([
      { id: 'trig-acme-0001', query: 'priority:3', active: true, notes: 'urgent only' },
    ]);
    expect(
      all(deps, 'SELECT id, entity_id, reason, force, not_before, attempts FROM change_queue ORDER BY id'),
    ).toEqual([
      { id: 1, entity_id: '41', reason: 'webhook', force: 0, not_before: null, attempts: 0 },
      { id: 2, entity_id: '42', reason: 'trigger', force: 1, not_before: 1795000480000, attempts: 2 },
    ]);
    expect(all(deps, 'SELECT id, idempotency_key, status, attempts, last_error FROM outbox ORDER BY id')).toEqual([
      { id: 1, idempotency_key: 'acme:40:h1', status: 'delivered', attempts: 1, last_error: null },
      {
        id: 2,
        idempotency_key: 'acme:41:h1',
        status: 'queued',
        attempts: 3,
        last_error: 'the other node did not answer',
      },
    ]);
    // A twin made before unlinking existed (0010) is a linked twin.
    expect(
      all(deps, 'SELECT local_entity_id, remote_entity_id, comment_map, unlinked_at, unlinked_reason FROM twin_links'),
    ).toEqual([
      {
        local_entity_id: '40',
        remote_entity_id: '7',
        comment_map: '{"c1":"r1"}',
        unlinked_at: null,
        unlinked_reason: null,
      },
    ]);
    expect(all(deps, 'SELECT poll_cursor, failed_attempts, last_failure FROM sync_state')).toEqual([
      { poll_cursor: '1795000400000', failed_attempts: 3, last_failure: 'the other node did not answer' },
    ]);
    expect(all(deps, 'SELECT entity_key, message, line, "column", resolved_at FROM sync_errors')).toEqual([
      { entity_key: 'ACME-42', message: 'No such field: priorty', line: 3, column: 9, resolved_at: null },
    ]);
    const [hook] = all<{ secret_enc: string }>(deps, 'SELECT secret_enc FROM webhook_secrets');
    expect(deps.secrets.open(hook!.secret_enc)).toBe('webhook-secret-acme');
    // And the 0000 rows beside them are still there.
    expect(listConnections(deps).map((c) => c.status)).toEqual(['active', 'pending', 'deactivated']);
  });
});
