import { priorityTable, statusTable } from '../../../src/domain/status-priority.ts';
import { CodeTable } from '../code-table.ts';

export const xurrentStatuses = new CodeTable<string>('Xurrent status', statusTable.xurrent);
/** Xurrent has no priority field: impact plays that part. */
export const xurrentPriorities = new CodeTable<string>('Xurrent impact', priorityTable.xurrent);

export const xurrentStatusCodes: readonly string[] = statusTable.xurrent.map((o) => String(o.id));
export const xurrentImpacts: readonly string[] = priorityTable.xurrent.map((o) => String(o.id));
export const xurrentCategories = [
  'incident',
  'rfc',
  'rfi',
  'reservation',
  'order',
  'fulfillment',
  'complaint',
  'compliment',
  'other',
  'case',
] as const;
export const xurrentCompletionReasons = [
  'solved',
  'workaround',
  'gone',
  'duplicate',
  'withdrawn',
  'no_reply',
  'rejected',
  'conflict',
  'declined',
  'unsolvable',
] as const;
