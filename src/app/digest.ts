import { and, count, eq, gte, inArray } from 'drizzle-orm';
import { connections, instances, outbox, statusEvents, syncErrors } from '../../db/schema/index.ts';
import type { Status } from '../domain/connection.ts';
import type { AppDeps } from './deps.ts';
import { queueFigures, stages, type Stage } from './queue-status.ts';
import { queueNotice } from './notifications.ts';
import { digestSubscriptions, type Subscription } from './subscriptions.ts';

export interface DigestLine {
  connectionId: string;
  name: string;
  status: Status;
  entitiesUnderSync: number;
  /** Changes delivered to the other side within the period. */
  sent: number;
  /** Sync errors recorded within the period. */
  errors: number;
  /** Times the connection went to `error` within the period. */
  outages: number;
  /** The queue now, from the queue's own figures: items waiting per stage, the oldest's age, sending trouble. */
  queue: {
    waiting: Record<Stage, number>;
    /** How long the oldest item of any stage has waited; null when nothing waits. */
    oldestAgeMs: number | null;
    /** Sending to (or pulling from) the other node fails since then, after that many attempts; null while it works. */
    failingSince: Date | null;
    failedSends: number;
  };
}

export interface Digest {
  instanceName: string;
  from: Date;
  to: Date;
  lines: DigestLine[];
}

/** Makes the digest's notice (a view, made by src/flows), stored and sent as it is (see ComposeStatusNotice). */
export type ComposeDigest = (digest: Digest) => unknown;

const DAY_MS = 86_400_000;

/** The day's figures for the connections a channel is subscribed to. */
export function digestFor(deps: AppDeps, subscriptions: Subscription[], now: Date): Digest {
  const from = new Date(now.getTime() - DAY_MS);
  const instanceId = subscriptions[0]!.instanceId;
  const all = subscriptions.some((s) => s.connection === null);
  const ids = subscriptions.flatMap((s) => (s.connection ? [s.connection.id] : []));
  const rows = deps.db
    .select()
    .from(connections)
    .where(
      all
        ? eq(connections.instanceId, instanceId)
        : and(eq(connections.instanceId, instanceId), inArray(connections.id, ids)),
    )
    .all();
  const instanceName =
    deps.db.select({ name: instances.name }).from(instances).where(eq(instances.id, instanceId)).get()?.name ??
    instanceId;
  const queueOf = (connectionId: string): DigestLine['queue'] => {
    const figures = queueFigures(deps, connectionId, now);
    const ages = stages.flatMap((stage) => {
      const age = figures.stages[stage].oldestAgeMs;
      return age === null ? [] : [age];
    });
    return {
      waiting: {
        change: figures.stages.change.count,
        outbox: figures.stages.outbox.count,
        inbox: figures.stages.inbox.count,
      },
      oldestAgeMs: ages.length > 0 ? Math.max(...ages) : null,
      failingSince: figures.sender.failingSince,
      failedSends: figures.sender.failedAttempts,
    };
  };
  const lines = rows.map((c) => ({
    connectionId: c.id,
    name: c.name,
    status: c.status,
    entitiesUnderSync: c.entitiesUnderSync,
    sent:
      deps.db
        .select({ n: count() })
        .from(outbox)
        .where(
          and(
            eq(outbox.connectionId, c.id),
            eq(outbox.kind, 'replica'),
            eq(outbox.status, 'delivered'),
            gte(outbox.deliveredAt, from),
          ),
        )
        .get()?.n ?? 0,
    errors:
      deps.db
        .select({ n: count() })
        .from(syncErrors)
        .where(and(eq(syncErrors.connectionId, c.id), gte(syncErrors.createdAt, from)))
        .get()?.n ?? 0,
    outages:
      deps.db
        .select({ n: count() })
        .from(statusEvents)
        .where(and(eq(statusEvents.connectionId, c.id), eq(statusEvents.toStatus, 'error'), gte(statusEvents.at, from)))
        .get()?.n ?? 0,
    queue: queueOf(c.id),
  }));
  return { instanceName, from, to: now, lines };
}

/** Queues today's digest for every channel that asked for one; a second run the same day queues nothing. */
export function queueDigests(deps: AppDeps, compose: ComposeDigest): number {
  const now = deps.clock();
  const day = now.toISOString().slice(0, 10);
  const byChannel = new Map<string, Subscription[]>();
  for (const s of digestSubscriptions(deps)) {
    const key = `${s.platform}:${s.channelId}:${s.instanceId}`;
    byChannel.set(key, [...(byChannel.get(key) ?? []), s]);
  }
  let queued = 0;
  for (const [key, subscriptions] of byChannel) {
    const first = subscriptions[0]!;
    const message = compose(digestFor(deps, subscriptions, now));
    const added = queueNotice(deps.db, {
      dedupeKey: `digest:${day}:${key}`,
      kind: 'digest',
      platform: first.platform,
      tenantId: first.tenantId,
      channelId: first.channelId,
      message,
      at: now,
    });
    if (added) queued++;
  }
  return queued;
}
