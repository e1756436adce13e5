import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { settle, startConnectedPair, stopSyncPair, type Simulator, type SyncNode } from '../support/sync-nodes.ts';

describe('Freshservice <-> Freshdesk, Basic mode (the default rules)', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fs: Simulator;
  let fd: Simulator;
  let fsAgent: Helpdesk;
  let fdAgent: Helpdesk;

  beforeAll(async () => {
    // An empty query selects every ticket: webhooks alone bring new tickets in.
    const pair = await startConnectedPair(
      { slug: 'initech', platform: 'freshservice' },
      { slug: 'acme', platform: 'freshdesk' },
      { mode: 'basic', triggers: 'both' },
    );
    ({ a, b, aSim: fs, bSim: fd, aAgent: fsAgent, bAgent: fdAgent } = pair);
  }, 30_000);

  afterAll(async () => {
    await stopSyncPair([a, b], [fs, fd]);
  });

  it('syncs summary, description, labels, comments and attachments there and back', async () => {
    const ticket = await fsAgent.createEntity({
      summary: 'VPN drops every hour',
      description: '<div>Since Monday</div>',
      labels: ['network', 'vpn'],
      reporter: { id: null, email: 'sam@initech.example', displayName: 'Sam' },
    });
    await fsAgent.addComment(ticket.id, { body: 'Happens on Wi-Fi only', internal: false });
    await fsAgent.uploadAttachment(ticket.id, {
      filename: 'trace.pcap',
      mimetype: 'application/octet-stream',
      data: Buffer.from([1, 2, 3, 4]),
    });
    await settle([a, b], [fs, fd]);

    const [created] = (await fdAgent.listChanged(null)).changes;
    expect(created).toBeDefined();
    const twin = await fdAgent.getEntity(created!.id);
    expect(twin).toMatchObject({ summary: 'VPN drops every hour', description: '<div>Since Monday</div>' });
    expect(twin.labels.filter((l) => !l.startsWith('deskbridge-'))).toEqual(['network', 'vpn']);
    expect(twin.comments.map((c) => c.body)).toEqual([expect.stringContaining('Happens on Wi-Fi only')]);
    expect(twin.attachments.map((x) => x.filename)).toEqual(['trace.pcap']);

    await fsAgent.updateEntity(ticket.id, {
      summary: 'VPN drops every hour (all sites)',
      description: '<div>Since Monday, all sites</div>',
      labels: ['network', 'vpn', 'p1'],
    });
    await settle([a, b], [fs, fd]);
    const updated = await fdAgent.getEntity(created!.id);
    expect(updated).toMatchObject({
      summary: 'VPN drops every hour (all sites)',
      description: '<div>Since Monday, all sites</div>',
    });
    expect(updated.labels.filter((l) => !l.startsWith('deskbridge-'))).toEqual(['network', 'vpn', 'p1']);

    // Back from Freshdesk: a comment and a file; Freshservice gets them once, Freshdesk keeps its own once.
    await fdAgent.addComment(created!.id, { body: 'Replaced the access point', internal: false });
    await fdAgent.uploadAttachment(created!.id, {
      filename: 'ap.txt',
      mimetype: 'text/plain',
      data: Buffer.from('AP-7 swapped'),
    });
    await settle([a, b], [fs, fd]);
    const back = await fsAgent.getEntity(ticket.id);
    expect(back.comments.map((c) => c.body)).toEqual([
      'Happens on Wi-Fi only',
      expect.stringContaining('Replaced the access point'),
    ]);
    expect(back.attachments.map((x) => x.filename).sort()).toEqual(['ap.txt', 'trace.pcap']);
    const there = await fdAgent.getEntity(created!.id);
    expect(there.comments).toHaveLength(2);
    expect(there.attachments).toHaveLength(2);
    expect((await fdAgent.listChanged(null)).changes).toHaveLength(1);
    expect((await fsAgent.listChanged(null)).changes).toHaveLength(1);
    expect(await a.sync.tick()).toBe(0);
    expect(await b.sync.tick()).toBe(0);
  }, 30_000);
});
