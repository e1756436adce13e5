import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { defaultHelpdeskDirectory } from './helpdesk-directory.ts';
import { startService } from './service.ts';

/** The composition root: configuration, logger, the service on one HTTP server, and a clean shutdown. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const service = await startService({ config, logger, helpdesks: defaultHelpdeskDirectory() });
  logger.info({ url: config.publicUrl, dataDir: config.dataDir }, `DeskBridge is running at ${config.publicUrl} (health: ${config.publicUrl}/healthz)`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
