import type { HelpdeskCallObserver } from '../../adapters/helpdesk/transport.ts';
import type { Platform } from '../domain/instance.ts';
import type { Metrics } from './registry.ts';

/** Codes shown as they are; any other is shown as its class (`4xx`), so a helpdesk cannot add series at will. */
const NAMED_STATUSES = new Set([
  200, 201, 202, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429, 500, 502,
  503, 504,
]);

function statusLabel(status: number | null): string {
  if (status === null) return 'none';
  if (NAMED_STATUSES.has(status)) return String(status);
  return status >= 100 && status <= 599 ? `${Math.floor(status / 100)}xx` : 'other';
}

/** What one instance's connector reports, counted under its platform. */
export function helpdeskCallObserver(metrics: Metrics, platform: Platform): HelpdeskCallObserver {
  const labels = { platform };
  return {
    exchanged(status, outcome, ms) {
      metrics.helpdeskRequests.inc({ platform, status: statusLabel(status), outcome });
      metrics.helpdeskRequestDuration.observe(labels, ms / 1000);
      if (status === 429) metrics.helpdeskThrottled.inc(labels);
    },
    waited(ms) {
      if (ms > 0) metrics.helpdeskRateWait.inc(labels, ms / 1000);
    },
  };
}
