/** Simulated API quotas: Freshworks count calls in a rolling minute, Xurrent in a fixed window with a reset time. */
export interface QuotaDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a call would be allowed again (for Retry-After). */
  retryAfterSeconds: number;
  /** When the window refills (ms since epoch). */
  resetAt: number;
}

export class RollingWindowQuota {
  private readonly calls: number[] = [];

  constructor(
    private readonly now: () => number,
    public limit: number,
    private readonly windowMs: number,
  ) {}

  take(): QuotaDecision {
    const now = this.now();
    while (this.calls.length > 0 && this.calls[0]! <= now - this.windowMs) this.calls.shift();
    const oldest = this.calls[0];
    const resetAt = oldest === undefined ? now + this.windowMs : oldest + this.windowMs;
    if (this.calls.length >= this.limit) {
      const freeAt = this.calls[this.calls.length - this.limit]! + this.windowMs;
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)),
        resetAt,
      };
    }
    this.calls.push(now);
    return {
      allowed: true,
      limit: this.limit,
      remaining: this.limit - this.calls.length,
      retryAfterSeconds: 0,
      resetAt,
    };
  }

  /** A call that counts without being asked for by a client (Freshdesk webhooks use the API quota). */
  spend(): void {
    this.calls.push(this.now());
  }
}

export class FixedWindowQuota {
  private windowStart: number | null = null;
  private used = 0;

  constructor(
    private readonly now: () => number,
    public limit: number,
    private readonly windowMs: number,
  ) {}

  take(): QuotaDecision {
    const now = this.now();
    if (this.windowStart === null || now >= this.windowStart + this.windowMs) {
      // Windows start on a whole second, so X-RateLimit-Reset (epoch seconds) is exact.
      this.windowStart = Math.floor(now / 1000) * 1000;
      this.used = 0;
    }
    const resetAt = this.windowStart + this.windowMs;
    if (this.used >= this.limit) {
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
        resetAt,
      };
    }
    this.used += 1;
    return { allowed: true, limit: this.limit, remaining: this.limit - this.used, retryAfterSeconds: 0, resetAt };
  }
}
