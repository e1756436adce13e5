import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTrigger } from '../../src/app/triggers.ts';
import {
  agentOf,
  connect,
  registerOn,
  rows,
  startSimulator,
  startSyncNode,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';
import { TestClock } from '../support/nodes.ts';

/**
 * The API budget of a synced ticket (the benchmark target): Freshdesk -> Freshservice, webhooks on both sides,
 * engines on their own timers as in the service. The minimum is 5 calls: one read of the source ticket (conversations
 * included), one create with the description, one call per note. The sixth is the read that the webhooks of our own
 * writes cause on the target (an echo, recognised and dropped): it must be one read, however many writes echoed.
 */
describe('API calls per synced ticket', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
    const env = { SYNC_INTERVAL_MS: '50', SYNC_ECHO_SETTLE_MS: '150' };
    [a, b] = await Promise.all([startSyncNode('calls-a', env, clock), startSyncNode('calls-b', env, clock)]);
    await registerOn(a, 'acme', fd);
    await registerOn(b, 'initech', fs);
    const [group] = await agentOf(fd).listProjects();
    const [workspace] = await agentOf(fs).listProjects();
    const ids = await connect(a, 'acme', b, 'initech', { mode: 'basic', aProject: group!.id, bProject: workspace!.id });
    await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'test:alice' });
    a.sync.start();
    b.sync.start();
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.sync.stop(), b?.sync.stop()]);
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), fs?.close()]);
  });

  it('reads the source once, writes the twin in 1 + 3 calls, and reads its echo once: 6 calls', async () => {
    if (fd.platform === 'xurrent' || fs.platform === 'xurrent') throw new Error('unexpected platform');
    // Let the engines' first passes (the trigger poll) go by, so only the ticket's own calls are counted.
    await new Promise((r) => setTimeout(r, 300));
    const before = { fd: fd.requests.total, fs: fs.requests.total };
    const id = fd.addTicket({
      subject: 'Printer on fire',
      description: '<p>Third floor</p>',
      email: 'pat@acme.example',
      conversations: [1, 2, 3].map((n) => ({ body: `Update ${n}`, private: false })),
    });
    fd.agentUpdate(id, { priority: 2 });

    const deadline = Date.now() + 15_000;
    const twins = () => rows<{ remote_entity_id: string }>(b, 'select remote_entity_id from twin_links');
    while (twins().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(twins()).toEqual([{ remote_entity_id: String(id) }]);
    // The webhooks of our four writes (create, three notes) arrive, settle, and are read as one change.
    await new Promise((r) => setTimeout(r, 800));
    await Promise.all([fd.webhooks.settle(), fs.webhooks.settle()]);
    await new Promise((r) => setTimeout(r, 500));

    expect(fd.requests.total - before.fd).toBe(1);
    expect(fs.requests.total - before.fs).toBe(5);
    expect(fs.ticketCount()).toBe(1);
    const twin = fs.ticket(1);
    expect(twin).toMatchObject({ subject: 'Printer on fire' });
    // Nothing echoed back: the source side received only the ack.
    expect(rows(a, "select count(*) as n from inbox where kind = 'replica'")).toEqual([{ n: 0 }]);
  }, 30_000);
});
