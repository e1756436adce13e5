import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { queueStatus } from '../app/queue-status.ts';
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

/** `entities show <connection> <key>`: one ticket's sync status. */
export async function runEntitiesCommand(deps: AppDeps, args: string[], io: CliIo): Promise<void> {
  const [sub, ...rest] = args;
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

/** `queue <connection>`: the connection's pipeline on this node. */
export async function runQueueCommand(deps: AppDeps, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(args, { instance: { type: 'string' }, limit: { type: 'string' } });
  const [connectionRef] = positionals;
  if (!connectionRef) throw new UsageError('Give the connection.');
  const limitText = optionalFlag(values, 'limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && !Number.isInteger(limit)) throw new UsageError('--limit is a whole number.');
  const connection = getConnection(deps, { connection: connectionRef, instance: optionalFlag(values, 'instance') });
  const status = queueStatus(deps, { connection: connection.id, ...(limit === undefined ? {} : { limit }) });
  if (values.json) return printJson(io, status);
  io.stdout.write(`Queue of "${status.connectionName}" on this node:\n`);
  printTable(
    io,
    ['STAGE', 'WAITING', 'OLDEST'],
    (['change', 'outbox', 'inbox'] as const).map((stage) => [
      stage,
      String(status.stages[stage].count),
      formatAge(status.stages[stage].oldestAgeMs),
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
}
