import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { isAdmin } from '../app/chat-authorization.ts';
import { findWorkspaceInstance } from '../app/chat-workspaces.ts';
import { isApprover } from '../app/approvers.ts';
import {
  approvalCardPosted,
  decidePublish,
  getApprovalRequest,
  requireApprover,
  type ApprovalRequestView,
} from '../app/approvals.ts';
import type { AppDeps } from '../app/deps.ts';
import { startBulkSync } from '../app/sync-bulk.ts';
import { DomainError } from '../domain/errors.ts';
import { channelMention, userMention } from '../ui/mentions.ts';
import type { Action, Content, Form, FormValues, Message } from '../ui/model.ts';
import { reply, type Effect, type FlowResult } from '../ui/replies.ts';
import { bulkProgressEffect } from './bulk-progress.ts';
import { typedCommand, type ChatSurface } from './help.ts';
import { fieldErrors, formatDate, notice } from './outcome.ts';

/**
 * The approval card in the approvers channel: connection, author, the unified diff of both scripts, the test-run
 * summary, Approve and Reject. A decision replaces the card in place and tells the requester.
 */
export const approvalActions = {
  approve: 'approval.approve',
  reject: 'approval.reject',
  resync: 'approval.resync',
} as const;

export const REJECT_FORM = 'approval.reject-reason';

/** A diff on a card stays within one preformatted section; the rest is counted. */
const DIFF_CHARS = 2_800;

function clippedDiff(diff: string): string {
  if (diff.length <= DIFF_CHARS) return diff;
  const kept = diff.slice(0, DIFF_CHARS);
  const cut = kept.lastIndexOf('\n');
  const shown = cut > 0 ? kept.slice(0, cut) : kept;
  const more = diff.slice(shown.length).split('\n').filter(Boolean).length;
  return `${shown}\n… ${more} more diff lines: download the scripts from the rules editor to read them all.`;
}

function testRunText(request: ApprovalRequestView): string {
  const run = request.testRun;
  if (!run) return '*Test run:* none was run on these scripts.';
  const lines = run.lines.slice(0, 5).map((l) => `• ${l}`);
  return [
    `*Test run* (${userMention(run.by)}, ${formatDate(new Date(run.ranAt))}): ${run.passed} of ${run.entities} passed`,
    ...lines,
  ].join('\n');
}

export function approvalCard(request: ApprovalRequestView): Message {
  const items: Content[] = [
    { kind: 'heading', text: `Rules publish: ${request.connectionName}`.slice(0, 150) },
    {
      kind: 'facts',
      facts: [
        { label: 'Connection', value: request.connectionName },
        { label: 'Version', value: `${request.version} (published now: ${request.baseVersion})` },
        { label: 'Author', value: userMention(request.author) },
        { label: 'Requested by', value: `${userMention(request.requestedBy)}, ${formatDate(request.createdAt)}` },
      ],
    },
  ];
  if (request.note) items.push({ kind: 'markdown', text: `*Note:* ${request.note}` });
  items.push(
    { kind: 'markdown', text: '*Outgoing script*' },
    request.outgoingDiff
      ? { kind: 'code', text: clippedDiff(request.outgoingDiff) }
      : { kind: 'note', text: 'No change.' },
    { kind: 'markdown', text: '*Incoming script*' },
    request.incomingDiff
      ? { kind: 'code', text: clippedDiff(request.incomingDiff) }
      : { kind: 'note', text: 'No change.' },
    { kind: 'markdown', text: testRunText(request) },
  );
  const actions: Action[] = [];
  switch (request.status) {
    case 'pending':
      items.push({
        kind: 'note',
        text: 'Waiting for an approver. Once published, the rules apply to the next change of each entity.',
      });
      actions.push(
        { id: approvalActions.approve, label: 'Approve', style: 'primary', value: request.id },
        { id: approvalActions.reject, label: 'Reject', style: 'danger', value: request.id },
      );
      break;
    case 'approved':
      items.push({
        kind: 'markdown',
        text: `:white_check_mark: *Approved* by ${userMention(request.decidedBy ?? '')}${request.decidedAt ? `, ${formatDate(request.decidedAt)}` : ''}. Version ${request.version} is published: it applies to the next change of each entity. Re-sync now to apply it to every entity matching the triggers.`,
      });
      actions.push({ id: approvalActions.resync, label: 'Re-sync now', value: request.id });
      break;
    case 'rejected':
      items.push({
        kind: 'markdown',
        text: `:no_entry: *Rejected* by ${userMention(request.decidedBy ?? '')}${request.decidedAt ? `, ${formatDate(request.decidedAt)}` : ''}: ${request.reason ?? ''}`,
      });
      break;
  }
  if (actions.length > 0) items.push({ kind: 'actions', actions });
  const status = request.status === 'pending' ? 'waiting for approval' : request.status;
  return { kind: 'message', text: `Rules version ${request.version} of ${request.connectionName}: ${status}`, items };
}

/** The card to post when a request is made. */
export function postApprovalCard(request: ApprovalRequestView, channelId: string): Effect {
  return { kind: 'post-approval-card', channelId, requestId: request.id, message: approvalCard(request) };
}

/** The card could not be posted to the approvers channel (the bot is not in it): what the requester can do. */
export function approvalCardNotPosted(
  surface: ChatSurface,
  effect: Extract<Effect, { kind: 'post-approval-card' }>,
): Message {
  return notice(
    surface.platform === 'slack'
      ? `I could not post the approval card to ${channelMention(effect.channelId)}: invite me to that channel (\`/invite @${surface.botName}\`). The request is recorded; an admin can set another channel with ${typedCommand(surface, 'approvers channel #channel')}.`
      : `I could not post the approval card to the approvers channel: add ${surface.botName} to its team. The request is recorded; an admin can set another channel with ${typedCommand(surface, 'approvers channel')} in a channel I am in.`,
  );
}

/** The adapter posted the card: remember where, so a decision updates it in place. */
export function approvalCardWasPosted(
  deps: AppDeps,
  actor: ChatActor,
  input: { requestId: string; channelId: string; messageRef: string },
): void {
  approvalCardPosted(deps, {
    requestId: input.requestId,
    platform: actor.platform,
    channelId: input.channelId,
    messageRef: input.messageRef,
  });
}

/** After a decision: the card in place, and a word to whoever asked. */
function decisionEffects(request: ApprovalRequestView, actor: ChatActor): Effect[] {
  const effects: Effect[] = [];
  if (request.card && request.card.platform === actor.platform) {
    effects.push({
      kind: 'update-message',
      channelId: request.card.channelId,
      messageRef: request.card.messageRef,
      message: approvalCard(request),
    });
  }
  const requester = request.requester;
  if (requester && requester.platform === actor.platform && requester.tenantId === actor.tenantId) {
    const text =
      request.status === 'approved'
        ? `Your rules version ${request.version} of *${request.connectionName}* was approved by ${userMention(actorRef(actor))} and is published; it applies to the next change of each entity.`
        : `Your rules version ${request.version} of *${request.connectionName}* was rejected by ${userMention(actorRef(actor))}: ${request.reason ?? ''}`;
    effects.push({ kind: 'notify-user', userId: requester.userId, message: notice(text) });
  }
  return effects;
}

/** Approve, clicked on the card. A refusal (not an approver, the author, already decided) changes nothing. */
export function approveFromCard(deps: AppDeps, actor: ChatActor, requestId: string): FlowResult {
  const decided = decidePublish(deps, actor, { requestId, decision: 'approve' });
  return reply({ kind: 'none' }, decisionEffects(decided, actor));
}

/** Reject, clicked on the card: the reason is asked for in a form (the approver is checked before it opens). */
export function askRejectReason(deps: AppDeps, actor: ChatActor, requestId: string): FlowResult {
  const request = getApprovalRequest(deps, requestId);
  requireApprover(deps, actor, request);
  if (request.status !== 'pending')
    throw new DomainError(
      'conflict',
      `Version ${request.version} of "${request.connectionName}" was already ${request.status}; nothing changed.`,
    );
  const form: Form = {
    kind: 'form',
    id: REJECT_FORM,
    title: 'Reject rules change',
    stateId: request.id,
    submitLabel: 'Reject',
    items: [
      {
        kind: 'markdown',
        text: `Reject version ${request.version} of *${request.connectionName}*? The author is told your reason.`,
      },
      {
        kind: 'text',
        id: 'reason',
        label: 'Reason',
        multiline: true,
        maxLength: 1000,
        placeholder: 'What needs to change before this can be published?',
      },
    ],
  };
  return reply({ kind: 'open-form', form });
}

export function submitRejectReason(
  deps: AppDeps,
  actor: ChatActor,
  input: { stateId: string; values: FormValues },
): FlowResult {
  try {
    const decided = decidePublish(deps, actor, {
      requestId: input.stateId,
      decision: 'reject',
      reason: input.values['reason'] ?? '',
    });
    return reply({ kind: 'close' }, decisionEffects(decided, actor));
  } catch (error) {
    return reply({ kind: 'field-errors', errors: fieldErrors(error, deps.logger, ['reason'], 'reason') });
  }
}

/** Re-sync now, on an approved card: a bulk sync of the connection, its progress posted under the card's channel. */
export async function resyncFromCard(
  deps: AppDeps,
  actor: ChatActor,
  input: { requestId: string; channelId: string | null },
): Promise<FlowResult> {
  const request = getApprovalRequest(deps, input.requestId);
  const instance = findWorkspaceInstance(deps, actor);
  const allowed =
    instance?.id === request.instanceId && (isAdmin(deps, actor) || isApprover(deps.db, request.instanceId, actor));
  if (!allowed)
    throw new DomainError('forbidden', 'Only admins and approvers of this instance can re-sync its connections.');
  const bulk = await startBulkSync(deps, { connection: request.connectionId, actor: actorRef(actor), force: true });
  return reply({ kind: 'none' }, [
    bulkProgressEffect(deps, bulk, {
      channelId: input.channelId,
      userId: actor.userId,
      title: `Re-sync of ${request.connectionName} under version ${request.version}`,
    }),
  ]);
}
