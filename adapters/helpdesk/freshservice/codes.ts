import { priorityTable, statusTable } from '../../../src/domain/status-priority.ts';
import { CodeTable } from '../code-table.ts';

export const freshserviceStatuses = new CodeTable<number>('Freshservice status', statusTable.freshservice);
export const freshservicePriorities = new CodeTable<number>('Freshservice priority', priorityTable.freshservice);
