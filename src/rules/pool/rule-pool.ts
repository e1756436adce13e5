/**
 * Sync rules run off the main thread, in a pool of worker threads, so no script and no data can stall the node:
 * - each worker has V8 resource limits (heap, young generation, stack); a worker that runs out of memory fails only
 *   the run it was in ('limit_exceeded', kind 'memory') and is replaced;
 * - a watchdog reads which run each worker is in (a shared control block); a run still going past its time limit
 *   plus a grace (the interpreter stops ordinary loops itself, at the limit) ends with its worker
 *   ('limit_exceeded', kind 'time') and the worker is replaced;
 * - the runs a lost worker had not finished are run again on another (they called no host, see worker.ts);
 * - host calls (user lookups, httpClient, syncHelper's twin questions) are answered here, asynchronously, through a
 *   synchronous bridge (host-bridge.ts); the time a run waits for the host is not its time: the watchdog skips a
 *   worker waiting for an answer and then adds the wait to the run's allowance, the worker moves the interpreter's
 *   deadline by it, and the wait itself is bounded by hostTimeoutMs;
 * - runs wait in a bounded queue: past queueLimit a run is refused with RulePoolBusyError;
 * - workers start when the first run comes and end on close().
 * Runs are sent in batches (many in flight, as a bulk sync has them), and a script's source only the first time a
 * worker needs it: after that the run names it by key.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Entity, HubUser, Replica } from '../../domain/entity.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Platform } from '../../domain/instance.ts';
import type { ScriptHttpRequest, ScriptHttpResponse } from '../../domain/script-api.ts';
import type { NamedCode } from '../../domain/status-priority.ts';
import { defaultLimits, type ScriptLimits } from '../runtime.ts';
import { answerHostCall } from './host-bridge.ts';
import {
  CONTROL_BYTES,
  CURRENT_RUN,
  errorFromWire,
  errorToWire,
  hostBits,
  SCRIPTS_PER_WORKER,
  type HostKind,
  type LocalTwin,
  type UnderSyncQuery,
  type UpMessage,
  type WireBatch,
  type WireResult,
  type WireRun,
  type WorkerBoot,
} from './protocol.ts';
import { RecentScripts } from './recent-scripts.ts';
import {
  packEntity,
  packReplica,
  unpackEntity,
  unpackReplica,
  type PackedEntity,
  type PackedReplica,
} from './wire-codec.ts';

/** What a run may ask of this node while it runs; each answers asynchronously and may throw a DomainError. */
export interface RuleHostHandlers {
  userByEmail?: (email: string) => Promise<HubUser | null>;
  userById?: (id: string) => Promise<HubUser | null>;
  http?: (request: ScriptHttpRequest) => Promise<ScriptHttpResponse>;
  /** syncHelper.isUnderSync: answered by the sync engine from its twin links. */
  isUnderSync?: (query: UnderSyncQuery) => Promise<boolean>;
  /** syncHelper.getLocalIssueKeyFromRemoteId: the local twin of an entity of the other side, or null. */
  localTwinOf?: (remoteId: string) => Promise<LocalTwin | null>;
}

/** A published version under its key (`<connection>:<version>:outgoing`), or a draft's text (keyed by itself). */
export type PooledScript = string | { key: string; source: string };

interface PooledRunInput {
  script: PooledScript;
  limits?: Partial<ScriptLimits>;
  /** The helpdesk's own statuses and priorities, besides the platform's (NodeLookups). */
  statuses?: readonly NamedCode[];
  priorities?: readonly NamedCode[];
  /** The twin's URL on the other side (the script's issueUrl); null or absent before it is known. */
  twinUrl?: string | null;
  /** This node's URL of the instance and the other side's (syncHelper.getExalateUrl / getRemoteExalateUrl). */
  nodeUrl?: string | null;
  remoteNodeUrl?: string | null;
  host?: RuleHostHandlers;
}

export interface PooledOutgoing extends PooledRunInput {
  entity: Entity;
  platform?: Platform;
  previous?: Replica | null;
}

export interface PooledIncoming extends PooledRunInput {
  entity: Entity | null;
  replica: Replica;
  previous?: Replica | null;
  firstSync: boolean;
  platform: Platform;
}

/** How the service runs sync rules (AppDeps.rules): the same results and DomainErrors as runOutgoing/runIncoming. */
export interface RuleRunner {
  runOutgoing(input: PooledOutgoing): Promise<Replica>;
  runIncoming(input: PooledIncoming): Promise<Entity>;
  close(): Promise<void>;
}

export interface RulePoolOptions {
  /** Worker threads; default min(2, available cores). */
  size?: number;
  /** Runs waiting or in progress before another is refused; default 1000. */
  queueLimit?: number;
  /** A run's time limit unless it names its own; the most any run gets before its worker is ended. Default 2000. */
  timeLimitMs?: number;
  /** The heap of one worker, in MB (V8 maxOldGenerationSizeMb); default 256. */
  memoryLimitMb?: number;
  /** How far past its limit a run may go before its worker is ended (the interpreter usually stops it first). */
  graceMs?: number;
  /** The longest one host call may take; default 15000 (httpClient's own limit is shorter). */
  hostTimeoutMs?: number;
  /** The most runs sent to a worker in one message. */
  batchSize?: number;
}

/** Refused because the queue is full; the sync engine retries such a failure later (it is not a DomainError). */
export class RulePoolBusyError extends Error {
  override readonly name = 'RulePoolBusyError';
}

/** The pool was closed (the service is stopping) before this run could finish; retried by the engine later. */
export class RulePoolClosedError extends Error {
  override readonly name = 'RulePoolClosedError';
}

interface PendingRun {
  wire: WireRun;
  source: string;
  /** The run's time limit as the watchdog enforces it. */
  limitMs: number;
  host: RuleHostHandlers | undefined;
  /** A host handler failed with something other than a DomainError: the run fails with that very error. */
  hostFailure?: unknown;
  /** Send the source whatever the worker is thought to hold (it said it did not). */
  withSource?: boolean;
  /** Unpacks the answer and settles the caller's promise (unpacking may throw: then reject). */
  resolve(value: PackedReplica | PackedEntity): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  control: Int32Array;
  up: MessagePort;
  down: MessagePort;
  scripts: RecentScripts<string>;
  /** Runs sent and not answered, in the order the worker runs them. */
  assigned: Map<number, PendingRun>;
  batches: number;
  ready: boolean;
  lost: boolean;
  /** The watchdog's view: which run it last saw, since when, and how long that run waited for the host. */
  watchedRun: number;
  watchedSince: number;
  hostWaitMs: number;
  hostCallSince: number | null;
}

const WATCH_INTERVAL_MS = 25;
/** Batches a worker may have at once: the next is there when it finishes one. */
const BATCHES_PER_WORKER = 2;
const MAX_RUN_ID = 0x7fffffff;

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number of at least 1`);
  return value;
}

function closedError(): RulePoolClosedError {
  return new RulePoolClosedError('The sync-rule runner stopped (the service is shutting down).');
}

function timeLimitError(limitMs: number): DomainError {
  const reason = `the script ran longer than ${limitMs} ms and was stopped`;
  return new DomainError('limit_exceeded', `Script stopped: ${reason}`, {
    kind: 'time',
    summary: `Script stopped: ${reason}`,
    reason,
    limitMs,
  });
}

function memoryLimitError(limitMb: number): DomainError {
  const reason = `the script needed more than the ${limitMb} MB of memory a rule run may use and was stopped`;
  return new DomainError('limit_exceeded', `Script stopped: ${reason}`, {
    kind: 'memory',
    summary: `Script stopped: ${reason}`,
    reason,
    limitMb,
  });
}

export class RulePool implements RuleRunner {
  readonly size: number;
  readonly queueLimit: number;
  readonly timeLimitMs: number;
  readonly memoryLimitMb: number;
  readonly graceMs: number;
  readonly hostTimeoutMs: number;
  readonly batchSize: number;

  #queue: PendingRun[] = [];
  #slots: Slot[] = [];
  #pending = 0;
  #nextId = 0;
  #closed = false;
  #dispatchQueued = false;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  /** Workers that ended before they were ready, in a row: the entry cannot load, so runs fail instead of looping. */
  #failedStarts = 0;
  /** What a run that names no limits gets (shared: runs only read it). */
  readonly #defaultLimits: Partial<ScriptLimits>;

  constructor(options: RulePoolOptions = {}) {
    this.size = positiveInteger(options.size ?? defaultPoolSize(), 'size');
    this.queueLimit = positiveInteger(options.queueLimit ?? 1000, 'queueLimit');
    this.timeLimitMs = positiveInteger(options.timeLimitMs ?? defaultLimits.maxMillis, 'timeLimitMs');
    this.memoryLimitMb = positiveInteger(options.memoryLimitMb ?? 256, 'memoryLimitMb');
    this.graceMs = options.graceMs ?? 250;
    if (!(this.graceMs >= 0)) throw new RangeError('graceMs must be 0 or more');
    this.hostTimeoutMs = positiveInteger(options.hostTimeoutMs ?? 15_000, 'hostTimeoutMs');
    this.batchSize = positiveInteger(options.batchSize ?? 32, 'batchSize');
    this.#defaultLimits = Object.freeze({ maxMillis: this.timeLimitMs });
  }

  /** Workers running now (they start with the first runs). */
  get workers(): number {
    return this.#slots.length;
  }

  runOutgoing(input: PooledOutgoing): Promise<Replica> {
    return this.#submit(
      input,
      () => ({
        direction: 'outgoing',
        platform: input.platform ?? input.entity.platform,
        entity: packEntity(input.entity),
        previous: input.previous ? packReplica(input.previous) : null,
        firstSync: !input.previous,
      }),
      (value) => unpackReplica(value as PackedReplica),
    );
  }

  runIncoming(input: PooledIncoming): Promise<Entity> {
    return this.#submit(
      input,
      () => ({
        direction: 'incoming',
        platform: input.platform,
        entity: input.entity ? packEntity(input.entity) : null,
        replica: packReplica(input.replica),
        previous: input.previous ? packReplica(input.previous) : null,
        firstSync: input.firstSync,
      }),
      (value) => unpackEntity(value as PackedEntity),
    );
  }

  /** Refuses new runs, fails those not finished with RulePoolClosedError, and ends the workers. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatchdog();
    const error = closedError();
    for (const run of this.#queue.splice(0)) this.#settle(run, error);
    const slots = this.#slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        slot.lost = true;
        this.#drain(slot);
        for (const run of slot.assigned.values()) this.#settle(run, error);
        slot.assigned.clear();
        await slot.worker.terminate();
        slot.up.close();
        slot.down.close();
      }),
    );
  }

  #submit<T>(
    input: PooledRunInput,
    pack: () => Pick<WireRun, 'direction' | 'platform' | 'entity' | 'replica' | 'previous' | 'firstSync'>,
    unpack: (value: PackedReplica | PackedEntity) => T,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#pending >= this.queueLimit) {
      return Promise.reject(
        new RulePoolBusyError(
          `Too many sync-rule runs are waiting (${this.queueLimit}): this run was refused; try again shortly.`,
        ),
      );
    }
    let packed: ReturnType<typeof pack>;
    try {
      packed = pack();
    } catch (error) {
      return Promise.reject(
        new DomainError('invalid_input', `A sync-rule run was given an entity or replica it cannot read (${error}).`),
      );
    }
    const { key, source } =
      typeof input.script === 'string' ? { key: input.script, source: input.script } : input.script;
    const asked = input.limits?.maxMillis;
    const host = input.host;
    const wire: WireRun = {
      ...packed,
      id: this.#runId(),
      key,
      limits: input.limits ? { ...input.limits, maxMillis: asked ?? this.timeLimitMs } : this.#defaultLimits,
      hosts:
        (host?.userByEmail ? hostBits.userByEmail : 0) |
        (host?.userById ? hostBits.userById : 0) |
        (host?.http ? hostBits.http : 0) |
        (host?.isUnderSync ? hostBits.isUnderSync : 0) |
        (host?.localTwinOf ? hostBits.localTwinOf : 0),
    };
    if (input.statuses) wire.statuses = input.statuses;
    if (input.priorities) wire.priorities = input.priorities;
    if (typeof input.twinUrl === 'string') wire.twinUrl = input.twinUrl;
    if (typeof input.nodeUrl === 'string') wire.nodeUrl = input.nodeUrl;
    if (typeof input.remoteNodeUrl === 'string') wire.remoteNodeUrl = input.remoteNodeUrl;
    this.#pending++;
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        wire,
        source,
        limitMs: Math.min(asked ?? this.timeLimitMs, this.timeLimitMs),
        host,
        resolve: (value) => resolve(unpack(value)),
        reject,
      });
      this.#scheduleDispatch();
    });
  }

  #runId(): number {
    this.#nextId = this.#nextId >= MAX_RUN_ID ? 1 : this.#nextId + 1;
    return this.#nextId;
  }

  #settle(run: PendingRun, error: unknown): void;
  #settle(run: PendingRun, error: null, value: PackedReplica | PackedEntity): void;
  #settle(run: PendingRun, error: unknown, value?: PackedReplica | PackedEntity): void {
    this.#pending--;
    if (error !== null) {
      run.reject(error);
      return;
    }
    try {
      run.resolve(value as PackedReplica | PackedEntity);
    } catch (unreadable) {
      run.reject(unreadable);
    }
  }

  #scheduleDispatch(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    queueMicrotask(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#closed) return;
    // A new worker when the pool may grow and the runs waiting would otherwise wait for a busy one (or are several).
    while (
      this.#queue.length > 0 &&
      this.#slots.length < this.size &&
      (this.#queue.length > 1 || this.#slots.every((s) => s.batches > 0))
    ) {
      if (!this.#spawn()) return;
    }
    while (this.#queue.length > 0) {
      const open = this.#slots.filter((s) => !s.lost && s.batches < BATCHES_PER_WORKER);
      if (open.length === 0) return;
      open.sort((a, b) => a.batches - b.batches);
      // Shared out among the workers that can take work, the least busy first.
      const share = Math.min(this.batchSize, Math.ceil(this.#queue.length / open.length));
      for (const slot of open) {
        if (this.#queue.length === 0) break;
        this.#send(slot, this.#queue.splice(0, share));
      }
    }
  }

  #send(slot: Slot, runs: PendingRun[]): void {
    const batch: WireBatch = { runs: [] };
    for (const run of runs) {
      const held = !run.withSource && slot.scripts.get(run.wire.key) === run.source;
      slot.scripts.use(run.wire.key, run.source);
      batch.runs.push(held ? run.wire : { ...run.wire, source: run.source });
    }
    try {
      slot.worker.postMessage(batch);
    } catch (error) {
      this.#refuseUncloneable(runs, error);
      return;
    }
    for (const run of runs) slot.assigned.set(run.wire.id, run);
    // A worker with work keeps the process alive; an idle one does not (the service's close() ends it).
    if (slot.batches++ === 0) slot.worker.ref();
    this.#startWatchdog();
  }

  /**
   * A batch could not be handed over. The runs holding a value the structured clone refuses fail; the others go back
   * to the front of the queue, to be sent with their sources (the worker never saw the batch). When no run is to
   * blame, they all fail rather than be sent again and again.
   */
  #refuseUncloneable(runs: PendingRun[], failure: unknown): void {
    const back: PendingRun[] = [];
    for (const run of runs) {
      try {
        structuredClone(run.wire);
        back.push(run);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        const refusal = `A sync-rule run was given a value that cannot be handed to a rule worker (${why}).`;
        this.#settle(run, new DomainError('invalid_input', refusal));
      }
    }
    if (back.length === runs.length) {
      const why = failure instanceof Error ? failure.message : String(failure);
      for (const run of back) this.#settle(run, new Error(`A rule worker could not be given its runs: ${why}`));
      return;
    }
    for (const run of back) run.withSource = true;
    this.#queue.unshift(...back);
    this.#scheduleDispatch();
  }

  #spawn(): Slot | null {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
    const upChannel = new MessageChannel();
    const downChannel = new MessageChannel();
    const boot: WorkerBoot = {
      control: control.buffer as SharedArrayBuffer,
      up: upChannel.port2,
      down: downChannel.port2,
      hostWaitMs: this.hostTimeoutMs + 5_000,
    };
    let worker: Worker;
    try {
      worker = this.#newWorker(boot);
    } catch (error) {
      const failure = new Error(
        `The sync-rule runner could not start a worker: ${error instanceof Error ? error.message : String(error)}`,
      );
      for (const run of this.#queue.splice(0)) this.#settle(run, failure);
      return null;
    }
    const slot: Slot = {
      worker,
      control,
      up: upChannel.port1,
      down: downChannel.port1,
      scripts: new RecentScripts(SCRIPTS_PER_WORKER),
      assigned: new Map(),
      batches: 0,
      ready: false,
      lost: false,
      watchedRun: 0,
      watchedSince: 0,
      hostWaitMs: 0,
      hostCallSince: null,
    };
    slot.up.on('message', (message: UpMessage) => this.#onMessage(slot, message));
    slot.up.unref();
    worker.on('error', (error: Error & { code?: string }) => {
      this.#lose(slot, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : error);
    });
    worker.on('exit', () => this.#lose(slot, new Error('the rule worker stopped unexpectedly')));
    worker.unref();
    this.#slots.push(slot);
    return slot;
  }

  #newWorker(boot: WorkerBoot): Worker {
    return new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: boot,
      transferList: [boot.up, boot.down],
      execArgv: [],
      resourceLimits: {
        maxOldGenerationSizeMb: this.memoryLimitMb,
        // A young generation of a quarter of the heap (16 to 64 MB): smaller ones cost a bulk sync more collections.
        maxYoungGenerationSizeMb: Math.min(64, Math.max(16, Math.floor(this.memoryLimitMb / 4))),
        stackSizeMb: 4,
      },
    });
  }

  #onMessage(slot: Slot, message: UpMessage): void {
    if (message.t === 'results') {
      for (const result of message.results) this.#finish(slot, result);
      if (message.batchDone) {
        slot.batches--;
        if (slot.batches === 0) slot.worker.unref();
        this.#scheduleDispatch();
      }
    } else if (message.t === 'host') {
      void this.#answerHost(slot, message.call, message.run, message.kind, message.payload);
    } else {
      slot.ready = true;
      this.#failedStarts = 0;
    }
  }

  #finish(slot: Slot, result: WireResult): void {
    const run = slot.assigned.get(result.id);
    if (!run) return;
    slot.assigned.delete(result.id);
    if (result.ok) this.#settle(run, null, result.value);
    else if ('missingScript' in result) {
      slot.scripts.delete(run.wire.key);
      run.withSource = true;
      this.#queue.unshift(run);
      this.#scheduleDispatch();
    } else this.#settle(run, run.hostFailure ?? errorFromWire(result.error));
  }

  async #answerHost(slot: Slot, call: number, runId: number, kind: HostKind, payload: unknown): Promise<void> {
    const run = slot.assigned.get(runId);
    const handler = run?.host?.[kind] as ((payload: unknown) => Promise<unknown>) | undefined;
    slot.hostCallSince = performance.now();
    let answered = false;
    const answer = (ok: boolean, valueOrError: unknown) => {
      if (answered || slot.lost) return;
      answered = true;
      if (slot.hostCallSince !== null) slot.hostWaitMs += performance.now() - slot.hostCallSince;
      slot.hostCallSince = null;
      answerHostCall(
        slot.down,
        slot.control,
        ok ? { call, ok: true, value: valueOrError } : { call, ok: false, error: errorToWire(valueOrError) },
      );
    };
    if (!run || !handler) {
      answer(false, new Error(`this run cannot make ${kind} calls`));
      return;
    }
    const timer = setTimeout(() => {
      run.hostFailure ??= new Error(`The sync rule's ${kind} call took longer than ${this.hostTimeoutMs} ms.`);
      answer(false, run.hostFailure);
    }, this.hostTimeoutMs);
    try {
      answer(true, await handler(payload));
    } catch (error) {
      // A DomainError goes back to the script as it is; anything else fails the run with the very error.
      if (!(error instanceof DomainError)) run.hostFailure ??= error;
      answer(false, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads what the worker already sent, so finished runs keep their answers when the worker is ended. */
  #drain(slot: Slot): void {
    for (;;) {
      const received = receiveMessageOnPort(slot.up);
      if (!received) return;
      this.#onMessage(slot, received.message as UpMessage);
    }
  }

  /**
   * A worker is gone: ended by the watchdog ('time'), out of memory ('memory'), or crashed. The run it was in fails;
   * the others it held go back to the front of the queue, and a new worker takes them.
   */
  #lose(slot: Slot, cause: 'time' | 'memory' | Error, overdueRun?: number): void {
    if (slot.lost) return;
    this.#drain(slot);
    slot.lost = true;
    this.#slots = this.#slots.filter((s) => s !== slot);
    // A worker ended for time is still running until terminate() takes effect: the run to fail is the one that was
    // overdue (should it have just finished, its answer came in the drain above and nothing fails).
    const current = slot.assigned.get(overdueRun ?? Atomics.load(slot.control, CURRENT_RUN));
    if (current) {
      slot.assigned.delete(current.wire.id);
      this.#settle(
        current,
        cause === 'time'
          ? timeLimitError(current.limitMs)
          : cause === 'memory'
            ? memoryLimitError(this.memoryLimitMb)
            : (current.hostFailure ?? cause),
      );
    }
    const unfinished = [...slot.assigned.values()];
    slot.assigned.clear();
    if (!slot.ready) {
      // The worker never loaded: after a second such worker, fail what waits rather than loop on new ones.
      this.#failedStarts++;
      if (this.#failedStarts >= 2) {
        const why =
          cause === 'memory'
            ? `it ran out of memory while loading (limit ${this.memoryLimitMb} MB)`
            : cause === 'time'
              ? 'it did not load in time'
              : cause.message;
        const error = new Error(`The sync-rule runner could not start a worker: ${why}`);
        for (const run of [...unfinished, ...this.#queue.splice(0)]) this.#settle(run, error);
        unfinished.length = 0;
      }
    }
    this.#queue.unshift(...unfinished);
    void slot.worker.terminate().finally(() => {
      slot.up.close();
      slot.down.close();
    });
    if (this.#slots.length === 0) this.#stopWatchdog();
    this.#scheduleDispatch();
  }

  #startWatchdog(): void {
    if (this.#watchdog) return;
    this.#watchdog = setInterval(() => this.#watch(), WATCH_INTERVAL_MS);
    this.#watchdog.unref();
  }

  #stopWatchdog(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  #watch(): void {
    const now = performance.now();
    let busy = false;
    for (const slot of [...this.#slots]) {
      if (slot.assigned.size === 0) continue;
      busy = true;
      const runId = Atomics.load(slot.control, CURRENT_RUN);
      if (runId !== slot.watchedRun) {
        slot.watchedRun = runId;
        slot.watchedSince = now;
        slot.hostWaitMs = 0;
        continue;
      }
      if (runId === 0 || slot.hostCallSince !== null) continue;
      const run = slot.assigned.get(runId);
      if (run && now - slot.watchedSince - slot.hostWaitMs > run.limitMs + this.graceMs)
        this.#lose(slot, 'time', runId);
    }
    if (!busy) this.#stopWatchdog();
  }
}
