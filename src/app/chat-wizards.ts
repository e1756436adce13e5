import { randomUUID } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import { chatWizards } from '../../db/schema.ts';
import { DomainError } from '../domain/errors.ts';
import type { ChatActor } from './chat-actor.ts';
import type { AppDeps } from './deps.ts';

/** A wizard left open longer than this is gone; starting again is cheap. */
const WIZARD_TTL_MS = 24 * 3_600_000;

export type WizardKind = (typeof chatWizards.$inferSelect)['kind'];

/** Stores a new wizard's state; the returned id is all the chat surface keeps (Slack private_metadata). */
export function startWizard<S>(deps: AppDeps, input: { actor: ChatActor; kind: WizardKind; state: S }): string {
  const now = deps.clock();
  const id = randomUUID();
  deps.db.transaction((tx) => {
    tx.delete(chatWizards).where(lt(chatWizards.expiresAt, now)).run();
    tx.insert(chatWizards)
      .values({
        id,
        platform: input.actor.platform,
        tenantId: input.actor.tenantId,
        userId: input.actor.userId,
        kind: input.kind,
        stateEnc: deps.secrets.sealJson(input.state),
        expiresAt: new Date(now.getTime() + WIZARD_TTL_MS),
        updatedAt: now,
        createdAt: now,
      })
      .run();
  });
  return id;
}

/** A wizard's state, only for the user who started it. */
export function loadWizard<S>(deps: AppDeps, input: { id: string; actor: ChatActor; kind: WizardKind }): S {
  const row = deps.db.select().from(chatWizards).where(eq(chatWizards.id, input.id)).get();
  const mine =
    row &&
    row.kind === input.kind &&
    row.platform === input.actor.platform &&
    row.tenantId === input.actor.tenantId &&
    row.userId === input.actor.userId;
  if (!mine || row.expiresAt.getTime() <= deps.clock().getTime()) {
    throw new DomainError('not_found', 'This form has expired or belongs to someone else. Start again.');
  }
  return deps.secrets.openJson<S>(row.stateEnc);
}

export function saveWizard<S>(deps: AppDeps, input: { id: string; state: S }): void {
  deps.db
    .update(chatWizards)
    .set({ stateEnc: deps.secrets.sealJson(input.state), updatedAt: deps.clock() })
    .where(eq(chatWizards.id, input.id))
    .run();
}

export function endWizard(deps: AppDeps, id: string): void {
  deps.db.delete(chatWizards).where(eq(chatWizards.id, id)).run();
}
