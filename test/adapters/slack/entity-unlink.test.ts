import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { addTrigger } from '../../../src/app/triggers.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { TestClock } from '../../support/nodes.ts';
import { startSlackNode, type SlackNode } from '../../support/slack-nodes.ts';
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

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };
const CONNECTION = 'acme to initech';

/** The buttons of a Block Kit message (its JSON): action id and value, in order. */
function buttonsIn(json: string): string[][] {
  const found: string[][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o['type'] === 'button') found.push([String(o['action_id']), String(o['value'])]);
      Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(json));
  return found;
}

/** Unlink on the ticket view, through the real Bolt receiver: admins only, asked first, both sides stop. */
describe('Unlink on the ticket view in Slack', () => {
  let a: SlackNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let ids: { a: string; b: string };
  let ticket: { id: string; key: string };

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
    const [group] = await agentOf(fd).listProjects();
    const [workspace] = await agentOf(fs).listProjects();
    ids = await connect(nodeA, 'acme', b, 'initech', { aProject: group!.id, bProject: workspace!.id });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
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
    expect(a?.slackApi.problems ?? []).toEqual([]);
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), fs?.close()]);
  });

  const unlinkedOn = (node: SyncNode, connectionId: string) =>
    rows<{ reason: string | null }>(
      node,
      'SELECT unlinked_reason AS reason FROM twin_links WHERE connection_id = ?',
      connectionId,
    ).map((r) => r.reason);

  async function ephemeral(user: typeof alice | typeof mallory, text: string): Promise<string> {
    const before = a.slackApi.callsTo('response_url').length;
    await a.command(user, text);
    await a.slackApi.waitFor('response_url', () => a.slackApi.callsTo('response_url').length > before);
    return JSON.stringify(a.slackApi.callsTo('response_url').at(-1)!.args);
  }

  async function click(user: typeof alice | typeof mallory, actionId: string, value: string) {
    const before = a.slackApi.callsTo('response_url').length;
    await a.click(user, { actionId, value }, { channelId: 'C_OPS', messageTs: '1.1' });
    await a.slackApi.waitFor('response_url', () => a.slackApi.callsTo('response_url').length > before);
    return a.slackApi.callsTo('response_url').at(-1)!.args;
  }

  it('asks first, refuses a non-admin, Cancel changes nothing, and Unlink stops both sides', async () => {
    const shown = await ephemeral(alice, `ticket ${CONNECTION} ${ticket.key}`);
    expect(shown).toContain(`${ticket.key} on ${CONNECTION}: synced`);
    const value = `${ids.a}|${ticket.id}`;
    expect(buttonsIn(shown)).toEqual([['ticket.unlink', value]]);

    // A member who is not an admin: refused at every step, nothing changes.
    expect(JSON.stringify(await click(mallory, 'ticket.unlink', value))).toMatch(/Only DeskBridge admins/);
    expect(JSON.stringify(await click(mallory, 'ticket.unlink.confirm', value))).toMatch(/Only DeskBridge admins/);
    expect(unlinkedOn(a as unknown as SyncNode, ids.a)).toEqual([null]);

    const question = JSON.stringify(await click(alice, 'ticket.unlink', value));
    expect(question).toContain(`Unlink *${ticket.key}* from #1 on *${CONNECTION}*? Both sides stop syncing this pair`);
    expect(buttonsIn(question)).toEqual([
      ['ticket.unlink.confirm', value],
      ['ticket.unlink.cancel', value],
    ]);
    const cancelled = await click(alice, 'ticket.unlink.cancel', value);
    expect(cancelled['replace_original']).toBe(true);
    expect(JSON.stringify(cancelled)).toContain('Nothing was unlinked.');
    expect(unlinkedOn(a as unknown as SyncNode, ids.a)).toEqual([null]);

    const done = await click(alice, 'ticket.unlink.confirm', value);
    expect(done['replace_original']).toBe(true);
    expect(JSON.stringify(done)).toContain(`Unlinked *${ticket.key}* on *${CONNECTION}*`);
    await settle([a as unknown as SyncNode, b], [fd, fs]);
    expect(unlinkedOn(a as unknown as SyncNode, ids.a)).toEqual(['unlinked']);
    expect(unlinkedOn(b, ids.b)).toEqual(['unlinked']);
    expect(rows(a as unknown as SyncNode, "SELECT actor FROM audit_log WHERE action = 'entities.unlink'")).toEqual([
      { actor: 'slack:T_ACME/U_ALICE' },
    ]);

    // The ticket view says so, and offers no Unlink any more.
    const after = await ephemeral(alice, `ticket ${CONNECTION} ${ticket.key}`);
    expect(after).toContain(`${ticket.key} on ${CONNECTION}: unlinked`);
    expect(after).toMatch(/Unlinked on \d{4}-\d\d-\d\dT[^ ]+ by this side/);
    expect(buttonsIn(after)).toEqual([]);
  }, 30_000);

  it('a forged button value naming another connection or a broken value is refused', async () => {
    expect(JSON.stringify(await click(alice, 'ticket.unlink.confirm', `no-such-connection|${ticket.id}`))).toMatch(
      /no-such-connection/,
    );
    expect(JSON.stringify(await click(alice, 'ticket.unlink.confirm', 'garbage'))).toContain(
      'This button is not one DeskBridge knows any more; start again.',
    );
  }, 30_000);
});
