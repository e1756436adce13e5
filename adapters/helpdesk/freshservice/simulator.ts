import {
  type FreshworksSimulator,
  type FreshworksSimulatorOptions,
  startFreshworksSimulator,
} from '../freshworks/simulator-core.ts';
import type { FreshworksFlavor } from '../freshworks/simulator-flavor.ts';

/**
 * Freshservice v2 as the simulator plays it: wrapped bodies (`{"ticket": ...}`), `/tickets/filter` with
 * `{tickets, total}`, workspaces, 15 MB per ticket (the docs' figure; configurable).
 */
export const freshserviceFlavor: FreshworksFlavor = {
  platform: 'freshservice',
  wrap: true,
  defaultAttachmentCapBytes: 15 * 1024 * 1024,
  defaultRateLimitPerMinute: 200,
  searchPath: '/api/v2/tickets/filter',
  searchEnvelope: (total, tickets) => ({ tickets, total }),
  extraFields: {
    requested_for_id: 'int',
    department_id: 'int',
    category: 'string',
    sub_category: 'string',
    item_category: 'string',
    urgency: 'int',
    impact: 'int',
    workspace_id: 'int',
  },
  extraDefaults: (fields) => ({
    requested_for_id: fields.requested_for_id ?? fields.requester_id ?? null,
    department_id: fields.department_id ?? null,
    category: fields.category ?? null,
    sub_category: fields.sub_category ?? null,
    item_category: fields.item_category ?? null,
    urgency: fields.urgency ?? 1,
    impact: fields.impact ?? 1,
    workspace_id: fields.workspace_id ?? null,
    // Every documented answer shows type "Incident", the default ("Support for only type 'incident' as of now").
    type: fields.type ?? 'Incident',
    // Keys of the documented View/Create answers (fixtures/freshservice-documented-examples.json).
    resolution_notes: null,
    resolution_notes_html: null,
    sla_policy_id: 1,
    created_within_business_hours: false,
    approval_status: 4,
    approval_status_name: 'Not Requested',
  }),
  requiredOnCreate: ['subject', 'description'],
  validSources: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  listOmitsDescription: false,
  tagsOnlyWithInclude: true,
  workspaces: true,
  // Freshservice renders {{ticket.id}} as the display id; integrations send {{ticket.id_numeric}} (issue 16).
  webhookIds: (id, type) => ({
    'ticket.id': `#${type === 'Service Request' ? 'SR' : 'INC'}-${id}`,
    'ticket.id_numeric': String(id),
  }),
};

export type FreshserviceSimulator = FreshworksSimulator;
export type FreshserviceSimulatorOptions = FreshworksSimulatorOptions;

export function startFreshserviceSimulator(options: FreshserviceSimulatorOptions = {}): Promise<FreshserviceSimulator> {
  return startFreshworksSimulator(freshserviceFlavor, options);
}
