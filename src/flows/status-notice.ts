import type { ConnectionRow } from '../store/connections.ts';
import type { StatusEvent, Status } from '../domain/connection.ts';
import type { Message } from '../ui/model.ts';
import { connectionActions } from './connections.ts';
import { formatDate } from './outcome.ts';

const headlines: Record<Status, (name: string) => string> = {
  active: (name) => `${name} is live`,
  error: (name) => `${name} is failing`,
  deactivated: (name) => `${name} is paused`,
  expired: (name) => `${name}: the invitation expired`,
  pending: (name) => `${name} is waiting for the other side`,
};

const emoji: Record<Status, string> = { active: '🟢', error: '🔴', deactivated: '⏸️', expired: '⌛', pending: '⏳' };

/** A status change as a channel sees it: what changed, why, since when, and a button to the connection's status. */
export function statusNotice(event: StatusEvent, connection: Pick<ConnectionRow, 'id' | 'name'>): Message {
  const headline =
    event.from === 'error' && event.to === 'active'
      ? `${connection.name} has recovered`
      : headlines[event.to](connection.name);
  return {
    kind: 'message',
    text: `${headline}: ${event.from ?? 'new'} → ${event.to}. ${event.reason}`,
    items: [
      { kind: 'markdown', text: `${emoji[event.to]} *${headline}*` },
      {
        kind: 'facts',
        facts: [
          { label: 'Status', value: `${event.from ?? 'new'} → ${event.to}` },
          { label: 'Since', value: formatDate(event.at) },
          { label: 'Why', value: event.reason },
        ],
      },
      {
        kind: 'actions',
        actions: [{ id: connectionActions.status, label: 'Connection status', value: connection.id }],
      },
    ],
  };
}
