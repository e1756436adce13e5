import { and, desc, eq, max } from 'drizzle-orm';
import { z } from 'zod';
import { instances, ruleVersions } from '../../db/schema.ts';
import { DomainError } from '../domain/errors.ts';
import { checkScript, defaultScripts } from '../rules/index.ts';
import type { Actor, AppDeps } from './deps.ts';
import { audit } from './store/audit.ts';
import { requireConnectionRow, type ConnectionRow } from './store/connections.ts';
import { publishedRuleVersion, type RuleVersionRow } from './store/rule-versions.ts';
import { validateInput } from './validate.ts';

export interface RuleVersionView {
  id: number;
  connectionId: string;
  version: number;
  status: RuleVersionRow['status'];
  outgoing: string;
  incoming: string;
  author: string;
  approver: string | null;
  note: string;
  createdAt: Date;
  publishedAt: Date | null;
}

function view(row: RuleVersionRow): RuleVersionView {
  return {
    id: row.id,
    connectionId: row.connectionId,
    version: row.version,
    status: row.status,
    outgoing: row.outgoing,
    incoming: row.incoming,
    author: row.author,
    approver: row.approver,
    note: row.note,
    createdAt: row.createdAt,
    publishedAt: row.publishedAt,
  };
}

function platformOf(deps: AppDeps, row: ConnectionRow) {
  return deps.db.select({ platform: instances.platform }).from(instances).where(eq(instances.id, row.instanceId)).get()!.platform;
}

/** Script mode only: Basic-mode rules are generated and cannot be edited. */
function scriptConnection(deps: AppDeps, ref: string): ConnectionRow {
  const row = requireConnectionRow(deps.db, ref);
  if (row.mode !== 'script') {
    throw new DomainError('mode_not_allowed', `Connection "${row.name}" is in Basic mode: its rules are generated and cannot be edited. Create a Script-mode connection to write your own.`);
  }
  return row;
}

/** Both scripts must compile; the first problem names the script, line and column. */
function assertScripts(outgoing: string, incoming: string): void {
  for (const [name, source] of [['outgoing', outgoing], ['incoming', incoming]] as const) {
    const [problem] = checkScript(source);
    if (problem) {
      throw new DomainError('script_error', `The ${name} script has an error at line ${problem.line}, column ${problem.column}: ${problem.summary}`, {
        script: name,
        line: problem.line,
        column: problem.column,
      });
    }
  }
}

const draftInput = z.object({
  connection: z.string().min(1),
  outgoing: z.string().max(200_000, 'the outgoing script must be at most 200,000 characters'),
  incoming: z.string().max(200_000, 'the incoming script must be at most 200,000 characters'),
  note: z.string().max(1000).default(''),
  actor: z.string().min(1),
});

/** The version the rules in effect now: Basic mode runs the platform defaults, Script mode the published version. */
export function getPublishedRules(deps: AppDeps, input: { connection: string }): RuleVersionView {
  const row = requireConnectionRow(deps.db, input.connection);
  const platform = platformOf(deps, row);
  if (row.mode === 'basic') {
    const defaults = defaultScripts(platform);
    const published = publishedRuleVersion(deps.db, row.id, platform, deps.clock());
    return { ...view(published), outgoing: defaults.outgoing, incoming: defaults.incoming };
  }
  return view(publishedRuleVersion(deps.db, row.id, platform, deps.clock()));
}

/** Saves new scripts as the next version, a draft by its author; nothing changes for the sync until it is published. */
export function saveRuleDraft(deps: AppDeps, input: z.input<typeof draftInput>): RuleVersionView {
  const data = validateInput(draftInput, input);
  const row = scriptConnection(deps, data.connection);
  assertScripts(data.outgoing, data.incoming);
  const now = deps.clock();
  publishedRuleVersion(deps.db, row.id, platformOf(deps, row), now);
  const saved = deps.db.transaction((tx) => {
    const last = tx.select({ v: max(ruleVersions.version) }).from(ruleVersions).where(eq(ruleVersions.connectionId, row.id)).get();
    const inserted = tx
      .insert(ruleVersions)
      .values({
        connectionId: row.id,
        version: (last?.v ?? 0) + 1,
        outgoing: data.outgoing,
        incoming: data.incoming,
        status: 'draft',
        author: data.actor,
        note: data.note,
        updatedAt: now,
        createdAt: now,
      })
      .returning()
      .get();
    audit(tx, { at: now, actor: data.actor, action: 'rules.draft', subjectType: 'connection', subjectId: row.id, details: { version: inserted.version } });
    return inserted;
  });
  return view(saved);
}

const publishInput = z.object({
  connection: z.string().min(1),
  /** A draft or pending version; the latest draft when absent. */
  version: z.number().int().positive().optional(),
  actor: z.string().min(1),
});

/**
 * Publishes a draft or pending version (an admin's decision: the approver is recorded). The version applies to the
 * next change of each entity; the previously published version is kept in the history.
 */
export function publishRuleVersion(deps: AppDeps, input: z.input<typeof publishInput>): RuleVersionView {
  const data = validateInput(publishInput, input);
  const row = scriptConnection(deps, data.connection);
  const candidates = deps.db
    .select()
    .from(ruleVersions)
    .where(and(eq(ruleVersions.connectionId, row.id), data.version === undefined ? eq(ruleVersions.status, 'draft') : eq(ruleVersions.version, data.version)))
    .orderBy(desc(ruleVersions.version))
    .all();
  const target = candidates[0];
  if (!target) {
    throw new DomainError('not_found', data.version === undefined ? `Connection "${row.name}" has no draft to publish; save one first.` : `Connection "${row.name}" has no rules version ${data.version}.`);
  }
  if (target.status !== 'draft' && target.status !== 'pending') {
    throw new DomainError('conflict', `Version ${target.version} of "${row.name}" is ${target.status}; only a draft or a pending version can be published.`);
  }
  assertScripts(target.outgoing, target.incoming);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.update(ruleVersions).set({ status: 'published', approver: data.actor, decidedAt: now, publishedAt: now, updatedAt: now }).where(eq(ruleVersions.id, target.id)).run();
    audit(tx, { at: now, actor: data.actor, action: 'rules.publish', subjectType: 'connection', subjectId: row.id, details: { version: target.version, author: target.author } });
  });
  deps.logger.info({ connectionId: row.id, version: target.version }, 'rules published');
  return view({ ...target, status: 'published', approver: data.actor, decidedAt: now, publishedAt: now });
}

export function listRuleVersions(deps: AppDeps, input: { connection: string }): RuleVersionView[] {
  const row = requireConnectionRow(deps.db, input.connection);
  publishedRuleVersion(deps.db, row.id, platformOf(deps, row), deps.clock());
  return deps.db.select().from(ruleVersions).where(eq(ruleVersions.connectionId, row.id)).orderBy(ruleVersions.version).all().map(view);
}

