import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTrigger } from '../../src/app/triggers.ts';
import { listConnections } from '../../src/app/connection-lifecycle.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { connect, settle, startSyncPair, type Simulator, type SyncNode } from '../support/sync-nodes.ts';
import { publishScripts } from '../support/sync-rules.ts';

const xurrentIncoming = `if (firstSync) {
    entity.category = "incident"
}
entity.summary     = replica.summary
entity.description = replica.description
def statuses = ["Open": "assigned", "Pending": "waiting_for_customer", "Resolved": "completed", "Closed": "completed"]
if (replica.status) entity.status = nodeHelper.getStatus(statuses[replica.status.name] ?: "assigned")
def impacts = ["Low": "low", "Medium": "medium", "High": "high", "Urgent": "top"]
if (replica.priority) entity.priority = nodeHelper.getPriority(impacts[replica.priority.name] ?: "medium")
entity.comments    = commentHelper.mergeComments(entity, replica)
entity.attachments = attachmentHelper.mergeAttachments(entity, replica)
`;

const freshdeskIncoming = `entity.summary = replica.summary
def statuses = ["Assigned": "Open", "In Progress": "Open", "Waiting for Customer": "Pending", "Completed": "Resolved"]
if (replica.status) entity.status = nodeHelper.getStatus(statuses[replica.status.name] ?: "Open")
entity.comments    = commentHelper.mergeComments(entity, replica)
entity.attachments = attachmentHelper.mergeAttachments(entity, replica)
`;

describe('Freshdesk <-> Xurrent, two nodes, Script mode', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let xr: Simulator;
  let fdAgent: Helpdesk;
  let xrAgent: Helpdesk;
  let ids: { a: string; b: string };

  beforeAll(async () => {
    ({
      a,
      b,
      aSim: fd,
      bSim: xr,
      aAgent: fdAgent,
      bAgent: xrAgent,
    } = await startSyncPair({ slug: 'acme', platform: 'freshdesk' }, { slug: 'globex', platform: 'xurrent' }));
    const projects = await fdAgent.listProjects();
    ids = await connect(a, 'acme', b, 'globex', { aProject: projects[0]!.id });
    for (const [node, id, incoming] of [
      [b, ids.b, xurrentIncoming],
      [a, ids.a, freshdeskIncoming],
    ] as const) {
      const { defaultScripts } = await import('../../src/rules/index.ts');
      const platform = node === a ? 'freshdesk' : 'xurrent';
      publishScripts(node, id, { outgoing: defaultScripts(platform).outgoing, incoming });
    }
    await addTrigger(a.deps, { connection: ids.a, query: "tag:'sync'", actor: 'test:alice' });
    await addTrigger(b.deps, { connection: ids.b, query: 'category=incident', actor: 'test:bob' });
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), xr?.close()]);
  });

  it('creates, updates and comments both ways; the twin matches the rules, nothing echoes', async () => {
    const ticket = await fdAgent.createEntity({
      summary: 'Printer on fire',
      description: '<p>Smoke from tray 2</p>',
      status: { id: 2, name: 'Open' },
      priority: { id: 3, name: 'High' },
      labels: ['sync'],
      reporter: { id: null, email: 'pat@acme.example', displayName: 'Pat' },
    });
    await fdAgent.addComment(ticket.id, { body: 'First note', internal: false });
    await a.sync.pollOnce(true);
    await settle([a, b], [fd, xr]);

    const twinId = listConnections(b.deps)[0]!;
    expect(twinId.entitiesUnderSync).toBe(1);
    const changed = await xrAgent.listChanged(null);
    expect(changed.changes).toHaveLength(1);
    const request = await xrAgent.getEntity(changed.changes[0]!.id);
    expect(request).toMatchObject({
      summary: 'Printer on fire',
      description: '<p>Smoke from tray 2</p>',
      status: { id: 'assigned' },
      priority: { id: 'high' },
    });
    expect(request.comments.map((c) => c.body)).toEqual([expect.stringContaining('First note')]);

    // Update on Freshdesk: summary, status, priority, a comment.
    await fdAgent.updateEntity(ticket.id, {
      summary: 'Printer on fire (tray 2)',
      status: { id: 3, name: 'Pending' },
      priority: { id: 4, name: 'Urgent' },
    });
    await fdAgent.addComment(ticket.id, { body: 'Second note', internal: false });
    await settle([a, b], [fd, xr]);
    const updated = await xrAgent.getEntity(request.id);
    expect(updated).toMatchObject({
      summary: 'Printer on fire (tray 2)',
      status: { id: 'waiting_for_customer' },
      priority: { id: 'top' },
    });
    expect(updated.comments.map((c) => c.body)).toEqual([
      expect.stringContaining('First note'),
      expect.stringContaining('Second note'),
    ]);

    // And back: Xurrent agent completes the request and comments. Applying it on Freshdesk sends nothing back.
    const replicas = (node: SyncNode) =>
      (node.deps.db.$client.prepare("select count(*) as n from outbox where kind = 'replica'").get() as { n: number })
        .n;
    const sentByA = replicas(a);
    const sentByB = replicas(b);
    await xrAgent.updateEntity(request.id, { status: { id: 'completed', name: 'Completed' } });
    await xrAgent.addComment(request.id, { body: 'Fixed the fuser', internal: false });
    await settle([a, b], [fd, xr]);
    const back = await fdAgent.getEntity(ticket.id);
    expect(back.status).toMatchObject({ id: 4 });
    expect(back.comments.map((c) => c.body)).toEqual([
      'First note',
      'Second note',
      expect.stringContaining('Fixed the fuser'),
    ]);
    const again = await xrAgent.getEntity(request.id);
    expect(again.comments).toHaveLength(3);
    expect((await xrAgent.listChanged(null)).changes).toHaveLength(1);
    expect(replicas(a)).toBe(sentByA);
    expect(replicas(b)).toBeGreaterThan(sentByB);
    const sentByBAfter = replicas(b);

    // An attachment travels with its bytes.
    await fdAgent.uploadAttachment(ticket.id, {
      filename: 'log.txt',
      mimetype: 'text/plain',
      data: Buffer.from('paper jam at 09:14'),
    });
    await settle([a, b], [fd, xr]);
    const withFile = await xrAgent.getEntity(request.id);
    const file = withFile.attachments.find((x) => x.filename === 'log.txt');
    expect(file).toBeDefined();
    expect(Buffer.from((await xrAgent.downloadAttachment(request.id, file!)).data).toString()).toBe(
      'paper jam at 09:14',
    );

    // Nothing echoes: applying the attachment on Xurrent sent nothing back, and the engines are idle.
    expect(replicas(b)).toBe(sentByBAfter);
    expect(await a.sync.tick()).toBe(0);
    expect(await b.sync.tick()).toBe(0);
    const fdTicket = await fdAgent.getEntity(ticket.id);
    expect(fdTicket.comments).toHaveLength(3);
    expect(fdTicket.attachments.filter((x) => x.filename === 'log.txt')).toHaveLength(1);
  }, 30_000);
});
