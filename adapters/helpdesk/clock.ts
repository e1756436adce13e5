/**
 * Time as the connectors and simulators see it. Tests hand both the same manual clock, so waiting out a rate limit
 * of minutes takes no real time.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
