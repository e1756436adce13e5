import type { ChatActor } from '../domain/chat-actor.ts';
import { isAdmin } from '../app/chat-authorization.ts';
import { findWorkspaceInstance } from '../app/chat-workspaces.ts';
import { listConnections } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { platformLabels } from '../domain/instance.ts';
import type { Home } from '../ui/model.ts';
import { connectionsTable } from './connections.ts';

export const homeActions = { initiate: 'home.initiate', accept: 'home.accept' } as const;

/** Rows on the dashboard; the rest are one `/bridge list` away (a Slack Home tab holds at most 100 blocks). */
const HOME_ROWS = 25;

/** The dashboard: the Connections page with Initiate and Accept, and per-connection status and (de)activate. */
export function homeView(deps: AppDeps, actor: ChatActor, notice?: string): Home {
  const instance = findWorkspaceInstance(deps, actor);
  if (!instance) {
    return {
      kind: 'home',
      items: [
        { kind: 'heading', text: 'DeskBridge' },
        {
          kind: 'markdown',
          text: 'This workspace has no helpdesk instance yet. An admin registers one with `/bridge setup`.',
        },
      ],
    };
  }
  const connections = listConnections(deps, { instance: instance.slug });
  const admin = isAdmin(deps, actor);
  const shown = connections.slice(0, HOME_ROWS);
  return {
    kind: 'home',
    items: [
      ...(notice ? [{ kind: 'note' as const, text: notice }] : []),
      { kind: 'heading', text: 'Connections' },
      {
        kind: 'markdown',
        text: `Connection defines synchronization behavior, including communication details, sync rules, and scope.\n*${instance.name}* (${platformLabels[instance.platform]}), ${instance.url}`,
      },
      ...(admin
        ? [
            {
              kind: 'actions' as const,
              actions: [
                { id: homeActions.initiate, label: 'Initiate connection', style: 'primary' as const },
                { id: homeActions.accept, label: 'Accept invitation' },
              ],
            },
          ]
        : []),
      { kind: 'table', table: connectionsTable(shown, { rowActions: admin }) },
      ...(connections.length > shown.length
        ? [{ kind: 'note' as const, text: `${connections.length - shown.length} more: \`/bridge list\`.` }]
        : []),
    ],
  };
}
