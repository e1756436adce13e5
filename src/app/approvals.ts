import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { approvalRequests, ruleVersions } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { unifiedDiff } from '../domain/line-diff.ts';
import { actorRef, type ChatActor, type ChatPlatform } from '../domain/chat-actor.ts';
import { findWorkspaceInstance } from './chat-workspaces.ts';
import { approvalSettingsOf, isApprover } from './approvers.ts';
import type { AppDeps } from './deps.ts';
import { latestTestRun, type TestRunSummary } from './rule-test-run.ts';
import { assertScripts, platformOf, saveRuleDraft, scriptConnection, type RuleVersionView } from './rule-versions.ts';
import { audit } from '../store/audit.ts';
import { requireConnectionRow } from '../store/connections.ts';
import { publishedRuleVersion, type RuleVersionRow } from '../store/rule-versions.ts';
import { validateInput } from './validate.ts';

/**
 * Publishing governed: a draft is sent for approval (draft -> pending), an approver decides (pending -> published |
 * rejected). The decision is one conditional UPDATE on the version's status, so two clicks on Approve publish once.
 * No rule goes live any other way from chat; the CLI's `rules publish` is an operator override (rule-versions.ts).
 */

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface ChatUserRef {
  platform: ChatPlatform;
  tenantId: string;
  userId: string;
}

export interface ApprovalRequestView {
  id: string;
  connectionId: string;
  connectionName: string;
  instanceId: string;
  version: number;
  baseVersion: number;
  note: string;
  status: ApprovalStatus;
  /** Who wrote the version (an actor ref) and who asked for it to be published. */
  author: string;
  requestedBy: string;
  requester: ChatUserRef | null;
  outgoingDiff: string;
  incomingDiff: string;
  testRun: TestRunSummary | null;
  card: { platform: ChatPlatform; channelId: string; messageRef: string } | null;
  decidedBy: string | null;
  reason: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

type RequestRow = typeof approvalRequests.$inferSelect;

function requireRequest(deps: AppDeps, id: string): RequestRow {
  const row = deps.db.select().from(approvalRequests).where(eq(approvalRequests.id, id)).get();
  if (!row)
    throw new DomainError(
      'not_found',
      'This approval request no longer exists (its connection may have been deleted).',
    );
  return row;
}

function versionRow(deps: AppDeps, connectionId: string, version: number): RuleVersionRow | undefined {
  return deps.db
    .select()
    .from(ruleVersions)
    .where(and(eq(ruleVersions.connectionId, connectionId), eq(ruleVersions.version, version)))
    .get();
}

export function getApprovalRequest(deps: AppDeps, id: string): ApprovalRequestView {
  const row = requireRequest(deps, id);
  const version = deps.db.select().from(ruleVersions).where(eq(ruleVersions.id, row.ruleVersionId)).get()!;
  const connection = requireConnectionRow(deps.db, row.connectionId);
  const base =
    versionRow(deps, row.connectionId, row.baseVersion) ??
    publishedRuleVersion(deps.db, row.connectionId, platformOf(deps, connection), deps.clock());
  const names = (script: string) => ({ from: `${script} v${base.version}`, to: `${script} v${version.version}` });
  return {
    id: row.id,
    connectionId: row.connectionId,
    connectionName: connection.name,
    instanceId: connection.instanceId,
    version: version.version,
    baseVersion: row.baseVersion,
    note: version.note,
    status: row.decision ?? 'pending',
    author: version.author,
    requestedBy: row.requestedBy,
    requester:
      row.requesterPlatform && row.requesterTenantId && row.requesterUserId
        ? { platform: row.requesterPlatform, tenantId: row.requesterTenantId, userId: row.requesterUserId }
        : null,
    outgoingDiff: unifiedDiff(base.outgoing, version.outgoing, names('outgoing')),
    incomingDiff: unifiedDiff(base.incoming, version.incoming, names('incoming')),
    testRun: (row.testRun as TestRunSummary | null) ?? null,
    card:
      row.cardPlatform && row.cardChannelId && row.cardMessageRef
        ? { platform: row.cardPlatform, channelId: row.cardChannelId, messageRef: row.cardMessageRef }
        : null,
    decidedBy: row.decidedBy,
    reason: row.reason,
    decidedAt: row.decidedAt,
    createdAt: row.createdAt,
  };
}

/** One version of a connection waits for approval at a time. */
function assertNoneWaiting(deps: AppDeps, row: { id: string; name: string }): void {
  const waiting = deps.db
    .select({ version: ruleVersions.version })
    .from(ruleVersions)
    .where(and(eq(ruleVersions.connectionId, row.id), eq(ruleVersions.status, 'pending')))
    .get();
  if (waiting)
    throw new DomainError(
      'conflict',
      `Version ${waiting.version} of "${row.name}" is waiting for approval; it must be decided first.`,
    );
}

const requestInput = z.object({
  connection: z.string().min(1),
  instanceId: z.string().optional(),
  /** The draft to send; the newest draft when absent. */
  version: z.number().int().positive().optional(),
  actor: z.string().min(1),
  requester: z.object({ platform: z.enum(['slack', 'teams']), tenantId: z.string(), userId: z.string() }).nullish(),
});

/**
 * Sends a draft for approval. Refused while a script has a syntax error (line and column), without an approvers
 * channel, while another version of the connection waits, and for a draft older than the published version.
 */
export function requestRulePublish(deps: AppDeps, raw: z.input<typeof requestInput>): ApprovalRequestView {
  const data = validateInput(requestInput, raw);
  const row = scriptConnection(deps, data.connection, data.instanceId);
  const target = deps.db
    .select()
    .from(ruleVersions)
    .where(
      and(
        eq(ruleVersions.connectionId, row.id),
        data.version === undefined ? eq(ruleVersions.status, 'draft') : eq(ruleVersions.version, data.version),
      ),
    )
    .orderBy(desc(ruleVersions.version))
    .get();
  if (!target) {
    throw new DomainError(
      'not_found',
      data.version === undefined
        ? `Connection "${row.name}" has no draft; save one first.`
        : `Connection "${row.name}" has no rules version ${data.version}.`,
    );
  }
  if (target.status === 'pending')
    throw new DomainError('conflict', `Version ${target.version} of "${row.name}" is already waiting for approval.`);
  if (target.status !== 'draft') {
    throw new DomainError(
      'conflict',
      `Version ${target.version} of "${row.name}" is ${target.status}; save a new draft (or roll back to it) to publish it again.`,
    );
  }
  assertScripts(target.outgoing, target.incoming);
  const settings = approvalSettingsOf(deps.db, row.instanceId);
  if (!settings.channel) {
    throw new DomainError(
      'conflict',
      'There is no approvers channel yet: an admin sets it with `/bridge approvers channel #channel` (and adds approvers with `/bridge approvers add @user`).',
    );
  }
  const now = deps.clock();
  const published = publishedRuleVersion(deps.db, row.id, platformOf(deps, row), now);
  if (target.version < published.version) {
    throw new DomainError(
      'conflict',
      `Version ${target.version} is older than the published version ${published.version}; roll back to it instead, which makes a new version.`,
    );
  }
  assertNoneWaiting(deps, row);
  const id = randomUUID();
  deps.db.transaction((tx) => {
    const moved = tx
      .update(ruleVersions)
      .set({ status: 'pending', requestedAt: now, updatedAt: now })
      .where(and(eq(ruleVersions.id, target.id), eq(ruleVersions.status, 'draft')))
      .run();
    if (moved.changes !== 1)
      throw new DomainError('conflict', `Version ${target.version} of "${row.name}" changed meanwhile; try again.`);
    tx.insert(approvalRequests)
      .values({
        id,
        connectionId: row.id,
        ruleVersionId: target.id,
        baseVersion: published.version,
        requestedBy: data.actor,
        requesterPlatform: data.requester?.platform ?? null,
        requesterTenantId: data.requester?.tenantId ?? null,
        requesterUserId: data.requester?.userId ?? null,
        testRun: latestTestRun(tx, row.id, target.outgoing, target.incoming),
        createdAt: now,
      })
      .run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'rules.request-publish',
      subjectType: 'connection',
      subjectId: row.id,
      details: { version: target.version, request: id },
    });
  });
  return getApprovalRequest(deps, id);
}

/** Where the request's card was posted, so a decision updates it in place. */
export function approvalCardPosted(
  deps: AppDeps,
  input: { requestId: string; platform: ChatPlatform; channelId: string; messageRef: string },
): void {
  deps.db
    .update(approvalRequests)
    .set({ cardPlatform: input.platform, cardChannelId: input.channelId, cardMessageRef: input.messageRef })
    .where(eq(approvalRequests.id, input.requestId))
    .run();
}

/**
 * Who may decide: an approver of the connection's instance, from a workspace that manages it; not an author of the
 * change (its writer or its requester) unless the instance allows self-approval.
 */
export function requireApprover(
  deps: AppDeps,
  actor: ChatActor,
  request: Pick<ApprovalRequestView, 'instanceId' | 'author' | 'requestedBy' | 'connectionName'>,
): void {
  const instance = findWorkspaceInstance(deps, actor);
  if (!instance || instance.id !== request.instanceId || !isApprover(deps.db, request.instanceId, actor)) {
    throw new DomainError(
      'forbidden',
      `Only approvers of ${instance?.id === request.instanceId ? instance.name : 'this instance'} can decide rule publishes. An admin adds approvers with \`/bridge approvers add @user\`.`,
    );
  }
  const me = actorRef(actor);
  if (
    (me === request.author || me === request.requestedBy) &&
    !approvalSettingsOf(deps.db, request.instanceId).selfApproval
  ) {
    throw new DomainError(
      'forbidden',
      `You wrote or requested this change to "${request.connectionName}", so another approver decides it (self-approval is off).`,
    );
  }
}

const decideInput = z.object({
  requestId: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().trim().max(1000, 'the reason must be at most 1000 characters').default(''),
});

/**
 * Approves (the version is published and applies to each entity's next change) or rejects (with a reason) a pending
 * request. Only the first decision counts: the status moves from pending in one conditional UPDATE.
 */
export function decidePublish(deps: AppDeps, actor: ChatActor, raw: z.input<typeof decideInput>): ApprovalRequestView {
  const data = validateInput(decideInput, raw);
  const request = getApprovalRequest(deps, data.requestId);
  requireApprover(deps, actor, request);
  return recordDecision(deps, request, { ...data, by: actorRef(actor), override: false });
}

const operatorDecisionInput = decideInput.extend({ actor: z.string().min(1) });

/**
 * The operator of this node decides a pending request without the chat approval (`deskbridge approvals approve`),
 * for where no approver can click (a client without the approvers' view). Audited as `rules.approve.override` or
 * `rules.reject.override`; the chat card is not redrawn, and a click on it says the request was already decided.
 */
export function decidePublishAsOperator(
  deps: AppDeps,
  raw: z.input<typeof operatorDecisionInput>,
): ApprovalRequestView {
  const data = validateInput(operatorDecisionInput, raw);
  const request = getApprovalRequest(deps, data.requestId);
  return recordDecision(deps, request, { ...data, by: data.actor, override: true });
}

/** The pending requests of this node (or of one connection), oldest first. */
export function listPendingApprovals(deps: AppDeps, input: { connection?: string } = {}): ApprovalRequestView[] {
  const connectionId = input.connection ? requireConnectionRow(deps.db, input.connection).id : null;
  return deps.db
    .select({ id: approvalRequests.id })
    .from(approvalRequests)
    .where(
      connectionId
        ? and(isNull(approvalRequests.decision), eq(approvalRequests.connectionId, connectionId))
        : isNull(approvalRequests.decision),
    )
    .orderBy(approvalRequests.createdAt)
    .all()
    .map((row) => getApprovalRequest(deps, row.id));
}

function recordDecision(
  deps: AppDeps,
  request: ApprovalRequestView,
  data: z.output<typeof decideInput> & { by: string; override: boolean },
): ApprovalRequestView {
  if (request.status !== 'pending') throw alreadyDecided(request);
  if (data.decision === 'reject' && data.reason === '')
    throw new DomainError('invalid_input', 'Say why the change is rejected; the author reads it.', { field: 'reason' });
  const row = requireRequest(deps, data.requestId);
  const now = deps.clock();
  const { by } = data;
  const approved = data.decision === 'approve';
  deps.db.transaction((tx) => {
    const moved = tx
      .update(ruleVersions)
      .set(
        approved
          ? { status: 'published', approver: by, decidedAt: now, publishedAt: now, updatedAt: now }
          : { status: 'rejected', approver: by, decidedAt: now, updatedAt: now },
      )
      .where(and(eq(ruleVersions.id, row.ruleVersionId), eq(ruleVersions.status, 'pending')))
      .run();
    if (moved.changes !== 1) throw alreadyDecided(request);
    tx.update(approvalRequests)
      .set({ decision: approved ? 'approved' : 'rejected', decidedBy: by, reason: data.reason || null, decidedAt: now })
      .where(and(eq(approvalRequests.id, row.id), isNull(approvalRequests.decision)))
      .run();
    audit(tx, {
      at: now,
      actor: by,
      action: `${approved ? 'rules.approve' : 'rules.reject'}${data.override ? '.override' : ''}`,
      subjectType: 'connection',
      subjectId: row.connectionId,
      details: {
        version: request.version,
        request: row.id,
        author: request.author,
        ...(approved ? {} : { reason: data.reason }),
        ...(data.override ? { override: true } : {}),
      },
    });
  });
  if (approved)
    deps.logger.info({ connectionId: row.connectionId, version: request.version }, 'rules published after approval');
  return getApprovalRequest(deps, row.id);
}

function alreadyDecided(request: ApprovalRequestView): DomainError {
  const fresh = request.status === 'pending' ? 'decided' : request.status;
  return new DomainError(
    'conflict',
    `Version ${request.version} of "${request.connectionName}" was already ${fresh}; nothing changed.`,
  );
}

const rollbackInput = z.object({
  connection: z.string().min(1),
  instanceId: z.string().optional(),
  toVersion: z.number().int().positive(),
  actor: z.string().min(1),
  requester: z.object({ platform: z.enum(['slack', 'teams']), tenantId: z.string(), userId: z.string() }).nullish(),
});

/** Rollback: the scripts of an earlier version become a new version, sent for approval like any other change. */
export function rollbackRules(deps: AppDeps, raw: z.input<typeof rollbackInput>): ApprovalRequestView {
  const data = validateInput(rollbackInput, raw);
  const row = scriptConnection(deps, data.connection, data.instanceId);
  const source = versionRow(deps, row.id, data.toVersion);
  if (!source) throw new DomainError('not_found', `Connection "${row.name}" has no rules version ${data.toVersion}.`);
  if (!approvalSettingsOf(deps.db, row.instanceId).channel) {
    throw new DomainError(
      'conflict',
      'There is no approvers channel yet: an admin sets it with `/bridge approvers channel #channel`.',
    );
  }
  assertNoneWaiting(deps, row);
  const draft: RuleVersionView = saveRuleDraft(deps, {
    connection: row.id,
    outgoing: source.outgoing,
    incoming: source.incoming,
    note: `Rollback to version ${source.version}`,
    actor: data.actor,
  });
  deps.db.transaction((tx) =>
    audit(tx, {
      at: deps.clock(),
      actor: data.actor,
      action: 'rules.rollback',
      subjectType: 'connection',
      subjectId: row.id,
      details: { from: source.version, version: draft.version },
    }),
  );
  return requestRulePublish(deps, {
    connection: row.id,
    version: draft.version,
    actor: data.actor,
    requester: data.requester ?? null,
  });
}
