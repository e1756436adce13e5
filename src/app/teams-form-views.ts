import { randomUUID } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { teamsFormViews } from '../../db/schema/index.ts';
import type { AppDeps } from './deps.ts';

/** As long as a wizard lives (src/app/chat-wizards.ts): a card older than that has nothing left to continue. */
const VIEW_TTL_MS = 24 * 3_600_000;

/**
 * A Teams card or dialog step returns only its input values, while a flow answers a bad step with errors alone
 * (Slack keeps the modal and shows them). The Teams adapter keeps each form it shows here (a neutral Form of src/ui,
 * which this store keeps sealed without reading it) and re-renders it with the values and the errors.
 */
export function rememberFormView(deps: AppDeps, input: { tenantId: string; userId: string; form: unknown }): string {
  const now = deps.clock();
  const id = randomUUID();
  deps.db.transaction((tx) => {
    tx.delete(teamsFormViews).where(lt(teamsFormViews.expiresAt, now)).run();
    tx.insert(teamsFormViews)
      .values({
        id,
        tenantId: input.tenantId,
        userId: input.userId,
        formEnc: deps.secrets.sealJson(input.form),
        expiresAt: new Date(now.getTime() + VIEW_TTL_MS),
        createdAt: now,
      })
      .run();
  });
  return id;
}

/** The form shown as `id`, only to the user it was shown to; null when it is gone or someone else's. */
export function recallFormView<Form>(
  deps: AppDeps,
  input: { id: string; tenantId: string; userId: string },
): Form | null {
  const row = deps.db
    .select()
    .from(teamsFormViews)
    .where(
      and(
        eq(teamsFormViews.id, input.id),
        eq(teamsFormViews.tenantId, input.tenantId),
        eq(teamsFormViews.userId, input.userId),
      ),
    )
    .get();
  if (!row || row.expiresAt.getTime() <= deps.clock().getTime()) return null;
  return deps.secrets.openJson<Form>(row.formEnc);
}
