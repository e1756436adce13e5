import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { instances, ruleTestRuns } from '../../db/schema/index.ts';
import type { Entity } from '../domain/entity.ts';
import { isDomainError } from '../domain/errors.ts';
import { sourceKey } from '../rules/index.ts';
import { annotate, normalizeReplica, ruleInputsOf, twinByLocal } from '../sync/index.ts';
import type { AppDeps } from './deps.ts';
import { assertScripts, scriptConnection } from './rule-versions.ts';
import { helpdeskOfInstance } from '../store/helpdesks.ts';
import type { DbOrTx } from '../../db/client.ts';
import { validateInput } from './validate.ts';

/**
 * Test Run: the scripts being edited, run against real entities of this side, writing nothing to either helpdesk and
 * sending nothing to the other node (the local entity is only read through the connector).
 *
 * Only this side's scripts are ours, so "the incoming result" is a preview of what OUR incoming script does:
 * - when the entity is under sync and its twin's replica has been received, the incoming script is applied to that
 *   latest received replica and the local entity (what the next change from the other side would do here);
 * - otherwise it is applied to the outgoing replica just built, as a first sync (a loopback: what our incoming
 *   script makes of a replica shaped like ours).
 * The scripts get what a sync run gets (see ruleInputsOf), with one difference: httpClient may only read (GET), so a
 * test run changes nothing through it either. issueUrl is the sender's entity URL where this node knows it: in the
 * loopback, the replica is our own entity's, so its URL is ours; a received replica's sender URL is not kept.
 */

export const MAX_TEST_ENTITIES = 5;

export interface TestRunEntity {
  key: string;
  /** The outgoing replica, or null when reading the entity or the outgoing script failed. */
  replica: Record<string, unknown> | null;
  incoming: { appliedTo: 'received-replica' | 'outgoing-replica'; result: Record<string, unknown> } | null;
  /** What failed, with the script's line and column when a script failed. */
  error: string | null;
}

export interface TestRunSummary {
  [key: string]: unknown;
  ranAt: string;
  by: string;
  entities: number;
  passed: number;
  failed: number;
  /** One line per entity: `#12: ok` or `#13: The incoming script ... line 3, column 5 ...`. */
  lines: string[];
}

export interface TestRun {
  entities: TestRunEntity[];
  summary: TestRunSummary;
}

const input = z.object({
  connection: z.string().min(1),
  instanceId: z.string().optional(),
  outgoing: z.string().max(200_000),
  incoming: z.string().max(200_000),
  entityKeys: z
    .array(z.string().trim().min(1).max(100))
    .min(1, 'Name at least one entity to test with (e.g. #12).')
    .max(MAX_TEST_ENTITIES, `Test with at most ${MAX_TEST_ENTITIES} entities at a time.`),
  actor: z.string().min(1),
});

/** The key a test run of exactly these scripts is recorded under. */
export function scriptsKey(outgoing: string, incoming: string): string {
  return `${sourceKey(outgoing)}|${sourceKey(incoming)}`;
}

/** Entity keys as people type them: `#12, 13 #14` -> ['#12', '13', '#14']. */
export function parseEntityKeys(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((k) => k.trim())
    .filter(Boolean);
}

/** The fields a person checks in a preview; comment and attachment bodies are counted, not shown. */
function entityPreview(entity: Entity): Record<string, unknown> {
  const out: Record<string, unknown> = {
    summary: entity.summary,
    description: entity.description.length > 300 ? `${entity.description.slice(0, 299)}…` : entity.description,
    status: entity.status?.name ?? null,
    priority: entity.priority?.name ?? null,
    type: entity.type,
    labels: entity.labels,
    reporter: entity.reporter?.email ?? entity.reporter?.displayName ?? null,
    assignee: entity.assignee?.email ?? entity.assignee?.displayName ?? null,
    comments: entity.comments.length,
    attachments: entity.attachments.length,
  };
  if (Object.keys(entity.customFields).length > 0) out['customFields'] = entity.customFields;
  const native = Object.fromEntries(Object.entries(entity.native).filter(([, v]) => v !== null && v !== undefined));
  if (Object.keys(native).length > 0) out['native'] = native;
  return out;
}

function describeError(error: unknown): string {
  if (isDomainError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export async function testRunRules(deps: AppDeps, raw: z.input<typeof input>): Promise<TestRun> {
  const data = validateInput(input, raw);
  const row = scriptConnection(deps, data.connection, data.instanceId);
  assertScripts(data.outgoing, data.incoming);
  const instance = deps.db.select().from(instances).where(eq(instances.id, row.instanceId)).get()!;
  const platform = instance.platform;
  // The instance's own connector: its credentials, and the rate budget its syncs share.
  const helpdesk = helpdeskOfInstance(deps, row.instanceId);
  const ruleInputs = ruleInputsOf(deps, row, instance, helpdesk, { testRun: true });
  const entities: TestRunEntity[] = [];
  for (const key of data.entityKeys) {
    const result: TestRunEntity = { key, replica: null, incoming: null, error: null };
    entities.push(result);
    let entity: Entity;
    try {
      entity = await helpdesk.getEntity(key.replace(/^#/, ''));
    } catch (error) {
      result.error =
        isDomainError(error) && error.code === 'helpdesk_not_found'
          ? `There is no ${key} in the helpdesk.`
          : describeError(error);
      continue;
    }
    result.key = entity.key;
    const twin = twinByLocal(deps.db, row.id, entity.id);
    const annotated = annotate(entity, twin?.commentMap ?? {}, twin?.attachmentMap ?? {});
    try {
      result.replica = normalizeReplica(
        await deps.rules.runOutgoing({
          script: data.outgoing,
          entity: annotated,
          platform,
          previous: twin?.lastSentReplica ?? null,
          ...ruleInputs,
        }),
      );
    } catch (error) {
      result.error = describeError(error);
      continue;
    }
    const received = twin?.lastAppliedReplica ?? null;
    try {
      const incoming = received
        ? await deps.rules.runIncoming({
            script: data.incoming,
            entity: annotated,
            replica: received,
            previous: null,
            firstSync: false,
            platform,
            ...ruleInputs,
          })
        : await deps.rules.runIncoming({
            script: data.incoming,
            entity: null,
            replica: result.replica,
            firstSync: true,
            platform,
            ...ruleInputs,
            twinUrl: helpdesk.entityUrl(entity.id),
          });
      result.incoming = {
        appliedTo: received ? 'received-replica' : 'outgoing-replica',
        result: entityPreview(incoming),
      };
    } catch (error) {
      result.error = describeError(error);
    }
  }
  const now = deps.clock();
  const failed = entities.filter((e) => e.error !== null).length;
  const summary: TestRunSummary = {
    ranAt: now.toISOString(),
    by: data.actor,
    entities: entities.length,
    passed: entities.length - failed,
    failed,
    lines: entities.map((e) => `${e.key}: ${e.error ?? 'ok'}`),
  };
  deps.db
    .insert(ruleTestRuns)
    .values({
      connectionId: row.id,
      scriptsKey: scriptsKey(data.outgoing, data.incoming),
      actor: data.actor,
      summary,
      createdAt: now,
    })
    .run();
  return { entities, summary };
}

/** The newest test run of exactly these scripts, or null (the approval card then says none was run). */
export function latestTestRun(
  db: DbOrTx,
  connectionId: string,
  outgoing: string,
  incoming: string,
): TestRunSummary | null {
  const row = db
    .select()
    .from(ruleTestRuns)
    .where(
      and(eq(ruleTestRuns.connectionId, connectionId), eq(ruleTestRuns.scriptsKey, scriptsKey(outgoing, incoming))),
    )
    .orderBy(desc(ruleTestRuns.id))
    .get();
  return row ? (row.summary as TestRunSummary) : null;
}
