import { createHmac } from 'node:crypto';
import { type Entity, MARKER_FIELD, MARKER_PREFIX } from '../domain/entity.ts';
import type { SecretBox } from '../secrets.ts';
import type { ConnectionContext } from './context.ts';
import { isTransient } from './retry.ts';

/** The purpose of the key the creation markers are derived under (src/secrets.ts `derive`). */
export const CREATION_MARKER_PURPOSE = 'deskbridge/creation-markers/v1';

/** As long as the random markers before it (13 lowercase hex digits after the prefix: 52 bits of the MAC). */
const MARKER_DIGITS = 13;

/**
 * The marker written into the entity this node creates for the sender's entity `remoteEntityId` on a connection: an
 * HMAC of the pair under a key only this node has. A restored node that lost the twin link recognises its own
 * creation by it (adoptMarkedTwin); a partner cannot compute it, so it cannot make this node adopt another ticket.
 */
export function creationMarker(secrets: SecretBox, connectionId: string, remoteEntityId: string): string {
  // Length-prefixed, so no two pairs give the same input.
  const input = `${connectionId.length}:${connectionId}:${remoteEntityId}`;
  const mac = createHmac('sha256', secrets.derive(CREATION_MARKER_PURPOSE)).update(input, 'utf8').digest('hex');
  return `${MARKER_PREFIX}${mac.slice(0, MARKER_DIGITS)}`;
}

/** Whether the entity carries the marker: a tag on Freshdesk and Freshservice, the marker field on Xurrent. */
function carriesMarker(ctx: ConnectionContext, entity: Entity, marker: string): boolean {
  if (ctx.instance.platform === 'xurrent') return entity.customFields[MARKER_FIELD] === marker;
  return entity.labels.includes(marker);
}

/** After a crash between "the helpdesk created it" and "we recorded it": the entity carrying our marker, if any. */
export async function findByMarker(ctx: ConnectionContext, marker: string, since: Date): Promise<string | null> {
  const from = new Date(since.getTime() - 120_000).toISOString();
  if (ctx.instance.platform === 'xurrent') {
    const batch = await ctx.helpdesk.listChanged(from);
    for (const change of [...batch.changes].reverse().slice(0, 50)) {
      const entity = await ctx.helpdesk.getEntity(change.id);
      if (carriesMarker(ctx, entity, marker)) return entity.id;
    }
    return null;
  }
  const batch = await ctx.helpdesk.listChanged(from, { query: `tag:'${marker}'` });
  return batch.changes[0]?.id ?? null;
}

/**
 * The sender names our entity `id` as its twin, and no twin link says so (this node was restored from a backup older
 * than the pair): it is the twin only if it carries the marker this node wrote when it created it for that sender's
 * entity. Anything else (another ticket, a deleted one, an id that is none) is not adopted, and the caller creates as
 * on any first sync. A helpdesk that does not answer now is retried later.
 */
export async function adoptMarkedTwin(ctx: ConnectionContext, id: string, marker: string): Promise<Entity | null> {
  try {
    const entity = await ctx.helpdesk.getEntity(id);
    return carriesMarker(ctx, entity, marker) ? entity : null;
  } catch (error) {
    if (isTransient(error)) throw error;
    return null;
  }
}
