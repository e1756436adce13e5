import { randomUUID } from 'node:crypto';
import { eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { preparedPerDatabase } from '../../db/prepared.ts';
import { chatWizards } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { ChatActor } from '../domain/chat-actor.ts';
import type { AppDeps } from './deps.ts';

/** A wizard left open longer than this is gone; starting again is cheap. */
const WIZARD_TTL_MS = 24 * 3_600_000;

export type WizardKind = (typeof chatWizards.$inferSelect)['kind'];

/** Every wizard step reads and writes its state: prepared once (timestamps bound as stored, in milliseconds). */
const statementsOf = preparedPerDatabase((db: DbOrTx) => {
  const p = (name: string) => sql`${sql.placeholder(name)}`;
  return {
    dropExpired: db
      .delete(chatWizards)
      .where(lt(chatWizards.expiresAt, p('nowMs')))
      .prepare(),
    insert: db
      .insert(chatWizards)
      .values({
        id: p('id'),
        platform: p('platform'),
        tenantId: p('tenantId'),
        userId: p('userId'),
        kind: p('kind'),
        stateEnc: p('stateEnc'),
        expiresAt: p('expiresMs'),
        updatedAt: p('nowMs'),
        createdAt: p('nowMs'),
      })
      .prepare(),
    byId: db
      .select()
      .from(chatWizards)
      .where(eq(chatWizards.id, sql.placeholder('id')))
      .prepare(),
    save: db
      .update(chatWizards)
      .set({ stateEnc: p('stateEnc'), updatedAt: p('nowMs') })
      .where(eq(chatWizards.id, sql.placeholder('id')))
      .prepare(),
    end: db
      .delete(chatWizards)
      .where(eq(chatWizards.id, sql.placeholder('id')))
      .prepare(),
  };
});

/** Stores a new wizard's state; the returned id is all the chat surface keeps (Slack private_metadata). */
export function startWizard<S>(deps: AppDeps, input: { actor: ChatActor; kind: WizardKind; state: S }): string {
  const nowMs = deps.clock().getTime();
  const id = randomUUID();
  const statements = statementsOf(deps.db);
  const stateEnc = deps.secrets.sealJson(input.state);
  deps.db.transaction(() => {
    statements.dropExpired.run({ nowMs });
    statements.insert.run({
      id,
      platform: input.actor.platform,
      tenantId: input.actor.tenantId,
      userId: input.actor.userId,
      kind: input.kind,
      stateEnc,
      expiresMs: nowMs + WIZARD_TTL_MS,
      nowMs,
    });
  });
  return id;
}

/** A wizard's state, only for the user who started it. */
export function loadWizard<S>(deps: AppDeps, input: { id: string; actor: ChatActor; kind: WizardKind }): S {
  const row = statementsOf(deps.db).byId.get({ id: input.id });
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
  statementsOf(deps.db).save.run({
    id: input.id,
    stateEnc: deps.secrets.sealJson(input.state),
    nowMs: deps.clock().getTime(),
  });
}

export function endWizard(deps: AppDeps, id: string): void {
  statementsOf(deps.db).end.run({ id });
}
