/**
 * Faults tests inject into a simulator. Each applies to the next matching requests (`times`, default 1), in the order
 * they were added.
 */
export type FaultKind =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: number }
  | { kind: 'throttle'; retryAfterSeconds: number }
  /** Accept the request and never answer (until the client gives up or the simulator closes). */
  | { kind: 'timeout' }
  /** Close the connection without an answer. */
  | { kind: 'drop' };

export type Fault = FaultKind & {
  method?: string;
  /** A path prefix (`/api/v2/tickets`) or pattern the request path must match. */
  path?: string | RegExp;
  times?: number;
};

export class FaultPlan {
  private readonly queue: Array<Fault & { left: number }> = [];
  /** Every fault that fired, for assertions. */
  readonly fired: Array<{ kind: FaultKind['kind']; method: string; path: string }> = [];

  add(fault: Fault): void {
    this.queue.push({ ...fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.reduce((sum, f) => sum + f.left, 0);
  }

  /** The fault for this request, if any; latency faults stack with the one that follows them. */
  take(method: string, path: string): FaultKind[] {
    const taken: FaultKind[] = [];
    for (const fault of this.queue) {
      if (fault.left <= 0) continue;
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (fault.path && !(typeof fault.path === 'string' ? path.startsWith(fault.path) : fault.path.test(path)))
        continue;
      fault.left -= 1;
      taken.push(fault);
      this.fired.push({ kind: fault.kind, method, path });
      if (fault.kind !== 'latency') break;
    }
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.left <= 0) this.queue.splice(i, 1);
    return taken;
  }
}
