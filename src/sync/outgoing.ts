import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { changeQueue, outbox, twinLinks } from '../../db/schema.ts';
import type { AppDeps } from '../app/deps.ts';
import type { Entity } from '../domain/entity.ts';
import { isDomainError, type DomainError } from '../domain/errors.ts';
import { runOutgoing } from '../rules/index.ts';
import { annotate, AWAITING_ACK, normalizeReplica } from './annotate.ts';
import { replicaHash } from './canonical.ts';
import type { ConnectionContext } from './context.ts';
import type { ReplicaPayload } from './messages.ts';
import { isTransient } from './retry.ts';
import { statementsOf } from './statements.ts';
import { isBlocked, recordEntityError, touchCounters, twinByLocal, type TwinRow } from './store.ts';

export type ChangeRow = typeof changeQueue.$inferSelect;

export type ChangeOutcome = 'sent' | 'unchanged' | 'skipped' | 'unselected' | 'blocked' | 'failed' | 'retry';

/** Builds the replica with the outgoing script; null when the entity is not (yet) under sync. */
export function buildReplica(ctx: ConnectionContext, entity: Entity, twin: TwinRow | undefined) {
  const annotated = annotate(entity, twin?.commentMap ?? {}, twin?.attachmentMap ?? {});
  const replica = normalizeReplica(
    runOutgoing({ script: ctx.outgoing, entity: annotated, platform: ctx.instance.platform, previous: twin?.lastSentReplica ?? null }),
  );
  return { replica, hash: replicaHash(replica), annotated };
}

/** An entity without a twin syncs only when an active trigger selected it (or a bulk sync did). */
function selectedByTrigger(deps: AppDeps, ctx: ConnectionContext, row: ChangeRow): boolean {
  if (row.reason === 'trigger' || row.reason === 'bulk' || row.reason === 'retry') return true;
  return statementsOf(deps.db)
    .activeTriggers.all({ connectionId: ctx.connection.id })
    .some((t) => t.query.trim() === '');
}

/**
 * change row -> entity -> outgoing script -> replica; an unchanged replica is dropped, a changed one goes into the
 * outbox in the same transaction that records its hash and removes the change row.
 */
export async function processChange(deps: AppDeps, ctx: ConnectionContext, row: ChangeRow, onFailure: (error: unknown) => void): Promise<ChangeOutcome> {
  const connectionId = ctx.connection.id;
  const now = () => deps.clock();
  const removeRow = () =>
    deps.db
      .delete(changeQueue)
      .where(and(eq(changeQueue.id, row.id), eq(changeQueue.queuedAt, row.queuedAt)))
      .run();
  if (isBlocked(deps.db, connectionId, 'outgoing', row.entityId)) return 'blocked';
  let twin = twinByLocal(deps.db, connectionId, row.entityId);
  if (!twin && !selectedByTrigger(deps, ctx, row)) {
    // Whether it matches a trigger query only the helpdesk can say: the trigger poll runs next and picks it up.
    removeRow();
    return 'unselected';
  }
  let entity: Entity;
  let built: ReturnType<typeof buildReplica>;
  let files: ReplicaPayload['files'] = [];
  try {
    entity = await ctx.helpdesk.getEntity(row.entityId);
    built = buildReplica(ctx, entity, twin);
    if (built.hash === twin?.lastSentHash && !row.force) {
      removeRow();
      return 'unchanged';
    }
    const attachmentMap = twin?.attachmentMap ?? {};
    const replicaAttachmentIds = new Set(
      (Array.isArray(built.replica.attachments) ? built.replica.attachments : []).map((a) => String((a as { id?: unknown }).id ?? '')),
    );
    const toSend = built.annotated.attachments.filter((a) => !(a.id in attachmentMap) && replicaAttachmentIds.has(a.id));
    files = [];
    for (const attachment of toSend) {
      const content = await ctx.helpdesk.downloadAttachment(entity.id, attachment);
      files.push({ id: attachment.id, filename: content.filename, mimetype: content.mimetype, data: Buffer.from(content.data).toString('base64') });
    }
  } catch (error) {
    if (isDomainError(error) && error.code === 'helpdesk_not_found') {
      removeRow();
      return 'skipped';
    }
    if (isTransient(error)) {
      onFailure(error);
      return 'retry';
    }
    deps.db.transaction((tx) => {
      recordEntityError(tx, { connectionId, direction: 'outgoing', entityId: row.entityId, entityKey: twin?.localKey ?? null, error: error as DomainError, at: now() });
      tx.delete(changeQueue).where(eq(changeQueue.id, row.id)).run();
    });
    deps.logger.warn({ connectionId, entity: row.entityId, err: (error as Error).message }, 'outgoing sync blocked for an entity');
    return 'failed';
  }
  const at = now();
  const payload: ReplicaPayload = {
    entityId: entity.id,
    entityKey: entity.key,
    remoteEntityId: twin?.remoteEntityId ?? null,
    replica: built.replica,
    hash: built.hash,
    files,
  };
  deps.db.transaction((tx) => {
    // Re-read inside the transaction: an ack may have landed while the helpdesk was being read.
    twin = twinByLocal(tx, connectionId, row.entityId);
    const attachmentMap = { ...(twin?.attachmentMap ?? {}) };
    for (const f of files) attachmentMap[f.id] ??= AWAITING_ACK;
    tx.insert(outbox)
      .values({
        connectionId,
        entityId: entity.id,
        idempotencyKey: `${connectionId}:${randomUUID()}`,
        kind: 'replica',
        payload,
        status: 'queued',
        nextAttemptAt: at,
        createdAt: at,
      })
      .run();
    if (twin) {
      tx.update(twinLinks)
        .set({ lastSentHash: built.hash, lastSentReplica: built.replica, localKey: entity.key, attachmentMap, updatedAt: at })
        .where(and(eq(twinLinks.connectionId, connectionId), eq(twinLinks.localEntityId, entity.id)))
        .run();
    } else {
      tx.insert(twinLinks)
        .values({
          connectionId,
          localEntityId: entity.id,
          localKey: entity.key,
          remoteEntityId: null,
          lastSentHash: built.hash,
          lastSentReplica: built.replica,
          commentMap: {},
          attachmentMap,
          updatedAt: at,
          createdAt: at,
        })
        .run();
    }
    tx.delete(changeQueue)
      .where(and(eq(changeQueue.id, row.id), eq(changeQueue.queuedAt, row.queuedAt)))
      .run();
    touchCounters(tx, connectionId, entity.key, at);
  });
  return 'sent';
}
