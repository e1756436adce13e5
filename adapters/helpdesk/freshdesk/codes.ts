import { CodeTable } from '../code-table.ts';

// Kept here until src/domain/status-priority.ts exists; custom statuses (6 and up) pass through as codes.
export const freshdeskStatuses = new CodeTable<number>('Freshdesk status', [
  [2, 'Open'],
  [3, 'Pending'],
  [4, 'Resolved'],
  [5, 'Closed'],
]);

export const freshdeskPriorities = new CodeTable<number>('Freshdesk priority', [
  [1, 'Low'],
  [2, 'Medium'],
  [3, 'High'],
  [4, 'Urgent'],
]);
