import { connections } from '../../db/schema/index.ts';
import { statuses } from '../domain/connection.ts';
import type { QueueFigure, ScrapeSources } from '../metrics/registry.ts';
import { stageCounts } from '../sync/index.ts';
import type { AppDeps } from './deps.ts';

const STAGES = ['change', 'outbox', 'inbox'] as const;

/** What a scrape of /metrics reads from the database: each connection's queues, and connections by status. */
export function metricsSources(deps: AppDeps): ScrapeSources {
  const rows = () => deps.db.select({ id: connections.id, status: connections.status }).from(connections).all();
  return {
    queues() {
      const now = deps.clock();
      return rows().flatMap(({ id }) => {
        const counts = stageCounts(deps.db, id, now);
        return STAGES.map(
          (stage): QueueFigure => ({
            connectionId: id,
            stage,
            count: counts[stage].count,
            oldestAgeMs: counts[stage].oldest ? Math.max(0, now.getTime() - counts[stage].oldest.getTime()) : null,
          }),
        );
      });
    },
    connectionStatuses() {
      const counts: Record<string, number> = Object.fromEntries(statuses.map((status) => [status, 0]));
      for (const { status } of rows()) counts[status] = (counts[status] ?? 0) + 1;
      return counts;
    },
  };
}
