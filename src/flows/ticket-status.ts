import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { onBackoffCount, queueStatus, stages as queueStages } from '../app/queue-status.ts';
import { retryNow } from '../app/retry-now.ts';
import { ticketStatus, type WaitingItemView } from '../app/ticket-status.ts';
import type { Connection } from '../domain/connection.ts';
import type { Message } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { unlinkAction } from './entity-links.ts';
import { formatDate } from './outcome.ts';
import { syncErrorActions } from './sync-errors.ts';

/** `/bridge ticket <connection> <key>` and `/bridge queue <connection>`: what is happening to a ticket, and the queue. */

/** The queue view's button: what waits on a backoff is tried again now (its value is the connection id). */
export const queueActions = { retryNow: 'queue.retry-now' } as const;

function adminConnection(deps: AppDeps, actor: ChatActor, ref: string): Connection {
  const instance = requireInstanceAdmin(deps, actor, 'see the sync status');
  return getConnection(deps, { connection: ref, instance: instance.slug });
}

/** An age in the largest whole unit that fits: `45s`, `12m`, `3h`, `2d`. */
export function age(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

function waitingRow(w: WaitingItemView) {
  const backoff = w.waitingOnBackoff && w.notBefore ? `, next try ${formatDate(w.notBefore)}` : '';
  return {
    cells: [
      `${w.stage} (${w.kind})`,
      `${age(w.ageMs)}, ${w.attempts} attempt${w.attempts === 1 ? '' : 's'}${backoff}`,
      w.lastError ?? '',
    ],
  };
}

const waitingColumns = [{ label: 'Stage' }, { label: 'Waiting' }, { label: 'Last error' }];

/** The ticket view: state and reason, twin, last sync each way, what waits, what blocks (Retry/Resolve), triggers. */
export async function ticketStatusFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: { connection: string; key: string },
): Promise<FlowResult> {
  const connection = adminConnection(deps, actor, input.connection);
  const status = await ticketStatus(deps, { connection: connection.id, key: input.key });
  const shownKey = status.entity?.key ?? status.key;
  const twin = status.twin
    ? (status.twin.remoteKey ?? status.twin.remoteEntityId ?? 'not acknowledged yet') +
      (status.twin.remoteUrl ? ` (${status.twin.remoteUrl})` : '')
    : 'none';
  const message: Message = {
    kind: 'message',
    text: `${shownKey} on ${connection.name}: ${status.state}`,
    items: [
      { kind: 'heading', text: `${shownKey} on ${connection.name}: ${status.state}` },
      { kind: 'markdown', text: status.reason },
      {
        kind: 'facts',
        facts: [
          ...(status.entity ? [{ label: 'Ticket', value: `${status.entity.summary} (${status.entity.url})` }] : []),
          { label: 'Under sync', value: status.underSync ? 'yes' : 'no' },
          { label: 'Twin', value: twin },
          { label: 'Last sent', value: status.lastSentAt ? formatDate(status.lastSentAt) : 'never' },
          { label: 'Last received', value: status.lastReceivedAt ? formatDate(status.lastReceivedAt) : 'never' },
        ],
      },
      ...(status.waiting.length > 0
        ? [
            {
              kind: 'table' as const,
              table: { columns: waitingColumns, rows: status.waiting.map(waitingRow), empty: 'Nothing waits.' },
            },
          ]
        : []),
      ...(status.blockingErrors.length > 0
        ? [
            {
              kind: 'table' as const,
              table: {
                columns: [{ label: 'Blocking error' }, { label: 'Since' }],
                rows: status.blockingErrors.map((e) => {
                  const value = `${connection.id}|${e.id}`;
                  return {
                    cells: [
                      `${e.type}${e.line !== null ? ` at line ${e.line}, column ${e.column ?? 0}` : ''}: ${e.message}`,
                      formatDate(e.createdAt),
                    ],
                    actions: [
                      { id: syncErrorActions.retry, label: 'Retry', style: 'primary' as const, value },
                      { id: syncErrorActions.resolve, label: 'Resolve', value },
                    ],
                  };
                }),
                empty: '',
              },
            },
          ]
        : []),
      {
        kind: 'list',
        items:
          status.triggers.length === 0
            ? ['No trigger on this connection.']
            : status.triggers.map(
                (t) =>
                  `Trigger ${t.id} (${t.active ? 'active' : 'inactive'}, query "${t.query}"): ` +
                  (t.matches === null
                    ? `could not be checked: ${t.problem ?? 'unknown'}`
                    : t.matches
                      ? 'selects it'
                      : 'does not select it'),
              ),
      },
      // A pair under sync can be unlinked from here (admins only, asked first).
      ...(status.underSync
        ? [{ kind: 'actions' as const, actions: [unlinkAction(connection.id, status.entityId)] }]
        : []),
    ],
  };
  return reply({ kind: 'private-message', message });
}

/** The queue view: per stage how many wait and the oldest age, the last acknowledgement, sending trouble, slowest. */
export function queueStatusFlow(deps: AppDeps, actor: ChatActor, ref: string, banner?: string): FlowResult {
  const connection = adminConnection(deps, actor, ref);
  const queue = queueStatus(deps, { connection: connection.id });
  const stages = queueStages.map((stage) => {
    const figures = queue.stages[stage];
    const held = [
      ...(figures.onBackoff > 0 ? [`${figures.onBackoff} on backoff`] : []),
      ...(figures.blocked > 0 ? [`${figures.blocked} blocked by an error`] : []),
    ];
    return {
      cells: [
        stage,
        `${figures.count}${held.length > 0 ? ` (${held.join(', ')})` : ''}`,
        figures.oldestAgeMs === null ? '-' : age(figures.oldestAgeMs),
      ],
    };
  });
  const waiting = queueStages.reduce((n, stage) => n + queue.stages[stage].count, 0);
  const onBackoff = onBackoffCount(queue);
  const sender = queue.sender;
  const message: Message = {
    kind: 'message',
    text: `${connection.name}: ${waiting} item(s) waiting`,
    items: [
      ...(banner ? [{ kind: 'markdown' as const, text: banner }] : []),
      { kind: 'heading', text: `Queue of ${connection.name}` },
      {
        kind: 'table',
        table: { columns: [{ label: 'Stage' }, { label: 'Items' }, { label: 'Oldest' }], rows: stages, empty: '' },
      },
      {
        kind: 'facts',
        facts: [
          {
            label: 'Last acknowledged',
            value: queue.lastAcknowledged
              ? `message ${queue.lastAcknowledged.messageId} at ${formatDate(queue.lastAcknowledged.at)}`
              : 'nothing yet',
          },
          {
            label: 'Sending',
            value: sender.failingSince
              ? `fails since ${formatDate(sender.failingSince)} (${sender.failedAttempts} attempts` +
                `${sender.nextAttemptAt ? `, next ${formatDate(sender.nextAttemptAt)}` : ''})` +
                `${sender.lastFailure ? `: ${sender.lastFailure}` : ''}`
              : 'ok',
          },
        ],
      },
      { kind: 'heading', text: 'Slowest items' },
      {
        kind: 'table',
        table: {
          columns: [{ label: 'Ticket' }, ...waitingColumns],
          rows: queue.slowest.map((w) => {
            const row = waitingRow(w);
            return { cells: [w.entityKey ?? w.entityId ?? '-', ...row.cells] };
          }),
          empty: 'Nothing waits: everything is synced.',
        },
      },
      ...(onBackoff > 0
        ? [
            {
              kind: 'actions' as const,
              actions: [
                { id: queueActions.retryNow, label: 'Retry now', style: 'primary' as const, value: connection.id },
              ],
            },
            {
              kind: 'note' as const,
              text: `Retry now tries the ${onBackoff} item(s) waiting on a backoff at once; items blocked by a sync error wait for Retry or Resolve on the error.`,
            },
          ]
        : []),
    ],
  };
  return reply({ kind: 'private-message', message });
}

/** Retry now, clicked on the queue view: what waits on a backoff is made due, and the view is redrawn saying so. */
export function retryNowFlow(deps: AppDeps, actor: ChatActor, connectionId: string): FlowResult {
  const connection = adminConnection(deps, actor, connectionId);
  const result = retryNow(deps, { connection: connection.id, actor: actorRef(actor) });
  const banner =
    result.total === 0
      ? 'Nothing waits on a backoff any more; nothing changed.'
      : `:arrows_counterclockwise: Retrying ${result.total} item(s) now (` +
        queueStages
          .filter((stage) => result.moved[stage] > 0)
          .map((stage) => `${result.moved[stage]} in the ${stage}`)
          .join(', ') +
        ').';
  return queueStatusFlow(deps, actor, connection.id, banner);
}
