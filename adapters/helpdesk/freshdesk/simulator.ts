import {
  type FreshworksSimulator,
  type FreshworksSimulatorOptions,
  startFreshworksSimulator,
} from '../freshworks/simulator-core.ts';
import type { FreshworksFlavor } from '../freshworks/simulator-flavor.ts';

/** Freshdesk v2 as the simulator plays it: unwrapped bodies, `/search/tickets` with `{total, results}`, 20 MB per ticket. */
export const freshdeskFlavor: FreshworksFlavor = {
  platform: 'freshdesk',
  wrap: false,
  defaultAttachmentCapBytes: 20 * 1024 * 1024,
  defaultRateLimitPerMinute: 200,
  searchPath: '/api/v2/search/tickets',
  searchEnvelope: (total, tickets) => ({ total, results: tickets }),
  extraFields: { company_id: 'int', product_id: 'int' },
  // urgent (Create a Ticket), association_type and structured_description (View/Update/List) are in the documented
  // answers (fixtures/freshdesk-documented-examples.json); structured_description is listed even without the description.
  extraDefaults: (fields) => ({
    company_id: fields.company_id ?? null,
    product_id: fields.product_id ?? null,
    urgent: false,
    association_type: null,
    structured_description: {
      description_contents: [
        { type: 'text', data: { content: String(fields.description ?? '').replace(/<[^>]*>/g, '') } },
      ],
    },
  }),
  requiredOnCreate: [],
  validSources: [1, 2, 3, 7, 9, 10],
  listOmitsDescription: true,
  tagsOnlyWithInclude: false,
  workspaces: false,
  webhookIds: (id) => ({ 'ticket.id': String(id) }),
};

export type FreshdeskSimulator = FreshworksSimulator;
export type FreshdeskSimulatorOptions = FreshworksSimulatorOptions;

export function startFreshdeskSimulator(options: FreshdeskSimulatorOptions = {}): Promise<FreshdeskSimulator> {
  return startFreshworksSimulator(freshdeskFlavor, options);
}
