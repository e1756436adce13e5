/**
 * The scripts a worker holds, most recently used last. The pool keeps one per worker (key -> source) and the worker
 * keeps its own (key -> compiled script); both apply `use` once per run, in the order the runs reach the worker, so
 * they evict the same keys and agree on what the worker holds without a message about it.
 */
export class RecentScripts<T> {
  readonly #entries = new Map<string, T>();

  constructor(readonly capacity: number) {}

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  /** Marks `key` as used by the next run, holding `value` for it; drops the least recently used past capacity. */
  use(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
