import { recordStatusChange } from '../store/connections.ts';
import type { SyncDeps } from './deps.ts';
import { connectionStatusOf, syncStateOf, updateSyncState } from './store.ts';

export interface HealthPolicy {
  /** Consecutive failed attempts before the connection shows `error`... */
  failuresBeforeError: number;
  /** ...and for at least this long. */
  errorAfterMs: number;
}

/** Nothing got through (the other node or the helpdesk): after a sustained run of failures the connection is `error`. */
export function noteFailure(deps: SyncDeps, connectionId: string, reason: string, policy: HealthPolicy): void {
  const now = deps.clock();
  deps.db.transaction((tx) => {
    const state = syncStateOf(tx, connectionId, now);
    const failingSince = state.failingSince ?? now;
    const failedAttempts = state.failedAttempts + 1;
    updateSyncState(tx, connectionId, { failingSince, failedAttempts, lastFailure: reason });
    const row = connectionStatusOf(tx, connectionId);
    if (
      row?.status === 'active' &&
      failedAttempts >= policy.failuresBeforeError &&
      now.getTime() - failingSince.getTime() >= policy.errorAfterMs
    ) {
      recordStatusChange(tx, row, 'error', `Sync is failing since ${failingSince.toISOString()}: ${reason}`, now);
    }
  });
}

/** Something got through: the failure run ends, and a connection in `error` is active again. */
export function noteSuccess(deps: SyncDeps, connectionId: string): void {
  const now = deps.clock();
  const state = syncStateOf(deps.db, connectionId, now);
  const row = connectionStatusOf(deps.db, connectionId);
  if (state.failedAttempts === 0 && row?.status !== 'error') return;
  deps.db.transaction((tx) => {
    updateSyncState(tx, connectionId, { failingSince: null, failedAttempts: 0, lastFailure: null, nextSendAt: null });
    if (row?.status === 'error')
      recordStatusChange(tx, row, 'active', 'Sync recovered: messages get through again.', now);
  });
}
