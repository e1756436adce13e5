/**
 * A rule worker: runs the batches the pool sends, one run after the other, with the same interpreter the unit tests
 * use (runOutgoing / runIncoming). It keeps compiled scripts by key, writes the id of the run in progress into the
 * shared control block (the pool's watchdog reads it), and answers on its own channel.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HubUser } from '../../domain/entity.ts';
import type { ScriptHttpRequest, ScriptHttpResponse } from '../../domain/script-api.ts';
import { compileScript, runIncoming, runOutgoing, type CompiledScript, type NodeLookups } from '../index.ts';
import { extendDeadline } from '../runtime.ts';
import { HostBridge } from './host-bridge.ts';
import {
  CURRENT_RUN,
  errorToWire,
  hostBits,
  type UpMessage,
  type WireBatch,
  type WireResult,
  type WireRun,
  type WorkerBoot,
  SCRIPTS_PER_WORKER,
} from './protocol.ts';
import { RecentScripts } from './recent-scripts.ts';
import { packEntity, packReplica, unpackEntity, unpackReplica } from './wire-codec.ts';

const boot = workerData as WorkerBoot;
const control = new Int32Array(boot.control);
const up = boot.up;

/** The script of a key: its source, then (after its first run) the compiled program or why it does not compile. */
interface HeldScript {
  source: string;
  compiled?: CompiledScript;
  failure?: unknown;
}

const scripts = new RecentScripts<HeldScript>(SCRIPTS_PER_WORKER);
/** Whether the run in progress called the host: its result is then sent at once, so it is never run twice. */
let calledHost = false;

const bridge = new HostBridge(control, up, boot.down, boot.hostWaitMs, (ms) => {
  calledHost = true;
  // Waiting for the host is not the script's time: the run's deadline moves by the wait.
  extendDeadline(ms);
});

class MissingScript extends Error {}

function scriptOf(run: WireRun): CompiledScript {
  let held = run.source === undefined ? scripts.get(run.key) : undefined;
  if (!held) {
    if (run.source === undefined) throw new MissingScript(run.key);
    held = { source: run.source };
  }
  scripts.use(run.key, held);
  if (held.failure !== undefined) throw held.failure;
  if (!held.compiled) {
    try {
      held.compiled = compileScript(held.source);
    } catch (error) {
      held.failure = error;
      throw error;
    }
  }
  return held.compiled;
}

function lookupsOf(run: WireRun): NodeLookups {
  const lookups: NodeLookups = {};
  if (run.statuses) lookups.statuses = run.statuses;
  if (run.priorities) lookups.priorities = run.priorities;
  if (run.hosts & hostBits.userByEmail)
    lookups.userByEmail = (email: string): HubUser | null => bridge.call(run.id, 'userByEmail', email);
  if (run.hosts & hostBits.userById)
    lookups.userById = (id: string): HubUser | null => bridge.call(run.id, 'userById', id);
  if (run.twinUrl !== undefined) lookups.twinUrl = run.twinUrl;
  if (run.nodeUrl !== undefined) lookups.nodeUrl = run.nodeUrl;
  if (run.remoteNodeUrl !== undefined) lookups.remoteNodeUrl = run.remoteNodeUrl;
  if (run.hosts & hostBits.isUnderSync)
    lookups.isUnderSync = (entityId: string, connection: string | null): boolean =>
      bridge.call(run.id, 'isUnderSync', { entityId, connection });
  if (run.hosts & hostBits.localTwinOf)
    lookups.localTwinOf = (remoteId: string) => bridge.call(run.id, 'localTwinOf', remoteId);
  return lookups;
}

function runOne(run: WireRun) {
  const script = scriptOf(run);
  // Host calls become synchronous functions over the bridge: the lookups, and RunOptions.http for httpClient.
  const common = {
    script,
    platform: run.platform,
    previous: run.previous ? unpackReplica(run.previous) : null,
    limits: run.limits,
    lookups: lookupsOf(run),
    ...(run.hosts & hostBits.http
      ? { http: (request: ScriptHttpRequest): ScriptHttpResponse => bridge.call(run.id, 'http', request) }
      : {}),
  };
  if (run.direction === 'outgoing') {
    if (!run.entity) throw new Error('an outgoing run needs an entity');
    const input = { ...common, entity: unpackEntity(run.entity) };
    return packReplica(runOutgoing(input));
  }
  if (!run.replica) throw new Error('an incoming run needs a replica');
  const entity = run.entity ? unpackEntity(run.entity) : null;
  const input = { ...common, entity, replica: unpackReplica(run.replica), firstSync: run.firstSync };
  return packEntity(runIncoming(input));
}

function send(results: WireResult[], batchDone: boolean): void {
  try {
    up.postMessage({ t: 'results', results, batchDone } satisfies UpMessage);
    return;
  } catch {
    // A value that cannot cross the thread fails its own run only.
  }
  const crossable = results.map((result): WireResult => {
    try {
      structuredClone(result);
      return result;
    } catch (error) {
      return { id: result.id, ok: false, error: errorToWire(error) };
    }
  });
  up.postMessage({ t: 'results', results: crossable, batchDone } satisfies UpMessage);
}

function runBatch(batch: WireBatch): void {
  let results: WireResult[] = [];
  for (const run of batch.runs) {
    Atomics.store(control, CURRENT_RUN, run.id);
    calledHost = false;
    try {
      results.push({ id: run.id, ok: true, value: runOne(run) });
    } catch (error) {
      results.push(
        error instanceof MissingScript
          ? { id: run.id, ok: false, missingScript: true }
          : { id: run.id, ok: false, error: errorToWire(error) },
      );
    }
    if (calledHost) {
      send(results, false);
      results = [];
    }
  }
  Atomics.store(control, CURRENT_RUN, 0);
  send(results, true);
}

parentPort?.on('message', (batch: WireBatch) => runBatch(batch));
up.postMessage({ t: 'ready' } satisfies UpMessage);
