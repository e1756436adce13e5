import { join } from 'node:path';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { setLinkNote } from '../../src/app/connection-lifecycle.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { registerInstance } from '../../src/app/instances.ts';
import { addTrigger } from '../../src/app/triggers.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import { loadConfig } from '../../src/config.ts';
import { outboundPolicy } from '../../src/http/outbound-policy.ts';
import { createLogger } from '../../src/logger.ts';
import { realHelpdesks } from './helpdesks.ts';
import { freePort, tempDir } from './nodes.ts';
import { repoRoot, startServiceProcess, type ServiceProcess } from './processes.ts';
import { agentOf, type FreshworksSimulator, type Simulator } from './sync-nodes.ts';

/**
 * The service as one process (`node --import tsx src/main.ts`): the `tsx` command would run it in a child of its own,
 * and a signal to the wrapper would reach the wrapper, not the node itself.
 */
export const serviceCommand = [process.execPath, '--import', 'tsx', join(repoRoot, 'src', 'main.ts')];

/** A node running in a process of its own, on the machine's clock, with its data dir and environment. */
export interface ProcessNode {
  env: Record<string, string>;
  url: string;
  dataDir: string;
  service: ServiceProcess | null;
}

/** Starts a node process with a fast engine timer on a fresh data dir (on loopback: private URLs allowed). */
export async function processNode(name: string, env: Record<string, string> = {}): Promise<ProcessNode> {
  const port = await freePort();
  const dataDir = tempDir(`deskbridge-process-${name}-`);
  const url = `http://127.0.0.1:${port}`;
  const nodeEnv = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DESKBRIDGE_DATA_DIR: dataDir,
    DESKBRIDGE_SECRET_KEY: 'a'.repeat(64),
    DESKBRIDGE_NODE_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'warn',
    SYNC_INTERVAL_MS: '20',
    SYNC_POLL_INTERVAL_MS: '3600000',
    SYNC_RETRY_BASE_MS: '50',
    SYNC_RETRY_MAX_MS: '400',
    // Its partner and the simulators are on loopback.
    DESKBRIDGE_ALLOW_PRIVATE_URLS: 'true',
    ...env,
  };
  return {
    env: nodeEnv,
    url,
    dataDir,
    service: await startServiceProcess(nodeEnv, `${url}/healthz`, serviceCommand),
  };
}

/** Use-cases on a node's data dir from the test process (setup and checks; the node's own process does the syncing). */
export function depsOf(node: ProcessNode) {
  return buildAppDeps({
    config: loadConfig(node.env),
    logger: createLogger('silent'),
    connectHelpdesk: realHelpdesks({ outbound: outboundPolicy(true) }),
  });
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 40_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `count` tickets on the simulator, each with a public note: "Ticket i", "Body i", "Note for i". */
export function seedNotedTickets(sim: FreshworksSimulator, count: number): void {
  for (let i = 0; i < count; i++) {
    sim.addTicket({
      subject: `Ticket ${i}`,
      description: `<p>Body ${i}</p>`,
      email: `user${i}@initech.example`,
      conversations: [{ body: `Note for ${i}`, private: false }],
    });
  }
}

/**
 * From the test process: Initech's Freshservice registered on node A, Acme's Freshdesk on node B, and the connection
 * "Initech to Acme" (Basic mode, each side's first project incoming) with a trigger selecting every ticket on A.
 * The first-sync link note stays on unless `linkNote` is false. Returns B's deps, still open (A's are closed).
 */
export async function connectInitechToAcme(
  nodes: { a: ProcessNode; b: ProcessNode },
  sims: { fs: Simulator; fd: Simulator },
  options: { linkNote?: boolean } = {},
) {
  const { a, b } = nodes;
  const { fs, fd } = sims;
  if (fs.platform !== 'freshservice' || fd.platform !== 'freshdesk') throw new Error('unexpected platform');
  const aDeps = depsOf(a);
  const bDeps = depsOf(b);
  for (const [deps, sim, name] of [
    [aDeps, fs, 'Initech'],
    [bDeps, fd, 'Acme'],
  ] as const) {
    const { platform, url: baseUrl, apiKey } = sim;
    const credentials = { kind: 'apiKey' as const, apiKey };
    await registerInstance(deps, { platform, baseUrl, credentials, name, slug: name.toLowerCase(), actor: 'test' });
  }
  const [workspace] = await agentOf(fs).listProjects();
  const [group] = await agentOf(fd).listProjects();
  const { code, connection } = await initiateConnection(aDeps, {
    instance: 'initech',
    destinationUrl: `${b.url}/i/acme`,
    mode: 'basic',
    localShortName: 'Initech',
    remoteShortName: 'Acme',
    name: 'Initech to Acme',
    incomingProjectId: workspace!.id,
    actor: 'test',
  });
  const accepted = await acceptInvitation(bDeps, {
    instance: 'acme',
    code,
    incomingProjectId: group!.id,
    actor: 'test',
  });
  if (options.linkNote === false) setLinkNote(bDeps, { connection: accepted.id, linkNote: false, actor: 'test' });
  await addTrigger(aDeps, { connection: connection.id, query: '', actor: 'test' });
  aDeps.db.$client.close();
  return bDeps;
}
