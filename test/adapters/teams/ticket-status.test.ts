import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueStatus } from '../../../src/app/queue-status.ts';
import { addTrigger } from '../../../src/app/triggers.ts';
import type { Entity } from '../../../src/domain/entity.ts';
import type { Helpdesk } from '../../../src/domain/helpdesk.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { TestClock } from '../../support/nodes.ts';
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
import {
  acmeChannel,
  cardText,
  linkTeamsTenant,
  memberOf,
  startTeamsNode,
  teamsUser,
  type TeamsNode,
  type TeamsTestUser,
} from '../../support/teams-nodes.ts';

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const mallory = teamsUser('mallory', ACME, 'Mallory Member');
const ops = acmeChannel('ops');
const CONNECTION = 'acme to initech';

/** `@DeskBridge ticket …` and `@DeskBridge queue …` through the real botbuilder endpoint. */
describe('the ticket and queue views over Teams', () => {
  let a: TeamsNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let laptop: Entity;

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
    a = await startTeamsNode('a', {
      clock,
      connectHelpdesk: realHelpdesks(fastConnectorOptions),
      env: { SYNC_INTERVAL_MS: '0', POLLER_ENABLED: 'false', LOG_LEVEL: 'warn' },
    });
    b = await startSyncNode('b', {}, clock);
    const nodeA = a as unknown as SyncNode;
    await registerOn(nodeA, 'acme', fd);
    await registerOn(b, 'initech', fs);
    const fdAgent: Helpdesk = agentOf(fd);
    const fsAgent: Helpdesk = agentOf(fs);
    const [group] = await fdAgent.listProjects();
    const [workspace] = await fsAgent.listProjects();
    const ids = await connect(nodeA, 'acme', b, 'initech', { aProject: group!.id, bProject: workspace!.id });
    await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'test:alice' });
    linkTeamsTenant(a.deps, ACME, 'acme');
    a.connector.setMembers('*', [memberOf(alice), memberOf(mallory)]);
    // The first person to add the bot to a team administers it.
    await a.installed(alice, ops);
    laptop = await fdAgent.createEntity({
      summary: 'Laptop broken',
      description: '<p>Laptop broken</p>',
      priority: fdAgent.priorities.fromCode(1),
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
    await syncUntil([nodeA, b], [fd, fs], async () => (await fsAgent.listChanged(null)).changes.length === 1);
    await syncUntil([nodeA, b], [fd, fs], () => queueStatus(a.deps, { connection: ids.a }).stages.inbox.count === 0);
  }, 30_000);

  afterAll(async () => {
    expect(a?.connector.problems ?? []).toEqual([]);
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), fs?.close()]);
  });

  async function say(user: TeamsTestUser, text: string): Promise<string> {
    const mark = a.connector.calls.length;
    await a.command(user, ops, text);
    const post = await a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === ops.channelId,
    );
    return cardText(cardOf(post));
  }

  it('a synced ticket: its state, the reason with its twin, and the trigger that selects it', async () => {
    const shown = await say(alice, `ticket ${CONNECTION} ${laptop.key}`);
    expect(shown).toContain(`${laptop.key} on ${CONNECTION}: synced`);
    // The Freshservice simulator numbers its first ticket #1: that is the twin.
    expect(shown).toMatch(/In sync with #1; last synced at /);
    expect(shown).toContain('Laptop broken');
    expect(shown).toContain('selects it');
  }, 30_000);

  it('the queue: nothing waits after the sync', async () => {
    const shown = await say(alice, `queue ${CONNECTION}`);
    expect(shown).toContain(`Queue of ${CONNECTION}`);
    expect(shown).toContain('Nothing waits: everything is synced.');
  }, 30_000);

  it('a non-admin is refused, an unknown connection and an unknown ticket get a clear answer', async () => {
    const refused = await say(mallory, `ticket ${CONNECTION} ${laptop.key}`);
    expect(refused).toMatch(/Only DeskBridge admins/);
    expect(refused).not.toContain('Laptop broken');
    expect(await say(mallory, `queue ${CONNECTION}`)).toMatch(/Only DeskBridge admins/);
    expect(await say(alice, `queue no such link`)).toMatch(/no such link/i);
    expect(await say(alice, `ticket ${CONNECTION} #9999`)).toContain(
      `There is no ticket \\"#9999\\" in the helpdesk of connection \\"${CONNECTION}\\"`,
    );
  }, 30_000);
});
