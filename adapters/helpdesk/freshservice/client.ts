import { z } from 'zod';
import { nativeFields } from '../../../src/domain/entity.ts';
import type { HelpdeskTarget } from '../../../src/domain/helpdesk.ts';
import { FreshworksClient, type FreshworksClientFlavor } from '../freshworks/client-core.ts';
import { freshworksProjectSchema } from '../freshworks/schemas.ts';
import type { ConnectorOptions } from '../transport.ts';
import { freshservicePriorities, freshserviceStatuses } from './codes.ts';

export const freshserviceClientFlavor: FreshworksClientFlavor = {
  platform: 'freshservice',
  label: 'Freshservice',
  wrap: true,
  statuses: freshserviceStatuses,
  priorities: freshservicePriorities,
  // Without workspace_id only the primary workspace is listed; 0 means every workspace the agent can see.
  // No order_by: the list documents only order_type (FreshservicePS, api.freshservice.com#list_all_tickets).
  listParams: { workspace_id: '0' },
  ticketIncludes: 'requester,tags',
  verifyPath: '/tickets?per_page=1',
  verifySchema: z.looseObject({ tickets: z.array(z.unknown()) }),
  // Incoming tickets land in a workspace.
  listProjects: async (client) => {
    const workspaces = await client.collect(
      { method: 'GET', path: '/workspaces', query: { per_page: 100 }, what: 'the workspaces' },
      z.object({ workspaces: z.array(freshworksProjectSchema) }).transform((body) => body.workspaces),
    );
    return workspaces.map((w) => ({ id: String(w.id), name: w.name }));
  },
  nativeFields: nativeFields.freshservice,
  createDefaults: { status: 2, priority: 1 },
};

export function createFreshserviceClient(target: HelpdeskTarget, options?: ConnectorOptions): FreshworksClient {
  return new FreshworksClient(freshserviceClientFlavor, target, options);
}
