import { CodeTable } from '../code-table.ts';

// Kept here until src/domain/status-priority.ts exists. Unknown statuses read (older `change_pending`) keep their code as name.
export const xurrentStatusCodes = [
  'declined',
  'on_backlog',
  'assigned',
  'accepted',
  'in_progress',
  'waiting_for',
  'waiting_for_customer',
  'reservation_pending',
  'workflow_pending',
  'project_pending',
  'completed',
] as const;

export const xurrentStatuses = new CodeTable<string>('Xurrent status', [
  ['declined', 'Declined'],
  ['on_backlog', 'On Backlog'],
  ['assigned', 'Assigned'],
  ['accepted', 'Accepted'],
  ['in_progress', 'In Progress'],
  ['waiting_for', 'Waiting for…'],
  ['waiting_for_customer', 'Waiting for Customer'],
  ['reservation_pending', 'Reservation Pending'],
  ['workflow_pending', 'Workflow Pending'],
  ['project_pending', 'Project Pending'],
  ['completed', 'Completed'],
]);

/** Xurrent has no priority field: impact plays that part. */
export const xurrentImpacts = ['low', 'medium', 'high', 'top'] as const;

export const xurrentPriorities = new CodeTable<string>('Xurrent impact', [
  ['low', 'Low'],
  ['medium', 'Medium'],
  ['high', 'High'],
  ['top', 'Top'],
]);

export const xurrentCategories = ['incident', 'rfc', 'rfi', 'reservation', 'order', 'fulfillment', 'complaint', 'compliment', 'other', 'case'] as const;

export const xurrentCompletionReasons = ['solved', 'workaround', 'gone', 'duplicate', 'withdrawn', 'no_reply', 'rejected', 'conflict', 'declined', 'unsolvable'] as const;
