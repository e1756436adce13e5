/**
 * What the rule pool and its workers say to each other. Runs travel in batches; a run names its script by key and
 * carries the source only when the worker does not hold it yet (see RecentScripts). Errors cross as plain data and
 * are rebuilt on the other side, so a DomainError arrives with the same code, message and details.
 */
import type { HubUser } from '../../domain/entity.ts';
import { DomainError, isDomainError, isDomainErrorCode } from '../../domain/errors.ts';
import type { NamedCode } from '../../domain/status-priority.ts';
import type { Platform } from '../../domain/instance.ts';
import type { ScriptHttpRequest, ScriptHttpResponse } from '../../domain/script-api.ts';
import type { MessagePort } from 'node:worker_threads';
import type { ScriptLimits } from '../runtime.ts';
import type { PackedEntity, PackedReplica } from './wire-codec.ts';

/** Indices into a worker's control block (an Int32Array over a SharedArrayBuffer). */
export const HOST_SIGNAL = 0;
/** The id of the run the worker is in (0: between runs), read by the pool's watchdog. */
export const CURRENT_RUN = 1;
export const CONTROL_BYTES = 8;

/** Compiled scripts a worker keeps (published versions of many connections, plus drafts under test). */
export const SCRIPTS_PER_WORKER = 256;

/** The host calls a script can make, and what each takes and answers. */
export interface HostCalls {
  userByEmail: { payload: string; answer: HubUser | null };
  userById: { payload: string; answer: HubUser | null };
  http: { payload: ScriptHttpRequest; answer: ScriptHttpResponse };
  /** syncHelper.isUnderSync: a local entity, through this connection (null) or the one named. */
  isUnderSync: { payload: UnderSyncQuery; answer: boolean };
  /** syncHelper.getLocalIssueKeyFromRemoteId: the local twin of an entity of the other side. */
  localTwinOf: { payload: string; answer: LocalTwin | null };
}
export type HostKind = keyof HostCalls;

/** Which host calls a run may make, as bits (a run carries no functions across the thread). */
export const hostBits: Readonly<Record<HostKind, number>> = {
  userByEmail: 1,
  userById: 2,
  http: 4,
  isUnderSync: 8,
  localTwinOf: 16,
};

export interface UnderSyncQuery {
  entityId: string;
  /** A connection of this instance by name; null: the connection of the run. */
  connection: string | null;
}

export interface LocalTwin {
  id: string;
  key: string;
}

export interface WireRun {
  id: number;
  direction: 'outgoing' | 'incoming';
  key: string;
  /** Present when the worker does not hold this key with this source. */
  source?: string;
  platform: Platform;
  entity: PackedEntity | null;
  replica?: PackedReplica;
  previous: PackedReplica | null;
  firstSync: boolean;
  limits: Partial<ScriptLimits>;
  statuses?: readonly NamedCode[];
  priorities?: readonly NamedCode[];
  /** The script's issueUrl and syncHelper's node URLs (NodeLookups), when the run has them. */
  twinUrl?: string;
  nodeUrl?: string;
  remoteNodeUrl?: string;
  hosts: number;
}

export interface WireBatch {
  runs: WireRun[];
}

export interface WireError {
  /** A DomainError's code; null for any other error. */
  code: string | null;
  message: string;
  details?: Record<string, unknown>;
}

/** An outgoing run answers the replica, an incoming run the entity (both packed). */
export type WireResult =
  | { id: number; ok: true; value: PackedReplica | PackedEntity }
  | { id: number; ok: false; error: WireError }
  /** The run named a script the worker does not hold (its batch never reached it whole): send it with the source. */
  | { id: number; ok: false; missingScript: true };

/** Worker -> pool, on the worker's own channel (the pool drains it synchronously when it ends a worker). */
export type UpMessage =
  | { t: 'ready' }
  | { t: 'results'; results: WireResult[]; batchDone: boolean }
  | { t: 'host'; call: number; run: number; kind: HostKind; payload: unknown };

/** Pool -> worker, read with receiveMessageOnPort while the worker waits. */
export type HostAnswer = { call: number; ok: true; value: unknown } | { call: number; ok: false; error: WireError };

export interface WorkerBoot {
  control: SharedArrayBuffer;
  up: MessagePort;
  down: MessagePort;
  /** How long a worker waits for a host answer before it gives up (the pool answers sooner). */
  hostWaitMs: number;
}

export function errorToWire(error: unknown): WireError {
  if (isDomainError(error)) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  return { code: null, message: error instanceof Error ? error.message : String(error) };
}

export function errorFromWire(wire: WireError): Error {
  if (wire.code !== null && isDomainErrorCode(wire.code)) return new DomainError(wire.code, wire.message, wire.details);
  return new Error(wire.message);
}
