import type { Entity } from '../domain/entity.ts';
import { withoutMarkers } from './context.ts';

/** A comment map value for a note the sync made for its own purposes (Xurrent's attachment note): never sent. */
export const LOCAL_ONLY = '-';
/** An attachment map value for a file sent whose remote id is not known yet (until the ack). */
export const AWAITING_ACK = '';

/**
 * The entity as the scripts see it: crash markers removed, comments and attachments that have a twin carry its id as
 * `remoteId`, so mergeComments recognises them on both sides and nothing is created twice.
 */
export function annotate(
  entity: Entity,
  commentMap: Record<string, string>,
  attachmentMap: Record<string, string>,
): Entity {
  const clean = withoutMarkers(entity);
  return {
    ...clean,
    comments: clean.comments
      .filter((c) => commentMap[c.id] !== LOCAL_ONLY)
      .map((c) => {
        const remote = commentMap[c.id];
        return remote ? { ...c, remoteId: remote } : c;
      }),
    attachments: clean.attachments.map((a) => {
      const remote = attachmentMap[a.id];
      return remote ? { ...a, remoteId: remote } : a;
    }),
  };
}

/** Attachment URLs expire and are no use to the other side: they stay out of the replica (and its hash). */
export function normalizeReplica(replica: Record<string, unknown>): Record<string, unknown> {
  const attachments = replica.attachments;
  if (!Array.isArray(attachments)) return replica;
  return {
    ...replica,
    attachments: attachments.map((a) => {
      if (a === null || typeof a !== 'object') return a;
      const { url: _url, ...rest } = a as Record<string, unknown>;
      return rest;
    }),
  };
}
