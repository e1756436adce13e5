/** Sample tickets for the sync-rule tests and the benchmark. */
import type { Entity, HubComment } from '../../../src/domain/entity.ts';
import type { Platform } from '../../../src/domain/instance.ts';

export function comments(n: number, prefix = 'c'): HubComment[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i + 1}`,
    body: `Comment ${i + 1}: the printer on floor ${i % 5} still jams`,
    author: { id: `u${i % 3}`, email: `agent${i % 3}@acme.example`, displayName: `Agent ${i % 3}` },
    internal: i % 4 === 3,
    created: `2026-01-0${(i % 9) + 1}T10:00:00Z`,
    updated: null,
    remoteId: null,
  }));
}

export function sampleEntity(platform: Platform, overrides: Partial<Entity> = {}): Entity {
  const native: Record<Platform, Record<string, unknown>> = {
    freshdesk: { group_id: 1070000240345, source: 2, company_id: 77 },
    freshservice: { group_id: 42, workspace_id: 2, category: 'Hardware', urgency: 2 },
    xurrent: { serviceId: 1336, category: 'incident', team: 'Service Desk', teamId: 14 },
  };
  return {
    platform,
    id: '1234',
    key: platform === 'xurrent' ? '70001' : '#1234',
    summary: 'Printer on 3rd floor broken',
    description: 'It prints blank pages since Monday.',
    status: platform === 'xurrent' ? { id: 'in_progress', name: 'In Progress' } : { id: 2, name: 'Open' },
    priority: platform === 'xurrent' ? { id: 'high', name: 'High' } : { id: 3, name: 'High' },
    type: platform === 'xurrent' ? null : 'Incident',
    labels: ['printer', 'floor-3'],
    reporter: { id: 'r1', email: 'jane@customer.example', displayName: 'Jane Doe' },
    assignee: { id: 'a1', email: 'bob@acme.example', displayName: 'Bob Agent' },
    comments: comments(20),
    attachments: [
      {
        id: 'f1',
        filename: 'photo.jpg',
        mimetype: 'image/jpeg',
        filesize: 20480,
        created: '2026-01-01T10:00:00Z',
        url: 'https://x/f1',
        hash: 'h1',
        remoteId: null,
      },
      {
        id: 'f2',
        filename: 'log.txt',
        mimetype: 'text/plain',
        filesize: 512,
        created: '2026-01-02T10:00:00Z',
        url: 'https://x/f2',
        hash: 'h2',
        remoteId: null,
      },
    ],
    customFields: { cf_order: 'PO-1', cf_region: 'EMEA', cf_amount: 12.5 },
    created: '2026-01-01T09:00:00Z',
    updated: '2026-01-05T09:00:00Z',
    native: native[platform],
    ...overrides,
  };
}
