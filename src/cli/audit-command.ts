import { listAuditLog } from '../app/audit-log.ts';
import type { AppDeps } from '../app/deps.ts';
import { optionalFlag, parseFlags } from './args.ts';
import { formatDate, printJson, printTable, UsageError, type CliIo } from './output.ts';

/** The audit log, newest first: who decided or changed what (rules requests, approvals, overrides, triggers, ...). */
export async function runAuditCommand(deps: AppDeps, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(args, { connection: { type: 'string' }, limit: { type: 'string' } });
  if (positionals.length > 0)
    throw new UsageError(`Unexpected argument "${positionals[0]}"; use --connection to filter.`);
  const limitText = optionalFlag(values, 'limit');
  const limit = limitText === undefined ? 200 : Number(limitText);
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit is a positive whole number.');
  const entries = listAuditLog(deps, { connection: optionalFlag(values, 'connection'), limit });
  if (values.json) return printJson(io, entries);
  printTable(
    io,
    ['ID', 'WHEN', 'ACTOR', 'ACTION', 'SUBJECT', 'DETAILS'],
    entries.map((e) => [
      String(e.id),
      formatDate(e.at),
      e.actor,
      e.action,
      `${e.subjectType}:${e.subjectId}`,
      JSON.stringify(e.details),
    ]),
  );
}
