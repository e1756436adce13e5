import type { DbOrTx } from '../../db/client.ts';
import type { Entity, HubAttachment, HubComment } from '../domain/entity.ts';
import { DomainError } from '../domain/errors.ts';
import { annotate, LOCAL_ONLY } from './annotate.ts';
import { replicaHash } from './canonical.ts';
import type { ConnectionContext } from './context.ts';
import type { SyncDeps } from './deps.ts';
import { adoptMarkedTwin, creationMarker, findByMarker } from './creation-marker.ts';
import { createWrite, isEmptyWrite, updateWrite } from './entity-write.ts';
import { ackPayloadSchema, replicaPayloadSchema, type AckPayload, type ReplicaPayload } from './messages.ts';
import { buildReplica } from './outgoing.ts';
import { linkNoteBody } from './link-note.ts';
import { applyLinkMessage, applyUnlinkMessage } from './links.ts';
import { applyDeletedMessage, isDeletedEntity, localDeletedWrite } from './deleted-twin.ts';
import { isTransient } from './retry.ts';
import { requestIdOf } from './request-trace.ts';
import {
  insertTwin,
  markApplied,
  markApplying,
  queueMessage,
  recordEntityError,
  recordTwinIds,
  touchCounters,
  twinByLocal,
  twinNamedBySender,
  updateTwin,
  type InboxRow,
  type TwinRow,
} from './store.ts';

export type ApplyOutcome = 'applied' | 'blocked' | 'retry';

function invalidMessage(error: unknown): DomainError {
  return new DomainError(
    'invalid_input',
    `The other node sent a sync message this node cannot read (${error instanceof Error ? error.message : String(error)}); upgrade both nodes to the same version.`,
  );
}

/**
 * Applies the pending messages of one remote entity, in order. Consecutive replicas collapse into the newest (each is
 * the whole state). Stops at the first message that cannot be applied now.
 */
export async function applyEntityMessages(
  deps: SyncDeps,
  ctx: ConnectionContext,
  rows: InboxRow[],
  onFailure: (error: unknown) => void,
  onWritten: (localEntityId: string) => void = () => {},
): Promise<ApplyOutcome> {
  let i = 0;
  while (i < rows.length) {
    const row = rows[i]!;
    if (row.kind === 'ack') {
      applyAck(deps, ctx, row);
      i++;
      continue;
    }
    if (row.kind === 'link') {
      if ((await applyLinkMessage(deps, ctx, row)) === 'retry') return 'retry';
      i++;
      continue;
    }
    if (row.kind === 'unlink') {
      applyUnlinkMessage(deps, ctx, row);
      i++;
      continue;
    }
    if (row.kind === 'deleted') {
      const outcome = await applyDeletedMessage(deps, ctx, row, onFailure);
      if (outcome !== 'applied') return outcome;
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < rows.length && rows[j + 1]!.kind === 'replica') j++;
    const outcome = await applyReplica(
      deps,
      ctx,
      rows[j]!,
      rows.slice(i, j).map((r) => r.id),
      onFailure,
      onWritten,
    );
    if (outcome !== 'applied') return outcome;
    i = j + 1;
  }
  return 'applied';
}

function applyAck(deps: SyncDeps, ctx: ConnectionContext, row: InboxRow): void {
  const write = ackWrite(deps, ctx, row);
  deps.db.transaction((tx) => write(tx));
}

/** Recording an ack touches only the database: the engine commits the acks of a pass together. */
export function ackWrite(deps: SyncDeps, ctx: ConnectionContext, row: InboxRow): (tx: DbOrTx) => void {
  const parsed = ackPayloadSchema.safeParse(row.payload);
  const at = deps.clock();
  if (!parsed.success)
    deps.logger.warn(
      { connectionId: ctx.connection.id, requestId: requestIdOf(row.payload), inbox: row.id },
      'unreadable ack dropped',
    );
  return (tx) => {
    if (parsed.success && recordAck(tx, ctx.connection.id, parsed.data, at) === 'other pair')
      deps.logger.warn(
        { connectionId: ctx.connection.id, requestId: requestIdOf(row.payload), inbox: row.id },
        'ack naming a ticket of another pair dropped',
      );
    markApplied(tx, [row.id], at);
  };
}

/**
 * The other side created our entity's twin (or its comments): remember their ids, so nothing is created twice. Only
 * for the pair of the acker's entity: an ack naming our ticket of another of its entities changes nothing.
 */
function recordAck(tx: DbOrTx, connectionId: string, ack: AckPayload, at: Date): 'recorded' | 'unknown' | 'other pair' {
  const twin = twinByLocal(tx, connectionId, ack.remoteEntityId);
  if (!twin) return 'unknown';
  // Ours while it records no entity of theirs, or the acker's; and the acker's entity is paired with no other of ours.
  if (twinNamedBySender(tx, connectionId, ack.entityId, ack.remoteEntityId)?.localEntityId !== twin.localEntityId)
    return 'other pair';
  const commentMap = { ...twin.commentMap };
  for (const [theirs, ours] of ack.comments) commentMap[ours] = theirs;
  const attachmentMap = { ...twin.attachmentMap };
  for (const [theirs, ours] of ack.attachments) attachmentMap[ours] = theirs;
  recordTwinIds(
    tx,
    {
      connectionId,
      localEntityId: twin.localEntityId,
      remoteEntityId: twin.remoteEntityId ?? ack.entityId,
      commentMap,
      attachmentMap,
    },
    at,
  );
  return 'recorded';
}

function commentsToCreate(result: Entity, before: Set<string>): HubComment[] {
  return result.comments.filter((c) => c.id === '' || !before.has(c.id));
}

function attachmentsToCreate(result: Entity, before: Set<string>): HubAttachment[] {
  return result.attachments.filter((a) => a.id === '' || !before.has(a.id));
}

async function applyReplica(
  deps: SyncDeps,
  ctx: ConnectionContext,
  row: InboxRow,
  superseded: number[],
  onFailure: (error: unknown) => void,
  onWritten: (localEntityId: string) => void,
): Promise<ApplyOutcome> {
  const connectionId = ctx.connection.id;
  const parsed = replicaPayloadSchema.safeParse(row.payload);
  if (!parsed.success) {
    recordEntityError(deps.db, {
      connectionId,
      direction: 'incoming',
      entityId: row.remoteEntityId ?? '?',
      entityKey: row.entityKey,
      error: invalidMessage(parsed.error),
      at: deps.clock(),
    });
    return 'blocked';
  }
  const payload: ReplicaPayload = parsed.data;
  const remoteId = payload.entityId;
  const replaying = row.state === 'applying';
  let twin: TwinRow | undefined = twinNamedBySender(deps.db, connectionId, remoteId, payload.remoteEntityId);
  const hash = replicaHash(payload.replica);
  // An unlinked pair: replicas are not applied, unless the sender syncs it again on purpose (a bulk sync naming it).
  const relinking = twin?.unlinkedAt != null && payload.relink;
  if ((twin?.unlinkedAt && !relinking) || (twin && !relinking && twin.lastAppliedHash === hash)) {
    deps.db.transaction((tx) => markApplied(tx, [...superseded, row.id], deps.clock()));
    return 'applied';
  }
  const platform = ctx.instance.platform;
  const helpdesk = ctx.helpdesk;
  // Only a failed read of our ticket of the pair says it is gone: a 404 from a note, an upload or a lookup is an
  // ordinary error (the helpdesk's 404 may as well mean these credentials cannot see that record).
  let readingTwin = twin !== undefined;
  try {
    // Rows already applying keep the marker stored then (a random one from before keyed markers).
    const marker = row.applyMarker ?? creationMarker(deps.secrets, connectionId, remoteId);
    let local: Entity | null = null;
    if (twin) {
      local = await helpdesk.getEntity(twin.localEntityId);
      readingTwin = false;
    } else if (replaying && row.applyMarker) {
      const found = await findByMarker(ctx, row.applyMarker, row.applyStartedAt ?? deps.clock());
      if (found) local = await helpdesk.getEntity(found);
    }
    // No twin link, but the sender names our entity as its twin: ours if this node created it for that entity (the
    // link was lost, e.g. to a restore from an older backup). Then it is a first sync onto it, not a second ticket.
    const adoptedTwin =
      !twin && !local && payload.remoteEntityId ? await adoptMarkedTwin(ctx, payload.remoteEntityId, marker) : null;
    if (adoptedTwin) local = adoptedTwin;
    // Notes and files the earlier attempt (or the lost link's sync) made are recognised, not made again.
    const recovering = replaying || adoptedTwin !== null;
    const commentMap: Record<string, string> = { ...(twin?.commentMap ?? {}) };
    const attachmentMap: Record<string, string> = { ...(twin?.attachmentMap ?? {}) };
    const annotated = local ? annotate(local, commentMap, attachmentMap) : null;
    const result = await deps.rules.runIncoming({
      script: ctx.incoming,
      entity: annotated,
      replica: payload.replica,
      previous: twin?.lastAppliedReplica ?? null,
      firstSync: !twin || relinking,
      platform,
      ...ctx.ruleInputs,
      // The sender's web address of its entity (the script's issueUrl); null from a node that does not send one.
      twinUrl: payload.entityUrl ?? null,
    });
    // Did this side have changes of its own not sent yet? Then the echo below must not swallow them.
    const pendingLocalChange =
      local && twin ? (await buildReplica(deps, ctx, local, twin)).hash !== twin.lastSentHash : false;

    if (!replaying) {
      markApplying(deps.db, row.id, { applyMarker: marker, applyStartedAt: deps.clock(), remoteEntityId: remoteId });
    }

    let current: Entity;
    if (!local) {
      const reporter = payload.replica.reporter as { email?: unknown; displayName?: unknown } | null | undefined;
      const replicaReporter = {
        email: typeof reporter?.email === 'string' ? reporter.email : null,
        displayName: typeof reporter?.displayName === 'string' ? reporter.displayName : null,
      };
      current = await helpdesk.createEntity(
        createWrite(result, platform, ctx.connection.incomingProjectId, marker, replicaReporter),
      );
      current = { ...current, comments: [], attachments: current.attachments ?? [] };
    } else {
      const write = updateWrite(local, result, platform);
      // Write responses do not carry everything a read does (Freshworks omits the requester): keep what was not written.
      current = isEmptyWrite(write)
        ? local
        : {
            ...(await helpdesk.updateEntity(local.id, write)),
            reporter: local.reporter,
            ...(write.assignee ? {} : { assignee: local.assignee }),
          };
    }

    const beforeComments = new Set((annotated?.comments ?? []).map((c) => c.id));
    const localCommentIds = new Set(current.comments.map((c) => c.id));
    const createdComments: Array<[string, string]> = [];
    const newComments: HubComment[] = [];
    for (const comment of commentsToCreate(result, beforeComments)) {
      // On a replay, a note with the same text that no twin claims is the one the interrupted attempt made.
      const adopted = recovering
        ? current.comments.find(
            (c) => !(c.id in commentMap) && c.body === comment.body && !createdComments.some(([id]) => id === c.id),
          )
        : undefined;
      const made =
        adopted ?? (await helpdesk.addComment(current.id, { body: comment.body, internal: comment.internal }));
      if (!adopted) newComments.push(made);
      if (comment.remoteId) {
        commentMap[made.id] = comment.remoteId;
        createdComments.push([made.id, comment.remoteId]);
      }
    }

    // First sync: a private note on this side's twin links to the sender's ticket (a note of this side, never sent).
    if (!twin && ctx.connection.linkNote && payload.entityUrl) {
      const body = linkNoteBody(platform, {
        remoteName: ctx.connection.remoteShortName,
        entityKey: payload.entityKey ?? remoteId,
        url: payload.entityUrl,
      });
      const adopted = current.comments.find((c) => !(c.id in commentMap) && c.body === body);
      const made = adopted ?? (await helpdesk.addComment(current.id, { body, internal: true }));
      if (!adopted) newComments.push(made);
      commentMap[made.id] = LOCAL_ONLY;
    }

    const beforeAttachments = new Set((annotated?.attachments ?? []).map((a) => a.id));
    const createdAttachments: Array<[string, string]> = [];
    const newAttachments: HubAttachment[] = [];
    for (const attachment of attachmentsToCreate(result, beforeAttachments)) {
      const file = payload.files.find((f) => f.id === attachment.remoteId);
      if (!file || !attachment.remoteId) continue;
      const adopted = recovering
        ? current.attachments.find(
            (a) =>
              !(a.id in attachmentMap) &&
              a.filename === file.filename &&
              !createdAttachments.some(([id]) => id === a.id),
          )
        : undefined;
      const made =
        adopted ??
        (await helpdesk.uploadAttachment(current.id, {
          filename: file.filename,
          mimetype: file.mimetype,
          data: Buffer.from(file.data, 'base64'),
        }));
      if (!adopted) newAttachments.push(made);
      attachmentMap[made.id] = attachment.remoteId;
      createdAttachments.push([made.id, attachment.remoteId]);
    }

    let final: Entity;
    // A read-back where the write answers are not the whole entity: uploads (Xurrent records them as a note of its
    // own). A create's answer is completed by the connector from what was written, so it needs none.
    if (newAttachments.length > 0) {
      // Some helpdesks record an upload as a note of their own (Xurrent): read back, and keep such notes to this side.
      final = await helpdesk.getEntity(current.id);
      const known = new Set([...localCommentIds, ...newComments.map((c) => c.id)]);
      for (const c of final.comments) if (!known.has(c.id) && !(c.id in commentMap)) commentMap[c.id] = LOCAL_ONLY;
    } else {
      final = {
        ...current,
        comments: [...current.comments.filter((c) => !newComments.some((n) => n.id === c.id)), ...newComments],
        attachments: [
          ...current.attachments.filter((a) => !newAttachments.some((n) => n.id === a.id)),
          ...newAttachments,
        ],
      };
    }

    const at = deps.clock();
    const linked: TwinRow = {
      connectionId,
      localEntityId: final.id,
      localKey: final.key,
      remoteEntityId: remoteId,
      lastSentHash: twin?.lastSentHash ?? null,
      lastSentReplica: twin?.lastSentReplica ?? null,
      lastAppliedHash: hash,
      lastAppliedReplica: payload.replica,
      commentMap,
      attachmentMap,
      unlinkedAt: null,
      unlinkedReason: null,
      updatedAt: at,
      createdAt: twin?.createdAt ?? at,
    };
    // Echo suppression: what this side would send now is what it just received; the webhook of our own write
    // then builds the same replica and is dropped.
    if (!pendingLocalChange) {
      const echo = await buildReplica(deps, ctx, final, linked);
      linked.lastSentHash = echo.hash;
      linked.lastSentReplica = echo.replica;
    }
    const ack: AckPayload = {
      entityId: final.id,
      entityKey: final.key,
      remoteEntityId: remoteId,
      comments: createdComments,
      attachments: createdAttachments,
    };
    deps.db.transaction((tx) => {
      const existing = twinByLocal(tx, connectionId, final.id);
      if (existing) {
        const { connectionId: _c, localEntityId: _l, createdAt: _a, ...changes } = linked;
        // Keep ids an ack recorded meanwhile.
        changes.commentMap = { ...existing.commentMap, ...commentMap };
        changes.attachmentMap = { ...existing.attachmentMap, ...attachmentMap };
        updateTwin(tx, connectionId, final.id, changes);
      } else {
        insertTwin(tx, linked);
      }
      markApplied(tx, [...superseded, row.id], at);
      queueMessage(
        tx,
        {
          connectionId,
          entityId: remoteId,
          idempotencyKey: `${connectionId}:ack:${row.idempotencyKey}`,
          kind: 'ack',
          payload: ack,
          at,
        },
        true,
      );
      touchCounters(tx, connectionId, final.key, at);
    });
    twin = linked;
    if (!local || current !== local || newComments.length > 0 || newAttachments.length > 0) onWritten(final.id);
    deps.logger.info(
      {
        connectionId,
        requestId: requestIdOf(row.payload),
        remoteEntity: remoteId,
        remoteKey: payload.entityKey,
        localEntity: final.id,
        localKey: final.key,
        created: !local,
        adopted: adoptedTwin !== null,
        comments: newComments.length,
        attachments: newAttachments.length,
      },
      'sync change applied',
    );
    return 'applied';
  } catch (error) {
    // Our ticket of the pair is gone (deleted, or in the trash): the pair stops, the other side is told, no retry.
    if (readingTwin && twin && !twin.unlinkedAt && isDeletedEntity(error)) {
      const gone = twin;
      const at = deps.clock();
      deps.db.transaction((tx) => {
        localDeletedWrite(connectionId, gone, at)(tx);
        markApplied(tx, [...superseded, row.id], at);
      });
      deps.logger.warn({ connectionId, entity: gone.localEntityId }, 'the ticket of a pair was deleted here');
      return 'applied';
    }
    if (isTransient(error)) {
      onFailure(error);
      return 'retry';
    }
    const domainError =
      error instanceof DomainError
        ? error
        : new DomainError(
            'invalid_input',
            `Applying the change failed: ${error instanceof Error ? error.message : String(error)}`,
          );
    recordEntityError(deps.db, {
      connectionId,
      direction: 'incoming',
      entityId: remoteId,
      entityKey: payload.entityKey,
      error: domainError,
      at: deps.clock(),
    });
    deps.logger.warn(
      { connectionId, requestId: requestIdOf(row.payload), remoteEntity: remoteId, err: domainError.message },
      'incoming sync blocked for an entity',
    );
    return 'blocked';
  }
}
