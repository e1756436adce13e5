import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueStatus } from '../../../src/app/queue-status.ts';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { addTrigger } from '../../../src/app/triggers.ts';
import type { Entity } from '../../../src/domain/entity.ts';
import type { Helpdesk } from '../../../src/domain/helpdesk.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { TestClock } from '../../support/nodes.ts';
import { startSlackNode, type SlackNode } from '../../support/slack-nodes.ts';
import {
  agentOf,
  connect,
  fastConnectorOptions,
  registerOn,
  startSimulator,
  startSyncNode,
  syncUntil,
  type Simulator,
  type SyncNode,
} from '../../support/sync-nodes.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };
const CONNECTION = 'acme to initech';

/** `/bridge ticket` and `/bridge queue` through the real Bolt receiver, on a node that syncs with a second one. */
describe('the ticket and queue views from Slack', () => {
  let a: SlackNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let fdAgent: Helpdesk;
  let fsAgent: Helpdesk;
  let laptop: Entity;

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
    a = await startSlackNode('a', {
      clock,
      connectHelpdesk: realHelpdesks(fastConnectorOptions),
      env: { SYNC_INTERVAL_MS: '0', LOG_LEVEL: 'warn' },
    });
    b = await startSyncNode('b', {}, clock);
    a.slackApi.addUser(alice).addUser(mallory);
    const nodeA = a as unknown as SyncNode;
    await registerOn(nodeA, 'acme', fd);
    await registerOn(b, 'initech', fs);
    fdAgent = agentOf(fd);
    fsAgent = agentOf(fs);
    const [group] = await fdAgent.listProjects();
    const [workspace] = await fsAgent.listProjects();
    const ids = await connect(nodeA, 'acme', b, 'initech', { aProject: group!.id, bProject: workspace!.id });
    await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'test:alice' });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    laptop = await fdAgent.createEntity({
      summary: 'Laptop broken',
      description: '<p>Laptop broken</p>',
      priority: fdAgent.priorities.fromCode(1),
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
    await syncUntil([nodeA, b], [fd, fs], async () => (await fsAgent.listChanged(null)).changes.length === 1);
    // The other node's acknowledgement (naming the twin) comes back too.
    await syncUntil([nodeA, b], [fd, fs], () => queueStatus(a.deps, { connection: ids.a }).stages.inbox.count === 0);
  }, 30_000);

  afterAll(async () => {
    expect(a?.slackApi.problems ?? []).toEqual([]);
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), fs?.close()]);
  });

  async function ephemeral(user: { id: string; team_id: string; name: string }, text: string): Promise<string> {
    const before = a.slackApi.callsTo('response_url').length;
    await a.command(user, text);
    await a.slackApi.waitFor('response_url', () => a.slackApi.callsTo('response_url').length > before);
    return JSON.stringify(a.slackApi.callsTo('response_url').at(-1)!.args);
  }

  it('a synced ticket: its state, the reason, its twin on the other side and the trigger that selects it', async () => {
    const shown = await ephemeral(alice, `ticket ${CONNECTION} ${laptop.key}`);
    expect(shown).toContain(`${laptop.key} on ${CONNECTION}: synced`);
    // The Freshservice simulator numbers its first ticket #1: that is the twin.
    expect(shown).toMatch(/In sync with #1; last synced at /);
    expect(shown).toContain('Laptop broken');
    expect(shown).toMatch(/\*Last sent\*\\n\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(shown).toContain('(active, query \\"\\"): selects it');
  }, 30_000);

  it('the queue: nothing waits after the sync, and the other node acknowledged it', async () => {
    const shown = await ephemeral(alice, `queue ${CONNECTION}`);
    expect(shown).toContain(`Queue of ${CONNECTION}`);
    expect(shown).toContain('Nothing waits: everything is synced.');
    expect(shown).toMatch(/\*Last acknowledged\*\\nmessage \d+ at /);
  }, 30_000);

  it('help lists both commands', async () => {
    const help = await ephemeral(alice, 'help');
    // Slack escapes < and > in mrkdwn.
    expect(help).toContain('/bridge ticket &lt;connection&gt; &lt;key&gt;');
    expect(help).toContain('/bridge queue &lt;connection&gt;');
  });

  it('a non-admin is refused both views, and sees nothing of the ticket', async () => {
    const ticket = await ephemeral(mallory, `ticket ${CONNECTION} ${laptop.key}`);
    expect(ticket).toMatch(/Only DeskBridge admins/);
    expect(ticket).not.toContain('Laptop broken');
    const queue = await ephemeral(mallory, `queue ${CONNECTION}`);
    expect(queue).toMatch(/Only DeskBridge admins/);
    expect(queue).not.toContain('Queue of');
  });

  it('bad input gets a clear answer: an unknown connection, a missing key, a ticket that does not exist, a key with markup', async () => {
    expect(await ephemeral(alice, `ticket no such link ${laptop.key}`)).toMatch(/no such link/i);
    expect(await ephemeral(alice, 'queue no such link')).toMatch(/no such link/i);
    expect(await ephemeral(alice, 'ticket')).toContain('Name the connection and the ticket: `/bridge ticket');
    expect(await ephemeral(alice, 'queue')).toContain('Name the connection: `/bridge queue');
    expect(await ephemeral(alice, `ticket ${CONNECTION} #9999`)).toContain(
      `There is no ticket \\"#9999\\" in the helpdesk of connection \\"${CONNECTION}\\"`,
    );
    const markup = await ephemeral(alice, `ticket ${CONNECTION} <!channel>`);
    expect(markup).toContain('a ticket key is its number or id');
    expect(markup).not.toContain('<!channel>');
  }, 30_000);
});
