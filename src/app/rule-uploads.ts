import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, lt } from 'drizzle-orm';
import { ruleUploads } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { ChatActor } from '../domain/chat-actor.ts';
import type { AppDeps } from './deps.ts';
import { scriptConnection } from './rule-versions.ts';

/**
 * Scripts longer than a modal input allows (Slack: 3000 characters) travel as files: `rules upload <connection>`
 * opens a window in which the user's next file is taken as a script of that connection.
 */

const UPLOAD_WINDOW_MS = 15 * 60_000;

/** Which script a file is: its name says so (`outgoing.groovy`, `acme-incoming.txt`). */
export function scriptOfFileName(name: string): 'outgoing' | 'incoming' {
  const lower = name.toLowerCase();
  const outgoing = lower.includes('outgoing');
  const incoming = lower.includes('incoming');
  if (outgoing === incoming) {
    throw new DomainError(
      'invalid_input',
      `I cannot tell which script "${name}" is: name the file with "outgoing" or "incoming" in it (e.g. outgoing.groovy).`,
    );
  }
  return outgoing ? 'outgoing' : 'incoming';
}

export function startRuleUpload(
  deps: AppDeps,
  input: { actor: ChatActor; connection: string; instanceId: string },
): { connectionId: string; connectionName: string; expiresAt: Date } {
  const row = scriptConnection(deps, input.connection, input.instanceId);
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + UPLOAD_WINDOW_MS);
  deps.db.transaction((tx) => {
    tx.delete(ruleUploads).where(lt(ruleUploads.expiresAt, now)).run();
    tx.insert(ruleUploads)
      .values({
        id: randomUUID(),
        platform: input.actor.platform,
        tenantId: input.actor.tenantId,
        userId: input.actor.userId,
        connectionId: row.id,
        expiresAt,
        createdAt: now,
      })
      .run();
  });
  return { connectionId: row.id, connectionName: row.name, expiresAt };
}

/** The connection the user's file is for, or null when they have no upload window open (the file is not ours). */
export function openRuleUpload(deps: AppDeps, actor: ChatActor): { connectionId: string } | null {
  const row = deps.db
    .select()
    .from(ruleUploads)
    .where(
      and(
        eq(ruleUploads.platform, actor.platform),
        eq(ruleUploads.tenantId, actor.tenantId),
        eq(ruleUploads.userId, actor.userId),
        gt(ruleUploads.expiresAt, deps.clock()),
      ),
    )
    .orderBy(desc(ruleUploads.createdAt))
    .get();
  return row ? { connectionId: row.connectionId } : null;
}
