import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { startService } from './service.ts';
import { PortInUseError } from './http/port-in-use.ts';
import { ALLOW_PRIVATE_URLS } from './http/outbound-policy.ts';
import { clearRunningService, recordRunningService } from './running-service.ts';
import { isLocalMode, loadLocalSettings, LocalSettingsError, type LocalSettings } from './local/settings.ts';

/** A signal within this long of the first is taken for the same one, relayed by a wrapper process. */
const RELAYED_SIGNAL_MS = 500;

/** The composition root: configuration, logger, the service on one HTTP server, and a clean shutdown. */
async function main(): Promise<void> {
  let config: Config;
  let local: LocalSettings | null = null;
  try {
    config = loadConfig();
    // No chat credentials: local mode (simulated helpdesks and the Agents Playground; see src/local).
    if (isLocalMode(config)) local = loadLocalSettings();
    // Local mode's simulators and the Agents Playground are on this machine: loopback URLs are the point there.
    if (local) config = { ...config, allowPrivateUrls: true };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof LocalSettingsError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (config.allowPrivateUrls)
    logger.warn(
      `private URLs are allowed (${local ? 'local mode' : `${ALLOW_PRIVATE_URLS}=true`}): helpdesk, destination and node URLs may point at loopback, private and link-local addresses`,
    );
  const service = await startService({
    config,
    logger,
    localMode: local !== null,
  }).catch((error: unknown) => {
    if (!(error instanceof PortInUseError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
  // The CLI in another terminal reads where this node is reached (and local mode's simulators) from the data dir.
  recordRunningService(config.dataDir, { pid: process.pid, publicUrl: config.publicUrl, local: null });
  logger.info(
    { url: config.publicUrl, dataDir: config.dataDir },
    `DeskBridge is running at ${config.publicUrl} (health: ${config.publicUrl}/healthz)`,
  );
  // Signals are handled from here on, so a stop during local mode's start-up still stops its children.
  let localMode: Promise<{ close(): Promise<void> } | null> = Promise.resolve(null);
  let stoppingSince: number | null = null;
  const shutdown = (signal: string) => {
    if (stoppingSince !== null) {
      // The same signal relayed by a wrapper (npm, tsx) moments after the first is not a second one.
      if (Date.now() - stoppingSince < RELAYED_SIGNAL_MS) return;
      // A second signal while shutting down: the operator wants out now (the apply markers recover the rest).
      logger.warn({ signal, abandoned: service.sync.inFlight() }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    const startedAt = stoppingSince;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    const bound = setTimeout(() => {
      logger.error(
        { timeoutMs: config.shutdownTimeoutMs, abandoned: service.sync.inFlight() },
        'shutdown did not finish in time (SHUTDOWN_TIMEOUT_MS); exiting with the work named here abandoned',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    bound.unref();
    // The service first: its in-flight helpdesk writes may go to local mode's simulators, which stop after it.
    void service
      .close()
      .then(() => localMode.catch(() => null))
      .then((local) => local?.close())
      .then(() => clearRunningService(config.dataDir))
      .then(
        () => {
          logger.info({ signal, ms: Date.now() - startedAt }, 'shut down cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutting down failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  if (local) {
    logger.info('no Slack or Microsoft credentials: starting LOCAL MODE');
    const settings = local;
    localMode = import('./local/local-mode.ts').then(async ({ startLocalMode }) => {
      const started = await startLocalMode({ service, settings, logger, dataDir: config.dataDir });
      recordRunningService(config.dataDir, {
        pid: process.pid,
        publicUrl: config.publicUrl,
        local: {
          freshdeskUrl: started.freshdesk.url,
          xurrentUrl: started.xurrent.url,
          playgroundUrl: started.playgroundUrl,
        },
      });
      return started;
    });
    await localMode.catch(async (error: unknown) => {
      // A taken port is the operator's to fix: one plain line saying which and how, not a log object.
      if (error instanceof PortInUseError) process.stderr.write(`Local mode did not start: ${error.message}\n`);
      else logger.error({ err: error }, 'local mode did not start');
      await service.close();
      clearRunningService(config.dataDir);
      process.exit(1);
    });
  }
}

await main();
