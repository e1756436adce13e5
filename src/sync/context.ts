import type { ConnectionRow } from '../store/connections.ts';
import { helpdeskOfInstance } from '../store/helpdesks.ts';
import { instanceRowById, type InstanceRow } from '../store/instances.ts';
import { publishedRuleVersion } from '../store/rule-versions.ts';
import { MARKER_FIELD, MARKER_PREFIX, type Entity } from '../domain/entity.ts';
import type { Helpdesk } from '../domain/helpdesk.ts';
import { defaultScripts } from '../rules/index.ts';
import type { PooledScript } from '../rules/pool/rule-pool.ts';
import type { SyncDeps } from './deps.ts';
import { type ConnectionRuleInputs, ruleInputsOf } from './rule-inputs.ts';

/** What one pass over a connection needs: the connector, and the scripts in effect (run by deps.rules). */
export interface ConnectionContext {
  connection: ConnectionRow;
  instance: InstanceRow;
  helpdesk: Helpdesk;
  outgoing: PooledScript;
  incoming: PooledScript;
  /** Which rules these are (`basic` or `v3`), for logs and errors. */
  rulesLabel: string;
  /** What each run of these scripts is handed: httpClient, syncHelper's answers, the two instances' URLs. */
  ruleInputs: ConnectionRuleInputs;
}

/**
 * Basic mode runs the platform defaults; Script mode the published version. Each is keyed by what it is, so a rule
 * worker compiles a version once and is sent its source only the first time.
 */
export function connectionContext(deps: SyncDeps, connection: ConnectionRow): ConnectionContext {
  const instance = instanceRowById(deps.db, connection.instanceId)!;
  const helpdesk = helpdeskOfInstance(deps, connection.instanceId);
  const ruleInputs = ruleInputsOf(deps, connection, instance, helpdesk, { testRun: false });
  if (connection.mode === 'basic') {
    const d = defaultScripts(instance.platform);
    return {
      connection,
      instance,
      helpdesk,
      outgoing: { key: `basic:${instance.platform}:outgoing`, source: d.outgoing },
      incoming: { key: `basic:${instance.platform}:incoming`, source: d.incoming },
      rulesLabel: 'basic',
      ruleInputs,
    };
  }
  const version = publishedRuleVersion(deps.db, connection.id, instance.platform, deps.clock());
  return {
    connection,
    instance,
    helpdesk,
    outgoing: { key: `${connection.id}:${version.version}:outgoing`, source: version.outgoing },
    incoming: { key: `${connection.id}:${version.version}:incoming`, source: version.incoming },
    rulesLabel: `v${version.version}`,
    ruleInputs,
  };
}

export function withoutMarkers(entity: Entity): Entity {
  const customFields = { ...entity.customFields };
  delete customFields[MARKER_FIELD];
  return { ...entity, labels: entity.labels.filter((l) => !l.startsWith(MARKER_PREFIX)), customFields };
}
