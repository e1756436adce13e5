import { z } from 'zod';
import { nativeFields } from '../../../src/domain/entity.ts';
import type { HelpdeskTarget } from '../../../src/domain/helpdesk.ts';
import { FreshworksClient, type FreshworksClientFlavor } from '../freshworks/client-core.ts';
import { freshworksProjectSchema } from '../freshworks/schemas.ts';
import type { ConnectorOptions } from '../transport.ts';
import { freshdeskPriorities, freshdeskStatuses } from './codes.ts';

export const freshdeskClientFlavor: FreshworksClientFlavor = {
  platform: 'freshdesk',
  label: 'Freshdesk',
  wrap: false,
  statuses: freshdeskStatuses,
  priorities: freshdeskPriorities,
  listParams: { order_by: 'updated_at', order_type: 'asc' },
  ticketIncludes: 'requester',
  verifyPath: '/agents/me',
  verifySchema: z.looseObject({ id: z.number() }),
  // Incoming tickets land in a group.
  listProjects: async (client) => {
    const groups = await client.collect(
      { method: 'GET', path: '/groups', query: { per_page: 100 }, what: 'the groups' },
      z.array(freshworksProjectSchema),
    );
    return groups.map((g) => ({ id: String(g.id), name: g.name }));
  },
  nativeFields: nativeFields.freshdesk,
  createDefaults: {},
};

export function createFreshdeskClient(target: HelpdeskTarget, options?: ConnectorOptions): FreshworksClient {
  return new FreshworksClient(freshdeskClientFlavor, target, options);
}
