import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { instances } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { Helpdesk } from '../domain/helpdesk.ts';
import type { InstanceRow } from './instances.ts';

/** An instance as its connector needs it: the helpdesk's platform and URL, the sealed credentials, and its id. */
export type HelpdeskInstance = Pick<InstanceRow, 'id' | 'platform' | 'baseUrl' | 'credentialsEnc'>;

/**
 * The connector of an instance: one per instance id (a new one when its URL or credentials change), so every call to
 * an instance's helpdesk, whoever makes it, spends the one rate budget of that instance.
 */
export type HelpdeskFor = (instance: HelpdeskInstance) => Helpdesk;

/** The connector of the instance a connection belongs to (shared per instance, so its rate budget is too). */
export function helpdeskOfInstance(deps: { db: DbOrTx; helpdeskFor: HelpdeskFor }, instanceId: string): Helpdesk {
  const row = deps.db.select().from(instances).where(eq(instances.id, instanceId)).get();
  if (!row) throw new DomainError('not_found', 'The instance of this connection no longer exists on this node.');
  return deps.helpdeskFor(row);
}
