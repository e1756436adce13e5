import type { Digest } from '../app/digest.ts';
import type { Message } from '../ui/model.ts';
import { formatDate } from './outcome.ts';

/** The daily digest a subscribed channel asked for: each connection's status, what synced, what went wrong. */
export function digestMessage(digest: Digest): Message {
  const sent = digest.lines.reduce((n, l) => n + l.sent, 0);
  const errors = digest.lines.reduce((n, l) => n + l.errors + l.outages, 0);
  return {
    kind: 'message',
    text: `Daily digest for ${digest.instanceName}: ${digest.lines.length} connection(s), ${sent} change(s) synced, ${errors} error(s).`,
    items: [
      { kind: 'heading', text: `Daily digest: ${digest.instanceName}` },
      { kind: 'note', text: `${formatDate(digest.from)} to ${formatDate(digest.to)}` },
      {
        kind: 'table',
        table: {
          columns: [
            { label: 'Connection' },
            { label: 'Status' },
            { label: 'Entities under sync' },
            { label: 'Synced' },
            { label: 'Errors' },
          ],
          empty: 'No connections.',
          rows: digest.lines.map((l) => ({
            cells: [`*${l.name}*`, l.status, String(l.entitiesUnderSync), String(l.sent), String(l.errors + l.outages)],
          })),
        },
      },
    ],
  };
}
