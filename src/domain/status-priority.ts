import type { Platform } from './instance.ts';
import type { HubOption } from './entity.ts';

/**
 * Status and priority names and codes per platform, as the helpdesk APIs use them. Connectors map codes to
 * names with these tables; sync scripts look names up through nodeHelper.getStatus / getPriority.
 * Freshdesk and Freshservice accounts may add custom statuses (codes 6 and up): pass them as extra options.
 */
export interface NamedCode {
  readonly id: string | number;
  readonly name: string;
}

const freshStatuses: readonly NamedCode[] = [
  { id: 2, name: 'Open' },
  { id: 3, name: 'Pending' },
  { id: 4, name: 'Resolved' },
  { id: 5, name: 'Closed' },
];

const freshPriorities: readonly NamedCode[] = [
  { id: 1, name: 'Low' },
  { id: 2, name: 'Medium' },
  { id: 3, name: 'High' },
  { id: 4, name: 'Urgent' },
];

/** Xurrent request statuses: the API code is the id, the name is what people read. */
const xurrentStatuses: readonly NamedCode[] = [
  { id: 'declined', name: 'Declined' },
  { id: 'on_backlog', name: 'On Backlog' },
  { id: 'assigned', name: 'Assigned' },
  { id: 'accepted', name: 'Accepted' },
  { id: 'in_progress', name: 'In Progress' },
  { id: 'waiting_for', name: 'Waiting for' },
  { id: 'waiting_for_customer', name: 'Waiting for Customer' },
  { id: 'reservation_pending', name: 'Reservation Pending' },
  { id: 'workflow_pending', name: 'Workflow Pending' },
  { id: 'project_pending', name: 'Project Pending' },
  { id: 'completed', name: 'Completed' },
];

/** Xurrent has no priority field: the request impact plays that role. */
const xurrentPriorities: readonly NamedCode[] = [
  { id: 'low', name: 'Low' },
  { id: 'medium', name: 'Medium' },
  { id: 'high', name: 'High' },
  { id: 'top', name: 'Top' },
];

export const statusTable: Record<Platform, readonly NamedCode[]> = {
  freshdesk: freshStatuses,
  freshservice: freshStatuses,
  xurrent: xurrentStatuses,
};

export const priorityTable: Record<Platform, readonly NamedCode[]> = {
  freshdesk: freshPriorities,
  freshservice: freshPriorities,
  xurrent: xurrentPriorities,
};

/** "In Progress", "in_progress" and "in-progress" name the same thing: people type all three. */
export function normalizeOptionName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

/** Finds an option by name or by code (case, spaces and underscores do not matter); null when unknown. */
export function findOption(options: readonly NamedCode[], nameOrCode: string | number): HubOption | null {
  const wanted = typeof nameOrCode === 'number' ? String(nameOrCode) : normalizeOptionName(nameOrCode);
  for (const option of options) {
    if (normalizeOptionName(option.name) === wanted || normalizeOptionName(String(option.id)) === wanted) {
      return { id: option.id, name: option.name };
    }
  }
  return null;
}

/** The option for a code the helpdesk returned; unknown codes (custom statuses) keep the code as their name. */
export function optionFromCode(options: readonly NamedCode[], code: string | number): HubOption {
  const found = options.find((option) => String(option.id) === String(code));
  return found ? { id: found.id, name: found.name } : { id: code, name: String(code) };
}
