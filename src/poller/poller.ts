import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import { expireInvitations, type HealthTransition } from '../app/connection-health.ts';
import type { AppDeps } from '../app/deps.ts';
import { queueDigests, type Digest } from '../app/digest.ts';
import { fanOutStatusEvents, type StatusEventNotice } from '../app/notifications.ts';
import { acquireLease, releaseLease } from '../app/poller-lease.ts';
import type { PollerConfig } from '../config.ts';
import type { ConnectionRow } from '../store/connections.ts';
import type { SyncEngine } from '../sync/index.ts';
import type { Message } from '../ui/model.ts';
import { NotificationSender, type DeliveryReport } from './deliver.ts';
import { runHealthCycle, type HealthCycleReport, type HealthProbe } from './health-check.ts';
import type { Notifier } from './notifier.ts';

export const POLLER_LEASE = 'poller';

/** How the notices the poller queues look: made by src/flows (the service passes them in), sent as they are. */
export interface NoticeViews {
  statusNotice(event: StatusEventNotice, connection: ConnectionRow): Message;
  digest(digest: Digest): Message;
}

export interface PollerOptions {
  config: PollerConfig;
  probe: HealthProbe;
  notifiers: readonly Notifier[];
  views: NoticeViews;
  /** The sync engine whose poll step the trigger job runs; null where none runs. */
  sync: SyncEngine | null;
  /** Who this process is in the lease table (host, pid and a random part, so a restarted pid is someone new). */
  holder?: string;
}

type JobName = 'health' | 'expiry' | 'triggers' | 'digest';

/**
 * The status poller: cron jobs for connection health, invitation expiry, trigger polling and the daily digest, and
 * the loop that sends queued notices. Every job is a method, so tests run them directly with a controllable clock;
 * `start()` schedules them. Only the holder of the lease runs anything, so processes sharing a data dir poll once.
 */
export class Poller {
  readonly holder: string;
  readonly #sender: NotificationSender;
  #tasks: ScheduledTask[] = [];
  #leaseTimer: NodeJS.Timeout | null = null;
  #sendTimer: NodeJS.Timeout | null = null;
  #leader = false;
  #running = false;
  #sending: Promise<unknown> | null = null;

  constructor(
    private readonly deps: AppDeps,
    private readonly options: PollerOptions,
  ) {
    this.holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#sender = new NotificationSender(deps, options.notifiers, { sendIntervalMs: options.config.sendIntervalMs });
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  // ---- the jobs ---------------------------------------------------------------------------------------------------

  async runHealthCheck(): Promise<HealthCycleReport> {
    const timed = this.deps.metrics?.pollerCycleDuration.startTimer({ job: 'health' });
    const report = await runHealthCycle(this.deps, {
      probe: this.options.probe,
      concurrency: this.options.config.concurrency,
      privateSilenceMs: this.options.config.privateSilenceMs,
      stuckQueueMs: this.options.config.stuckQueueMs,
    });
    timed?.();
    this.#logTransitions(report.transitions);
    this.fanOut();
    return report;
  }

  runExpiry(): HealthTransition[] {
    const expired = expireInvitations(this.deps);
    this.#logTransitions(expired);
    this.fanOut();
    return expired;
  }

  /** For helpdesks that send no webhooks: the sync engine's poll step, on the poller's schedule. */
  async runTriggerPoll(): Promise<number> {
    if (!this.options.sync) return 0;
    const timed = this.deps.metrics?.pollerCycleDuration.startTimer({ job: 'triggers' });
    const found = await this.options.sync.pollOnce(true);
    timed?.();
    if (found > 0) this.deps.kickSync?.();
    return found;
  }

  runDigest(): number {
    return queueDigests(this.deps, this.options.views.digest);
  }

  /** Status events not yet queued for their channels, queued. */
  fanOut(): number {
    return fanOutStatusEvents(this.deps, this.options.views.statusNotice);
  }

  /** Queues what is new and sends what is due (one notice per channel per call at most). */
  async deliver(): Promise<DeliveryReport> {
    this.fanOut();
    return this.#sender.deliverDue();
  }

  // ---- scheduling -------------------------------------------------------------------------------------------------

  /** Takes or renews the lease; true while this process is the one that polls. */
  renewLease(): boolean {
    const leader = acquireLease(this.deps.db, {
      name: POLLER_LEASE,
      holder: this.holder,
      ttlMs: this.options.config.leaseMs,
      now: this.deps.clock(),
    });
    if (leader !== this.#leader) {
      this.deps.logger.info(
        { holder: this.holder },
        leader ? 'took the poller lease: this process runs the poller' : 'lost the poller lease',
      );
    }
    this.#leader = leader;
    return leader;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const { config } = this.options;
    const schedule = (name: JobName, expression: string, run: () => unknown) => {
      this.#tasks.push(
        cron.schedule(expression, () => this.#runJob(name, run), { name: `deskbridge-${name}`, noOverlap: true }),
      );
    };
    schedule('health', config.healthCron, () => this.runHealthCheck());
    schedule('expiry', config.expiryCron, () => this.runExpiry());
    schedule('triggers', config.triggerCron, () => this.runTriggerPoll());
    schedule('digest', config.digestCron, () => this.runDigest());
    const leaseEvery = Math.max(200, Math.floor(config.leaseMs / 3));
    const renew = () => {
      try {
        this.renewLease();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'renewing the poller lease failed');
        this.#leader = false;
      }
    };
    renew();
    this.#leaseTimer = setInterval(renew, leaseEvery);
    const sendEvery = Math.max(200, config.sendIntervalMs);
    const send = () => {
      if (!this.#running) return;
      this.#sending = (this.#leader ? this.deliver() : Promise.resolve())
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'sending notices failed'))
        .finally(() => {
          this.#sending = null;
          if (this.#running) this.#sendTimer = setTimeout(send, sendEvery);
        });
    };
    this.#sendTimer = setTimeout(send, sendEvery);
  }

  async #runJob(name: JobName, run: () => unknown): Promise<void> {
    // Renew right before the work: a process that was paused past its lease must not run beside its successor.
    if (!this.#running || !this.renewLease()) return;
    const started = performance.now();
    try {
      const result = await run();
      this.deps.logger.info(
        {
          job: name,
          holder: this.holder,
          pid: process.pid,
          ms: Math.round(performance.now() - started),
          result: summary(result),
        },
        'poller job ran',
      );
    } catch (error) {
      this.deps.logger.error({ err: error, job: name }, 'poller job failed');
    }
  }

  #logTransitions(transitions: HealthTransition[]): void {
    for (const t of transitions)
      this.deps.logger.info(
        { connectionId: t.connectionId, from: t.from, to: t.to, reason: t.reason },
        'connection status changed',
      );
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const task of this.#tasks) await task.destroy();
    this.#tasks = [];
    if (this.#leaseTimer) clearInterval(this.#leaseTimer);
    if (this.#sendTimer) clearTimeout(this.#sendTimer);
    await this.#sending;
    if (this.#leader) releaseLease(this.deps.db, POLLER_LEASE, this.holder);
    this.#leader = false;
  }
}

function summary(result: unknown): unknown {
  if (Array.isArray(result)) return { changed: result.length };
  if (result && typeof result === 'object' && 'checked' in result) {
    const r = result as HealthCycleReport;
    return { checked: r.checked, failing: r.failing, changed: r.transitions.length, durationMs: r.durationMs };
  }
  return result;
}
