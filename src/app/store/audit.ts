import { auditLog } from '../../../db/schema.ts';
import type { DbOrTx } from './connections.ts';

export function audit(
  tx: DbOrTx,
  entry: {
    at: Date;
    actor: string;
    action: string;
    subjectType: string;
    subjectId: string;
    details?: Record<string, unknown>;
  },
): void {
  tx.insert(auditLog)
    .values({ ...entry, details: entry.details ?? {} })
    .run();
}
