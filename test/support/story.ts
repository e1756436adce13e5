import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { join } from 'node:path';
import { connections } from '../../db/schema/index.ts';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { registerInstance } from '../../src/app/instances.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import type { Platform } from '../../src/domain/instance.ts';
import { startTestNode, TestClock, type TestNode } from './nodes.ts';

export const API_KEYS = {
  acme: 'acme-fd-key-8f2d1c0e',
  globex: 'globex-xurrent-token-77aa',
  initech: 'initech-fs-key-3b9e',
};

export async function registerTestInstance(
  deps: AppDeps,
  slug: string,
  platform: Platform,
  extra: { public?: boolean; license?: 'evaluation' | 'paid' | 'expired' } = {},
) {
  const apiKey = (API_KEYS as Record<string, string>)[slug] ?? `${slug}-secret-key`;
  return registerInstance(deps, {
    platform,
    baseUrl: `https://${slug}.example.test`,
    credentials:
      platform === 'xurrent' ? { kind: 'token', token: apiKey, account: `${slug}-it` } : { kind: 'apiKey', apiKey },
    name: slug[0]!.toUpperCase() + slug.slice(1),
    slug,
    actor: 'test:admin',
    ...extra,
  });
}

/** Two nodes: A serves "acme" (Freshdesk), B serves "globex" (Xurrent). */
export async function twoNodes(): Promise<{ a: TestNode; b: TestNode; stop(): Promise<void> }> {
  // Two clocks on the same start, so a test can move one side past an expiry while the other stays.
  const a = await startTestNode('a', { clock: new TestClock() });
  const b = await startTestNode('b', { clock: new TestClock() });
  await registerTestInstance(a.deps, 'acme', 'freshdesk');
  await registerTestInstance(b.deps, 'globex', 'xurrent');
  return {
    a,
    b,
    async stop() {
      await a.stop();
      await b.stop();
    },
  };
}

/** Initiates the Script connection "Acme to Globex" from acme on A to globex on B, as `twoNodes` serves them; `overrides` change any field. */
export function initiateAcmeToGlobex(
  nodes: { a: { deps: AppDeps }; b: { instanceUrl(slug: string): string } },
  overrides: Partial<Parameters<typeof initiateConnection>[1]> = {},
) {
  return initiateConnection(nodes.a.deps, {
    instance: 'acme',
    destinationUrl: nodes.b.instanceUrl('globex'),
    mode: 'script',
    localShortName: 'Acme',
    remoteShortName: 'Globex',
    name: 'Acme to Globex',
    incomingProjectId: '1001',
    actor: 'test:alice',
    ...overrides,
  });
}

/** The key a node signs a connection's requests with, as it stored it (sealed) at acceptance. */
export function storedConnectionKey(deps: AppDeps, connectionId: string): Buffer {
  const row = deps.db
    .select({ keyEnc: connections.keyEnc })
    .from(connections)
    .where(eq(connections.id, connectionId))
    .get();
  if (!row?.keyEnc) throw new Error(`connection ${connectionId} has no key`);
  return Buffer.from(deps.secrets.open(row.keyEnc), 'base64');
}

/** Bookkeeping that background loops keep whatever a test does (seen request ids and Slack request signatures, the
 * sync engine's cursors and pull-mode probe, the poller's lease): not state a person changed. */
const backgroundBookkeeping = ['node_request_ids', 'slack_request_signatures', 'sync_state', 'poller_leases'];

/** Every row of every other table, read from the SQLite file: what "nothing changed" is checked against. */
export function snapshot(node: { dataDir: string }): Record<string, unknown[]> {
  const db = new Database(join(node.dataDir, 'deskbridge.db'), { readonly: true });
  try {
    const tables = db
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
      )
      .all()
      .filter((t) => !backgroundBookkeeping.includes((t as { name: string }).name)) as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`select * from "${name}"`).all()]));
  } finally {
    db.close();
  }
}

/**
 * One node hosting acme (Freshdesk, linked to a chat workspace) and initech (Freshservice), with an active Basic
 * connection "Acme to Initech" between them through the node protocol. Returns acme's connection id.
 */
export async function connectAcmeToInitech(
  node: { deps: AppDeps; instanceUrl(slug: string): string },
  workspace: { platform: 'slack' | 'teams'; tenantId: string; actor: string; description?: string },
): Promise<string> {
  await registerTestInstance(node.deps, 'acme', 'freshdesk');
  await registerTestInstance(node.deps, 'initech', 'freshservice');
  linkWorkspace(node.deps, {
    platform: workspace.platform,
    tenantId: workspace.tenantId,
    instance: 'acme',
    actor: 'test:setup',
  });
  const { code, connection } = await initiateConnection(node.deps, {
    instance: 'acme',
    destinationUrl: node.instanceUrl('initech'),
    mode: 'basic',
    localShortName: 'Acme',
    remoteShortName: 'Initech',
    name: 'Acme to Initech',
    ...(workspace.description ? { description: workspace.description } : {}),
    incomingProjectId: '1001',
    actor: workspace.actor,
  });
  await acceptInvitation(node.deps, { instance: 'initech', code, incomingProjectId: '2', actor: 'test:bob' });
  return connection.id;
}
