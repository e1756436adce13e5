import { CodeTable } from '../code-table.ts';

// Kept here until src/domain/status-priority.ts exists; custom statuses pass through as codes.
export const freshserviceStatuses = new CodeTable<number>('Freshservice status', [
  [2, 'Open'],
  [3, 'Pending'],
  [4, 'Resolved'],
  [5, 'Closed'],
]);

export const freshservicePriorities = new CodeTable<number>('Freshservice priority', [
  [1, 'Low'],
  [2, 'Medium'],
  [3, 'High'],
  [4, 'Urgent'],
]);
