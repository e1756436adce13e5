import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { listSyncErrors, resolveSyncError, retrySyncError } from '../app/sync-errors.ts';
import type { Connection } from '../domain/connection.ts';
import { DomainError } from '../domain/errors.ts';
import type { Message } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { formatDate } from './outcome.ts';

/** `/bridge errors <connection>`: the blocked entities with their errors, each with Retry and Resolve. */
export const syncErrorActions = {
  retry: 'sync-errors.retry',
  resolve: 'sync-errors.resolve',
} as const;

const SHOWN = 15;

function adminConnection(deps: AppDeps, actor: ChatActor, ref: string): Connection {
  const instance = requireInstanceAdmin(deps, actor, 'handle sync errors');
  return getConnection(deps, { connection: ref, instance: instance.slug });
}

function errorsMessage(deps: AppDeps, connection: Connection, banner?: string): Message {
  const errors = listSyncErrors(deps, { connection: connection.id });
  const rows = errors.slice(0, SHOWN).map((e) => {
    const value = `${connection.id}|${e.id}`;
    return {
      cells: [
        `${e.entityKey ?? e.entityId ?? 'the connection'} (${e.direction})`,
        `${e.type}${e.line !== null ? ` at line ${e.line}, column ${e.column ?? 0}` : ''}: ${e.message}`,
        `${formatDate(e.createdAt)}${e.retries ? `, ${e.retries} retries` : ''}`,
      ],
      actions: [
        { id: syncErrorActions.retry, label: 'Retry', style: 'primary' as const, value },
        { id: syncErrorActions.resolve, label: 'Resolve', value },
      ],
    };
  });
  return {
    kind: 'message',
    text: `${connection.name}: ${errors.length} blocked ${errors.length === 1 ? 'entity' : 'entities'}`,
    items: [
      ...(banner ? [{ kind: 'markdown' as const, text: banner }] : []),
      { kind: 'heading', text: `Sync errors of ${connection.name}` },
      {
        kind: 'table',
        table: {
          columns: [{ label: 'Entity' }, { label: 'Error' }, { label: 'Since' }],
          rows,
          empty: 'No blocked entities: everything syncs.',
        },
      },
      ...(errors.length > SHOWN
        ? [{ kind: 'note' as const, text: `${errors.length - SHOWN} more: \`deskbridge errors list\` shows them all.` }]
        : []),
      {
        kind: 'note',
        text: 'Retry syncs the entity again under the rules published now; Resolve closes the error and the entity syncs at its next change.',
      },
    ],
  };
}

export function syncErrorsFlow(deps: AppDeps, actor: ChatActor, ref: string): FlowResult {
  return reply({ kind: 'private-message', message: errorsMessage(deps, adminConnection(deps, actor, ref)) });
}

/** Retry or Resolve, clicked on the list: the list is redrawn in place. */
export function handleSyncErrorFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: { value: string; verb: 'retry' | 'resolve' },
): FlowResult {
  const [connectionId = '', id = ''] = input.value.split('|');
  const connection = adminConnection(deps, actor, connectionId);
  const error = listSyncErrors(deps, { connection: connection.id }).find((e) => String(e.id) === id);
  if (!error) throw new DomainError('conflict', 'That error is already resolved.');
  const what = error.entityKey ?? error.entityId ?? 'the connection';
  if (input.verb === 'retry') retrySyncError(deps, { id: error.id, actor: actorRef(actor) });
  else resolveSyncError(deps, { id: error.id, actor: actorRef(actor) });
  const banner =
    input.verb === 'retry'
      ? `:arrows_counterclockwise: Retrying ${what}.`
      : `:white_check_mark: Resolved the error of ${what}.`;
  return reply({ kind: 'private-message', message: errorsMessage(deps, connection, banner) });
}
