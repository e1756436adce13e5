import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import type { Connection } from '../domain/connection.ts';
import { publishRuleVersion, saveRuleDraft } from '../app/rule-versions.ts';
import { bulkSyncRemaining, startBulkSync } from '../app/sync-bulk.ts';
import { listSyncErrors, resolveSyncError, retrySyncError } from '../app/sync-errors.ts';
import { addTrigger, deleteTrigger, editTrigger, listTriggers, setTriggerActive } from '../app/triggers.ts';
import { readFileSync } from 'node:fs';
import { optionalFlag, parseFlags, requireFlag } from './args.ts';
import { formatDate, printJson, printTable, UsageError, type CliIo } from './output.ts';

function positional(positionals: string[], what: string): string {
  const value = positionals[0];
  if (!value) throw new UsageError(`Give the ${what}.`);
  return value;
}

/** The connection the first argument names (id, unique id prefix or name), on --instance when given. */
function connectionArgument(deps: AppDeps, positionals: string[], values: Record<string, unknown>): Connection {
  return getConnection(deps, {
    connection: positional(positionals, 'connection'),
    instance: optionalFlag(values, 'instance'),
  });
}

export async function runTriggersCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseFlags(rest, {
    instance: { type: 'string' },
    query: { type: 'string' },
    'entity-type': { type: 'string' },
    notes: { type: 'string' },
    inactive: { type: 'boolean' },
  });
  const show = (
    t: { id: string; entityType: string; query: string; active: boolean; notes: string },
    verb: string,
  ): void => {
    if (values.json) printJson(io, t);
    else io.stdout.write(`Trigger ${t.id} (${t.entityType}: ${t.query === '' ? 'every entity' : t.query}) ${verb}.\n`);
  };
  switch (sub) {
    case 'add': {
      if (typeof values.query !== 'string')
        throw new UsageError('--query is required (use --query "" for every entity).');
      const t = await addTrigger(deps, {
        connection: connectionArgument(deps, positionals, values).id,
        query: values.query,
        entityType: optionalFlag(values, 'entity-type'),
        notes: optionalFlag(values, 'notes') ?? '',
        active: !values.inactive,
        actor,
      });
      return show(t, t.active ? 'is active' : 'is saved, inactive');
    }
    case 'list': {
      const list = listTriggers(deps, { connection: connectionArgument(deps, positionals, values).id });
      if (values.json) return printJson(io, list);
      return printTable(
        io,
        ['ID', 'TYPE', 'QUERY', 'ACTIVE', 'NOTES'],
        list.map((t) => [t.id, t.entityType, t.query || '(every entity)', t.active ? 'yes' : 'no', t.notes]),
      );
    }
    case 'edit': {
      const t = await editTrigger(deps, {
        trigger: positional(positionals, 'trigger id'),
        query: typeof values.query === 'string' ? values.query : undefined,
        notes: optionalFlag(values, 'notes'),
        actor,
      });
      return show(t, 'is saved');
    }
    case 'activate':
    case 'deactivate':
      return show(
        setTriggerActive(deps, { trigger: positional(positionals, 'trigger id'), active: sub === 'activate', actor }),
        sub === 'activate' ? 'is active' : 'is inactive',
      );
    case 'delete':
      return show(deleteTrigger(deps, { trigger: positional(positionals, 'trigger id'), actor }), 'is deleted');
    default:
      throw new UsageError(`Unknown triggers command "${sub ?? ''}".`);
  }
}

export async function runErrorsCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseFlags(rest, { instance: { type: 'string' }, all: { type: 'boolean' } });
  switch (sub) {
    case 'list': {
      const list = listSyncErrors(deps, {
        connection: connectionArgument(deps, positionals, values).id,
        all: Boolean(values.all),
      });
      if (values.json) return printJson(io, list);
      return printTable(
        io,
        ['ID', 'WHEN', 'DIRECTION', 'ENTITY', 'IMPACT', 'TYPE', 'LINE', 'MESSAGE'],
        list.map((e) => [
          String(e.id),
          formatDate(e.createdAt),
          e.direction,
          e.entityKey ?? e.entityId ?? '-',
          e.impact,
          e.type,
          e.line === null ? '-' : `${e.line}:${e.column ?? 0}`,
          e.message,
        ]),
      );
    }
    case 'retry':
    case 'resolve': {
      const id = Number(positional(positionals, 'error id'));
      if (!Number.isInteger(id) || id <= 0)
        throw new UsageError('The error id is a number; see `deskbridge errors list <connection>`.');
      const e = sub === 'retry' ? retrySyncError(deps, { id, actor }) : resolveSyncError(deps, { id, actor });
      return values.json
        ? printJson(io, e)
        : void io.stdout.write(`Error ${e.id} is resolved${sub === 'retry' ? '; the entity syncs again' : ''}.\n`);
    }
    default:
      throw new UsageError(`Unknown errors command "${sub ?? ''}".`);
  }
}

/**
 * `rules publish`: an OPERATOR OVERRIDE for whoever runs the node (it needs the data dir and the secret key): it
 * publishes without the chat approval and is audited as `rules.publish.override`. Chat has no such path.
 */
export async function runRulesPublishCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const { values, positionals } = parseFlags(args, {
    instance: { type: 'string' },
    outgoing: { type: 'string' },
    incoming: { type: 'string' },
    note: { type: 'string' },
  });
  const connection = connectionArgument(deps, positionals, values);
  const read = (flag: string) => {
    const path = requireFlag(values, flag);
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new UsageError(`Cannot read the ${flag} script ${path}.`);
    }
  };
  const draft = saveRuleDraft(deps, {
    connection: connection.id,
    outgoing: read('outgoing'),
    incoming: read('incoming'),
    note: optionalFlag(values, 'note') ?? '',
    actor,
  });
  const published = publishRuleVersion(deps, { connection: connection.id, version: draft.version, actor });
  if (values.json) return printJson(io, published);
  io.stdout.write(
    `Rules version ${published.version} of "${connection.name}" is published; it applies to the next change of each entity.\n`,
  );
  io.stdout.write(
    'Operator override: published without an approval in chat; recorded in the audit log (rules.publish.override).\n',
  );
}

/** A bar on a terminal, plain lines otherwise (logs, CI). */
function progressReporter(io: CliIo, total: number) {
  const tty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
  let lastLine = -1;
  return (done: number, final = false) => {
    if (tty) {
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      io.stdout.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${final ? '\n' : ''}`);
    } else if (done !== lastLine || final) {
      if (done !== lastLine) io.stdout.write(`synced ${done}/${total}\n`);
      lastLine = done;
    }
  };
}

export async function runSyncCommand(
  deps: AppDeps,
  args: string[],
  io: CliIo,
  actor: string,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'bulk') throw new UsageError(`Unknown sync command "${sub ?? ''}".`);
  const { values, positionals } = parseFlags(rest, {
    instance: { type: 'string' },
    force: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
  });
  const bulk = await startBulkSync(deps, {
    connection: connectionArgument(deps, positionals, values).id,
    actor,
    force: Boolean(values.force),
  });
  const total = bulk.entityIds.length;
  if (values['no-wait'] || values.json) {
    if (values.json) return printJson(io, { connectionId: bulk.connectionId, queued: total });
    io.stdout.write(`Queued ${total} entities; the service syncs them.\n`);
    return;
  }
  const report = progressReporter(io, total);
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let done = total - bulkSyncRemaining(deps, bulk);
  report(done);
  while (done < total) {
    if (Date.now() > deadline)
      throw new UsageError(
        `Stopped waiting with ${total - done} of ${total} entities still queued; is the service running?`,
      );
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    done = total - bulkSyncRemaining(deps, bulk);
    report(done);
  }
  report(done, true);
  io.stdout.write(`Sent ${total} entities to the other side.\n`);
}
