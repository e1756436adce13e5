import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { instances, triggers } from '../../db/schema/index.ts';
import { DomainError, isDomainError } from '../domain/errors.ts';
import type { Platform } from '../domain/instance.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { requireConnectionRow, type ConnectionRow } from '../store/connections.ts';
import { helpdeskOfInstance } from '../store/helpdesks.ts';
import { validateInput } from './validate.ts';
import { cursorFrom } from '../sync/index.ts';

export type TriggerRow = typeof triggers.$inferSelect;

export interface TriggerView {
  id: string;
  connectionId: string;
  entityType: string;
  query: string;
  active: boolean;
  notes: string;
  createdBy: string;
  updatedAt: Date;
}

/** The one entity type each platform syncs: Freshdesk/Freshservice tickets, Xurrent requests. */
export const entityTypes: Record<Platform, string> = {
  freshdesk: 'ticket',
  freshservice: 'ticket',
  xurrent: 'request',
};

function view(row: TriggerRow): TriggerView {
  return {
    id: row.id,
    connectionId: row.connectionId,
    entityType: row.entityType,
    query: row.query,
    active: row.active,
    notes: row.notes,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
  };
}

function platformOf(deps: AppDeps, row: ConnectionRow): Platform {
  return deps.db.select({ platform: instances.platform }).from(instances).where(eq(instances.id, row.instanceId)).get()!
    .platform;
}

/** The helpdesk runs the query once: a query it refuses is refused here, with its words. */
async function checkQuery(deps: AppDeps, row: ConnectionRow, query: string): Promise<void> {
  if (query.trim() === '') return;
  const helpdesk = helpdeskOfInstance(deps, row.instanceId);
  try {
    await helpdesk.listChanged(new Date(deps.clock().getTime() - 60_000).toISOString(), { query });
  } catch (error) {
    if (isDomainError(error) && (error.code === 'helpdesk_validation' || error.code === 'invalid_input')) {
      throw new DomainError('invalid_input', `The helpdesk refused the trigger query "${query}": ${error.message}`, {
        field: 'query',
      });
    }
    throw error;
  }
}

function requireTrigger(deps: AppDeps, id: string): TriggerRow {
  const row = deps.db.select().from(triggers).where(eq(triggers.id, id)).get();
  if (!row)
    throw new DomainError(
      'not_found',
      `There is no trigger "${id}"; list them with \`deskbridge triggers list <connection>\`.`,
    );
  return row;
}

const addInput = z.object({
  connection: z.string().min(1),
  entityType: z.string().optional(),
  query: z.string().max(1000, 'the query must be at most 1000 characters'),
  active: z.boolean().default(true),
  notes: z.string().max(1000, 'the notes must be at most 1000 characters').default(''),
  actor: z.string().min(1),
});

/** Adds a trigger (one per entity type, as in Exalate); the query is checked against the helpdesk first. */
export async function addTrigger(deps: AppDeps, input: z.input<typeof addInput>): Promise<TriggerView> {
  const data = validateInput(addInput, input);
  const row = requireConnectionRow(deps.db, data.connection);
  const type = entityTypes[platformOf(deps, row)];
  if (data.entityType !== undefined && data.entityType !== type) {
    throw new DomainError(
      'invalid_input',
      `This instance syncs entities of type "${type}", not "${data.entityType}".`,
      { field: 'entityType' },
    );
  }
  const existing = deps.db
    .select({ id: triggers.id })
    .from(triggers)
    .where(and(eq(triggers.connectionId, row.id), eq(triggers.entityType, type)))
    .get();
  if (existing)
    throw new DomainError(
      'conflict',
      `Connection "${row.name}" already has a trigger for ${type}s (${existing.id}); edit it instead.`,
    );
  const query = data.query.trim();
  await checkQuery(deps, row, query);
  const now = deps.clock();
  const trigger: TriggerRow = {
    id: randomUUID(),
    connectionId: row.id,
    entityType: type,
    query,
    active: data.active,
    notes: data.notes,
    // Start from now: older entities are brought in by a bulk sync, as in Exalate.
    pollCursor: cursorFrom(now),
    createdBy: data.actor,
    updatedAt: now,
    createdAt: now,
  };
  deps.db.transaction((tx) => {
    tx.insert(triggers).values(trigger).run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'trigger.add',
      subjectType: 'connection',
      subjectId: row.id,
      details: { trigger: trigger.id, query },
    });
  });
  return view(trigger);
}

export function listTriggers(deps: AppDeps, input: { connection: string }): TriggerView[] {
  const row = requireConnectionRow(deps.db, input.connection);
  return deps.db
    .select()
    .from(triggers)
    .where(eq(triggers.connectionId, row.id))
    .orderBy(asc(triggers.createdAt))
    .all()
    .map(view);
}

const editInput = z.object({
  trigger: z.string().min(1),
  query: z.string().max(1000, 'the query must be at most 1000 characters').optional(),
  notes: z.string().max(1000, 'the notes must be at most 1000 characters').optional(),
  actor: z.string().min(1),
});

export async function editTrigger(deps: AppDeps, input: z.input<typeof editInput>): Promise<TriggerView> {
  const data = validateInput(editInput, input);
  const trigger = requireTrigger(deps, data.trigger);
  const row = requireConnectionRow(deps.db, trigger.connectionId);
  const query = data.query === undefined ? trigger.query : data.query.trim();
  if (query !== trigger.query) await checkQuery(deps, row, query);
  const now = deps.clock();
  const changes = { query, notes: data.notes ?? trigger.notes, updatedAt: now };
  deps.db.transaction((tx) => {
    tx.update(triggers).set(changes).where(eq(triggers.id, trigger.id)).run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'trigger.edit',
      subjectType: 'connection',
      subjectId: row.id,
      details: { trigger: trigger.id, query },
    });
  });
  return view({ ...trigger, ...changes });
}

export function setTriggerActive(
  deps: AppDeps,
  input: { trigger: string; active: boolean; actor: string },
): TriggerView {
  const trigger = requireTrigger(deps, input.trigger);
  if (trigger.active === input.active) {
    throw new DomainError('conflict', `Trigger ${trigger.id} is already ${input.active ? 'active' : 'inactive'}.`);
  }
  const now = deps.clock();
  // Reactivated triggers start from now: what changed while inactive was ignored, as a disabled trigger means.
  const changes = { active: input.active, updatedAt: now, ...(input.active ? { pollCursor: cursorFrom(now) } : {}) };
  deps.db.transaction((tx) => {
    tx.update(triggers).set(changes).where(eq(triggers.id, trigger.id)).run();
    audit(tx, {
      at: now,
      actor: input.actor,
      action: input.active ? 'trigger.activate' : 'trigger.deactivate',
      subjectType: 'connection',
      subjectId: trigger.connectionId,
      details: { trigger: trigger.id },
    });
  });
  return view({ ...trigger, ...changes });
}

export function deleteTrigger(deps: AppDeps, input: { trigger: string; actor: string }): TriggerView {
  const trigger = requireTrigger(deps, input.trigger);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.delete(triggers).where(eq(triggers.id, trigger.id)).run();
    audit(tx, {
      at: now,
      actor: input.actor,
      action: 'trigger.delete',
      subjectType: 'connection',
      subjectId: trigger.connectionId,
      details: { trigger: trigger.id },
    });
  });
  return view(trigger);
}
