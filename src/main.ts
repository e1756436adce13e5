import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { startService } from './service.ts';
import { PortInUseError } from './http/port-in-use.ts';
import { ALLOW_PRIVATE_URLS } from './http/outbound-policy.ts';
import { clearRunningService, recordRunningService } from './running-service.ts';
import { isLocalMode, loadLocalSettings, LocalSettingsError, type LocalSettings } from './local/settings.ts';

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
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void localMode
      .catch(() => null)
      .then((local) => local?.close())
      .then(() => service.close())
      .then(() => clearRunningService(config.dataDir))
      .then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

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
