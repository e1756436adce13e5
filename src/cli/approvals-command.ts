import { decidePublishAsOperator, listPendingApprovals } from '../app/approvals.ts';
import type { AppDeps } from '../app/deps.ts';
import { optionalFlag, parseFlags } from './args.ts';
import { formatDate, printJson, printTable, UsageError, type CliIo } from './output.ts';

/**
 * `approvals list|approve|reject`: the rule publishes waiting for an approver, and an OPERATOR OVERRIDE to decide one
 * from the node itself (where no approver can click: a chat client without the approvers' view). Audited as
 * `rules.approve.override` / `rules.reject.override`.
 */
export async function runApprovalsCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseFlags(rest, { connection: { type: 'string' }, reason: { type: 'string' } });
  switch (sub) {
    case 'list': {
      if (positionals.length > 0)
        throw new UsageError(`Unexpected argument "${positionals[0]}"; use --connection to filter.`);
      const pending = listPendingApprovals(deps, { connection: optionalFlag(values, 'connection') });
      if (values.json)
        return printJson(
          io,
          pending.map(({ outgoingDiff, incomingDiff, ...rest }) => rest),
        );
      if (pending.length === 0) return void io.stdout.write('No rule publish is waiting for approval.\n');
      return printTable(
        io,
        ['REQUEST', 'CONNECTION', 'VERSION', 'AUTHOR', 'REQUESTED'],
        pending.map((r) => [r.id, r.connectionName, String(r.version), r.author, formatDate(r.createdAt)]),
      );
    }
    case 'approve':
    case 'reject': {
      const [requestId, ...extra] = positionals;
      if (!requestId) throw new UsageError(`Give the request id: deskbridge approvals ${sub} <request-id>.`);
      if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
      const decided = decidePublishAsOperator(deps, {
        requestId,
        decision: sub,
        reason: optionalFlag(values, 'reason') ?? '',
        actor,
      });
      if (values.json) return printJson(io, decided);
      io.stdout.write(
        sub === 'approve'
          ? `Version ${decided.version} of "${decided.connectionName}" is published; it applies to each entity's next change.\n`
          : `Version ${decided.version} of "${decided.connectionName}" is rejected: ${decided.reason}\n`,
      );
      return;
    }
    default:
      throw new UsageError(sub ? `Unknown approvals command "${sub}".` : 'Say what to do with approvals.');
  }
}
