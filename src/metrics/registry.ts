import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics (GET /metrics). Each service has its own registry, not prom-client's global one,
 * so several nodes in one process (the tests) keep their numbers apart.
 *
 * Label values come from closed sets only: a platform, a route template (never the path as sent), a status code, an
 * outcome, a stage, a step, a job, a connection id (this node's own). Never an entity key, a URL, an error message or
 * anything a request carries, so what strangers send cannot add series.
 */

export type QueueStage = 'change' | 'outbox' | 'inbox';

/** One stage of one connection's pipeline at scrape time. */
export interface QueueFigure {
  connectionId: string;
  stage: QueueStage;
  count: number;
  /** How long the oldest item has waited; null when the stage is empty. */
  oldestAgeMs: number | null;
}

/** What is read from the database at each scrape, rather than counted as it happens. */
export interface ScrapeSources {
  queues(): QueueFigure[];
  /** How many connections are in each status (every status, 0 included). */
  connectionStatuses(): Record<string, number>;
}

interface ScrapeFigures {
  queues: QueueFigure[];
  statuses: Record<string, number>;
}

/** A metric's name, help and label names (label values from closed sets only, see above). */
interface MetricConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

/** The steps of a sync engine pass (SyncEngine.tick). */
export type SyncStep = 'poll' | 'process' | 'send' | 'pull' | 'apply';

const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SLOW_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class Metrics {
  private readonly registry = new Registry();
  #sources: ScrapeSources | null = null;

  /** A counter, and below a histogram, on this node's own registry. */
  #counter<L extends string>(config: MetricConfig<L>): Counter<L> {
    return new Counter<L>({ ...config, registers: [this.registry] });
  }

  #histogram<L extends string>(buckets: number[], config: MetricConfig<L>): Histogram<L> {
    return new Histogram<L>({ ...config, buckets, registers: [this.registry] });
  }

  // ---- the sync engine --------------------------------------------------------------------------------------------
  readonly syncMessagesSent = this.#counter({
    name: 'deskbridge_sync_messages_sent_total',
    help: 'Sync messages (replicas and acks) the other node took from this one, pushed to it.',
    labelNames: ['connection'] as const,
  });
  readonly syncMessagesApplied = this.#counter({
    name: 'deskbridge_sync_messages_applied_total',
    help: 'Received sync messages applied (replicas written to the helpdesk, acks recorded).',
    labelNames: ['connection'] as const,
  });
  readonly syncFailures = this.#counter({
    name: 'deskbridge_sync_failures_total',
    help: 'Failed sync attempts, retried later: a change that could not be made a replica (stage=change), messages that could not be sent (stage=outbox, per message), an entity whose messages could not be applied (stage=inbox).',
    labelNames: ['connection', 'stage'] as const,
  });
  readonly syncStepDuration = this.#histogram(SLOW_BUCKETS, {
    name: 'deskbridge_sync_step_duration_seconds',
    help: 'How long one step of a sync engine pass took, over all connections.',
    labelNames: ['step'] as const,
  });

  // ---- helpdesk connectors ----------------------------------------------------------------------------------------
  readonly helpdeskRequests = this.#counter({
    name: 'deskbridge_helpdesk_requests_total',
    help: 'HTTP exchanges with helpdesks: status is the code (common ones) or its class (4xx), none when no answer came; outcome ok (handed back), retried, or failed.',
    labelNames: ['platform', 'status', 'outcome'] as const,
  });
  readonly helpdeskRequestDuration = this.#histogram(SLOW_BUCKETS, {
    name: 'deskbridge_helpdesk_request_duration_seconds',
    help: 'How long one HTTP exchange with a helpdesk took.',
    labelNames: ['platform'] as const,
  });
  readonly helpdeskThrottled = this.#counter({
    name: 'deskbridge_helpdesk_throttled_total',
    help: 'Answers 429 (too many requests) from helpdesks.',
    labelNames: ['platform'] as const,
  });
  readonly helpdeskRateWait = this.#counter({
    name: 'deskbridge_helpdesk_rate_limit_wait_seconds_total',
    help: "Time calls waited for their instance's rate budget (the helpdesk's quota, or a Retry-After) before going out.",
    labelNames: ['platform'] as const,
  });

  // ---- sync rules ---------------------------------------------------------------------------------------------------
  readonly ruleRuns = this.#counter({
    name: 'deskbridge_rule_runs_total',
    help: 'Sync-rule runs: outcome ok, script_error (the script failed), limit (a step, time, size or memory limit stopped it), busy (the pool queue was full), stopped (the service was shutting down) or failed.',
    labelNames: ['direction', 'outcome'] as const,
  });
  readonly ruleRunDuration = this.#histogram(FAST_BUCKETS, {
    name: 'deskbridge_rule_run_duration_seconds',
    help: 'How long a sync-rule run took, from submission to the pool to its result (waiting for a worker included).',
    labelNames: ['direction'] as const,
  });

  // ---- HTTP (node protocol, webhooks, Slack, Teams) ------------------------------------------------------------------
  readonly httpRequests = this.#counter({
    name: 'deskbridge_http_requests_total',
    help: 'Requests to this node by route template (/v1/connections/:id/messages, /slack/events, /api/messages; unmatched for any other path), method and status (aborted when the client left before an answer).',
    labelNames: ['method', 'route', 'status'] as const,
  });
  readonly httpRequestDuration = this.#histogram(SLOW_BUCKETS, {
    name: 'deskbridge_http_request_duration_seconds',
    help: "From a request's arrival to the end of its answer: for /slack/events and /api/messages, the ack latency Slack and Teams see.",
    labelNames: ['method', 'route'] as const,
  });

  // ---- the poller ---------------------------------------------------------------------------------------------------
  readonly pollerCycleDuration = this.#histogram(SLOW_BUCKETS, {
    name: 'deskbridge_poller_cycle_duration_seconds',
    help: 'How long a poller job took (health: the health check of every connection; triggers: the trigger poll).',
    labelNames: ['job'] as const,
  });

  // ---- read at scrape time ------------------------------------------------------------------------------------------
  /** The figures of the scrape under way, read once for the gauges that show them. */
  #snapshot: ScrapeFigures | null = null;

  #figures(): ScrapeFigures {
    this.#snapshot ??= {
      queues: this.#sources?.queues() ?? [],
      statuses: this.#sources?.connectionStatuses() ?? {},
    };
    return this.#snapshot;
  }

  /** A gauge whose values are read from the sources at each scrape (what is gone since the last one disappears). */
  #scraped<L extends string>(
    config: MetricConfig<L>,
    read: (figures: ScrapeFigures) => Array<[Partial<Record<L, string>>, number]>,
  ): Gauge<L> {
    const figures = () => this.#figures();
    return new Gauge<L>({
      ...config,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read(figures())) this.set(labels, value);
      },
    });
  }

  constructor() {
    this.#scraped(
      {
        name: 'deskbridge_queue_depth',
        help: "Items waiting per connection and stage: change (queued changes of this node's tickets), outbox (messages not yet taken by the other node), inbox (received messages not yet applied).",
        labelNames: ['connection', 'stage'] as const,
      },
      (figures) => figures.queues.map((f) => [{ connection: f.connectionId, stage: f.stage }, f.count]),
    );
    this.#scraped(
      {
        name: 'deskbridge_queue_oldest_age_seconds',
        help: 'How long the oldest item of the stage has waited (0 when the stage is empty).',
        labelNames: ['connection', 'stage'] as const,
      },
      (figures) =>
        figures.queues.map((f) => [{ connection: f.connectionId, stage: f.stage }, (f.oldestAgeMs ?? 0) / 1000]),
    );
    this.#scraped(
      { name: 'deskbridge_connections', help: 'Connections on this node by status.', labelNames: ['status'] as const },
      (figures) => Object.entries(figures.statuses).map(([status, n]) => [{ status }, n]),
    );
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the figures read at scrape time come from (the service sets it once its parts are built). */
  readFrom(sources: ScrapeSources): void {
    this.#sources = sources;
  }

  /** The Prometheus text exposition of every metric, the figures of the database read once for it. */
  async scrape(): Promise<string> {
    this.#snapshot = null;
    try {
      return await this.registry.metrics();
    } finally {
      this.#snapshot = null;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
