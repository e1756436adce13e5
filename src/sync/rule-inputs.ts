import type { DbOrTx } from '../../db/client.ts';
import type { ConnectionRow } from '../store/connections.ts';
import type { InstanceRow } from '../store/instances.ts';
import type { Helpdesk } from '../domain/helpdesk.ts';
import { instancePublicUrl } from '../domain/instance.ts';
import type { LocalTwin, UnderSyncQuery } from '../rules/pool/protocol.ts';
import type { RuleHostHandlers } from '../rules/pool/rule-pool.ts';
import type { SyncDeps } from './deps.ts';
import { type ScriptHttpRun, scriptHttpFor } from './script-http.ts';
import { connectionIdsNamed, twinByLocal, twinByRemote } from './store.ts';

/**
 * What every rule run of one connection is handed besides its entity and replica (PooledRunInput): httpClient through
 * the instance's connector, syncHelper's questions answered from this node's twin links, and the two instances'
 * URLs (syncHelper.getExalateUrl / getRemoteExalateUrl). The twin's own URL (issueUrl) differs per run and is added
 * by the run itself.
 */
export interface ConnectionRuleInputs {
  host: RuleHostHandlers;
  nodeUrl: string;
  /** The partner instance's URL; null when the other side is private (it has none). */
  remoteNodeUrl: string | null;
}

/** Ids are at most this long (the sync messages' bound): a longer one names no entity, and is not looked up. */
const MAX_ID_LENGTH = 200;

/** The connections of this instance a script names: this one (null), or those with the name (names are not unique). */
function connectionsNamed(db: DbOrTx, connection: ConnectionRow, name: string | null): string[] {
  return name === null ? [connection.id] : connectionIdsNamed(db, connection.instanceId, name);
}

/**
 * syncHelper.isUnderSync: the local entity has a twin link through the connection asked about. A connection this
 * instance has no connection of that name syncs nothing, so the answer is false, as for an entity never synced.
 */
export function isUnderSync(db: DbOrTx, connection: ConnectionRow, query: UnderSyncQuery): boolean {
  if (query.entityId.length === 0 || query.entityId.length > MAX_ID_LENGTH) return false;
  return connectionsNamed(db, connection, query.connection).some(
    (id) => twinByLocal(db, id, query.entityId) !== undefined,
  );
}

/** syncHelper.getLocalIssueKeyFromRemoteId: the local twin of the other side's entity, through this connection. */
export function localTwinOf(db: DbOrTx, connection: ConnectionRow, remoteId: string): LocalTwin | null {
  if (remoteId.length === 0 || remoteId.length > MAX_ID_LENGTH) return null;
  const twin = twinByRemote(db, connection.id, remoteId);
  return twin ? { id: twin.localEntityId, key: twin.localKey ?? twin.localEntityId } : null;
}

/**
 * The inputs of a connection's runs. `run.testRun` (the chat Test run) lets httpClient only read; the twin questions
 * only read anyway, so a test run answers them as the sync would.
 */
export function ruleInputsOf(
  deps: Pick<SyncDeps, 'db' | 'publicUrl'>,
  connection: ConnectionRow,
  instance: Pick<InstanceRow, 'slug'>,
  helpdesk: Helpdesk,
  run: ScriptHttpRun,
): ConnectionRuleInputs {
  return {
    host: {
      http: scriptHttpFor(helpdesk, run),
      isUnderSync: async (query) => isUnderSync(deps.db, connection, query),
      localTwinOf: async (remoteId) => localTwinOf(deps.db, connection, remoteId),
    },
    nodeUrl: instancePublicUrl(deps.publicUrl, instance.slug),
    remoteNodeUrl: connection.remoteUrl,
  };
}
