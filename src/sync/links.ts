import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../../db/client.ts';
import type { Entity } from '../domain/entity.ts';
import { DomainError, isDomainError } from '../domain/errors.ts';
import { audit } from '../store/audit.ts';
import type { ConnectionRow } from '../store/connections.ts';
import { LOCAL_ONLY } from './annotate.ts';
import { connectionContext, type ConnectionContext } from './context.ts';
import type { SyncDeps } from './deps.ts';
import { linkPayloadSchema, unlinkPayloadSchema, type LinkPayload, type UnlinkPayload } from './messages.ts';
import { buildReplica } from './outgoing.ts';
import { isTransient } from './retry.ts';
import { sharedByTriggers } from './trigger-match.ts';
import {
  deleteTwin,
  dropChangesOf,
  insertTwin,
  markApplied,
  markUnlinked,
  queueMessage,
  touchCounters,
  twinByLocal,
  twinByRemote,
  updateTwin,
  type InboxRow,
  type TwinRow,
} from './store.ts';

/**
 * Pairs linked by an admin (`entities connect`) and unlinked (`entities unlink`): each side records the twin link, or
 * marks it unlinked, and tells the other through a signed 'link' or 'unlink' message like any sync message. A link
 * creates nothing in either helpdesk.
 */

/** Why an entity cannot be linked to that twin on this side; null when it can. */
export function linkConflict(
  db: DbOrTx,
  connectionId: string,
  localEntityId: string,
  remoteEntityId: string,
  samePair: 'refuse' | 'relink' = 'refuse',
): string | null {
  const mine = twinByLocal(db, connectionId, localEntityId);
  if (mine && !mine.unlinkedAt && mine.remoteEntityId !== remoteEntityId)
    return `it is already linked to ${mine.remoteEntityId ?? 'a twin not acknowledged yet'}`;
  const theirs = twinByRemote(db, connectionId, remoteEntityId);
  if (theirs && !theirs.unlinkedAt && theirs.localEntityId !== localEntityId)
    return `its twin is already linked to ${theirs.localKey ?? theirs.localEntityId}`;
  if (mine && !mine.unlinkedAt && samePair === 'refuse') return 'the pair is already linked';
  return null;
}

/**
 * What the twin row starts from: what this side would send now (so only a later change is sent), nothing applied yet
 * (so the other side's next replica applies), and the comments already there kept to this side (both tickets
 * existed before the link: copying their histories across would double them). Ids a former link of the same pair
 * mapped stay mapped.
 */
async function baselineOf(
  deps: SyncDeps,
  ctx: ConnectionContext,
  entity: Entity,
  remoteEntityId: string,
  former: TwinRow | undefined,
) {
  // A former row that paired the entity with another twin maps ids of that twin's comments: none of them stay.
  const samePair = former?.remoteEntityId === remoteEntityId ? former : undefined;
  const commentMap: Record<string, string> = { ...(samePair?.commentMap ?? {}) };
  for (const c of entity.comments) commentMap[c.id] ??= LOCAL_ONLY;
  const attachmentMap = { ...(samePair?.attachmentMap ?? {}) };
  const seed = { commentMap, attachmentMap, lastSentReplica: null } as unknown as TwinRow;
  const built = await buildReplica(deps, ctx, entity, seed);
  return { commentMap, attachmentMap, lastSentHash: built.hash, lastSentReplica: built.replica };
}

/** Writes the twin row of a link (a new one, or the pair's former row linked again), removing unlinked rows in its way. */
function writeLink(
  tx: DbOrTx,
  connectionId: string,
  entity: Entity,
  remoteEntityId: string,
  baseline: Awaited<ReturnType<typeof baselineOf>>,
  at: Date,
): void {
  const theirs = twinByRemote(tx, connectionId, remoteEntityId);
  if (theirs && theirs.localEntityId !== entity.id) deleteTwin(tx, connectionId, theirs.localEntityId);
  const row = {
    localKey: entity.key,
    remoteEntityId,
    ...baseline,
    lastAppliedHash: null,
    lastAppliedReplica: null,
    unlinkedAt: null,
    unlinkedReason: null,
    updatedAt: at,
  };
  if (twinByLocal(tx, connectionId, entity.id)) updateTwin(tx, connectionId, entity.id, row);
  else insertTwin(tx, { connectionId, localEntityId: entity.id, ...row, createdAt: at });
}

/**
 * Links local entities (read by the caller) to their twins on the other side (ids the other node gave), all of the
 * pairs given or none: each twin row is written and a 'link' message queued for the other node in one transaction (a
 * caller linking many pairs calls it once per chunk: what earlier calls linked stays linked). Throws a DomainError
 * naming the first pair that cannot be linked (checked again here, inside the transaction); then nothing of the call
 * is written.
 */
export async function linkPairs(
  deps: SyncDeps,
  connection: ConnectionRow,
  pairs: ReadonlyArray<{ entity: Entity; remoteEntityId: string }>,
): Promise<void> {
  const ctx = connectionContext(deps, connection);
  const baselines: Array<Awaited<ReturnType<typeof baselineOf>>> = [];
  for (const pair of pairs)
    baselines.push(
      await baselineOf(
        deps,
        ctx,
        pair.entity,
        pair.remoteEntityId,
        twinByLocal(deps.db, connection.id, pair.entity.id),
      ),
    );
  const at = deps.clock();
  deps.db.transaction((tx) => {
    pairs.forEach(({ entity, remoteEntityId }, i) => {
      const conflict = linkConflict(tx, connection.id, entity.id, remoteEntityId);
      if (conflict) throw new DomainError('conflict', `${entity.key} cannot be linked: ${conflict}.`);
      writeLink(tx, connection.id, entity, remoteEntityId, baselines[i]!, at);
      const payload: LinkPayload = { entityId: entity.id, entityKey: entity.key, remoteEntityId };
      queueMessage(tx, {
        connectionId: connection.id,
        entityId: entity.id,
        idempotencyKey: `${connection.id}:link:${randomUUID()}`,
        kind: 'link',
        payload,
        at,
      });
    });
    touchCounters(tx, connection.id, pairs.at(-1)?.entity.key ?? null, at);
  });
}

/** Stops syncing a pair on this side and tells the other side: its queued change is dropped; nothing is deleted. */
export function unlinkPair(deps: SyncDeps, connectionId: string, twin: TwinRow, at: Date): void {
  deps.db.transaction((tx) => {
    markUnlinked(tx, connectionId, twin.localEntityId, at);
    dropChangesOf(tx, connectionId, twin.localEntityId);
    const payload: UnlinkPayload = {
      entityId: twin.localEntityId,
      remoteEntityId: twin.remoteEntityId,
      refused: false,
      message: '',
    };
    queueMessage(tx, {
      connectionId,
      entityId: twin.localEntityId,
      idempotencyKey: `${connectionId}:unlink:${randomUUID()}`,
      kind: 'unlink',
      payload,
      at,
    });
    touchCounters(tx, connectionId, null, at);
  });
}

export type LinkOutcome = 'applied' | 'retry';

/** Why a link the other node asked for is refused when no active trigger of this side selects our ticket. */
const NOT_SELECTED = "not selected by this side's triggers";

/**
 * The other node linked one of its entities to one of ours. Ours must exist in this side's helpdesk, be free on this
 * connection (the message names an entity of this connection only through our twin table and our helpdesk) and be
 * selected by one of this side's active triggers (a link must not share a ticket this side does not share already);
 * otherwise the link is refused with an 'unlink' back, so the other side stops too.
 */
export async function applyLinkMessage(deps: SyncDeps, ctx: ConnectionContext, row: InboxRow): Promise<LinkOutcome> {
  const connectionId = ctx.connection.id;
  const parsed = linkPayloadSchema.safeParse(row.payload);
  if (!parsed.success) {
    deps.logger.warn({ connectionId, inbox: row.id }, 'unreadable link message dropped');
    deps.db.transaction((tx) => markApplied(tx, [row.id], deps.clock()));
    return 'applied';
  }
  const link = parsed.data;
  let refusal: string | null = linkConflict(deps.db, connectionId, link.remoteEntityId, link.entityId, 'relink');
  let entity: Entity | null = null;
  if (refusal === null) {
    try {
      entity = await ctx.helpdesk.getEntity(link.remoteEntityId);
      // A link shares no more than this side's triggers already do: no local admin chose this ticket.
      if (!(await sharedByTriggers(deps.db, connectionId, ctx.helpdesk, entity))) {
        entity = null;
        refusal = NOT_SELECTED;
      }
    } catch (error) {
      if (isTransient(error)) return 'retry';
      entity = null;
      refusal = isDomainError(error) && error.code === 'helpdesk_not_found' ? 'there is no such ticket here' : null;
      if (refusal === null) refusal = `it could not be read: ${(error as Error).message}`;
    }
  }
  const baseline =
    entity === null
      ? null
      : await baselineOf(deps, ctx, entity, link.entityId, twinByLocal(deps.db, connectionId, entity.id));
  const at = deps.clock();
  deps.db.transaction((tx) => {
    const conflict = entity === null ? refusal : linkConflict(tx, connectionId, entity.id, link.entityId, 'relink');
    if (conflict === null && entity && baseline) {
      writeLink(tx, connectionId, entity, link.entityId, baseline, at);
      touchCounters(tx, connectionId, entity.key, at);
    } else {
      deps.logger.warn(
        { connectionId, remoteEntity: link.entityId, reason: conflict },
        'link from the other node refused',
      );
      const payload: UnlinkPayload = {
        entityId: link.remoteEntityId,
        remoteEntityId: link.entityId,
        refused: true,
        message: `The other side did not link ${link.remoteEntityId}: ${conflict}.`.slice(0, 500),
      };
      queueMessage(
        tx,
        {
          connectionId,
          entityId: link.remoteEntityId,
          idempotencyKey: `${connectionId}:refused:${row.idempotencyKey}`,
          kind: 'unlink',
          payload,
          at,
        },
        true,
      );
    }
    markApplied(tx, [row.id], at);
  });
  return 'applied';
}

/** The other side unlinked a pair (or refused our link): this side stops syncing it too. Unknown pairs are ignored. */
export function applyUnlinkMessage(deps: SyncDeps, ctx: ConnectionContext, row: InboxRow): void {
  const connectionId = ctx.connection.id;
  const parsed = unlinkPayloadSchema.safeParse(row.payload);
  const at = deps.clock();
  deps.db.transaction((tx) => {
    if (parsed.success) {
      const twin = twinByRemote(tx, connectionId, parsed.data.entityId);
      // Only the pair the message names: the twin of the sender's entity, and (when it says) ours.
      if (twin && (parsed.data.remoteEntityId === null || parsed.data.remoteEntityId === twin.localEntityId)) {
        markUnlinked(tx, connectionId, twin.localEntityId, at);
        dropChangesOf(tx, connectionId, twin.localEntityId);
        touchCounters(tx, connectionId, null, at);
        audit(tx, {
          at,
          actor: `node:${ctx.connection.remoteNodeUrl ?? 'private'}`,
          action: parsed.data.refused ? 'entities.link.refused' : 'entities.unlink',
          subjectType: 'connection',
          subjectId: connectionId,
          details: {
            entity: twin.localKey ?? twin.localEntityId,
            remoteEntityId: twin.remoteEntityId,
            ...(parsed.data.refused ? { reason: parsed.data.message } : {}),
          },
        });
      }
    } else deps.logger.warn({ connectionId, inbox: row.id }, 'unreadable unlink message dropped');
    markApplied(tx, [row.id], at);
  });
}
