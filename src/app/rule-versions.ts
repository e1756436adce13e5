import { and, desc, eq, isNull, max } from 'drizzle-orm';
import { z } from 'zod';
import { approvalRequests, instances, ruleVersions } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { checkScript, defaultScripts } from '../rules/index.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { requireConnectionRow, type ConnectionRow } from '../store/connections.ts';
import { publishedRuleVersion, type RuleVersionRow } from '../store/rule-versions.ts';
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
  requestedAt: Date | null;
  decidedAt: Date | null;
  publishedAt: Date | null;
  /** The first syntax problem of each script (a draft may keep one; it cannot be sent for approval). */
  problems: RuleProblem[];
}

export interface RuleProblem {
  script: 'outgoing' | 'incoming';
  line: number;
  column: number;
  summary: string;
  /** `The incoming script has an error at line 2, column 17: ...` */
  message: string;
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
    requestedAt: row.requestedAt,
    decidedAt: row.decidedAt,
    publishedAt: row.publishedAt,
    problems: row.status === 'draft' || row.status === 'pending' ? scriptProblems(row.outgoing, row.incoming) : [],
  };
}

/** The first problem of each script, with its line and column. */
export function scriptProblems(outgoing: string, incoming: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const [script, source] of [
    ['outgoing', outgoing],
    ['incoming', incoming],
  ] as const) {
    const [problem] = checkScript(source);
    if (problem) {
      problems.push({
        script,
        line: problem.line,
        column: problem.column,
        summary: problem.summary,
        // The position once: the summary says it again ("Syntax error at 2:4: ..."), the reason does not.
        message: `The ${script} script has an error at line ${problem.line}, column ${problem.column}: ${problem.reason}`,
      });
    }
  }
  return problems;
}

export function platformOf(deps: AppDeps, row: ConnectionRow) {
  return deps.db.select({ platform: instances.platform }).from(instances).where(eq(instances.id, row.instanceId)).get()!
    .platform;
}

/** Script mode only: Basic-mode rules are generated and cannot be edited. */
export function scriptConnection(deps: AppDeps, ref: string, instanceId?: string): ConnectionRow {
  const row = requireConnectionRow(deps.db, ref, instanceId);
  if (row.mode !== 'script') {
    throw new DomainError(
      'mode_not_allowed',
      `Connection "${row.name}" is in Basic mode: its rules are generated and cannot be edited. Create a Script-mode connection to write your own.`,
    );
  }
  return row;
}

/** Both scripts must compile; the first problem names the script, line and column. */
export function assertScripts(outgoing: string, incoming: string): void {
  const [problem] = scriptProblems(outgoing, incoming);
  if (problem) {
    throw new DomainError('script_error', problem.message, {
      script: problem.script,
      field: problem.script,
      line: problem.line,
      column: problem.column,
    });
  }
}

const draftInput = z.object({
  connection: z.string().min(1),
  outgoing: z.string().max(200_000, 'the outgoing script must be at most 200,000 characters'),
  incoming: z.string().max(200_000, 'the incoming script must be at most 200,000 characters'),
  note: z.string().max(1000).default(''),
  actor: z.string().min(1),
  /** Chat drafts keep a script with a syntax error (shown with its line and column); it blocks the publish request. */
  allowProblems: z.boolean().default(false),
  /** The connection must belong to this instance (chat: the actor's workspace instance). */
  instanceId: z.string().optional(),
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
  const row = scriptConnection(deps, data.connection, data.instanceId);
  if (!data.allowProblems) assertScripts(data.outgoing, data.incoming);
  const now = deps.clock();
  publishedRuleVersion(deps.db, row.id, platformOf(deps, row), now);
  const saved = deps.db.transaction((tx) => {
    const last = tx
      .select({ v: max(ruleVersions.version) })
      .from(ruleVersions)
      .where(eq(ruleVersions.connectionId, row.id))
      .get();
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
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'rules.draft',
      subjectType: 'connection',
      subjectId: row.id,
      details: { version: inserted.version },
    });
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
 * OPERATOR OVERRIDE: publishes a draft or pending version without an approval in chat. Only the CLI (`deskbridge rules
 * publish`, run by whoever operates the node and its data dir) and tests use it; chat goes through requestRulePublish
 * and decidePublish (src/app/approvals.ts). It is recorded in the audit log as `rules.publish.override`. The version
 * applies to the next change of each entity; the previously published version is kept in the history.
 */
export function publishRuleVersion(deps: AppDeps, input: z.input<typeof publishInput>): RuleVersionView {
  const data = validateInput(publishInput, input);
  const row = scriptConnection(deps, data.connection);
  const candidates = deps.db
    .select()
    .from(ruleVersions)
    .where(
      and(
        eq(ruleVersions.connectionId, row.id),
        data.version === undefined ? eq(ruleVersions.status, 'draft') : eq(ruleVersions.version, data.version),
      ),
    )
    .orderBy(desc(ruleVersions.version))
    .all();
  const target = candidates[0];
  if (!target) {
    throw new DomainError(
      'not_found',
      data.version === undefined
        ? `Connection "${row.name}" has no draft to publish; save one first.`
        : `Connection "${row.name}" has no rules version ${data.version}.`,
    );
  }
  if (target.status !== 'draft' && target.status !== 'pending') {
    throw new DomainError(
      'conflict',
      `Version ${target.version} of "${row.name}" is ${target.status}; only a draft or a pending version can be published.`,
    );
  }
  assertScripts(target.outgoing, target.incoming);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    const changed = tx
      .update(ruleVersions)
      .set({ status: 'published', approver: data.actor, decidedAt: now, publishedAt: now, updatedAt: now })
      .where(and(eq(ruleVersions.id, target.id), eq(ruleVersions.status, target.status)))
      .run();
    if (changed.changes !== 1)
      throw new DomainError('conflict', `Version ${target.version} of "${row.name}" was decided meanwhile.`);
    // A pending request for this version is answered by the override: its card would otherwise wait forever.
    tx.update(approvalRequests)
      .set({ decision: 'approved', decidedBy: data.actor, reason: 'operator override', decidedAt: now })
      .where(and(eq(approvalRequests.ruleVersionId, target.id), isNull(approvalRequests.decision)))
      .run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'rules.publish.override',
      subjectType: 'connection',
      subjectId: row.id,
      details: { version: target.version, author: target.author, override: true },
    });
  });
  deps.logger.info({ connectionId: row.id, version: target.version }, 'rules published');
  return view({ ...target, status: 'published', approver: data.actor, decidedAt: now, publishedAt: now });
}

export function listRuleVersions(deps: AppDeps, input: { connection: string; instanceId?: string }): RuleVersionView[] {
  const row = requireConnectionRow(deps.db, input.connection, input.instanceId);
  publishedRuleVersion(deps.db, row.id, platformOf(deps, row), deps.clock());
  return deps.db
    .select()
    .from(ruleVersions)
    .where(eq(ruleVersions.connectionId, row.id))
    .orderBy(ruleVersions.version)
    .all()
    .map(view);
}

/** The newest version (draft, pending, published or rejected): what the editor opens. */
export function latestRuleVersion(deps: AppDeps, input: { connection: string; instanceId?: string }): RuleVersionView {
  const versions = listRuleVersions(deps, input);
  return versions.at(-1)!;
}

export function getRuleVersion(
  deps: AppDeps,
  input: { connection: string; version: number; instanceId?: string },
): RuleVersionView {
  const row = requireConnectionRow(deps.db, input.connection, input.instanceId);
  const found = deps.db
    .select()
    .from(ruleVersions)
    .where(and(eq(ruleVersions.connectionId, row.id), eq(ruleVersions.version, input.version)))
    .get();
  if (!found) throw new DomainError('not_found', `Connection "${row.name}" has no rules version ${input.version}.`);
  return view(found);
}
