import type { AppDeps } from '../app/deps.ts';
import { isDomainError } from '../domain/errors.ts';
import { UsageError, type CliIo } from './output.ts';
import { briefUsage, didYouMean, fullUsage, isCommandName, subcommandsOf, usageOf, type CommandName } from './usage.ts';

type Env = Record<string, string | undefined>;

/**
 * What each command runs. Every command loads its own modules when it runs, so `--help` loads none of them and
 * only the commands that work on the data dir open it (and none loads the Slack or Teams surfaces).
 */
const commands: Record<CommandName, (args: string[], io: CliIo, env: Env) => Promise<number>> = {
  instances: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./instances-command.ts')).runInstancesCommand(deps, args, io, actor),
    ),
  connections: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./connections-command.ts')).runConnectionsCommand(deps, args, io, actor),
    ),
  rules: async (args, io, env) => {
    if (args[0] === 'assist') {
      return withDeps(env, io, async (deps, actor) =>
        (await import('./rules-assist-command.ts')).runRulesAssistCommand(deps, args.slice(1), io, actor),
      );
    }
    if (args[0] === 'publish') {
      return withDeps(env, io, async (deps, actor) =>
        (await import('./sync-commands.ts')).runRulesPublishCommand(deps, args.slice(1), io, actor),
      );
    }
    return (await import('./rules-command.ts')).runRulesCommand(args, io);
  },
  approvals: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./approvals-command.ts')).runApprovalsCommand(deps, args, io, actor),
    ),
  triggers: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./sync-commands.ts')).runTriggersCommand(deps, args, io, actor),
    ),
  errors: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./sync-commands.ts')).runErrorsCommand(deps, args, io, actor),
    ),
  sync: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./sync-commands.ts')).runSyncCommand(deps, args, io, actor),
    ),
  entities: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./sync-status-commands.ts')).runEntitiesCommand(deps, args, io, actor),
    ),
  queue: (args, io, env) =>
    withDeps(env, io, async (deps, actor) =>
      (await import('./sync-status-commands.ts')).runQueueCommand(deps, args, io, actor),
    ),
  audit: (args, io, env) =>
    withDeps(env, io, async (deps) => (await import('./audit-command.ts')).runAuditCommand(deps, args, io)),
  simulator: async (args, io) => (await import('./simulator-command.ts')).runSimulatorCommand(args, io),
  local: async (args, io, env) => (await import('./local-command.ts')).runLocalCommand(args, io, env),
  backup: async (args, io, env) => (await import('./backup-command.ts')).runBackupCommand(args, io, env),
  restore: async (args, io, env) => (await import('./backup-command.ts')).runRestoreCommand(args, io, env),
};

const helpFlags = new Set(['--help', '-h']);
const commandNames = Object.keys(commands);

/** `--help` or `-h` among a command's arguments (before a `--` that ends the flags). */
function asksForHelp(args: string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (helpFlags.has(arg)) return true;
  }
  return false;
}

/** Runs one CLI command; returns the exit code (0 ok, 1 refused or failed, 2 usage). */
export async function runCli(args: string[], io: CliIo, env: Env = process.env): Promise<number> {
  const [group, ...rest] = args;
  if (group === undefined || helpFlags.has(group)) {
    io.stdout.write(`${fullUsage}\n`);
    return 0;
  }
  if (group === 'help') {
    const [topic] = rest;
    if (topic === undefined) {
      io.stdout.write(`${fullUsage}\n`);
      return 0;
    }
    if (!isCommandName(topic))
      return usageProblem(io, `There is no command "${topic}".${didYouMean(topic, commandNames)}`, briefUsage);
    io.stdout.write(`${usageOf(topic)}\n`);
    return 0;
  }
  if (!isCommandName(group))
    return usageProblem(io, `Unknown command "${group}".${didYouMean(group, commandNames)}`, briefUsage);
  if (asksForHelp(rest)) {
    io.stdout.write(`${usageOf(group)}\n`);
    return 0;
  }
  const [sub] = rest;
  const subcommands = subcommandsOf(group);
  if (sub !== undefined && !sub.startsWith('-') && subcommands.length > 0 && !subcommands.includes(sub)) {
    return usageProblem(io, `Unknown ${group} command "${sub}".${didYouMean(sub, subcommands)}`, usageOf(group));
  }
  try {
    return await commands[group](rest, io, env);
  } catch (error) {
    if (error instanceof UsageError) return usageProblem(io, error.message, usageOf(group));
    if (isDomainError(error) || (await isConfigError(error))) {
      io.stderr.write(`deskbridge: ${(error as Error).message}\n`);
      return 1;
    }
    io.stderr.write(`deskbridge: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function usageProblem(io: CliIo, message: string, usage: string): number {
  io.stderr.write(`deskbridge: ${message}\n\n${usage}\n`);
  return 2;
}

async function isConfigError(error: unknown): Promise<boolean> {
  const { ConfigError } = await import('../config.ts');
  return error instanceof ConfigError;
}

/**
 * The use-case dependencies on the service's data dir, closed afterwards. When a service runs on that data dir, the
 * CLI speaks as the same node: its public URL (instance URLs, where an invitation code says it is for) is the
 * service's, unless PUBLIC_URL is set here, and then the CLI says that the two differ.
 */
async function withDeps(env: Env, io: CliIo, work: (deps: AppDeps, actor: string) => Promise<void>): Promise<number> {
  const [{ loadConfig }, { createLogger }, { buildAppDeps }, { userInfo }, { findRunningService }, { isLocalMode }] =
    await Promise.all([
      import('../config.ts'),
      import('../logger.ts'),
      import('../app-deps.ts'),
      import('node:os'),
      import('../running-service.ts'),
      import('../local/settings.ts'),
    ]);
  let config = loadConfig(env);
  const running = findRunningService(config.dataDir);
  if (running && running.publicUrl !== config.publicUrl) {
    if (env.PUBLIC_URL) {
      io.stderr.write(
        `deskbridge: note: the service running on ${config.dataDir} (pid ${running.pid}) is reached at ` +
          `${running.publicUrl}; this command uses PUBLIC_URL=${config.publicUrl}.\n`,
      );
    } else config = { ...config, publicUrl: running.publicUrl };
  }
  // The CLI's own log lines go to stderr, so stdout stays clean for tables and JSON.
  const logger = createLogger(env.LOG_LEVEL ?? 'warn', process.stderr);
  // The operator's terminal applies the policy the service would: private URLs are allowed in local mode, whether this
  // environment would start it or the service running on this data dir is in it.
  let local = running?.local != null;
  try {
    local ||= isLocalMode(config, env);
  } catch {
    // A bad LOCAL_* value: the service would not start in local mode with it either.
  }
  if (local) config = { ...config, allowPrivateUrls: true };
  const deps = buildAppDeps({ config, logger });
  let actor = 'cli:unknown';
  try {
    actor = `cli:${userInfo().username}`;
  } catch {
    // no user name on this system
  }
  try {
    await work(deps, actor);
  } finally {
    await deps.rules.close();
    deps.db.$client.close();
  }
  return 0;
}
