import type { ChangeNotice } from '../domain/helpdesk.ts';
import { DomainError } from '../domain/errors.ts';
import { newRequestId } from '../domain/request-id.ts';
import { carryRequestId, requestIdOf } from './request-trace.ts';
import type { SyncConfig } from '../config.ts';
import type { SyncStep } from '../metrics/registry.ts';
import type { ConnectionRow } from '../store/connections.ts';
import { connectionContext, type ConnectionContext } from './context.ts';
import type { SyncDeps } from './deps.ts';
import { noteFailure, noteSuccess, type HealthPolicy } from './health.ts';
import { ackWrite, applyEntityMessages } from './incoming.ts';
import { processChange, type PendingWrite, type ProcessedChange } from './outgoing.ts';
import { forEachLimited, isTransient, retryDelayMs } from './retry.ts';
import {
  activeTriggersOf,
  connectionsCollecting,
  connectionsCollectingFor,
  connectionsRunning,
  dueChanges,
  enqueueChange,
  enqueueDeferredChange,
  firstUnappliedOf,
  holdChange,
  holdInbox,
  isBlocked,
  markDelivered,
  nameInboxEntities,
  nextDueChangeAt,
  noteSendFailure,
  outgoingMessageOf,
  queuedMessages,
  setTriggerCursor,
  storeReceived,
  syncStateOf,
  twinByLocal,
  twinCount,
  unappliedInbox,
  updateSyncState,
  type ChangeRow,
  type InboxRow,
} from './store.ts';
import type { PeerAddress, PullAnswer, SyncTransport } from './transport.ts';

/** The engine's pace and patience come from the SYNC_* configuration (described there). */
export interface SyncEngineOptions
  extends Pick<
      SyncConfig,
      'intervalMs' | 'pollIntervalMs' | 'concurrency' | 'batchSize' | 'retryBaseMs' | 'retryMaxMs'
    >,
    Partial<Pick<SyncConfig, 'echoSettleMs'>> {
  transport: SyncTransport;
  health: HealthPolicy;
  random?: () => number;
}

type Progress = number;

/** How long after its own write a webhook is taken for an echo of it, in settle periods. */
const ECHO_WINDOW_PERIODS = 10;

/**
 * The sync engine: change detection (webhook intake, polling) -> change queue -> outgoing script -> outbox ->
 * the other node (push, or its pull) -> inbox -> incoming script -> helpdesk, with acks back. Every step is a method,
 * so tests drive them one by one; the service runs them on a timer.
 */
export class SyncEngine {
  #timer: { stop: boolean; wake: (() => void) | null } | null = null;
  #loop: Promise<void> | null = null;
  #busy = false;
  #kicked = false;
  #intakes: Array<{ notice: ChangeNotice; resolve: () => void; reject: (error: unknown) => void }> = [];
  /** connection + local entity -> when this node last wrote to it (for echo settling). */
  #written = new Map<string, number>();
  #writtenPrunedAt = 0;
  #keys = new Map<string, Buffer>();
  /** Set by stop(): no step starts new work (an entity, a batch, a page); what is in flight finishes. */
  #stopping = false;
  /** What is in flight now (`incoming <connection> <entity>`, `send <connection> <request id>`...): what a shutdown past its bound abandons. */
  #inFlight = new Set<string>();

  constructor(
    private readonly deps: SyncDeps,
    private readonly options: SyncEngineOptions,
  ) {}

  private now(): Date {
    return this.deps.clock();
  }

  private delay(attempt: number): number {
    return retryDelayMs(attempt, this.options.retryBaseMs, this.options.retryMaxMs, this.options.random);
  }

  private context(cache: Map<string, ConnectionContext>, row: ConnectionRow): ConnectionContext {
    let ctx = cache.get(row.id);
    if (!ctx) {
      ctx = connectionContext(this.deps, row);
      cache.set(row.id, ctx);
    }
    return ctx;
  }

  /**
   * Runs `work` over `items`, `concurrency` at a time, each noted as in flight under its label while it runs. Once the
   * engine is stopping no further item starts: an entity is worked on whole or not at all.
   */
  private async each<T>(items: T[], label: (item: T) => string, work: (item: T) => Promise<void>): Promise<void> {
    await forEachLimited(
      items,
      this.options.concurrency,
      async (item) => {
        const name = label(item);
        this.#inFlight.add(name);
        try {
          await work(item);
        } finally {
          this.#inFlight.delete(name);
        }
      },
      () => this.#stopping,
    );
  }

  private failure(connectionId: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    noteFailure(this.deps, connectionId, reason, this.options.health);
  }

  // ---- change detection ---------------------------------------------------------------------------------------

  /**
   * A helpdesk webhook: queue the entity for every connection of that instance. Notices arriving together are written
   * in one transaction (one commit instead of one per webhook); each resolves once its row is stored, so a webhook is
   * answered only when its change is durable. The engine is woken at once rather than at its next timer pass.
   */
  intake(notice: ChangeNotice): Promise<void> {
    if (this.#stopping && !this.#loop)
      return Promise.reject(
        new DomainError('shutting_down', 'DeskBridge is shutting down; the helpdesk sends the webhook again later.'),
      );
    return new Promise((resolve, reject) => {
      this.#intakes.push({ notice, resolve, reject });
      if (this.#intakes.length === 1) setImmediate(() => this.flushIntakes());
    });
  }

  private flushIntakes(): void {
    if (this.#intakes.length === 0) return;
    const pending = this.#intakes;
    this.#intakes = [];
    const at = this.now();
    try {
      this.deps.db.transaction((tx) => {
        for (const { notice } of pending) {
          for (const row of connectionsCollectingFor(tx, notice.instanceSlug)) {
            const settleUntil = this.echoSettleUntil(row.id, notice.entityId);
            if (settleUntil === null) enqueueChange(tx, row.id, notice.entityId, 'webhook', at);
            else
              enqueueDeferredChange(
                tx,
                row.id,
                notice.entityId,
                'webhook',
                at,
                new Date(at.getTime() + settleUntil - Date.now()),
              );
          }
        }
      });
    } catch (error) {
      for (const { reject } of pending) reject(error);
      return;
    }
    for (const { resolve } of pending) resolve();
    this.kick();
  }

  /** Polls trigger queries (new entities to sync) and "changed since" (entities under sync) when due. */
  async pollOnce(force = false): Promise<Progress> {
    let progress = 0;
    const now = this.now();
    for (const row of connectionsCollecting(this.deps.db)) {
      if (this.#stopping) break;
      const state = syncStateOf(this.deps.db, row.id, now);
      const due =
        force ||
        state.triggerPollDue ||
        !state.lastTriggerPollAt ||
        now.getTime() - state.lastTriggerPollAt.getTime() >= this.options.pollIntervalMs;
      if (!due) continue;
      updateSyncState(this.deps.db, row.id, { triggerPollDue: false, lastTriggerPollAt: now });
      let ctx: ConnectionContext;
      try {
        ctx = connectionContext(this.deps, row);
      } catch (error) {
        this.deps.logger.warn({ connectionId: row.id, err: (error as Error).message }, 'cannot poll this connection');
        continue;
      }
      try {
        for (const trigger of activeTriggersOf(this.deps.db, row.id)) {
          let cursor = trigger.pollCursor;
          for (let page = 0; page < 20 && !this.#stopping; page++) {
            const batch = await ctx.helpdesk.listChanged(cursor, trigger.query ? { query: trigger.query } : {});
            cursor = batch.cursor;
            const at = this.now();
            this.deps.db.transaction((tx) => {
              for (const change of batch.changes) enqueueChange(tx, row.id, change.id, 'trigger', at);
              setTriggerCursor(tx, trigger.id, cursor);
            });
            progress += batch.changes.length;
            if (!batch.truncated) break;
          }
        }
        if (twinCount(this.deps.db, row.id) > 0) {
          const batch = await ctx.helpdesk.listChanged(state.pollCursor);
          const at = this.now();
          this.deps.db.transaction((tx) => {
            for (const change of batch.changes)
              if (twinByLocal(tx, row.id, change.id)) enqueueChange(tx, row.id, change.id, 'poll', at);
            updateSyncState(tx, row.id, { pollCursor: batch.cursor });
          });
        }
      } catch (error) {
        this.deps.logger.warn({ connectionId: row.id, err: (error as Error).message }, 'polling the helpdesk failed');
        if (isTransient(error)) this.failure(row.id, error);
      }
    }
    return progress;
  }

  // ---- outgoing -----------------------------------------------------------------------------------------------

  /** Turns queued changes into replicas in the outbox (or drops them when nothing the rules send changed). */
  async processChanges(): Promise<Progress> {
    const now = this.now();
    const live = connectionsRunning(this.deps.db);
    if (live.length === 0) return 0;
    const rows = dueChanges(
      this.deps.db,
      live.map((c) => c.id),
      now,
      this.options.batchSize * 4,
    );
    const byId = new Map(live.map((c) => [c.id, c]));
    const contexts = new Map<string, ConnectionContext>();
    const writes: Array<{ row: ChangeRow; write: PendingWrite }> = [];
    const retry = (row: ChangeRow) => {
      const attempts = row.attempts + 1;
      holdChange(this.deps.db, row.id, { attempts, notBefore: new Date(this.now().getTime() + this.delay(attempts)) });
    };
    let progress = 0;
    const outgoingLabel = (row: ChangeRow) => `outgoing ${row.connectionId} ${row.entityId}`;
    await this.each(this.settled(rows), outgoingLabel, async (row) => {
      const connection = byId.get(row.connectionId)!;
      let ok = false;
      const processed = await processChange(this.deps, this.context(contexts, connection), row, (error) =>
        this.failure(row.connectionId, error),
      ).catch((error: unknown) => {
        this.deps.logger.error({ err: error, connectionId: row.connectionId }, 'outgoing sync failed unexpectedly');
        return { outcome: 'retry' } as ProcessedChange;
      });
      const { outcome } = processed;
      if (processed.write) writes.push({ row, write: processed.write });
      if (outcome === 'retry') {
        retry(row);
        this.deps.metrics?.syncFailures.inc({ connection: row.connectionId, stage: 'change' });
      } else if (outcome === 'skipped') {
        ok = true;
      } else if (outcome === 'sent' || outcome === 'unchanged') {
        ok = true;
        progress++;
        if (row.reason === 'webhook' && outcome === 'sent') this.kick();
      }
      if (outcome === 'unselected') updateSyncState(this.deps.db, row.connectionId, { triggerPollDue: true });
      if (ok && row.attempts > 0) noteSuccess(this.deps, row.connectionId);
    });
    // In the order the changes were queued, whatever order their rule runs finished in: replicas go out in order.
    writes.sort((x, y) => x.row.id - y.row.id);
    this.commitAll(writes, (row, error) => {
      this.deps.logger.error({ err: error, connectionId: row.connectionId }, 'outgoing sync failed unexpectedly');
      retry(row);
    });
    return progress;
  }

  private get echoSettleMs(): number {
    return this.options.intervalMs > 0 ? (this.options.echoSettleMs ?? 0) : 0;
  }

  /** Remembers a write of this node to a local entity: its echoes settle before the entity is read again. */
  private noteWritten(connectionId: string, localEntityId: string): void {
    if (this.echoSettleMs <= 0) return;
    const now = Date.now();
    this.#written.set(`${connectionId}\u0000${localEntityId}`, now);
    if (now - this.#writtenPrunedAt >= ECHO_WINDOW_PERIODS * this.echoSettleMs) {
      this.#writtenPrunedAt = now;
      for (const [key, at] of this.#written)
        if (now - at >= ECHO_WINDOW_PERIODS * this.echoSettleMs) this.#written.delete(key);
    }
  }

  /**
   * For a webhook about an entity this node wrote to lately (a few settle periods back): when its change may be read.
   * The webhooks of our own writes can trail them by more than the settle period on a busy helpdesk, so each one
   * moves the read out again; null when the entity was not written lately.
   */
  private echoSettleUntil(connectionId: string, entityId: string): number | null {
    const settle = this.echoSettleMs;
    if (settle <= 0) return null;
    const at = this.#written.get(`${connectionId}\u0000${entityId}`);
    const now = Date.now();
    if (at === undefined || now - at >= ECHO_WINDOW_PERIODS * settle) return null;
    return now + settle;
  }

  /** The rows to process now; those of entities this node wrote to a moment ago wait (in the queue) for the rest. */
  private settled(rows: ChangeRow[]): ChangeRow[] {
    const settle = this.echoSettleMs;
    if (settle <= 0 || this.#written.size === 0) return rows;
    const now = Date.now();
    const ready: ChangeRow[] = [];
    for (const row of rows) {
      const at = this.#written.get(`${row.connectionId}\u0000${row.entityId}`);
      if (at === undefined || now - at >= settle) {
        ready.push(row);
        continue;
      }
      const wait = at + settle - now;
      holdChange(this.deps.db, row.id, { notBefore: new Date(this.now().getTime() + wait) });
    }
    return ready;
  }

  /**
   * Commits the writes of a pass in one transaction: one commit (and WAL append) instead of one per entity. Should
   * the batch fail, each is committed alone, so one bad write cannot hold back the others.
   */
  private commitAll<T>(writes: Array<{ row: T; write: PendingWrite }>, failed: (row: T, error: unknown) => void): void {
    if (writes.length === 0) return;
    try {
      this.deps.db.transaction((tx) => {
        for (const { write } of writes) write(tx);
      });
      return;
    } catch {
      // fall through: one at a time
    }
    for (const { row, write } of writes) {
      try {
        this.deps.db.transaction((tx) => write(tx));
      } catch (error) {
        failed(row, error);
      }
    }
  }

  private peer(row: ConnectionRow): PeerAddress | null {
    if (!row.remoteNodeUrl || !row.remoteConnectionId || !row.keyEnc) return null;
    // Opened once per sealed value (a new key is a new sealed value), not on every pass.
    let key = this.#keys.get(row.keyEnc);
    if (!key) {
      key = Buffer.from(this.deps.secrets.open(row.keyEnc), 'base64');
      this.#keys.set(row.keyEnc, key);
    }
    return { key, nodeUrl: row.remoteNodeUrl, remoteConnectionId: row.remoteConnectionId };
  }

  /** Posts queued messages in id order, in batches; a failed batch backs off (with jitter) and is sent again whole. */
  async sendOutbox(): Promise<Progress> {
    let progress = 0;
    for (const row of connectionsRunning(this.deps.db)) {
      if (row.remoteIsPrivate) continue; // a private node is never called: it pulls
      const peer = this.peer(row);
      if (!peer) continue;
      while (!this.#stopping) {
        const now = this.now();
        const state = syncStateOf(this.deps.db, row.id, now);
        if (state.nextSendAt && state.nextSendAt > now) break;
        const batch = queuedMessages(this.deps.db, row.id, this.options.batchSize);
        if (batch.length === 0) break;
        // One id per batch, sent with it: both nodes log it with their connection id (src/domain/request-id.ts).
        const requestId = newRequestId();
        const sending = `send ${row.id} ${requestId}`;
        this.#inFlight.add(sending);
        try {
          await this.options.transport.push(peer, batch.map(outgoingMessageOf), requestId);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          const attempts = state.failedAttempts + 1;
          this.deps.db.transaction((tx) => {
            noteSendFailure(tx, batch, reason);
            updateSyncState(tx, row.id, { nextSendAt: new Date(now.getTime() + this.delay(attempts)) });
          });
          this.deps.metrics?.syncFailures.inc({ connection: row.id, stage: 'outbox' }, batch.length);
          this.failure(row.id, error);
          this.deps.logger.warn(
            { connectionId: row.id, requestId, attempts, err: reason },
            'sending to the other node failed; will retry',
          );
          break;
        } finally {
          this.#inFlight.delete(sending);
        }
        const at = this.now();
        this.deps.db.transaction((tx) =>
          markDelivered(
            tx,
            batch.map((m) => m.id),
            at,
          ),
        );
        noteSuccess(this.deps, row.id);
        this.deps.metrics?.syncMessagesSent.inc({ connection: row.id }, batch.length);
        this.deps.logger.info(
          { connectionId: row.id, requestId, messages: batch.length, entities: batch.map((m) => m.entityId) },
          'sync messages sent to the other node',
        );
        progress += batch.length;
      }
    }
    return progress;
  }

  /** A node the other side cannot call pulls its messages (`GET .../messages?after=`). */
  async pullRemote(): Promise<Progress> {
    let progress = 0;
    for (const row of connectionsRunning(this.deps.db)) {
      if (row.remoteIsPrivate || row.role !== 'acceptor') continue;
      const peer = this.peer(row);
      if (!peer) continue;
      while (!this.#stopping) {
        const now = this.now();
        const state = syncStateOf(this.deps.db, row.id, now);
        if (state.pullMode === 'push' || (state.nextSendAt && state.nextSendAt > now)) break;
        let answer: PullAnswer;
        const requestId = newRequestId();
        try {
          answer = await this.options.transport.pull(peer, state.pullAfter, requestId);
        } catch (error) {
          const attempts = state.failedAttempts + 1;
          this.deps.logger.warn(
            { connectionId: row.id, requestId, attempts, err: error instanceof Error ? error.message : String(error) },
            'pulling from the other node failed; will retry',
          );
          updateSyncState(this.deps.db, row.id, { nextSendAt: new Date(now.getTime() + this.delay(attempts)) });
          this.failure(row.id, error);
          break;
        }
        if (answer.mode === 'push') {
          updateSyncState(this.deps.db, row.id, { pullMode: 'push' });
          break;
        }
        const last = answer.messages.at(-1);
        if (!last) {
          updateSyncState(this.deps.db, row.id, { pullMode: 'pull' });
          noteSuccess(this.deps, row.id);
          break;
        }
        const messages = carryRequestId(answer.messages, requestId);
        this.deps.db.transaction((tx) => storeReceived(tx, row.id, messages, this.now()));
        this.deps.logger.info(
          { connectionId: row.id, requestId, messages: messages.length },
          'sync messages pulled from the other node',
        );
        updateSyncState(this.deps.db, row.id, { pullMode: 'pull', pullAfter: last.id });
        noteSuccess(this.deps, row.id);
        progress += answer.messages.length;
      }
    }
    return progress;
  }

  // ---- incoming -----------------------------------------------------------------------------------------------

  /** Applies received messages: per remote entity in order, entities side by side; a blocked entity waits alone. */
  async applyInbox(): Promise<Progress> {
    const live = connectionsRunning(this.deps.db);
    if (live.length === 0) return 0;
    const rows = unappliedInbox(
      this.deps.db,
      live.map((c) => c.id),
      2000,
    );
    const groups = new Map<string, InboxRow[]>();
    const named: Array<{ id: number; remoteEntityId: string }> = [];
    for (const row of rows) {
      let remoteEntityId = row.remoteEntityId;
      if (remoteEntityId === null) {
        const payload = row.payload as { entityId?: unknown } | null;
        remoteEntityId = typeof payload?.entityId === 'string' ? payload.entityId : '?';
        named.push({ id: row.id, remoteEntityId });
      }
      const key = `${row.connectionId}\u0000${remoteEntityId}`;
      const list = groups.get(key) ?? [];
      list.push({ ...row, remoteEntityId });
      groups.set(key, list);
    }
    if (named.length > 0) this.deps.db.transaction((tx) => nameInboxEntities(tx, named));
    const now = this.now();
    const ready = [...groups.values()].filter((list) => {
      const first = list[0]!;
      if (first.nextAttemptAt && first.nextAttemptAt > now) return false;
      // Acks never block; replicas of an entity with an unresolved error wait until it is retried or resolved.
      return first.kind === 'ack' || !isBlocked(this.deps.db, first.connectionId, 'incoming', first.remoteEntityId!);
    });
    const byId = new Map(live.map((c) => [c.id, c]));
    const contexts = new Map<string, ConnectionContext>();
    let progress = 0;
    // Entities with only acks waiting need no helpdesk call: their acks are recorded together, in one commit.
    const ackWrites: Array<{ row: InboxRow; write: PendingWrite }> = [];
    const withReplicas: InboxRow[][] = [];
    for (const list of ready) {
      if (!list.every((r) => r.kind === 'ack')) {
        withReplicas.push(list);
        continue;
      }
      const ctx = this.context(contexts, byId.get(list[0]!.connectionId)!);
      for (const row of list) ackWrites.push({ row, write: ackWrite(this.deps, ctx, row) });
    }
    this.commitAll(ackWrites, (row, error) =>
      this.deps.logger.error(
        { err: error, connectionId: row.connectionId, requestId: requestIdOf(row.payload), inbox: row.id },
        'recording an ack failed',
      ),
    );
    progress += ackWrites.length;
    for (const { row } of ackWrites) if (row.attempts > 0) noteSuccess(this.deps, row.connectionId);
    for (const { row } of ackWrites) this.deps.metrics?.syncMessagesApplied.inc({ connection: row.connectionId });
    const applyLabel = (list: InboxRow[]) => `incoming ${list[0]!.connectionId} ${list[0]!.remoteEntityId}`;
    await this.each(withReplicas, applyLabel, async (list) => {
      const first = list[0]!;
      const connection = byId.get(first.connectionId)!;
      const outcome = await applyEntityMessages(
        this.deps,
        this.context(contexts, connection),
        list,
        (error) => this.failure(first.connectionId, error),
        (localEntityId) => this.noteWritten(first.connectionId, localEntityId),
      ).catch((error: unknown) => {
        this.deps.logger.error(
          { err: error, connectionId: first.connectionId, requestId: requestIdOf(first.payload) },
          'incoming sync failed unexpectedly',
        );
        return 'retry' as const;
      });
      if (outcome === 'retry') {
        this.deps.metrics?.syncFailures.inc({ connection: first.connectionId, stage: 'inbox' });
        const pending = firstUnappliedOf(this.deps.db, first.connectionId, first.remoteEntityId!);
        if (pending) {
          const attempts = pending.attempts + 1;
          holdInbox(this.deps.db, pending.id, {
            attempts,
            nextAttemptAt: new Date(this.now().getTime() + this.delay(attempts)),
          });
        }
      } else if (outcome === 'applied') {
        progress += list.length;
        this.deps.metrics?.syncMessagesApplied.inc({ connection: first.connectionId }, list.length);
        if (list.some((r) => r.attempts > 0)) noteSuccess(this.deps, first.connectionId);
      }
    });
    return progress;
  }

  // ---- running ------------------------------------------------------------------------------------------------

  /** One pass of every step; returns how much moved. */
  async tick(): Promise<Progress> {
    let progress = 0;
    const steps: Array<[SyncStep, () => Promise<Progress>]> = [
      ['poll', () => this.pollOnce()],
      ['process', () => this.processChanges()],
      ['send', () => this.sendOutbox()],
      ['pull', () => this.pullRemote()],
      ['apply', () => this.applyInbox()],
      ['send', () => this.sendOutbox()],
    ];
    for (const [name, step] of steps) {
      // Stopping: the steps not begun are left for the next start (their work is all in the database).
      if (this.#stopping) break;
      const timed = this.deps.metrics?.syncStepDuration.startTimer({ step: name });
      progress += await step();
      timed?.();
    }
    return progress;
  }

  /** Runs passes until one moves nothing (what is waiting for a backoff stays waiting). */
  async runUntilIdle(maxPasses = 200): Promise<number> {
    let passes = 0;
    while (passes < maxPasses) {
      passes++;
      if ((await this.tick()) === 0) break;
    }
    return passes;
  }

  /** Wakes the timer loop now (new work arrived). */
  kick(): void {
    this.#kicked = true;
    this.#timer?.wake?.();
  }

  /** The idle pause: the interval, or less when a held-back change (a backoff, an echo settling) comes due sooner. */
  private idlePause(): number {
    const now = this.now().getTime();
    const due = nextDueChangeAt(this.deps.db, new Date(now));
    if (due === null) return this.options.intervalMs;
    return Math.max(1, Math.min(this.options.intervalMs, due - now + 1));
  }

  start(): void {
    if (this.#loop || this.options.intervalMs <= 0) return;
    this.#stopping = false;
    const timer: { stop: boolean; wake: (() => void) | null } = { stop: false, wake: null };
    this.#timer = timer;
    this.#loop = (async () => {
      while (!timer.stop) {
        let progress = 0;
        this.#kicked = false;
        this.#busy = true;
        try {
          progress = await this.tick();
        } catch (error) {
          this.deps.logger.error({ err: error }, 'sync pass failed');
        } finally {
          this.#busy = false;
        }
        if (timer.stop) break;
        if (progress > 0 || this.#kicked) continue;
        const pause = this.idlePause();
        await new Promise<void>((resolve) => {
          const handle = setTimeout(resolve, pause);
          timer.wake = () => {
            clearTimeout(handle);
            resolve();
          };
        });
        timer.wake = null;
      }
    })();
  }

  /**
   * Stops the timer loop: no step starts new work, and what is in flight (a rule run, a helpdesk write, a batch on its
   * way) finishes, so no entity is left half-applied. Webhooks taken but not yet written are written; later ones are
   * refused (the helpdesk sends them again).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) {
      this.#timer.stop = true;
      this.#timer.wake?.();
      await this.#loop;
    }
    this.#timer = null;
    this.#loop = null;
    this.flushIntakes();
  }

  /** Whether the timer loop runs (and is not stopping): what /readyz reports. */
  get running(): boolean {
    return this.#loop !== null && !this.#stopping;
  }

  /** What is in flight right now: what a shutdown that runs out of time abandons (logged then). */
  inFlight(): string[] {
    return [...this.#inFlight];
  }

  get busy(): boolean {
    return this.#busy;
  }
}
