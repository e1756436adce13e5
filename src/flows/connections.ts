import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import { requireWorkspaceInstance } from '../app/chat-workspaces.ts';
import {
  activateConnection,
  deactivateConnection,
  deleteConnection,
  getConnection,
  listConnections,
  listStatusEvents,
} from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { shortConnectionIds } from '../store/connections.ts';
import type { Connection, Status } from '../domain/connection.ts';
import { modeDescriptions } from '../domain/connection.ts';
import type { Action, Message, Table } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { formatDate, notice } from './outcome.ts';

export const connectionActions = {
  status: 'connection.status',
  deactivate: 'connection.deactivate',
  activate: 'connection.activate',
  confirmDelete: 'connection.delete.confirm',
  cancelDelete: 'connection.delete.cancel',
} as const;

const statusLabels: Record<Status, string> = {
  pending: 'Pending',
  active: 'Active',
  deactivated: 'Deactivated',
  error: 'Error',
  expired: 'Expired',
};

/**
 * The connections table, as on the Connections page: Connection (with description), its id, entities, last sync,
 * status. The id is the short form every command takes (`/bridge rules 3f2a9c1e`): unique among the rows shown, which
 * are one instance's, the only ones a chat command looks at.
 */
export function connectionsTable(connections: Connection[], options: { rowActions: boolean }): Table {
  const ids = shortConnectionIds(connections.map((c) => c.id));
  return {
    columns: [
      { label: 'Connection' },
      { label: 'Id' },
      { label: 'Entities under sync' },
      { label: 'Last sync' },
      { label: 'Status' },
    ],
    empty: 'No connections yet. Initiate one, or accept an invitation.',
    rows: connections.map((c) => ({
      cells: [
        `*${c.name}*${c.description ? `\n${c.description}` : ''}`,
        ids.get(c.id) ?? c.id,
        String(c.entitiesUnderSync),
        c.lastSync ? `${c.lastSync.entityKey}, ${formatDate(c.lastSync.at)}` : 'Never',
        statusLabels[c.status],
      ],
      ...(options.rowActions ? { actions: rowActions(c) } : {}),
    })),
  };
}

function rowActions(c: Connection): Action[] {
  const actions: Action[] = [{ id: connectionActions.status, label: 'Status', value: c.id }];
  if (c.status === 'active' || c.status === 'error')
    actions.push({ id: connectionActions.deactivate, label: 'Deactivate', value: c.id });
  if (c.status === 'deactivated' || c.status === 'error')
    actions.push({ id: connectionActions.activate, label: 'Activate', value: c.id, style: 'primary' });
  return actions;
}

/** Rows in the `list` answer (a Slack message holds at most 50 blocks). */
const LIST_ROWS = 20;

export function listConnectionsFlow(deps: AppDeps, actor: ChatActor): FlowResult {
  const instance = requireWorkspaceInstance(deps, actor);
  const connections = listConnections(deps, { instance: instance.slug });
  const shown = connections.slice(0, LIST_ROWS);
  const example = shown[0] && shortConnectionIds(shown.map((c) => c.id)).get(shown[0].id);
  const more = connections.length > shown.length ? ` ${connections.length - shown.length} more are not shown.` : '';
  return reply({
    kind: 'private-message',
    message: {
      kind: 'message',
      text: `Connections of ${instance.name}: ${connections.length}`,
      items: [
        { kind: 'heading', text: `Connections of ${instance.name}` },
        { kind: 'table', table: connectionsTable(shown, { rowActions: false }) },
        ...(example
          ? [
              {
                kind: 'note' as const,
                text: `Commands take a connection's name or its id as shown: \`/bridge status ${example}\`.${more}`,
              },
            ]
          : []),
      ],
    },
  });
}

export function connectionStatusFlow(deps: AppDeps, actor: ChatActor, ref: string): FlowResult {
  const instance = requireWorkspaceInstance(deps, actor);
  const c = getConnection(deps, { connection: ref, instance: instance.slug });
  const events = listStatusEvents(deps, c.id).slice(-5).reverse();
  return reply({
    kind: 'private-message',
    message: statusMessage(
      c,
      events.map((e) => `${formatDate(e.at)}: ${e.from ?? 'new'} → ${e.to}. ${e.reason}`),
    ),
  });
}

function statusMessage(c: Connection, events: string[]): Message {
  return {
    kind: 'message',
    text: `${c.name}: ${statusLabels[c.status]}`,
    items: [
      { kind: 'heading', text: c.name },
      ...(c.description ? [{ kind: 'markdown' as const, text: c.description }] : []),
      {
        kind: 'facts',
        facts: [
          { label: 'Status', value: statusLabels[c.status] },
          { label: 'Mode', value: modeDescriptions[c.mode].title },
          {
            label: 'Other side',
            value: c.remoteUrl ?? (c.remoteIsPrivate ? 'Private (no URL)' : 'Waiting for acceptance'),
          },
          { label: 'Entities under sync', value: String(c.entitiesUnderSync) },
          { label: 'Last sync', value: c.lastSync ? `${c.lastSync.entityKey}, ${formatDate(c.lastSync.at)}` : 'Never' },
          { label: 'Id', value: c.id },
        ],
      },
      {
        kind: 'markdown',
        text: events.length > 0 ? `*Recent status changes*\n${events.join('\n')}` : 'No status changes yet.',
      },
    ],
  };
}

export function changeConnectionStatusFlow(
  deps: AppDeps,
  actor: ChatActor,
  ref: string,
  to: 'active' | 'deactivated',
): FlowResult {
  const instance = requireInstanceAdmin(
    deps,
    actor,
    to === 'active' ? 'activate connections' : 'deactivate connections',
  );
  const input = { connection: ref, instance: instance.slug, actor: actorRef(actor) };
  const c =
    to === 'active'
      ? activateConnection(deps, input)
      : deactivateConnection(deps, { ...input, reason: `Deactivated by ${actor.displayName}.` });
  const text =
    to === 'active'
      ? `*${c.name}* is active again; queued changes are being applied.`
      : `*${c.name}* is deactivated; changes queue until it is activated.`;
  return reply({ kind: 'private-message', message: notice(text) }, [{ kind: 'refresh-home', userId: actor.userId }]);
}

/** `delete` only asks; the Delete button in the answer does it. */
export function askDeleteConnectionFlow(deps: AppDeps, actor: ChatActor, ref: string): FlowResult {
  const instance = requireInstanceAdmin(deps, actor, 'delete connections');
  const c = getConnection(deps, { connection: ref, instance: instance.slug });
  const text = `Delete *${c.name}* (${statusLabels[c.status]})? Its sync history goes with it and the other side stops receiving changes. This cannot be undone.`;
  return reply({
    kind: 'private-message',
    message: {
      kind: 'message',
      text: `Delete ${c.name}?`,
      items: [
        { kind: 'markdown', text },
        {
          kind: 'actions',
          actions: [
            { id: connectionActions.confirmDelete, label: 'Delete', style: 'danger', value: c.id },
            { id: connectionActions.cancelDelete, label: 'Cancel', value: c.id },
          ],
        },
      ],
    },
  });
}

/** Cancel on the question `delete` asked: nothing happens, and the answer says so. */
export function cancelDeleteConnectionFlow(): FlowResult {
  return reply({ kind: 'private-message', message: notice('Nothing was deleted.') });
}

export function deleteConnectionFlow(deps: AppDeps, actor: ChatActor, connectionId: string): FlowResult {
  const instance = requireInstanceAdmin(deps, actor, 'delete connections');
  const c = deleteConnection(deps, { connection: connectionId, instance: instance.slug, actor: actorRef(actor) });
  return reply({ kind: 'private-message', message: notice(`Deleted *${c.name}*.`) }, [
    { kind: 'refresh-home', userId: actor.userId },
  ]);
}
