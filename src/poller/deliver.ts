import type { ChatPlatform } from '../domain/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import { dueNotices, markNoticeFailed, markNoticeSent, postponeNotice } from '../app/notifications.ts';
import { retryDelayMs } from '../sync/index.ts';
import type { Message } from '../ui/model.ts';
import type { Notifier, SendResult } from './notifier.ts';

export interface DeliveryOptions {
  /** At most one notice per channel per this interval (Slack: about one per second per channel). */
  sendIntervalMs: number;
  /** Transient failures before a notice is given up. */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface DeliveryReport {
  sent: number;
  waiting: number;
  failed: number;
}

/**
 * Sends the head notice of every channel that is due, channels side by side. A channel told to wait (429 with
 * Retry-After) or backing off after a failure keeps its order and holds back only itself.
 */
export class NotificationSender {
  /** When each channel last got a notice, for the per-channel pace; losing it on a restart costs at most one 429. */
  readonly #lastSent = new Map<string, number>();
  readonly #notifiers: Map<ChatPlatform, Notifier>;

  constructor(
    private readonly deps: AppDeps,
    notifiers: readonly Notifier[],
    private readonly options: DeliveryOptions,
  ) {
    this.#notifiers = new Map(notifiers.map((n) => [n.platform, n]));
  }

  get platforms(): ChatPlatform[] {
    return [...this.#notifiers.keys()];
  }

  async deliverDue(): Promise<DeliveryReport> {
    const now = this.deps.clock();
    const report: DeliveryReport = { sent: 0, waiting: 0, failed: 0 };
    const due = dueNotices(this.deps, this.platforms, now).filter((n) => {
      const last = this.#lastSent.get(`${n.platform}:${n.channelId}`);
      return last === undefined || now.getTime() - last >= this.options.sendIntervalMs;
    });
    await Promise.all(
      due.map(async (notice) => {
        const channelKey = `${notice.platform}:${notice.channelId}`;
        let result: SendResult;
        try {
          result = await this.#notifiers
            .get(notice.platform)!
            // Queued by this poller, from the views it was given (NoticeViews): a neutral Message.
            .send({ tenantId: notice.tenantId, channelId: notice.channelId }, notice.message as Message);
        } catch (error) {
          result = { kind: 'failed', error: error instanceof Error ? error.message : String(error), permanent: false };
        }
        const at = this.deps.clock().getTime();
        if (result.kind === 'sent') {
          markNoticeSent(this.deps, notice.id);
          this.#lastSent.set(channelKey, at);
          report.sent++;
        } else if (result.kind === 'retry-after') {
          postponeNotice(this.deps, notice.id, {
            at: new Date(at + result.ms),
            error: `rate limited: retry after ${result.ms} ms`,
            countAttempt: false,
          });
          this.deps.logger.info(
            { channel: notice.channelId, retryAfterMs: result.ms },
            'notice rate limited; this channel waits',
          );
          report.waiting++;
        } else if (result.permanent || notice.attempts + 1 >= (this.options.maxAttempts ?? 10)) {
          markNoticeFailed(this.deps, notice.id, result.error);
          this.deps.logger.warn(
            { channel: notice.channelId, noticeId: notice.id, err: result.error },
            'gave up on a notice',
          );
          report.failed++;
        } else {
          const delay = retryDelayMs(
            notice.attempts + 1,
            this.options.retryBaseMs ?? 5000,
            this.options.retryMaxMs ?? 600_000,
          );
          postponeNotice(this.deps, notice.id, { at: new Date(at + delay), error: result.error, countAttempt: true });
          report.waiting++;
        }
      }),
    );
    return report;
  }
}
