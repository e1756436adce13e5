import type Database from 'better-sqlite3';
import { migrationStatus } from '../db/migration-status.ts';
import type { RequestGate } from './http/server.ts';
import type { JsonRoute } from './http/router.ts';

/**
 * Liveness and readiness. `/healthz` answers 200 while the process serves (a load balancer's "is it alive").
 * `/readyz` answers 200 only when this node can take work: the database open and carrying the newest migration the
 * code knows, and the sync engine running; otherwise 503 with the reason (during start-up, and from the moment a
 * shutdown begins).
 */
export type ServicePhase = 'starting' | 'running' | 'stopping';

export interface ReadinessInputs {
  phase(): ServicePhase;
  database: Database.Database;
  engineRunning(): boolean;
}

export type Readiness = { status: 'ready' } | { status: 'starting' | 'stopping'; reason: string };

export function readinessOf(inputs: ReadinessInputs): Readiness {
  if (inputs.phase() === 'stopping') return { status: 'stopping', reason: 'DeskBridge is shutting down' };
  if (!inputs.database.open) return { status: 'starting', reason: 'the database is not open' };
  const migrations = migrationStatus(inputs.database);
  if (!migrations.migrated)
    return {
      status: 'starting',
      reason: `the database is not migrated: its newest migration is ${migrations.applied ?? 'none'}, this code's is ${migrations.newest}`,
    };
  if (inputs.phase() === 'starting') return { status: 'starting', reason: 'the sync engine has not started yet' };
  if (!inputs.engineRunning())
    return { status: 'starting', reason: 'the sync engine is not running (SYNC_INTERVAL_MS=0 runs none)' };
  return { status: 'ready' };
}

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

export function readinessRoute(inputs: ReadinessInputs): JsonRoute {
  return {
    method: 'GET',
    path: READY_PATH,
    maxBodyBytes: 0,
    handle: () => {
      const readiness = readinessOf(inputs);
      return { status: readiness.status === 'ready' ? 200 : 503, body: readiness };
    },
  };
}

/** Seconds a refused sender is asked to wait: a restart of the node takes about that. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 5;

/**
 * From the moment a shutdown begins, new work is refused with 503 and Retry-After (webhooks, node-protocol requests,
 * Slack and Teams requests): their senders retry, and reach this node again after its restart, or another one. The
 * probes (and /metrics) still answer.
 */
export function shutdownGate(phase: () => ServicePhase, exempt: readonly string[] = []): RequestGate {
  const open = new Set([HEALTH_PATH, READY_PATH, ...exempt]);
  return (_method, path) => {
    if (phase() !== 'stopping' || open.has(path)) return null;
    return {
      status: 503,
      headers: { 'retry-after': String(SHUTDOWN_RETRY_AFTER_SECONDS) },
      body: { error: { code: 'shutting_down', message: 'DeskBridge is shutting down; send this again in a moment.' } },
    };
  };
}
