import { DomainError } from '../../src/domain/errors.ts';
import type { ChangedEntity } from '../../src/domain/helpdesk.ts';

/**
 * Where a change listing stopped: the newest update time seen and the ids updated at exactly that time. Helpdesks
 * filter "updated since" inclusively and by the second, so the next listing repeats that second and drops those ids.
 */
interface CursorState {
  since: string;
  seen: string[];
}

export function decodeCursor(cursor: string | null, defaultSince: () => string): CursorState {
  if (cursor === null || cursor === '') return { since: defaultSince(), seen: [] };
  if (!Number.isNaN(Date.parse(cursor)) && /^\d{4}-\d{2}-\d{2}/.test(cursor))
    return { since: new Date(cursor).toISOString(), seen: [] };
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorState>;
    if (typeof state.since === 'string' && Array.isArray(state.seen))
      return { since: state.since, seen: state.seen.map(String) };
  } catch {
    // fall through to the error below
  }
  throw new DomainError(
    'invalid_input',
    'The change cursor is not one DeskBridge made; start again from a time (ISO-8601).',
  );
}

/** Drops the repeated ids, orders oldest first and computes the cursor that follows this batch. */
export function advanceCursor(
  state: CursorState,
  found: ChangedEntity[],
): { changes: ChangedEntity[]; cursor: string } {
  const seen = new Set(state.seen);
  const sinceMs = Date.parse(state.since);
  const byId = new Map<string, ChangedEntity>();
  for (const change of found) {
    const updatedMs = Date.parse(change.updated);
    if (updatedMs < sinceMs) continue;
    if (updatedMs === sinceMs && seen.has(change.id)) continue;
    byId.set(change.id, change);
  }
  const changes = [...byId.values()].sort(
    (a, b) => Date.parse(a.updated) - Date.parse(b.updated) || Number(a.id) - Number(b.id),
  );
  const last = changes.at(-1);
  if (!last) return { changes, cursor: encode(state) };
  const lastMs = Date.parse(last.updated);
  const atLast = changes.filter((c) => Date.parse(c.updated) === lastMs).map((c) => c.id);
  const carried = lastMs === sinceMs ? state.seen : [];
  return {
    changes,
    cursor: encode({ since: new Date(lastMs).toISOString(), seen: [...new Set([...carried, ...atLast])] }),
  };
}

function encode(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}
