import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { settle, startConnectedPair, stopSyncPair, type Simulator, type SyncNode } from '../support/sync-nodes.ts';

/**
 * The two gaps Exalate's documentation lists for these platforms, closed by the default (Basic mode) rules:
 * a Freshdesk customer reply (a conversation with `incoming: true`, source 0 email, from the requester) reaches the
 * other side as a public comment with its author, and a Freshservice dropdown custom field changed after the first
 * sync reaches the other side (Freshservice `environment` lands on Freshdesk's `cf_environment`).
 */
describe('Freshservice <-> Freshdesk: customer replies and custom-field updates after the first sync', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fs: Simulator;
  let fd: Simulator;
  let fsAgent: Helpdesk;
  let fdAgent: Helpdesk;

  beforeAll(async () => {
    const pair = await startConnectedPair(
      { slug: 'initech', platform: 'freshservice' },
      { slug: 'acme', platform: 'freshdesk' },
      {
        mode: 'basic',
        triggers: 'both',
        beforeConnect: ({ aSim, bSim }) => {
          if (aSim.platform === 'xurrent' || bSim.platform === 'xurrent') throw new Error('unexpected platform');
          aSim.seed({ customFieldChoices: { environment: ['Production', 'Staging'] } });
          bSim.seed({ customFieldChoices: { cf_environment: ['Production', 'Staging'] } });
        },
      },
    );
    ({ a, b, aSim: fs, bSim: fd, aAgent: fsAgent, bAgent: fdAgent } = pair);
  }, 30_000);

  afterAll(async () => {
    await stopSyncPair([a, b], [fs, fd]);
  });

  async function twinIn(agent: Helpdesk, before: Set<string>) {
    const changes = (await agent.listChanged(null)).changes.filter((c) => !before.has(c.id));
    expect(changes).toHaveLength(1);
    return changes[0]!.id;
  }

  it('a Freshdesk customer reply after the first sync reaches Freshservice as a public comment with its author', async () => {
    const fsBefore = new Set((await fsAgent.listChanged(null)).changes.map((c) => c.id));
    const ticket = await fdAgent.createEntity({
      summary: 'Invoice PDF is blank',
      description: '<div>Since the update</div>',
      reporter: { id: null, email: 'sam@customer.example', displayName: 'Sam Lowry' },
    });
    await settle([a, b], [fs, fd]);
    const twin = await twinIn(fsAgent, fsBefore);
    expect((await fsAgent.getEntity(twin)).comments).toEqual([]);

    if (fd.platform !== 'freshdesk') throw new Error('unexpected platform');
    fd.customerReply(Number(ticket.id), '<div>Still blank on page 2</div>');
    await settle([a, b], [fs, fd]);

    const reply = (await fdAgent.getEntity(ticket.id)).comments[0]!;
    expect(reply.internal).toBe(false);
    expect(reply.author).toMatchObject({ email: 'sam@customer.example', displayName: 'Sam Lowry' });
    const there = await fsAgent.getEntity(twin);
    expect(there.comments).toHaveLength(1);
    expect(there.comments[0]).toMatchObject({
      internal: false,
      body: 'Sam Lowry commented: <div>Still blank on page 2</div>',
    });
    // Nothing echoes back: Freshdesk keeps its one reply.
    expect((await fdAgent.getEntity(ticket.id)).comments).toHaveLength(1);
  }, 30_000);

  it('a Freshservice dropdown custom field changed after the first sync reaches Freshdesk', async () => {
    const fdBefore = new Set((await fdAgent.listChanged(null)).changes.map((c) => c.id));
    const ticket = await fsAgent.createEntity({
      summary: 'Deploys fail',
      description: '<div>Pipeline red</div>',
      reporter: { id: null, email: 'max@initech.example', displayName: 'Max' },
      customFields: { environment: 'Staging' },
    });
    await settle([a, b], [fs, fd]);
    const twin = await twinIn(fdAgent, fdBefore);

    if (fs.platform !== 'freshservice') throw new Error('unexpected platform');
    fs.agentUpdate(Number(ticket.id), { custom_fields: { environment: 'Production' } });
    await settle([a, b], [fs, fd]);
    expect((await fdAgent.getEntity(twin)).customFields).toMatchObject({ cf_environment: 'Production' });

    // And every later change too, back to Staging.
    await fsAgent.updateEntity(ticket.id, { customFields: { environment: 'Staging' } });
    await settle([a, b], [fs, fd]);
    expect((await fdAgent.getEntity(twin)).customFields).toMatchObject({ cf_environment: 'Staging' });
    expect((await fsAgent.getEntity(ticket.id)).customFields).toMatchObject({ environment: 'Staging' });
  }, 30_000);
});
