import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../../db/client.ts';
import type { Entity, Replica } from '../domain/entity.ts';
import { isDomainError, type DomainError } from '../domain/errors.ts';
import { annotate, AWAITING_ACK, normalizeReplica } from './annotate.ts';
import { replicaHash } from './canonical.ts';
import type { ConnectionContext } from './context.ts';
import type { SyncDeps } from './deps.ts';
import type { ReplicaPayload } from './messages.ts';
import { localDeletedWrite } from './deleted-twin.ts';
import { isTransient } from './retry.ts';
import {
  dropChange,
  hasCatchAllTrigger,
  insertTwin,
  isBlocked,
  queueMessage,
  recordEntityError,
  recordSent,
  removeChange,
  touchCounters,
  twinByLocal,
  updateTwin,
  type ChangeRow,
  type TwinRow,
} from './store.ts';

export type ChangeOutcome = 'sent' | 'unchanged' | 'skipped' | 'unselected' | 'blocked' | 'failed' | 'retry';

export interface BuiltReplica {
  replica: Replica;
  hash: string;
  annotated: Entity;
}

/**
 * Builds the replica with the outgoing script (in a rule worker). The twin's URL is not known on this side (the other
 * node does not send it back), so the script's issueUrl is null here.
 */
export async function buildReplica(
  deps: SyncDeps,
  ctx: ConnectionContext,
  entity: Entity,
  twin: TwinRow | undefined,
): Promise<BuiltReplica> {
  const annotated = annotate(entity, twin?.commentMap ?? {}, twin?.attachmentMap ?? {});
  const replica = normalizeReplica(
    await deps.rules.runOutgoing({
      script: ctx.outgoing,
      entity: annotated,
      platform: ctx.instance.platform,
      previous: twin?.lastSentReplica ?? null,
      ...ctx.ruleInputs,
    }),
  );
  return { replica, hash: replicaHash(replica), annotated };
}

/** An entity without a twin syncs only when an active trigger selected it (or a bulk sync did). */
function selectedByTrigger(deps: SyncDeps, ctx: ConnectionContext, row: ChangeRow): boolean {
  if (row.reason === 'trigger' || row.reason === 'bulk' || row.reason === 'retry') return true;
  return hasCatchAllTrigger(deps.db, ctx.connection.id);
}

/** Database writes a processed change leaves to the engine, which commits those of a pass together (one commit). */
export type PendingWrite = (tx: DbOrTx) => void;

export interface ProcessedChange {
  outcome: ChangeOutcome;
  /** What to commit: the outbox message with the new hash, or the removal of a change that needs nothing sent. */
  write?: PendingWrite;
}

/**
 * change row -> entity -> outgoing script -> replica; an unchanged replica is dropped, a changed one goes into the
 * outbox in the same transaction that records its hash and removes the change row.
 */
export async function processChange(
  deps: SyncDeps,
  ctx: ConnectionContext,
  row: ChangeRow,
  onFailure: (error: unknown) => void,
): Promise<ProcessedChange> {
  const outcome = (value: ChangeOutcome, write?: PendingWrite): ProcessedChange =>
    write ? { outcome: value, write } : { outcome: value };
  const connectionId = ctx.connection.id;
  const now = () => deps.clock();
  // Only the row as read: a change queued meanwhile moved queuedAt, and stays for the next pass.
  const removeRow: PendingWrite = (tx) => removeChange(tx, row);
  if (isBlocked(deps.db, connectionId, 'outgoing', row.entityId)) return outcome('blocked');
  let twin = twinByLocal(deps.db, connectionId, row.entityId);
  // An unlinked pair sends nothing, unless a bulk sync names it: then it syncs again, as a first sync with its twin.
  const relinking = twin?.unlinkedAt != null && row.reason === 'bulk';
  if (twin?.unlinkedAt && !relinking) return outcome('skipped', removeRow);
  if (!twin && !selectedByTrigger(deps, ctx, row)) {
    // Whether it matches a trigger query only the helpdesk can say: the trigger poll runs next and picks it up.
    return outcome('unselected', removeRow);
  }
  let entity: Entity;
  let built: BuiltReplica;
  let files: ReplicaPayload['files'] = [];
  let entityUrl: string;
  let read = false;
  try {
    entity = await ctx.helpdesk.getEntity(row.entityId);
    read = true;
    entityUrl = ctx.helpdesk.entityUrl(entity.id);
    built = await buildReplica(deps, ctx, entity, twin);
    if (built.hash === twin?.lastSentHash && !row.force && !relinking) {
      return outcome('unchanged', removeRow);
    }
    const attachmentMap = twin?.attachmentMap ?? {};
    const replicaAttachmentIds = new Set(
      (Array.isArray(built.replica.attachments) ? built.replica.attachments : []).map((a) =>
        String((a as { id?: unknown }).id ?? ''),
      ),
    );
    const toSend = built.annotated.attachments.filter(
      (a) => !(a.id in attachmentMap) && replicaAttachmentIds.has(a.id),
    );
    files = [];
    for (const attachment of toSend) {
      const content = await ctx.helpdesk.downloadAttachment(entity.id, attachment);
      files.push({
        id: attachment.id,
        filename: content.filename,
        mimetype: content.mimetype,
        data: Buffer.from(content.data).toString('base64'),
      });
    }
  } catch (error) {
    if (isDomainError(error) && error.code === 'helpdesk_not_found') {
      // Our ticket of a pair is gone (deleted, or in the trash): the pair stops and the other side is told.
      if (!read && twin && !twin.unlinkedAt) return outcome('skipped', localDeletedWrite(connectionId, twin, now()));
      return outcome('skipped', removeRow);
    }
    if (isTransient(error)) {
      onFailure(error);
      return outcome('retry');
    }
    deps.db.transaction((tx) => {
      recordEntityError(tx, {
        connectionId,
        direction: 'outgoing',
        entityId: row.entityId,
        entityKey: twin?.localKey ?? null,
        error: error as DomainError,
        at: now(),
      });
      dropChange(tx, row.id);
    });
    deps.logger.warn(
      { connectionId, entity: row.entityId, err: (error as Error).message },
      'outgoing sync blocked for an entity',
    );
    return outcome('failed');
  }
  const at = now();
  const payload: ReplicaPayload = {
    entityId: entity.id,
    entityUrl,
    entityKey: entity.key,
    remoteEntityId: twin?.remoteEntityId ?? null,
    replica: built.replica,
    hash: built.hash,
    files,
    relink: relinking,
  };
  return outcome('sent', (tx) => {
    // Re-read inside the transaction: an ack may have landed while the helpdesk was being read.
    twin = twinByLocal(tx, connectionId, row.entityId);
    const attachmentMap = { ...(twin?.attachmentMap ?? {}) };
    for (const f of files) attachmentMap[f.id] ??= AWAITING_ACK;
    queueMessage(tx, {
      connectionId,
      entityId: entity.id,
      idempotencyKey: `${connectionId}:${randomUUID()}`,
      kind: 'replica',
      payload,
      at,
    });
    if (twin) {
      recordSent(
        tx,
        {
          connectionId,
          localEntityId: entity.id,
          localKey: entity.key,
          lastSentHash: built.hash,
          lastSentReplica: built.replica,
          attachmentMap,
        },
        at,
      );
      if (relinking) updateTwin(tx, connectionId, entity.id, { unlinkedAt: null, unlinkedReason: null });
    } else {
      insertTwin(tx, {
        connectionId,
        localEntityId: entity.id,
        localKey: entity.key,
        remoteEntityId: null,
        lastSentHash: built.hash,
        lastSentReplica: built.replica,
        lastAppliedHash: null,
        lastAppliedReplica: null,
        commentMap: {},
        unlinkedAt: null,
        unlinkedReason: null,
        attachmentMap,
        updatedAt: at,
        createdAt: at,
      });
    }
    removeChange(tx, row);
    touchCounters(tx, connectionId, entity.key, at);
  });
}
