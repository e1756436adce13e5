import { eq } from 'drizzle-orm';
import { instances } from '../../db/schema.ts';
import type { AppDeps } from '../app/deps.ts';
import type { ConnectionRow } from '../app/store/connections.ts';
import { helpdeskOfInstance } from '../app/store/helpdesks.ts';
import type { InstanceRow } from '../app/store/instances.ts';
import { publishedRuleVersion } from '../app/store/rule-versions.ts';
import { MARKER_FIELD, MARKER_PREFIX, type Entity } from '../domain/entity.ts';
import type { Helpdesk } from '../domain/helpdesk.ts';
import { defaultScripts, ScriptCache, type CompiledScript } from '../rules/index.ts';

/** What one pass over a connection needs: the connector, and the compiled scripts in effect. */
export interface ConnectionContext {
  connection: ConnectionRow;
  instance: InstanceRow;
  helpdesk: Helpdesk;
  outgoing: CompiledScript;
  incoming: CompiledScript;
  /** Which rules these are (`basic` or `v3`), for logs and errors. */
  rulesLabel: string;
}

const scripts = new ScriptCache();

/** Basic mode runs the platform defaults; Script mode the published version (compiled once per version). */
export function connectionContext(deps: AppDeps, connection: ConnectionRow): ConnectionContext {
  const instance = deps.db.select().from(instances).where(eq(instances.id, connection.instanceId)).get()!;
  const helpdesk = helpdeskOfInstance(deps, connection.instanceId);
  if (connection.mode === 'basic') {
    const d = defaultScripts(instance.platform);
    return {
      connection,
      instance,
      helpdesk,
      outgoing: scripts.get(d.outgoing, `basic:${instance.platform}:outgoing`),
      incoming: scripts.get(d.incoming, `basic:${instance.platform}:incoming`),
      rulesLabel: 'basic',
    };
  }
  const version = publishedRuleVersion(deps.db, connection.id, instance.platform, deps.clock());
  return {
    connection,
    instance,
    helpdesk,
    outgoing: scripts.get(version.outgoing, `${connection.id}:${version.version}:outgoing`),
    incoming: scripts.get(version.incoming, `${connection.id}:${version.version}:incoming`),
    rulesLabel: `v${version.version}`,
  };
}

export function withoutMarkers(entity: Entity): Entity {
  const customFields = { ...entity.customFields };
  delete customFields[MARKER_FIELD];
  return { ...entity, labels: entity.labels.filter((l) => !l.startsWith(MARKER_PREFIX)), customFields };
}
