import type { DbOrTx } from '../../db/client.ts';
import type { HubOption } from '../domain/entity.ts';
import { DomainError, isDomainError } from '../domain/errors.ts';
import type { EntityWrite, Helpdesk } from '../domain/helpdesk.ts';
import type { Platform } from '../domain/instance.ts';
import type { ConnectionContext } from './context.ts';
import type { SyncDeps } from './deps.ts';
import { escapeHtml } from './link-note.ts';
import { deletedPayloadSchema, type DeletedPayload } from './messages.ts';
import { isTransient } from './retry.ts';
import {
  dropChangesOf,
  markApplied,
  queueMessage,
  recordEntityError,
  touchCounters,
  twinByLocal,
  twinNamedBySender,
  updateTwin,
  type InboxRow,
  type TwinRow,
} from './store.ts';

/**
 * Deleted tickets. When this side reads (or writes) its ticket of a pair and the helpdesk says it is gone (a 404, or
 * a ticket in the trash, which the connectors report as a 404 too), the pair stops syncing here (`deleted_local`),
 * nothing is retried, and the other node is told once with a signed 'deleted' message. The other node marks the pair
 * `deleted_remote` and does what its connection's `on_twin_deleted` says: ignore, close its ticket, or add a note.
 */

/** The helpdesk says the entity is not there: deleted for good (404), or in the trash (see the connectors). */
export function isDeletedEntity(error: unknown): boolean {
  return isDomainError(error) && error.code === 'helpdesk_not_found';
}

/**
 * Our ticket of the pair is deleted: the pair stops (its queued changes go with it) and the other side is told. One
 * message per entity, whatever noticed it first (a change read, a replica applied).
 */
export function localDeletedWrite(connectionId: string, twin: TwinRow, at: Date): (tx: DbOrTx) => void {
  const payload: DeletedPayload = {
    entityId: twin.localEntityId,
    entityKey: twin.localKey,
    remoteEntityId: twin.remoteEntityId,
  };
  return (tx) => {
    const current = twinByLocal(tx, connectionId, twin.localEntityId);
    if (!current || current.unlinkedAt) return;
    updateTwin(tx, connectionId, twin.localEntityId, {
      unlinkedAt: at,
      unlinkedReason: 'deleted_local',
      updatedAt: at,
    });
    dropChangesOf(tx, connectionId, twin.localEntityId);
    queueMessage(
      tx,
      {
        connectionId,
        entityId: twin.localEntityId,
        idempotencyKey: `${connectionId}:deleted:${twin.localEntityId}`,
        kind: 'deleted',
        payload,
        at,
      },
      true,
    );
    touchCounters(tx, connectionId, null, at);
  };
}

/** The private note `on_twin_deleted = note` leaves. The key comes from the other node: escaped in Freshworks HTML. */
export function deletedTwinNoteBody(platform: Platform, twin: { remoteName: string; entityKey: string }): string {
  const text = (key: string, name: string) =>
    `The twin ${key} on ${name} was deleted; this ticket is no longer synced.`;
  if (platform === 'xurrent') return text(twin.entityKey, twin.remoteName);
  return `<div>${text(escapeHtml(twin.entityKey), escapeHtml(twin.remoteName))}</div>`;
}

/**
 * The closed status of each platform: Freshdesk and Freshservice status 5 "Closed"; Xurrent `completed`, which needs a
 * completion reason ("withdrawn": the request was withdrawn on the other side; Xurrent has no reason for a deleted
 * twin, and "solved" would claim work that was not done).
 */
function closeWrite(helpdesk: Helpdesk): { status: HubOption; write: EntityWrite } {
  if (helpdesk.platform === 'xurrent') {
    const status = helpdesk.statuses.fromCode('completed');
    return { status, write: { status, native: { completion_reason: 'withdrawn' } } };
  }
  const status = helpdesk.statuses.fromCode(5);
  return { status, write: { status } };
}

/** What this side's setting says to do to its ticket; a replay after a crash finds the work done and does not repeat it. */
async function actOnTwinDeleted(ctx: ConnectionContext, twin: TwinRow, payload: DeletedPayload): Promise<void> {
  const setting = ctx.connection.onTwinDeleted;
  if (setting === 'ignore') return;
  const local = await ctx.helpdesk.getEntity(twin.localEntityId);
  if (setting === 'close') {
    const { status, write } = closeWrite(ctx.helpdesk);
    if (local.status !== null && String(local.status.id) === String(status.id)) return;
    await ctx.helpdesk.updateEntity(local.id, write);
    return;
  }
  const body = deletedTwinNoteBody(ctx.instance.platform, {
    remoteName: ctx.connection.remoteShortName,
    entityKey: payload.entityKey ?? payload.entityId,
  });
  if (local.comments.some((c) => c.body === body)) return;
  await ctx.helpdesk.addComment(local.id, { body, internal: true });
}

/**
 * The other side's ticket of a pair was deleted. A pair already stopped (a replay, or both deleted) and an unknown
 * entity change nothing. A helpdesk that is busy or down is retried with the usual backoff; our ticket gone as well
 * leaves nothing to close or note; any other refusal blocks the entity as a sync error.
 */
export async function applyDeletedMessage(
  deps: SyncDeps,
  ctx: ConnectionContext,
  row: InboxRow,
  onFailure: (error: unknown) => void,
): Promise<'applied' | 'blocked' | 'retry'> {
  const connectionId = ctx.connection.id;
  const parsed = deletedPayloadSchema.safeParse(row.payload);
  const twin = parsed.success
    ? twinNamedBySender(deps.db, connectionId, parsed.data.entityId, parsed.data.remoteEntityId)
    : undefined;
  if (!parsed.success || !twin || twin.unlinkedAt) {
    if (!parsed.success) deps.logger.warn({ connectionId, inbox: row.id }, 'unreadable deleted message dropped');
    deps.db.transaction((tx) => markApplied(tx, [row.id], deps.clock()));
    return 'applied';
  }
  try {
    await actOnTwinDeleted(ctx, twin, parsed.data);
  } catch (error) {
    if (!isDeletedEntity(error)) {
      if (isTransient(error)) {
        onFailure(error);
        return 'retry';
      }
      const domainError = isDomainError(error)
        ? error
        : new DomainError('invalid_input', `Acting on the deleted twin failed: ${String(error)}`);
      recordEntityError(deps.db, {
        connectionId,
        direction: 'incoming',
        entityId: parsed.data.entityId,
        entityKey: parsed.data.entityKey,
        error: domainError,
        at: deps.clock(),
      });
      return 'blocked';
    }
  }
  const at = deps.clock();
  deps.db.transaction((tx) => {
    const current = twinByLocal(tx, connectionId, twin.localEntityId);
    if (current && !current.unlinkedAt) {
      updateTwin(tx, connectionId, twin.localEntityId, {
        unlinkedAt: at,
        unlinkedReason: 'deleted_remote',
        updatedAt: at,
      });
      dropChangesOf(tx, connectionId, twin.localEntityId);
      touchCounters(tx, connectionId, null, at);
    }
    markApplied(tx, [row.id], at);
  });
  return 'applied';
}
