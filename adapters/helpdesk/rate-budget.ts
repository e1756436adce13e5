import type { Clock } from './clock.ts';

/** What a response said about the remaining quota. */
export interface QuotaReading {
  limit: number | null;
  remaining: number | null;
  /** When the quota refills (ms since epoch), when the helpdesk says so (Xurrent X-RateLimit-Reset). */
  resetAt: number | null;
}

export interface RateBudgetOptions {
  /**
   * Length of a rolling window the helpdesk counts calls in (Freshworks: a minute). With it the budget keeps its own
   * log of calls and never sends more than the limit within any window.
   */
  windowMs: number | null;
  /** Slack added to computed waits, so a clock a few ms apart from the helpdesk's does not cause a 429. */
  marginMs?: number;
}

/**
 * The per-instance request budget. It learns the limit from the helpdesk's headers and spends it so that a bulk read
 * waits for the window to roll over instead of tripping the limit.
 */
export class RateBudget {
  private readonly sent: number[] = [];
  private limit: number | null = null;
  private remaining: number | null = null;
  private resetAt: number | null = null;
  private readonly marginMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly options: RateBudgetOptions,
  ) {
    this.marginMs = options.marginMs ?? 50;
  }

  /** Waits until one more request fits, then counts it; returns how long it waited (ms). */
  async acquire(): Promise<number> {
    let waited = 0;
    for (;;) {
      const wait = this.waitNeeded(this.clock.now());
      if (wait <= 0) break;
      await this.clock.sleep(wait);
      waited += wait;
    }
    this.sent.push(this.clock.now());
    if (this.remaining !== null) this.remaining -= 1;
    return waited;
  }

  observe(reading: QuotaReading): void {
    if (reading.limit !== null) this.limit = reading.limit;
    if (reading.remaining !== null) this.remaining = reading.remaining;
    if (reading.resetAt !== null) this.resetAt = reading.resetAt;
  }

  /** After a 429: nothing more until the helpdesk's Retry-After has passed. */
  exhaustedFor(ms: number): void {
    this.remaining = 0;
    this.resetAt = this.clock.now() + ms;
  }

  private waitNeeded(now: number): number {
    const { windowMs } = this.options;
    if (windowMs !== null) {
      while (this.sent.length > 0 && this.sent[0]! <= now - windowMs) this.sent.shift();
    }
    if (this.resetAt !== null && this.resetAt <= now) {
      // The quota refilled; the next answer tells us how much is left.
      this.resetAt = null;
      this.remaining = null;
    }
    if (this.remaining !== null && this.remaining <= 0) {
      if (this.resetAt !== null) return this.resetAt - now + this.marginMs;
      if (windowMs !== null) {
        // Other clients may share the account's quota: wait until our oldest call leaves the window, then ask again.
        const oldest = this.sent[0];
        const until = oldest === undefined ? now + windowMs : oldest + windowMs;
        this.resetAt = until + this.marginMs;
        return this.resetAt - now;
      }
    }
    if (windowMs !== null && this.limit !== null && this.sent.length >= this.limit) {
      const oldest = this.sent[this.sent.length - this.limit]!;
      return oldest + windowMs - now + this.marginMs;
    }
    return 0;
  }
}
