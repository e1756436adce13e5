import type { DbOrTx } from '../../db/client.ts';
import type { Entity } from '../domain/entity.ts';
import type { Helpdesk } from '../domain/helpdesk.ts';
import { activeTriggersOf, cursorFrom } from './store.ts';

/** How many pages of a trigger query are read looking for the entity (each up to the helpdesk's page cap). */
const MAX_MATCH_PAGES = 5;

/**
 * Whether a trigger's query selects the entity, asked the way the engine's trigger poll asks: the helpdesk runs the
 * query for changes since just before the entity's last update, and the entity is among them or not. An empty query
 * selects every entity.
 */
export async function triggerSelects(helpdesk: Helpdesk, query: string, entity: Entity): Promise<boolean> {
  if (query.trim() === '') return true;
  let cursor = cursorFrom(new Date(entity.updated));
  for (let page = 0; page < MAX_MATCH_PAGES; page++) {
    const batch = await helpdesk.listChanged(cursor, { query });
    if (batch.changes.some((c) => c.id === entity.id)) return true;
    if (!batch.truncated) return false;
    cursor = batch.cursor;
  }
  return false;
}

/**
 * Whether one of the connection's active triggers selects the entity: what this side already shares. A link the other
 * node asks for is accepted (and its lookup answered) only for such an entity, so a link never shares more.
 */
export async function sharedByTriggers(
  db: DbOrTx,
  connectionId: string,
  helpdesk: Helpdesk,
  entity: Entity,
): Promise<boolean> {
  const active = activeTriggersOf(db, connectionId);
  if (active.some((t) => t.query.trim() === '')) return true;
  for (const trigger of active) if (await triggerSelects(helpdesk, trigger.query, entity)) return true;
  return false;
}
