import { afterEach, describe, expect, it } from 'vitest';
import type { Helpdesk } from '../../../src/domain/helpdesk.ts';
import { isDomainError } from '../../../src/domain/errors.ts';
import { TestClock } from '../../support/nodes.ts';
import { agentOf, startSimulator, type Simulator } from '../../support/sync-nodes.ts';

/**
 * What a deleted ticket looks like on each API, and that each connector takes it for one.
 * - Freshdesk: "Delete a Ticket" (`DELETE /api/v2/tickets/[id]`, developers.freshdesk.com/api/#delete_a_ticket) moves
 *   it to the trash, answering 204 with no body; a soft delete, undone by `PUT /api/v2/tickets/[id]/restore` (204).
 *   A ticket read carries `"deleted": true|false` (View a Ticket's fields: `spam`, `deleted`), and the list shows
 *   deleted tickets only with `filter=deleted`. Once the trash is emptied the ticket is gone: a 404.
 * - Freshservice: the same calls (api.freshservice.com/#delete_a_ticket, #restore_a_ticket: "Deleted tickets are not
 *   permanently lost"), the ticket under `{"ticket": ...}`.
 * - Xurrent: requests are not deleted but trashed (`POST /v1/requests/[id]/trash`, `/restore`); the Trash API
 *   (developer.xurrent.com/v1/trash) shows the trash item `{id, created_at, trashed_by, trashed: "request", request}`.
 *   The docs do not say what the trashed request's own URL answers: the stricter reading, a 404, is taken here.
 */

const sims: Simulator[] = [];
afterEach(async () => {
  while (sims.length > 0) await sims.pop()!.close();
});

async function simulator(platform: 'freshdesk' | 'freshservice' | 'xurrent') {
  const sim = await startSimulator(platform, TestClock.ticking());
  sims.push(sim);
  return sim;
}

async function readError(helpdesk: Helpdesk, id: string) {
  try {
    await helpdesk.getEntity(id);
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
  throw new Error(`ticket ${id} was read`);
}

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:X`).toString('base64')}` });

async function call(url: string, method: string, headers: Record<string, string>) {
  const response = await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' } });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}

describe.each(['freshdesk', 'freshservice'] as const)('%s: a deleted ticket', (platform) => {
  const unwrap = (body: unknown) =>
    (platform === 'freshservice' ? (body as { ticket: unknown }).ticket : body) as Record<string, unknown>;

  it('goes to the trash (204), still reads with "deleted": true, is not listed, and the connector reports it gone', async () => {
    const sim = await simulator(platform);
    const agent = agentOf(sim);
    const ticket = await agent.createEntity({
      summary: 'Printer jammed',
      description: '<div>Tray 2</div>',
      reporter: { id: null, email: 'sam@example.com', displayName: 'Sam' },
    });
    const url = `${sim.url}/api/v2/tickets/${ticket.id}`;
    expect(await call(url, 'DELETE', basic(sim.apiKey))).toEqual({ status: 204, body: null });

    const read = await call(url, 'GET', basic(sim.apiKey));
    expect(read.status).toBe(200);
    expect(unwrap(read.body)).toMatchObject({ id: Number(ticket.id), deleted: true });
    const listed = await call(`${sim.url}/api/v2/tickets?updated_since=2000-01-01T00:00:00Z`, 'GET', basic(sim.apiKey));
    const ids = (body: unknown) =>
      ((platform === 'freshservice' ? (body as { tickets: unknown[] }).tickets : body) as Array<{ id: number }>).map(
        (t) => t.id,
      );
    expect(ids(listed.body)).not.toContain(Number(ticket.id));
    const trash = await call(`${sim.url}/api/v2/tickets?filter=deleted&updated_since=2000-01-01T00:00:00Z`, 'GET', {
      ...basic(sim.apiKey),
    });
    expect(ids(trash.body)).toEqual([Number(ticket.id)]);

    const error = await readError(agent, ticket.id);
    expect(error.code).toBe('helpdesk_not_found');
    expect(error.details).toMatchObject({ deleted: true });
    expect(error.message).toContain('is in the trash (deleted)');
    expect((await agent.listChanged('2000-01-01T00:00:00Z')).changes.map((c) => c.id)).not.toContain(ticket.id);

    // Restored, it is a ticket again; a second delete of a trashed one is refused (the docs are silent: stricter).
    expect(await call(`${url}/restore`, 'PUT', basic(sim.apiKey))).toEqual({ status: 204, body: null });
    expect((await agent.getEntity(ticket.id)).summary).toBe('Printer jammed');
    await call(url, 'DELETE', basic(sim.apiKey));
    expect((await call(url, 'DELETE', basic(sim.apiKey))).status).toBe(404);
  });

  it('once the trash is emptied is a plain 404, which the connector reports as not found', async () => {
    const sim = await simulator(platform);
    const agent = agentOf(sim);
    const ticket = await agent.createEntity({
      summary: 'Old request',
      description: '<div>x</div>',
      reporter: { id: null, email: 'sam@example.com', displayName: 'Sam' },
    });
    if (sim.platform === 'xurrent') throw new Error('a Freshworks simulator was expected');
    sim.trashTicket(Number(ticket.id));
    sim.purgeTicket(Number(ticket.id));
    expect((await call(`${sim.url}/api/v2/tickets/${ticket.id}`, 'GET', basic(sim.apiKey))).status).toBe(404);
    const error = await readError(agent, ticket.id);
    expect(error.code).toBe('helpdesk_not_found');
    expect(error.details).toMatchObject({ status: 404 });
  });
});

describe('xurrent: a trashed request', () => {
  it('answers the trash item, is not found or listed any more, and comes back when restored', async () => {
    const sim = await simulator('xurrent');
    if (sim.platform !== 'xurrent') throw new Error('not xurrent');
    const agent = agentOf(sim);
    const [project] = await agent.listProjects();
    const request = await agent.createEntity({
      summary: 'VPN down',
      description: 'Since this morning',
      type: 'incident',
      priority: { id: 'low', name: 'Low' },
      native: { serviceId: project!.id },
    });
    const headers = { authorization: `Bearer ${sim.token}`, 'x-xurrent-account': sim.account };
    const trashed = await call(`${sim.url}/v1/requests/${request.id}/trash`, 'POST', headers);
    expect(trashed.status).toBe(200);
    expect(trashed.body).toMatchObject({
      id: expect.any(Number),
      created_at: expect.any(String),
      trashed: 'request',
      request: { id: Number(request.id), href: `/requests/${request.id}`, display_name: `${request.id} VPN down` },
    });
    expect((await call(`${sim.url}/v1/requests/${request.id}`, 'GET', headers)).status).toBe(404);
    const error = await readError(agent, request.id);
    expect(error.code).toBe('helpdesk_not_found');
    expect((await agent.listChanged('2000-01-01T00:00:00Z')).changes.map((c) => c.id)).not.toContain(request.id);

    expect((await call(`${sim.url}/v1/requests/${request.id}/restore`, 'POST', headers)).status).toBe(200);
    expect((await agent.getEntity(request.id)).summary).toBe('VPN down');
  });
});
