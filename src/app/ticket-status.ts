import { z } from 'zod';
import { DomainError, isDomainError } from '../domain/errors.ts';
import type { Entity } from '../domain/entity.ts';
import { requireConnectionRow } from '../store/connections.ts';
import { helpdeskOfInstance } from '../store/helpdesks.ts';
import {
  lastSyncOfEntity,
  remoteNameOf,
  twinByLocalKey,
  unlinkedBy,
  type WaitingItem,
  triggerSelects,
  waitingForEntity,
} from '../sync/index.ts';
import type { AppDeps } from './deps.ts';
import { listSyncErrors, type SyncErrorView } from './sync-errors.ts';
import { listTriggers } from './triggers.ts';
import { validateInput } from './validate.ts';

/** A waiting item as the views show it: how long it has waited, and whether it waits on a backoff. */
export interface WaitingItemView extends WaitingItem {
  ageMs: number;
  waitingOnBackoff: boolean;
}

export function waitingItemView(item: WaitingItem, now: Date): WaitingItemView {
  return {
    ...item,
    ageMs: Math.max(0, now.getTime() - item.since.getTime()),
    waitingOnBackoff: item.notBefore !== null && item.notBefore.getTime() > now.getTime(),
  };
}

/** Whether one trigger selects the entity; null when the helpdesk could not say (then `problem` says why). */
export interface TriggerMatch {
  id: string;
  query: string;
  active: boolean;
  matches: boolean | null;
  problem: string | null;
}

/**
 * synced: a twin and nothing waits; unlinked: the pair was unlinked (it keeps its twin, and syncs no more); blocked: an open error stops it; waiting: an item waits on a backoff; queued: an
 * item is on its way; selected: no twin yet, an active trigger selects it; unselected: no twin and no active trigger
 * selects it.
 */
export type TicketState = 'synced' | 'unlinked' | 'blocked' | 'waiting' | 'queued' | 'selected' | 'unselected';

export interface TicketStatus {
  connectionId: string;
  connectionName: string;
  /** The key asked about, and the local entity it names (null fields when the helpdesk could not be read). */
  key: string;
  entityId: string;
  entity: { key: string; summary: string; url: string; updated: string } | null;
  underSync: boolean;
  /** When the pair was unlinked and by which side; null while it syncs (or never had a twin). */
  unlinked: { at: Date; by: 'this side' | 'the other side'; deleted: boolean } | null;
  twin: { remoteEntityId: string | null; remoteKey: string | null; remoteUrl: string | null } | null;
  lastSentAt: Date | null;
  lastReceivedAt: Date | null;
  waiting: WaitingItemView[];
  blockingErrors: SyncErrorView[];
  triggers: TriggerMatch[];
  state: TicketState;
  /** The answer to "why is it (not) on the other side?", in a sentence a person can act on. */
  reason: string;
}

const input = z.object({
  connection: z.string().min(1),
  key: z
    .string()
    .trim()
    .min(1, 'give the ticket key')
    .max(100, 'the ticket key must be at most 100 characters')
    .regex(/^#?[A-Za-z0-9_.-]+$/, 'a ticket key is its number or id, like #123 or 70001'),
});

function when(at: Date): string {
  return at.toISOString();
}

function explain(status: Omit<TicketStatus, 'state' | 'reason'>): { state: TicketState; reason: string } {
  if (status.unlinked?.deleted) {
    const twin = status.twin?.remoteKey ?? status.twin?.remoteEntityId ?? 'its twin';
    return {
      state: 'unlinked',
      reason:
        status.unlinked.by === 'this side'
          ? `Deleted on this side (noticed on ${when(status.unlinked.at)}): its pair with ${twin} no longer syncs, and the other side was told.`
          : `Twin deleted on the other side: ${twin} was deleted there (told on ${when(status.unlinked.at)}); this ticket no longer syncs.`,
    };
  }
  if (status.unlinked) {
    const twin = status.twin?.remoteKey ?? status.twin?.remoteEntityId ?? 'its twin';
    return {
      state: 'unlinked',
      reason:
        `Unlinked on ${when(status.unlinked.at)} by ${status.unlinked.by}: changes between it and ${twin} are not synced. ` +
        'Neither ticket was deleted; `deskbridge entities connect` or a bulk sync naming it links them again.',
    };
  }
  const [error] = status.blockingErrors;
  if (error) {
    const at = error.line === null ? '' : ` at line ${error.line}:${error.column ?? 0}`;
    return {
      state: 'blocked',
      reason:
        `Blocked by sync error ${error.id} (${error.direction}, ${error.type}${at}): ${error.message} ` +
        `Fix the cause, then retry it (\`deskbridge errors retry ${error.id}\`) or resolve it.`,
    };
  }
  const backoff = status.waiting.find((w) => w.waitingOnBackoff);
  if (backoff) {
    const why = backoff.lastError ? `: ${backoff.lastError.replace(/\.$/, '')}` : '';
    return {
      state: 'waiting',
      reason:
        `Waiting in the ${backoff.stage} after ${backoff.attempts} failed attempt${backoff.attempts === 1 ? '' : 's'}` +
        `${why}. Next try not before ${when(backoff.notBefore!)}.`,
    };
  }
  if (status.waiting.length > 0) {
    const oldest = status.waiting[0]!;
    return {
      state: 'queued',
      reason: `On its way: ${status.waiting.length} item(s) queued (the oldest in the ${oldest.stage} since ${when(oldest.since)}).`,
    };
  }
  if (status.underSync) {
    const last = [status.lastSentAt, status.lastReceivedAt]
      .filter((d): d is Date => d !== null)
      .sort((x, y) => y.getTime() - x.getTime())[0];
    const twin = status.twin?.remoteKey ?? status.twin?.remoteEntityId;
    return {
      state: 'synced',
      reason: twin
        ? `In sync with ${twin}${last ? `; last synced at ${when(last)}` : ''}.`
        : `Sent; waiting for the other side to acknowledge it (nothing queued here).`,
    };
  }
  const active = status.triggers.filter((t) => t.active);
  const selecting = active.find((t) => t.matches === true);
  if (selecting)
    return {
      state: 'selected',
      reason: `Not under sync yet: trigger ${selecting.id} selects it, so it syncs at the next trigger poll.`,
    };
  const wouldSelect = status.triggers.find((t) => !t.active && t.matches === true);
  const unknown = status.triggers.find((t) => t.matches === null);
  const parts: string[] = [];
  if (status.triggers.length === 0) parts.push('the connection has no trigger');
  for (const t of active.filter((t) => t.matches === false))
    parts.push(`the active trigger ${t.id} (query "${t.query}") does not match it`);
  if (active.length === 0 && status.triggers.length > 0) parts.push('no trigger is active');
  if (wouldSelect)
    parts.push(
      `the inactive trigger ${wouldSelect.id} would select it (\`deskbridge triggers activate ${wouldSelect.id}\`)`,
    );
  if (unknown) parts.push(`trigger ${unknown.id} could not be checked: ${unknown.problem}`);
  return {
    state: 'unselected',
    reason: `Not under sync: ${parts.join('; ')}. A bulk sync (\`deskbridge sync bulk\`) sends it regardless.`,
  };
}

/**
 * One ticket on one connection: under sync or not, its twin, its last sync each way, what waits for it, what blocks
 * it, and which triggers select it — the answer to "why is FD-123 not on the other side?". Reads only.
 */
export async function ticketStatus(deps: AppDeps, request: z.input<typeof input>): Promise<TicketStatus> {
  const data = validateInput(input, request);
  const row = requireConnectionRow(deps.db, data.connection);
  const now = deps.clock();
  const bare = data.key.replace(/^#/, '');
  const twin = twinByLocalKey(deps.db, row.id, data.key) ?? twinByLocalKey(deps.db, row.id, `#${bare}`);
  const entityId = twin?.localEntityId ?? bare;
  const helpdesk = helpdeskOfInstance(deps, row.instanceId);
  let entity: Entity | null = null;
  let readProblem: string | null = null;
  try {
    entity = await helpdesk.getEntity(entityId);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    if (!twin)
      throw new DomainError(
        error.code === 'helpdesk_not_found' ? 'not_found' : error.code,
        error.code === 'helpdesk_not_found'
          ? `There is no ticket "${data.key}" in the helpdesk of connection "${row.name}", and none is under sync.`
          : `Could not read ticket "${data.key}" from the helpdesk: ${error.message}`,
      );
    readProblem = error.message;
  }
  const remoteEntityId = twin?.remoteEntityId ?? null;
  const remote = remoteEntityId === null ? null : remoteNameOf(deps.db, row.id, remoteEntityId);
  const waiting = waitingForEntity(deps.db, row.id, entityId, remoteEntityId)
    .map((item) => waitingItemView(item, now))
    .sort((x, y) => x.since.getTime() - y.since.getTime());
  const blockingErrors = listSyncErrors(deps, { connection: row.id }).filter(
    (e) =>
      e.impact === 'entity' &&
      ((e.direction === 'outgoing' && e.entityId === entityId) ||
        (e.direction === 'incoming' && remoteEntityId !== null && e.entityId === remoteEntityId)),
  );
  const triggers: TriggerMatch[] = [];
  for (const t of listTriggers(deps, { connection: row.id })) {
    if (!entity) {
      triggers.push({ id: t.id, query: t.query, active: t.active, matches: null, problem: readProblem });
      continue;
    }
    try {
      triggers.push({
        id: t.id,
        query: t.query,
        active: t.active,
        matches: await triggerSelects(helpdesk, t.query, entity),
        problem: null,
      });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      triggers.push({ id: t.id, query: t.query, active: t.active, matches: null, problem: error.message });
    }
  }
  const last = lastSyncOfEntity(deps.db, row.id, entityId, remoteEntityId);
  const status: Omit<TicketStatus, 'state' | 'reason'> = {
    connectionId: row.id,
    connectionName: row.name,
    key: data.key,
    entityId,
    entity: entity
      ? { key: entity.key, summary: entity.summary, url: helpdesk.entityUrl(entity.id), updated: entity.updated }
      : null,
    underSync: twin !== undefined && twin.unlinkedAt === null,
    unlinked: twin?.unlinkedAt
      ? {
          at: twin.unlinkedAt,
          // A deleted ticket's side is in the reason; an admin's unlink is found from the messages.
          by:
            twin.unlinkedReason === 'deleted_local'
              ? 'this side'
              : twin.unlinkedReason === 'deleted_remote'
                ? 'the other side'
                : unlinkedBy(deps.db, row.id, twin.localEntityId, remoteEntityId),
          deleted: twin.unlinkedReason === 'deleted_local' || twin.unlinkedReason === 'deleted_remote',
        }
      : null,
    twin: twin ? { remoteEntityId, remoteKey: remote?.key ?? null, remoteUrl: remote?.url ?? null } : null,
    lastSentAt: last.sentAt,
    lastReceivedAt: last.receivedAt,
    waiting,
    blockingErrors,
    triggers,
  };
  return { ...status, ...explain(status) };
}
