import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTrigger } from '../../../src/app/triggers.ts';
import { cardOf, type ConnectorCall } from '../../support/fake-bot-connector.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { TestClock } from '../../support/nodes.ts';
import {
  agentOf,
  connect,
  fastConnectorOptions,
  registerOn,
  rows,
  settle,
  startSimulator,
  startSyncNode,
  type Simulator,
  type SyncNode,
} from '../../support/sync-nodes.ts';
import {
  acmeChannel,
  answeredCard,
  cardActions,
  cardText,
  findAction,
  linkTeamsTenant,
  memberOf,
  startTeamsNode,
  submission,
  teamsUser,
  type TeamsNode,
  type TeamsTestUser,
} from '../../support/teams-nodes.ts';

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const mallory = teamsUser('mallory', ACME, 'Mallory Member');
const ops = acmeChannel('ops');
const CONNECTION = 'acme to initech';

/** Unlink on the ticket card, through the real botbuilder endpoint: admins only, asked first, both sides stop. */
describe('Unlink on the ticket card in Teams', () => {
  let a: TeamsNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let ids: { a: string; b: string };
  let ticket: { id: string; key: string };

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
    const [group] = await agentOf(fd).listProjects();
    const [workspace] = await agentOf(fs).listProjects();
    ids = await connect(nodeA, 'acme', b, 'initech', { aProject: group!.id, bProject: workspace!.id });
    linkTeamsTenant(a.deps, ACME, 'acme');
    a.connector.setMembers('*', [memberOf(alice), memberOf(mallory)]);
    // The first person to add the bot to a team administers it.
    await a.installed(alice, ops);
    await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'test:alice' });
    const fdAgent = agentOf(fd);
    const made = await fdAgent.createEntity({
      summary: 'Badge reader offline',
      description: '<p>Door 4</p>',
      priority: fdAgent.priorities.fromCode(1),
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
    ticket = { id: made.id, key: made.key };
    await settle([nodeA, b], [fd, fs]);
  }, 60_000);

  afterAll(async () => {
    expect(a?.connector.problems ?? []).toEqual([]);
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), fs?.close()]);
  });

  async function posted(user: TeamsTestUser, text: string): Promise<ConnectorCall> {
    const mark = a.connector.calls.length;
    await a.command(user, ops, text);
    return a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === ops.channelId,
    );
  }

  const buttonsOf = (card: Record<string, unknown>) =>
    cardActions(card).flatMap((action) => {
      const db = (action['data'] as { db?: { kind?: string; action?: string; value?: string } } | undefined)?.db;
      return db?.kind === 'action' ? [[db.action, db.value]] : [];
    });

  const unlinkedOn = (node: SyncNode, connectionId: string) =>
    rows<{ reason: string | null }>(
      node,
      'SELECT unlinked_reason AS reason FROM twin_links WHERE connection_id = ?',
      connectionId,
    ).map((r) => r.reason);

  it('asks first, refuses a non-admin, and Unlink stops both sides', async () => {
    const post = await posted(alice, `ticket ${CONNECTION} ${ticket.key}`);
    const card = cardOf(post);
    const value = `${ids.a}|${ticket.id}`;
    expect(cardText(card)).toContain(`${ticket.key} on ${CONNECTION}: synced`);
    expect(buttonsOf(card)).toEqual([['ticket.unlink', value]]);
    const press = (user: TeamsTestUser, on: Record<string, unknown>, actionId: string) => {
      const action = findAction(on, 'action', actionId);
      return a.execute(user, ops, { verb: String(action['verb']), data: submission(on, action) }, post.resultId!);
    };

    // A refusal is a message to the clicker, not a card.
    expect((await press(mallory, card, 'ticket.unlink')).text).toMatch(
      /Only DeskBridge admins of this workspace can unlink/,
    );
    expect(unlinkedOn(a as unknown as SyncNode, ids.a)).toEqual([null]);

    const question = answeredCard(await press(alice, card, 'ticket.unlink'));
    expect(cardText(question)).toContain(`Both sides stop syncing this pair; neither ticket is deleted.`);
    expect(buttonsOf(question)).toEqual([
      ['ticket.unlink.confirm', value],
      ['ticket.unlink.cancel', value],
    ]);
    expect((await press(mallory, question, 'ticket.unlink.confirm')).text).toMatch(/Only DeskBridge admins/);
    expect(unlinkedOn(a as unknown as SyncNode, ids.a)).toEqual([null]);

    const done = answeredCard(await press(alice, question, 'ticket.unlink.confirm'));
    // Teams markdown bolds with two asterisks.
    expect(cardText(done)).toContain(`Unlinked **${ticket.key}** on **${CONNECTION}**: it and its twin no longer sync`);
    await settle([a as unknown as SyncNode, b], [fd, fs]);
    expect(unlinkedOn(a as unknown as SyncNode, ids.a)).toEqual(['unlinked']);
    expect(unlinkedOn(b, ids.b)).toEqual(['unlinked']);
    const after = cardOf(await posted(alice, `ticket ${CONNECTION} ${ticket.key}`));
    expect(cardText(after)).toContain(`${ticket.key} on ${CONNECTION}: unlinked`);
    expect(buttonsOf(after)).toEqual([]);
  }, 30_000);
});
