import type { Server } from 'node:http';
import { buildAppDeps, type AppDepsOptions } from './app-deps.ts';
import type { AppDeps } from './app/deps.ts';
import type { Config } from './config.ts';
import type { Route } from './http/router.ts';
import { createHttpServer, listen } from './http/server.ts';
import { listeningOn } from './http/port-in-use.ts';
import { NodeClient } from './node/client.ts';
import { outboundPolicy } from './http/outbound-policy.ts';
import { nodeProtocolRoutes } from './node/routes.ts';
import { createSlackSurface, type SlackSurface } from '../adapters/slack/app.ts';
import { createTeamsSurface, type TeamsSurface } from '../adapters/teams/app.ts';
import { digestMessage } from './flows/digest.ts';
import { followAcceptances } from './flows/invitation-message.ts';
import { statusNotice } from './flows/status-notice.ts';
import { webhookInstance } from './app/webhook-secrets.ts';
import { recordWebhookOutcome } from './app/webhook-receipts.ts';
import { SyncEngine, webhookRoutes } from './sync/index.ts';
import { nodeSyncTransport } from './node/sync-transport.ts';
import { Poller } from './poller/poller.ts';
import { defaultHealthProbe, pollerNodeClient } from './poller/health-check.ts';
import { readinessRoute, type ServicePhase, shutdownGate } from './readiness.ts';
import { Metrics } from './metrics/registry.ts';
import { metricsServed, publicMetricsRoutes, startMetricsServer, stopMetricsServer } from './metrics/endpoint.ts';
import { observeRequests } from './metrics/http-requests.ts';
import { metricsSources } from './app/metrics-sources.ts';

/** The sync engine over this node's data, sending to other nodes through the node protocol. */
export function buildSyncEngine(deps: AppDeps, config: Config): SyncEngine {
  const { errorAfterFailures, errorAfterMs, ...pace } = config.sync;
  const engine = new SyncEngine(deps, {
    ...pace,
    transport: nodeSyncTransport(
      new NodeClient({
        timeoutMs: config.nodeTimeoutMs,
        clock: deps.clock,
        outbound: outboundPolicy(config.allowPrivateUrls),
      }),
    ),
    health: { failuresBeforeError: errorAfterFailures, errorAfterMs },
  });
  deps.kickSync = () => engine.kick();
  return engine;
}

export function serviceRoutes(
  deps: AppDeps,
  slack: SlackSurface | null = null,
  sync: SyncEngine | null = null,
  teams: TeamsSurface | null = null,
): Route[] {
  return [
    { method: 'GET', path: '/healthz', handle: () => ({ status: 200, body: { status: 'ok' } }) },
    ...nodeProtocolRoutes(deps),
    ...(sync
      ? webhookRoutes({
          findInstanceBySlug: async (slug) => webhookInstance(deps, slug),
          intake: async (notice) => sync.intake(notice),
          recordOutcome: (slug, outcome) => recordWebhookOutcome(deps, slug, outcome),
          now: () => deps.clock().getTime(),
          instanceCacheMs: 1000,
          ...(deps.outbound ? { outbound: deps.outbound } : {}),
        })
      : []),
    ...(slack?.routes ?? []),
    ...(teams?.routes ?? []),
  ];
}

export interface RunningService {
  deps: AppDeps;
  server: Server;
  slack: SlackSurface | null;
  /**
   * With Teams credentials, botbuilder checks each request's JWT; without them only in local mode (loopback callers
   * only); otherwise null, and /api/messages is not served at all.
   */
  teams: TeamsSurface | null;
  sync: SyncEngine;
  /** The status poller; its jobs run on schedule only when POLLER_ENABLED (tests call them directly). */
  poller: Poller;
  url: string;
  close(): Promise<void>;
}

export interface ServiceOptions extends AppDepsOptions {
  /** Local mode (src/local: no chat credentials, LOCAL_MODE=auto): the only state Teams is served without its JWT. */
  localMode?: boolean;
}

/** Opens the data dir, mounts every route on one HTTP server and listens. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  // Metrics only when /metrics is served (METRICS_TOKEN or METRICS_PORT); its own port first, before anything opens.
  const metrics = metricsServed(options.config.metrics) ? new Metrics() : undefined;
  const metricsServer = await startMetricsServer(metrics, options.config.metrics, options.logger);
  const deps = buildAppDeps(metrics ? { ...options, metrics } : options);
  metrics?.readFrom(metricsSources(deps));
  const slack = options.config.slack
    ? createSlackSurface({
        deps,
        config: options.config.slack,
        publicUrl: options.config.publicUrl,
        logger: options.logger,
      })
    : null;
  const sync = buildSyncEngine(deps, options.config);
  const teams =
    options.config.teams.appId !== null || options.localMode
      ? createTeamsSurface({
          deps,
          config: options.config.teams,
          logger: options.logger,
          localMode: options.localMode ?? false,
        })
      : null;
  if (!teams) options.logger.info('Teams is off (no MICROSOFT_APP_ID, not in local mode): /api/messages is not served');
  // One reaction to an acceptance for every surface that is on (the invitation messages are marked once).
  const stopFollowingAcceptances = followAcceptances(deps, {
    ...(slack ? { slack: slack.performAddressed } : {}),
    ...(teams ? { teams: teams.performAddressed } : {}),
  });
  // starting -> running once the engine runs -> stopping from the first moment of close(): what /readyz reports.
  let phase: ServicePhase = 'starting';
  const readiness = { phase: () => phase, database: deps.db.$client, engineRunning: () => sync.running };
  const routes = [
    readinessRoute(readiness),
    ...serviceRoutes(deps, slack, sync, teams),
    ...publicMetricsRoutes(metrics, options.config.metrics),
  ];
  const server = createHttpServer(
    routes,
    options.logger,
    undefined,
    shutdownGate(() => phase, ['/metrics']),
  );
  if (metrics) observeRequests(server, routes, metrics);
  await slack?.start();
  const { port, host } = options.config;
  const address = await listeningOn(port, host, 'DeskBridge', 'PORT', () => listen(server, port, host)).catch(
    async (error: unknown) => {
      stopFollowingAcceptances();
      await slack?.stop();
      await teams?.stop();
      await deps.rules.close();
      deps.db.$client.close();
      await stopMetricsServer(metricsServer);
      throw error;
    },
  );
  options.logger.info({ port: address.port, publicUrl: options.config.publicUrl }, 'DeskBridge is listening');
  sync.start();
  const poller = new Poller(deps, {
    config: options.config.poller,
    probe: defaultHealthProbe(
      deps,
      pollerNodeClient(options.config.nodeTimeoutMs, outboundPolicy(options.config.allowPrivateUrls), deps.clock),
    ),
    notifiers: [...(slack ? [slack.notifier] : []), ...(teams ? [teams.notifier] : [])],
    // The poller queues notices; the flows make them.
    views: { statusNotice, digest: digestMessage },
    sync,
  });
  if (options.config.poller.enabled) poller.start();
  phase = 'running';
  return {
    deps,
    server,
    slack,
    teams,
    sync,
    poller,
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    /**
     * Shuts down without losing work: new requests are refused first (503 with Retry-After: webhooks, node pushes and
     * chat requests are sent again), the engine finishes what is in flight and starts nothing new, webhooks taken are
     * written, and the WAL is checkpointed into the database file before it is closed.
     */
    async close() {
      phase = 'stopping';
      stopFollowingAcceptances();
      await poller.stop();
      await slack?.stop();
      await teams?.stop();
      await sync.stop();
      // After the engine's last pass: its runs have finished; a test run still going fails with a clear error.
      await deps.rules.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopMetricsServer(metricsServer);
      deps.db.$client.pragma('wal_checkpoint(TRUNCATE)');
      deps.db.$client.close();
    },
  };
}
