import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { connections, notificationOutbox, pollerCursors, statusEvents } from '../../db/schema/index.ts';
import type { StatusEvent } from '../domain/connection.ts';
import type { ChatPlatform } from '../domain/chat-actor.ts';
import type { AppDeps } from './deps.ts';
import type { DbOrTx } from '../../db/client.ts';
import type { ConnectionRow } from '../store/connections.ts';
import { subscribersOf } from './subscriptions.ts';

/**
 * The durable notification outbox. Status events are the source of truth: a cursor over status_events (advanced in
 * the same transaction as the rows it creates) turns each event into one row per subscribed channel, so an event is
 * neither lost nor queued twice, whatever changed the status (the poller, the sync engine, the handshake, an admin).
 */

const NOTIFICATIONS_CURSOR = 'notifications';
const FAN_OUT_BATCH = 500;

/** A status event as its notice reports it. */
export type StatusEventNotice = StatusEvent & { id: number };

/**
 * Makes the notice of a status event. What it makes (a neutral view, made by src/flows) is stored as JSON and handed
 * to the chat adapters as it is: the use-cases do not look into it.
 */
export type ComposeStatusNotice = (event: StatusEventNotice, connection: ConnectionRow) => unknown;

export interface QueuedNotice {
  id: number;
  kind: 'status' | 'digest';
  platform: ChatPlatform;
  tenantId: string;
  channelId: string;
  /** As it was composed (see ComposeStatusNotice). */
  message: unknown;
  attempts: number;
}

function cursorOf(db: DbOrTx, name: string): number {
  return (
    db.select({ position: pollerCursors.position }).from(pollerCursors).where(eq(pollerCursors.name, name)).get()
      ?.position ?? 0
  );
}

function setCursor(db: DbOrTx, name: string, position: number): void {
  db.insert(pollerCursors)
    .values({ name, position })
    .onConflictDoUpdate({ target: pollerCursors.name, set: { position } })
    .run();
}

/** Queues every status event after the cursor for every channel subscribed to it; returns how many rows were queued. */
export function fanOutStatusEvents(deps: AppDeps, compose: ComposeStatusNotice): number {
  let queued = 0;
  for (;;) {
    const now = deps.clock();
    const batch = deps.db.transaction((tx) => {
      const after = cursorOf(tx, NOTIFICATIONS_CURSOR);
      const events = tx
        .select({ event: statusEvents, connection: connections })
        .from(statusEvents)
        .innerJoin(connections, eq(connections.id, statusEvents.connectionId))
        .where(gt(statusEvents.id, after))
        .orderBy(asc(statusEvents.id))
        .limit(FAN_OUT_BATCH)
        .all();
      for (const { event, connection } of events) {
        // A channel hears about changes from when it subscribed on, not the history before it.
        const subscribers = subscribersOf(deps, connection).filter((s) => event.at >= s.createdAt);
        if (subscribers.length === 0) continue;
        const message = compose(
          {
            id: event.id,
            connectionId: event.connectionId,
            from: event.fromStatus,
            to: event.toStatus,
            reason: event.reason,
            at: event.at,
          },
          connection,
        );
        // A channel subscribed both to the connection and to `all` hears it once.
        const channels = new Map(subscribers.map((s) => [`${s.platform}:${s.channelId}`, s]));
        for (const s of channels.values()) {
          const result = tx
            .insert(notificationOutbox)
            .values({
              dedupeKey: `status:${event.id}:${s.platform}:${s.channelId}`,
              kind: 'status',
              statusEventId: event.id,
              platform: s.platform,
              tenantId: s.tenantId,
              channelId: s.channelId,
              message,
              nextAttemptAt: now,
              createdAt: now,
            })
            .onConflictDoNothing()
            .run();
          queued += result.changes;
        }
      }
      const last = events.at(-1);
      if (last) setCursor(tx, NOTIFICATIONS_CURSOR, last.event.id);
      return events.length;
    });
    if (batch < FAN_OUT_BATCH) return queued;
  }
}

/** Queues a notice that is not a status event (the digest); the key makes a second attempt the same day a no-op. */
export function queueNotice(
  db: DbOrTx,
  input: {
    dedupeKey: string;
    kind: 'digest';
    platform: ChatPlatform;
    tenantId: string;
    channelId: string;
    message: unknown;
    at: Date;
  },
): boolean {
  const { at, ...values } = input;
  return (
    db
      .insert(notificationOutbox)
      .values({ ...values, nextAttemptAt: at, createdAt: at })
      .onConflictDoNothing()
      .run().changes === 1
  );
}

/**
 * The oldest queued notice of every channel, when it is due: a channel sends in order, so its head waiting
 * (Retry-After, backoff) holds back that channel only.
 */
export function dueNotices(deps: AppDeps, platforms: readonly ChatPlatform[], now: Date): QueuedNotice[] {
  if (platforms.length === 0) return [];
  const heads = deps.db
    .select({ id: sql<number>`min(${notificationOutbox.id})` })
    .from(notificationOutbox)
    .where(and(eq(notificationOutbox.state, 'queued'), inArray(notificationOutbox.platform, [...platforms])))
    .groupBy(notificationOutbox.platform, notificationOutbox.channelId)
    .all()
    .map((r) => r.id);
  if (heads.length === 0) return [];
  return deps.db
    .select()
    .from(notificationOutbox)
    .where(inArray(notificationOutbox.id, heads))
    .orderBy(asc(notificationOutbox.id))
    .all()
    .filter((r) => r.nextAttemptAt <= now)
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      platform: r.platform,
      tenantId: r.tenantId,
      channelId: r.channelId,
      message: r.message,
      attempts: r.attempts,
    }));
}

export function markNoticeSent(deps: AppDeps, id: number): void {
  deps.db
    .update(notificationOutbox)
    .set({ state: 'sent', sentAt: deps.clock(), lastError: null })
    .where(eq(notificationOutbox.id, id))
    .run();
}

/** Try again at `at`; a Retry-After is the platform's pacing, not our failure, so it does not count as an attempt. */
export function postponeNotice(
  deps: AppDeps,
  id: number,
  input: { at: Date; error: string; countAttempt: boolean },
): void {
  deps.db
    .update(notificationOutbox)
    .set({
      nextAttemptAt: input.at,
      lastError: input.error,
      ...(input.countAttempt ? { attempts: sql`${notificationOutbox.attempts} + 1` } : {}),
    })
    .where(eq(notificationOutbox.id, id))
    .run();
}

/** Gives up on a notice (the channel is gone, we were removed from it): the channel's next notice goes on. */
export function markNoticeFailed(deps: AppDeps, id: number, error: string): void {
  deps.db
    .update(notificationOutbox)
    .set({ state: 'failed', lastError: error, attempts: sql`${notificationOutbox.attempts} + 1` })
    .where(eq(notificationOutbox.id, id))
    .run();
}

export function listNotices(deps: AppDeps) {
  return deps.db.select().from(notificationOutbox).orderBy(asc(notificationOutbox.id)).all();
}
