import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import {
  connectEntities,
  MAX_PAIRS_CSV_BYTES,
  type MatchRule,
  type PairRequest,
  parsePairsCsv,
  unlinkEntity,
} from '../app/entity-links.ts';
import { readFileSync, statSync } from 'node:fs';
import { queueStatus, stages } from '../app/queue-status.ts';
import { retryNow } from '../app/retry-now.ts';
import { ticketStatus, type WaitingItemView } from '../app/ticket-status.ts';
import { optionalFlag, parseFlags } from './args.ts';
import { formatDate, printJson, printTable, UsageError, type CliIo } from './output.ts';

/** 90s, 12m, 3h, 2d: how long something has waited, at a glance. */
export function formatAge(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function waitingTable(io: CliIo, items: WaitingItemView[]): void {
  printTable(
    io,
    ['STAGE', 'KIND', 'ENTITY', 'AGE', 'ATTEMPTS', 'NEXT TRY', 'LAST ERROR'],
    items.map((w) => [
      w.stage,
      w.kind,
      w.entityKey ?? w.entityId ?? '-',
      formatAge(w.ageMs),
      String(w.attempts),
      w.waitingOnBackoff ? formatDate(w.notBefore) : 'now',
      w.lastError ?? '-',
    ]),
  );
}

/** `entities show|connect|unlink`: one ticket's sync status; linking existing pairs; unlinking one. */
export async function runEntitiesCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'connect') return runEntitiesConnect(deps, rest, io, actor);
  if (sub === 'unlink') return runEntitiesUnlink(deps, rest, io, actor);
  if (sub !== 'show') throw new UsageError(`Unknown entities command "${sub ?? ''}".`);
  const { values, positionals } = parseFlags(rest, { instance: { type: 'string' } });
  const [connectionRef, key] = positionals;
  if (!connectionRef) throw new UsageError('Give the connection.');
  if (!key) throw new UsageError('Give the ticket key (like #123).');
  const connection = getConnection(deps, { connection: connectionRef, instance: optionalFlag(values, 'instance') });
  const status = await ticketStatus(deps, { connection: connection.id, key });
  if (values.json) return printJson(io, status);
  const lines = [
    `${status.entity?.key ?? status.key} on "${status.connectionName}": ${status.state}`,
    status.reason,
    '',
    `Ticket:        ${status.entity ? `${status.entity.summary} (${status.entity.url})` : '(could not be read)'}`,
    `Under sync:    ${status.underSync ? 'yes' : 'no'}`,
    `Twin:          ${status.twin ? (status.twin.remoteKey ?? status.twin.remoteEntityId ?? '(not acknowledged yet)') : '-'}${status.twin?.remoteUrl ? ` (${status.twin.remoteUrl})` : ''}`,
    `Last sent:     ${formatDate(status.lastSentAt)}`,
    `Last received: ${formatDate(status.lastReceivedAt)}`,
  ];
  for (const e of status.blockingErrors)
    lines.push(
      `Error ${e.id}:     ${e.direction} ${e.type}${e.line === null ? '' : ` line ${e.line}:${e.column ?? 0}`}: ${e.message}`,
    );
  io.stdout.write(`${lines.join('\n')}\n\nTriggers:\n`);
  printTable(
    io,
    ['ID', 'QUERY', 'ACTIVE', 'MATCHES'],
    status.triggers.map((t) => [
      t.id,
      t.query || '(every entity)',
      t.active ? 'yes' : 'no',
      t.matches === null ? `unknown: ${t.problem ?? ''}` : t.matches ? 'yes' : 'no',
    ]),
  );
  io.stdout.write('\nWaiting:\n');
  waitingTable(io, status.waiting);
}

/** `queue <connection> [--retry-now]`: the connection's pipeline on this node; what waits on a backoff made due. */
export async function runQueueCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const { values, positionals } = parseFlags(args, {
    instance: { type: 'string' },
    limit: { type: 'string' },
    'retry-now': { type: 'boolean' },
  });
  const [connectionRef] = positionals;
  if (!connectionRef) throw new UsageError('Give the connection.');
  const limitText = optionalFlag(values, 'limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && !Number.isInteger(limit)) throw new UsageError('--limit is a whole number.');
  const connection = getConnection(deps, { connection: connectionRef, instance: optionalFlag(values, 'instance') });
  if (values['retry-now']) {
    const result = retryNow(deps, { connection: connection.id, actor });
    if (values.json) return printJson(io, result);
    io.stdout.write(
      result.total === 0
        ? `Nothing waits on a backoff on "${result.connectionName}"; nothing changed.\n`
        : `Made ${result.total} item(s) due now on "${result.connectionName}" (` +
            stages.map((stage) => `${stage} ${result.moved[stage]}`).join(', ') +
            '); the running service takes them at its next pass. Items blocked by a sync error wait for ' +
            '`deskbridge errors retry`.\n',
    );
    return;
  }
  const status = queueStatus(deps, { connection: connection.id, ...(limit === undefined ? {} : { limit }) });
  if (values.json) return printJson(io, status);
  io.stdout.write(`Queue of "${status.connectionName}" on this node:\n`);
  printTable(
    io,
    ['STAGE', 'WAITING', 'OLDEST', 'ON BACKOFF', 'BLOCKED'],
    stages.map((stage) => [
      stage,
      String(status.stages[stage].count),
      formatAge(status.stages[stage].oldestAgeMs),
      String(status.stages[stage].onBackoff),
      String(status.stages[stage].blocked),
    ]),
  );
  const ack = status.lastAcknowledged;
  io.stdout.write(
    `\nThe other node last took message ${ack ? `${ack.messageId} at ${formatDate(ack.at)}` : '(none yet)'}.\n`,
  );
  if (status.sender.failingSince)
    io.stdout.write(
      `Sending fails since ${formatDate(status.sender.failingSince)} (${status.sender.failedAttempts} attempts: ` +
        `${status.sender.lastFailure ?? 'no reason given'}); next try ${formatDate(status.sender.nextAttemptAt)}.\n`,
    );
  io.stdout.write('\nSlowest:\n');
  waitingTable(io, status.slowest);
  if (stages.some((stage) => status.stages[stage].onBackoff > 0))
    io.stdout.write(
      `\nItems wait on a backoff: \`deskbridge queue "${status.connectionName}" --retry-now\` retries them now.\n`,
    );
}

/** `--match subject` or `--match field:<custom field>`. */
function matchRule(text: string): MatchRule {
  if (text === 'subject') return { kind: 'subject' };
  const field = /^field:(.+)$/.exec(text)?.[1];
  if (field) return { kind: 'field', field };
  throw new UsageError("--match is `subject` or `field:<custom field>` (the field holding the other side's key).");
}

function readPairsCsv(path: string): PairRequest[] {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`Cannot read the CSV file ${path}.`);
  }
  if (size > MAX_PAIRS_CSV_BYTES)
    throw new UsageError(`The CSV file ${path} is larger than ${MAX_PAIRS_CSV_BYTES / 1024} KiB; split it.`);
  return parsePairsCsv(readFileSync(path, 'utf8'));
}

/** `entities connect <connection> --local KEY --remote KEY | --csv FILE | --match RULE [--dry-run]`. */
async function runEntitiesConnect(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const { values, positionals } = parseFlags(args, {
    instance: { type: 'string' },
    local: { type: 'string' },
    remote: { type: 'string' },
    csv: { type: 'string' },
    match: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  const [connectionRef] = positionals;
  if (!connectionRef) throw new UsageError('Give the connection.');
  const local = optionalFlag(values, 'local');
  const remote = optionalFlag(values, 'remote');
  const csv = optionalFlag(values, 'csv');
  const match = optionalFlag(values, 'match');
  const ways = [local !== undefined || remote !== undefined, csv !== undefined, match !== undefined].filter(Boolean);
  if (ways.length !== 1)
    throw new UsageError('Give one of: --local KEY --remote KEY, --csv FILE, or --match subject|field:<name>.');
  if ((local === undefined) !== (remote === undefined)) throw new UsageError('Give both --local and --remote.');
  const connection = getConnection(deps, { connection: connectionRef, instance: optionalFlag(values, 'instance') });
  const dryRun = Boolean(values['dry-run']);
  const tty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
  const result = await connectEntities(deps, {
    connection: connection.id,
    actor,
    dryRun,
    ...(local !== undefined && remote !== undefined ? { pairs: [{ local, remote }] } : {}),
    ...(csv !== undefined ? { pairs: readPairsCsv(csv) } : {}),
    ...(match !== undefined ? { match: matchRule(match) } : {}),
    onProgress: values.json
      ? undefined
      : (done, total) => io.stdout.write(`${tty ? '\r' : ''}linked ${done}/${total}${tty && done < total ? '' : '\n'}`),
  });
  if (values.json) return printJson(io, result);
  if (result.pairs.length > 0) {
    io.stdout.write(dryRun ? 'Would link:\n' : 'Linked:\n');
    printTable(
      io,
      ['LINE', 'LOCAL', 'REMOTE'],
      result.pairs.map((p) => [p.line === null ? '-' : String(p.line), p.local, p.remote]),
    );
  }
  if (result.unmatched.length > 0) {
    io.stdout.write(dryRun ? 'Could not link:\n' : 'Not linked:\n');
    printTable(
      io,
      ['LINE', 'LOCAL', 'REMOTE', 'WHY'],
      result.unmatched.map((u) => [u.line === null ? '-' : String(u.line), u.local ?? '-', u.remote ?? '-', u.reason]),
    );
  }
  io.stdout.write(
    dryRun
      ? `Dry run: ${result.pairs.length} pair(s) would be linked, ${result.unmatched.length} could not; nothing changed.\n`
      : `${result.pairs.length} pair(s) linked on "${result.connectionName}" (nothing created in either helpdesk); ` +
          `${result.unmatched.length} not linked. Changes flow from now on.\n`,
  );
}

/** `entities unlink <connection> <key>`. */
async function runEntitiesUnlink(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const { values, positionals } = parseFlags(args, { instance: { type: 'string' } });
  const [connectionRef, key] = positionals;
  if (!connectionRef) throw new UsageError('Give the connection.');
  if (!key) throw new UsageError('Give the ticket key (like #123).');
  const connection = getConnection(deps, { connection: connectionRef, instance: optionalFlag(values, 'instance') });
  const result = unlinkEntity(deps, { connection: connection.id, key, actor });
  if (values.json) return printJson(io, result);
  io.stdout.write(
    `${result.localKey} on "${result.connectionName}" is unlinked: it and its twin no longer sync (neither was deleted). ` +
      'The other side is told.\n',
  );
}
