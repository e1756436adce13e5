import { userInfo } from 'node:os';
import { ConfigError, loadConfig } from '../config.ts';
import { isDomainError } from '../domain/errors.ts';
import { createLogger } from '../logger.ts';
import { buildAppDeps } from '../service.ts';
import { defaultHelpdeskDirectory } from '../helpdesk-directory.ts';
import { connectionsUsage, runConnectionsCommand } from './connections-command.ts';
import { instancesUsage, runInstancesCommand } from './instances-command.ts';
import { UsageError, type CliIo } from './output.ts';
import { errorsUsage, syncUsage, triggersUsage } from './sync-commands.ts';
import { auditUsage } from './audit-command.ts';

const usage = `DeskBridge: connect helpdesks across companies and keep tickets in sync.

Usage:
${instancesUsage}
${connectionsUsage}
deskbridge rules check FILE
deskbridge rules run --script FILE --entity ENTITY.json [--replica REPLICA.json] [--first-sync]
                     [--direction outgoing|incoming] [--platform freshdesk|freshservice|xurrent]
${triggersUsage}
${errorsUsage}
${syncUsage}
${auditUsage}
deskbridge simulator freshdesk|freshservice|xurrent --port N [--seed FILE] [--rate-limit PER_MINUTE]
deskbridge local ticket "SUMMARY" [--priority 1-4]   (local mode: a ticket in the simulated Freshdesk)

Add --json to any command for JSON output. The CLI works on the service's data dir (DESKBRIDGE_DATA_DIR,
default ./data) with the same environment as the service.`;

/** Runs one CLI command; returns the exit code (0 ok, 1 refused or failed, 2 usage). */
export async function runCli(args: string[], io: CliIo, env: Record<string, string | undefined> = process.env): Promise<number> {
  const [group, ...rest] = args;
  try {
    switch (group) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(usage + '\n');
        return 0;
      case 'rules': {
        if (rest[0] === 'publish') return await withDeps(env, async (deps, actor) => (await import('./sync-commands.ts')).runRulesPublishCommand(deps, rest.slice(1), io, actor));
        const { runRulesCommand } = await import('./rules-command.ts');
        return await runRulesCommand(rest, io);
      }
      case 'simulator': {
        const { runSimulatorCommand } = await import('../../adapters/helpdesk/simulator-command.ts');
        return await runSimulatorCommand(rest, io);
      }
      case 'local': {
        const { runLocalCommand } = await import('../local/ticket-command.ts');
        return await runLocalCommand(rest, io, env);
      }
      case 'instances':
      case 'connections': {
        const config = loadConfig(env);
        // The CLI's own log lines go to stderr, so stdout stays clean for tables and JSON.
        const logger = createLogger(env.LOG_LEVEL ?? 'warn', process.stderr);
        const deps = buildAppDeps({ config, logger, helpdesks: defaultHelpdeskDirectory() });
        const actor = `cli:${safeUserName()}`;
        try {
          if (group === 'instances') await runInstancesCommand(deps, rest, io, actor);
          else await runConnectionsCommand(deps, rest, io, actor);
        } finally {
          deps.db.$client.close();
        }
        return 0;
      }
      case 'triggers':
      case 'errors':
      case 'sync': {
        const commands = await import('./sync-commands.ts');
        const run = group === 'triggers' ? commands.runTriggersCommand : group === 'errors' ? commands.runErrorsCommand : commands.runSyncCommand;
        return await withDeps(env, (deps, actor) => run(deps, rest, io, actor));
      }
      case 'audit': {
        const { runAuditCommand } = await import('./audit-command.ts');
        return await withDeps(env, (deps) => runAuditCommand(deps, rest, io));
      }
      default:
        throw new UsageError(`Unknown command "${group}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`deskbridge: ${error.message}\n\n${usage}\n`);
      return 2;
    }
    if (isDomainError(error) || error instanceof ConfigError) {
      io.stderr.write(`deskbridge: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`deskbridge: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** The use-case dependencies on the service's data dir, closed afterwards. */
async function withDeps(env: Record<string, string | undefined>, work: (deps: ReturnType<typeof buildAppDeps>, actor: string) => Promise<void>): Promise<number> {
  const config = loadConfig(env);
  const logger = createLogger(env.LOG_LEVEL ?? 'warn', process.stderr);
  const deps = buildAppDeps({ config, logger, helpdesks: defaultHelpdeskDirectory() });
  try {
    await work(deps, `cli:${safeUserName()}`);
  } finally {
    deps.db.$client.close();
  }
  return 0;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
