import type { Digest, DigestLine } from '../app/digest.ts';
import { stages } from '../app/queue-status.ts';
import type { Message } from '../ui/model.ts';
import { formatDate } from './outcome.ts';
import { age } from './ticket-status.ts';

/** `outbox 3, inbox 1 (oldest 2h)`, or `none`: what waits, per stage that has something. */
function waitingCell(queue: DigestLine['queue']): string {
  const parts = stages.filter((stage) => queue.waiting[stage] > 0).map((stage) => `${stage} ${queue.waiting[stage]}`);
  if (parts.length === 0) return 'none';
  return `${parts.join(', ')}${queue.oldestAgeMs === null ? '' : ` (oldest ${age(queue.oldestAgeMs)})`}`;
}

function sendingCell(queue: DigestLine['queue']): string {
  return queue.failingSince
    ? `failing since ${formatDate(queue.failingSince)} (${queue.failedSends} attempt${queue.failedSends === 1 ? '' : 's'})`
    : 'ok';
}

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
            { label: 'Waiting' },
            { label: 'Sending' },
          ],
          empty: 'No connections.',
          rows: digest.lines.map((l) => ({
            cells: [
              `*${l.name}*`,
              l.status,
              String(l.entitiesUnderSync),
              String(l.sent),
              String(l.errors + l.outages),
              waitingCell(l.queue),
              sendingCell(l.queue),
            ],
          })),
        },
      },
    ],
  };
}
