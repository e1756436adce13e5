import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { connections, instances, statusEvents } from '../../db/schema/index.ts';
import {
  assertConnectionInformation,
  assertTransition,
  modes,
  type Connection,
  type StatusEvent,
} from '../domain/connection.ts';
import { DomainError } from '../domain/errors.ts';
import type { Actor, AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { recordStatusChange, requireConnectionRow, toConnection } from '../store/connections.ts';
import { requireInstanceRow } from '../store/instances.ts';
import { validateInput } from './validate.ts';

export interface ConnectionRef {
  connection: string;
  /** Narrows a name lookup to one instance (slug or id). */
  instance?: string;
  actor: Actor;
}

function resolve(deps: AppDeps, ref: ConnectionRef) {
  const instanceId = ref.instance ? requireInstanceRow(deps.db, ref.instance).id : undefined;
  return requireConnectionRow(deps.db, ref.connection, instanceId);
}

/** Pauses a connection; changes keep queuing and are applied on reactivation. */
export function deactivateConnection(deps: AppDeps, ref: ConnectionRef & { reason?: string }): Connection {
  return changeStatus(deps, ref, 'deactivated', ref.reason ?? 'Deactivated by an admin.', 'connection.deactivate');
}

export function activateConnection(deps: AppDeps, ref: ConnectionRef): Connection {
  return changeStatus(deps, ref, 'active', 'Activated by an admin.', 'connection.activate');
}

function changeStatus(
  deps: AppDeps,
  ref: ConnectionRef,
  to: 'active' | 'deactivated',
  reason: string,
  action: string,
): Connection {
  const row = resolve(deps, ref);
  assertTransition(row.name, row.status, to);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    recordStatusChange(tx, row, to, reason, now);
    audit(tx, {
      at: now,
      actor: ref.actor,
      action,
      subjectType: 'connection',
      subjectId: row.id,
      details: { from: row.status },
    });
  });
  return toConnection({ ...row, status: to });
}

/** Deletes a connection with its invitation and history; the audit log keeps the record of it. */
export function deleteConnection(deps: AppDeps, ref: ConnectionRef): Connection {
  const row = resolve(deps, ref);
  deps.db.transaction((tx) => {
    tx.delete(connections).where(eq(connections.id, row.id)).run();
    audit(tx, {
      at: deps.clock(),
      actor: ref.actor,
      action: 'connection.delete',
      subjectType: 'connection',
      subjectId: row.id,
      details: { name: row.name, status: row.status, remote: row.remoteUrl },
    });
  });
  return toConnection(row);
}

const updateInput = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  mode: z.enum(modes).optional(),
});

/** Renames or re-describes a connection. The mode is fixed at creation: changing it needs a new connection. */
export function updateConnection(deps: AppDeps, ref: ConnectionRef & z.input<typeof updateInput>): Connection {
  const data = validateInput(updateInput, { name: ref.name, description: ref.description, mode: ref.mode });
  const row = resolve(deps, ref);
  if (data.mode !== undefined && data.mode !== row.mode) {
    throw new DomainError(
      'conflict',
      `The mode of a connection cannot be changed: "${row.name}" stays ${row.mode === 'script' ? 'Script' : 'Basic'}. To use ${data.mode === 'script' ? 'Script' : 'Basic'} mode, initiate a new connection.`,
    );
  }
  const info = assertConnectionInformation({
    localShortName: row.localShortName,
    remoteShortName: row.remoteShortName,
    name: data.name ?? row.name,
    description: data.description ?? row.description,
  });
  deps.db.transaction((tx) => {
    tx.update(connections)
      .set({ name: info.name, description: info.description })
      .where(eq(connections.id, row.id))
      .run();
    audit(tx, {
      at: deps.clock(),
      actor: ref.actor,
      action: 'connection.update',
      subjectType: 'connection',
      subjectId: row.id,
      details: { name: info.name },
    });
  });
  return toConnection({ ...row, name: info.name, description: info.description });
}

export interface ConnectionListItem extends Connection {
  instanceSlug: string;
}

export function listConnections(deps: AppDeps, input: { instance?: string } = {}): ConnectionListItem[] {
  const instanceId = input.instance ? requireInstanceRow(deps.db, input.instance).id : undefined;
  const rows = deps.db
    .select({ connection: connections, slug: instances.slug })
    .from(connections)
    .innerJoin(instances, eq(connections.instanceId, instances.id))
    .where(instanceId ? eq(connections.instanceId, instanceId) : undefined)
    .orderBy(asc(connections.createdAt), asc(connections.name))
    .all();
  return rows.map(({ connection, slug }) => ({ ...toConnection(connection), instanceSlug: slug }));
}

export function getConnection(deps: AppDeps, ref: Omit<ConnectionRef, 'actor'>): Connection {
  return toConnection(resolve(deps, { ...ref, actor: 'read' }));
}

export function listStatusEvents(deps: AppDeps, connectionId: string): StatusEvent[] {
  return deps.db
    .select()
    .from(statusEvents)
    .where(eq(statusEvents.connectionId, connectionId))
    .orderBy(asc(statusEvents.id))
    .all()
    .map((e) => ({ connectionId: e.connectionId, from: e.fromStatus, to: e.toStatus, reason: e.reason, at: e.at }));
}

/**
 * Whether a first sync leaves a private note on the new twin linking to the other side's ticket (on by default).
 * Takes effect for tickets synced for the first time from now on; notes already made stay.
 */
export function setLinkNote(
  deps: AppDeps,
  ref: ConnectionRef & { linkNote: boolean },
): { name: string; linkNote: boolean } {
  const row = resolve(deps, ref);
  deps.db.transaction((tx) => {
    tx.update(connections).set({ linkNote: ref.linkNote }).where(eq(connections.id, row.id)).run();
    audit(tx, {
      at: deps.clock(),
      actor: ref.actor,
      action: 'connection.link-note',
      subjectType: 'connection',
      subjectId: row.id,
      details: { from: row.linkNote, to: ref.linkNote },
    });
  });
  return { name: row.name, linkNote: ref.linkNote };
}

/** What this side does to its ticket when the other side's twin is deleted (the connection's `on_twin_deleted`). */
export const twinDeletedActions = ['ignore', 'close', 'note'] as const;
export type TwinDeletedAction = (typeof twinDeletedActions)[number];

/**
 * Sets what this side does when the other side deletes a synced ticket: `ignore` (stop syncing the pair, the default),
 * `close` (close this side's ticket) or `note` (a private note on it). Takes effect for deletions from now on.
 */
export function setOnTwinDeleted(
  deps: AppDeps,
  ref: ConnectionRef & { onTwinDeleted: string },
): { name: string; onTwinDeleted: TwinDeletedAction } {
  const wanted = ref.onTwinDeleted;
  if (!(twinDeletedActions as readonly string[]).includes(wanted))
    throw new DomainError(
      'invalid_input',
      `On a deleted twin this side can ${twinDeletedActions.join(', ')}; not "${wanted}".`,
    );
  const onTwinDeleted = wanted as TwinDeletedAction;
  const row = resolve(deps, ref);
  deps.db.transaction((tx) => {
    tx.update(connections).set({ onTwinDeleted }).where(eq(connections.id, row.id)).run();
    audit(tx, {
      at: deps.clock(),
      actor: ref.actor,
      action: 'connection.on-twin-deleted',
      subjectType: 'connection',
      subjectId: row.id,
      details: { from: row.onTwinDeleted, to: onTwinDeleted },
    });
  });
  return { name: row.name, onTwinDeleted };
}
