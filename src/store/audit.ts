import { auditLog } from '../../db/schema/index.ts';
import type { DbOrTx } from '../../db/client.ts';

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
