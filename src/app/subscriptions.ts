import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { chatSubscriptions, connections } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import { chatPlatforms, type ChatPlatform } from '../domain/chat-actor.ts';
import type { AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { requireConnectionRow } from '../store/connections.ts';
import { requireInstanceRow } from '../store/instances.ts';
import { validateInput } from './validate.ts';

/** A channel subscribed to status changes: of one connection, or of every connection of the instance (`all`). */
export interface Subscription {
  id: string;
  platform: ChatPlatform;
  tenantId: string;
  channelId: string;
  instanceId: string;
  /** null: every connection of the instance. */
  connection: { id: string; name: string } | null;
  digest: boolean;
  createdAt: Date;
}

/** `all`, or a connection's name or id. */
export const ALL_CONNECTIONS = 'all';
const ALL_SCOPE = '*';

const channelInput = z.object({
  platform: z.enum(chatPlatforms),
  tenantId: z.string().min(1).max(255),
  channelId: z.string().min(1).max(255),
  instance: z.string().min(1),
  actor: z.string().min(1),
});

const subscribeInput = channelInput.extend({
  target: z.string().trim().min(1, 'Name the connection, or `all`.').max(300),
  digest: z.boolean().default(false),
});

function scopeOf(
  deps: AppDeps,
  instanceId: string,
  target: string,
): { scope: string; connectionId: string | null; name: string | null } {
  if (target.toLowerCase() === ALL_CONNECTIONS) return { scope: ALL_SCOPE, connectionId: null, name: null };
  const row = requireConnectionRow(deps.db, target, instanceId);
  return { scope: row.id, connectionId: row.id, name: row.name };
}

/** Subscribes a channel; subscribing again only switches the digest on (never off: that is `digest off`). */
export function subscribeChannel(deps: AppDeps, input: z.input<typeof subscribeInput>): Subscription {
  const data = validateInput(subscribeInput, input);
  const instance = requireInstanceRow(deps.db, data.instance);
  const target = scopeOf(deps, instance.id, data.target);
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.insert(chatSubscriptions)
      .values({
        id: randomUUID(),
        platform: data.platform,
        tenantId: data.tenantId,
        channelId: data.channelId,
        instanceId: instance.id,
        scope: target.scope,
        connectionId: target.connectionId,
        digest: data.digest,
        createdBy: data.actor,
        createdAt: now,
      })
      .onConflictDoUpdate({
        target: [
          chatSubscriptions.platform,
          chatSubscriptions.channelId,
          chatSubscriptions.instanceId,
          chatSubscriptions.scope,
        ],
        set: data.digest ? { digest: true, tenantId: data.tenantId } : { tenantId: data.tenantId },
      })
      .run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'subscription.add',
      subjectType: 'channel',
      subjectId: `${data.platform}:${data.channelId}`,
      details: { scope: target.scope, digest: data.digest },
    });
  });
  const subscription = listChannelSubscriptions(deps, data).find(
    (s) => (s.connection?.id ?? null) === target.connectionId,
  );
  return subscription!;
}

const unsubscribeInput = channelInput.extend({ target: z.string().trim().max(300).optional() });

/** Removes one subscription of the channel, or all of them (no target); returns what was removed. */
export function unsubscribeChannel(deps: AppDeps, input: z.input<typeof unsubscribeInput>): Subscription[] {
  const data = validateInput(unsubscribeInput, input);
  const current = listChannelSubscriptions(deps, data);
  let removed: Subscription[];
  if (!data.target) removed = current;
  else {
    const instance = requireInstanceRow(deps.db, data.instance);
    const target = scopeOf(deps, instance.id, data.target);
    removed = current.filter((s) => (s.connection?.id ?? null) === target.connectionId);
  }
  if (removed.length === 0) {
    throw new DomainError(
      'not_found',
      data.target ? `This channel is not subscribed to ${data.target}.` : 'This channel has no subscriptions.',
    );
  }
  const now = deps.clock();
  deps.db.transaction((tx) => {
    for (const s of removed) tx.delete(chatSubscriptions).where(eq(chatSubscriptions.id, s.id)).run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'subscription.remove',
      subjectType: 'channel',
      subjectId: `${data.platform}:${data.channelId}`,
      details: { scopes: removed.map((s) => s.connection?.id ?? ALL_SCOPE) },
    });
  });
  return removed;
}

const digestInput = channelInput.extend({ on: z.boolean() });

/** The daily digest for every subscription of the channel (it needs at least one). */
export function setChannelDigest(deps: AppDeps, input: z.input<typeof digestInput>): Subscription[] {
  const data = validateInput(digestInput, input);
  const current = listChannelSubscriptions(deps, data);
  if (current.length === 0) {
    throw new DomainError(
      'conflict',
      'Subscribe this channel first: `/bridge subscribe <connection|all>`; the digest summarises what it is subscribed to.',
    );
  }
  const now = deps.clock();
  deps.db.transaction((tx) => {
    for (const s of current)
      tx.update(chatSubscriptions).set({ digest: data.on }).where(eq(chatSubscriptions.id, s.id)).run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: data.on ? 'digest.on' : 'digest.off',
      subjectType: 'channel',
      subjectId: `${data.platform}:${data.channelId}`,
    });
  });
  return current.map((s) => ({ ...s, digest: data.on }));
}

/** The channel's subscriptions to connections of one instance. */
export function listChannelSubscriptions(
  deps: AppDeps,
  ref: { platform: ChatPlatform; channelId: string; instance: string },
): Subscription[] {
  const instance = requireInstanceRow(deps.db, ref.instance);
  return deps.db
    .select({ s: chatSubscriptions, name: connections.name })
    .from(chatSubscriptions)
    .leftJoin(connections, eq(connections.id, chatSubscriptions.connectionId))
    .where(
      and(
        eq(chatSubscriptions.platform, ref.platform),
        eq(chatSubscriptions.channelId, ref.channelId),
        eq(chatSubscriptions.instanceId, instance.id),
      ),
    )
    .orderBy(asc(chatSubscriptions.createdAt), asc(chatSubscriptions.scope))
    .all()
    .map(({ s, name }) => toSubscription(s, name));
}

/** Every subscription that should hear about a connection: to it, or to all of its instance. */
export function subscribersOf(deps: AppDeps, connection: { id: string; instanceId: string }): Subscription[] {
  return deps.db
    .select()
    .from(chatSubscriptions)
    .where(eq(chatSubscriptions.instanceId, connection.instanceId))
    .orderBy(asc(chatSubscriptions.platform), asc(chatSubscriptions.channelId))
    .all()
    .filter((s) => s.scope === ALL_SCOPE || s.connectionId === connection.id)
    .map((s) => toSubscription(s, null));
}

/** Subscriptions with the daily digest on. */
export function digestSubscriptions(deps: AppDeps): Subscription[] {
  return deps.db
    .select({ s: chatSubscriptions, name: connections.name })
    .from(chatSubscriptions)
    .leftJoin(connections, eq(connections.id, chatSubscriptions.connectionId))
    .where(eq(chatSubscriptions.digest, true))
    .orderBy(asc(chatSubscriptions.platform), asc(chatSubscriptions.channelId))
    .all()
    .map(({ s, name }) => toSubscription(s, name));
}

function toSubscription(s: typeof chatSubscriptions.$inferSelect, name: string | null): Subscription {
  return {
    id: s.id,
    platform: s.platform,
    tenantId: s.tenantId,
    channelId: s.channelId,
    instanceId: s.instanceId,
    connection: s.connectionId ? { id: s.connectionId, name: name ?? s.connectionId } : null,
    digest: s.digest,
    createdAt: s.createdAt,
  };
}
