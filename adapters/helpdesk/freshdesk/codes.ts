import { priorityTable, statusTable } from '../../../src/domain/status-priority.ts';
import { CodeTable } from '../code-table.ts';

export const freshdeskStatuses = new CodeTable<number>('Freshdesk status', statusTable.freshdesk);
export const freshdeskPriorities = new CodeTable<number>('Freshdesk priority', priorityTable.freshdesk);
