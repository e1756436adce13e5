import { eq } from 'drizzle-orm';
import { instances } from '../../../db/schema/index.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Helpdesk } from '../../domain/helpdesk.ts';
import type { AppDeps } from '../deps.ts';

/** The connector of the instance a connection belongs to (shared per instance, so its rate budget is too). */
export function helpdeskOfInstance(deps: AppDeps, instanceId: string): Helpdesk {
  if (!deps.helpdeskFor)
    throw new DomainError('conflict', 'This DeskBridge process has no helpdesk connectors configured.');
  const row = deps.db.select().from(instances).where(eq(instances.id, instanceId)).get();
  if (!row) throw new DomainError('not_found', 'The instance of this connection no longer exists on this node.');
  return deps.helpdeskFor(row);
}
