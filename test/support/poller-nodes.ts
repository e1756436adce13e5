import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import { listConnections } from '../../src/app/connection-lifecycle.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startService, type RunningService } from '../../src/service.ts';
import type { FakeSlack } from './fake-slack.ts';
import { fixedHelpdesks } from './helpdesks.ts';
import { freePort, loopbackNodeEnv, tempDir, TestClock } from './nodes.ts';
import { registerTestInstance } from './story.ts';

/** A node that can be stopped and started again on the same data dir and port (a restart), poller driven by hand. */
export interface RestartableNode {
  name: string;
  dataDir: string;
  port: number;
  url: string;
  service: RunningService;
  config: Config;
  logs: string[];
  instanceUrl(slug: string): string;
  /** Closes the service (the data stays). */
  stop(): Promise<void>;
  /** Starts the service again on the same data dir and port. */
  restart(): Promise<void>;
  /** Stops it and removes the data dir. */
  destroy(): Promise<void>;
}

export async function startRestartableNode(
  name: string,
  options: { clock: TestClock; slack?: FakeSlack; env?: Record<string, string> },
): Promise<RestartableNode> {
  const dataDir = tempDir(`deskbridge-poller-${name}-`);
  const port = await freePort();
  const config = loadConfig({
    ...loopbackNodeEnv(port, dataDir),
    // Key from the environment, so a restart opens the same secrets without a key file race.
    DESKBRIDGE_SECRET_KEY: Buffer.alloc(32, name.charCodeAt(0)).toString('hex'),
    POLLER_SEND_INTERVAL_MS: '0',
    ...(options.slack
      ? {
          SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
          SLACK_BOT_TOKEN: `xoxb-${name}-test-token`,
          SLACK_API_URL: options.slack.apiUrl,
        }
      : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  let starts = 0;
  const start = async () => {
    const service = await startService({
      config,
      logger: createLogger('debug', sink),
      connectHelpdesk: fixedHelpdesks(),
      clock: options.clock.now,
    });
    // Bolt checks the token (auth.test) when the app is built; let that finish, or a quick test's teardown races it.
    starts++;
    if (options.slack) {
      await options.slack.waitFor('auth.test', () => options.slack!.callsTo('auth.test').length >= starts);
      await new Promise((r) => setTimeout(r, 20));
    }
    return service;
  };
  let running: RunningService | null = await start();
  const node: RestartableNode = {
    name,
    dataDir,
    port,
    url: config.publicUrl,
    get service() {
      if (!running) throw new Error(`node ${name} is stopped`);
      return running;
    },
    config,
    logs,
    instanceUrl: (slug) => `${config.publicUrl}/i/${slug}`,
    async stop() {
      await running?.close();
      running = null;
    },
    async restart() {
      if (running) await running.close();
      running = await start();
    },
    async destroy() {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return node;
}

/**
 * A (acme, Freshdesk, Slack to a fake Slack) and B (globex, Xurrent), on one controllable clock: both sign and check
 * node requests with it, so it may move as far as a test needs.
 */
export async function pollerPair(
  slack: FakeSlack,
  env: { a?: Record<string, string>; b?: Record<string, string> } = {},
) {
  const clock = new TestClock();
  const a = await startRestartableNode('a', { clock, slack, ...(env.a ? { env: env.a } : {}) });
  const b = await startRestartableNode('b', { clock, ...(env.b ? { env: env.b } : {}) });
  await registerTestInstance(a.service.deps, 'acme', 'freshdesk');
  await registerTestInstance(b.service.deps, 'globex', 'xurrent');
  return {
    clock,
    a,
    b,
    /** Initiates Acme -> Globex on A; returns the pending connection and its code. */
    /** A null destination makes a private connection: the acceptor has no URL and pulls. */
    async initiate(name = 'Acme to Globex', destination: string | null = 'globex') {
      const { connection, code } = await initiateConnection(a.service.deps, {
        instance: 'acme',
        destinationUrl: destination === null ? null : b.instanceUrl(destination),
        mode: 'basic',
        localShortName: 'Acme',
        remoteShortName: 'Globex',
        name,
        incomingProjectId: '1001',
        actor: 'test:alice',
      });
      return { connection, code };
    },
    async accept(code: string, instance = 'globex', incomingProjectId?: string) {
      await acceptInvitation(b.service.deps, {
        instance,
        code,
        actor: 'test:bob',
        ...(incomingProjectId ? { incomingProjectId } : {}),
      });
      return listConnections(a.service.deps);
    },
    async destroy() {
      await a.destroy();
      await b.destroy();
    },
  };
}
