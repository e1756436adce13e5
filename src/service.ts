import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { databasePath, openDatabase, type Db } from '../db/client.ts';
import type { AppDeps } from './app/deps.ts';
import type { Config } from './config.ts';
import type { HelpdeskDirectory } from './domain/helpdesk.ts';
import type { RemoteNodes } from './domain/remote.ts';
import type { Route } from './http/router.ts';
import { createHttpServer, listen } from './http/server.ts';
import { NodeClient } from './node/client.ts';
import { nodeProtocolRoutes } from './node/routes.ts';
import { loadOrCreateKeyFile, SecretBox } from './secrets.ts';
import { AppEvents } from './app/events.ts';
import { createSlackSurface, type SlackSurface } from '../adapters/slack/app.ts';

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  helpdesks: HelpdeskDirectory;
  clock?: () => Date;
  remote?: RemoteNodes;
}

/** The use-case dependencies for a data dir: the CLI and the server share this, so both see the same state. */
export function buildAppDeps(options: ServiceOptions): AppDeps {
  const { config } = options;
  const db: Db = openDatabase(databasePath(config.dataDir));
  const secrets = new SecretBox(config.secretKey ?? loadOrCreateKeyFile(config.dataDir));
  const events = new AppEvents();
  events.reportErrorsTo((error, event) => options.logger.error({ err: error, event: event.type }, 'event listener failed'));
  return {
    db,
    secrets,
    clock: options.clock ?? (() => new Date()),
    publicUrl: config.publicUrl,
    invitationTtlMs: config.invitationTtlMs,
    helpdesks: options.helpdesks,
    remote: options.remote ?? new NodeClient({ timeoutMs: config.nodeTimeoutMs }),
    logger: options.logger,
    events,
  };
}

export function serviceRoutes(deps: AppDeps, slack: SlackSurface | null = null): Route[] {
  return [
    { method: 'GET', path: '/healthz', handle: () => ({ status: 200, body: { status: 'ok' } }) },
    ...nodeProtocolRoutes(deps),
    ...(slack?.routes ?? []),
  ];
}

export interface RunningService {
  deps: AppDeps;
  server: Server;
  slack: SlackSurface | null;
  url: string;
  close(): Promise<void>;
}

/** Opens the data dir, mounts every route on one HTTP server and listens. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const deps = buildAppDeps(options);
  const slack = options.config.slack
    ? createSlackSurface({ deps, config: options.config.slack, publicUrl: options.config.publicUrl, logger: options.logger })
    : null;
  const server = createHttpServer(serviceRoutes(deps, slack), options.logger);
  await slack?.start();
  const address = await listen(server, options.config.port, options.config.host);
  options.logger.info({ port: address.port, publicUrl: options.config.publicUrl }, 'DeskBridge is listening');
  return {
    deps,
    server,
    slack,
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    async close() {
      await slack?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      deps.db.$client.close();
    },
  };
}
