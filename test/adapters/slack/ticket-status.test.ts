import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueStatus } from '../../../src/app/queue-status.ts';
import { listSyncErrors } from '../../../src/app/sync-errors.ts';
import type { ChatPartner } from '../../support/chat-partner.ts';
import {
  buttonsIn,
  clickReply,
  ephemeralReply,
  startSlackAdminWithConnection,
  type SlackNode,
} from '../../support/slack-nodes.ts';
import { rows } from '../../support/sync-nodes.ts';
import { seedTicketStates, SLOW_RETRIES, type TicketStates, TRIGGER_QUERY } from '../../support/ticket-states.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };
const CONNECTION = 'acme to initech';

/**
 * `/bridge ticket` and `/bridge queue` through the real Bolt receiver, on a node that syncs with a second one: the
 * four states of a ticket (test/support/ticket-states.ts), and Retry now on the queue.
 */
describe('the ticket and queue views from Slack', () => {
  let partner: ChatPartner<SlackNode>;
  let a: SlackNode;
  let connectionId: string;
  let states: TicketStates;

  beforeAll(async () => {
    partner = await startSlackAdminWithConnection({ users: [alice, mallory], env: SLOW_RETRIES });
    a = partner.a;
    connectionId = partner.ids.a;
    states = await seedTicketStates(partner.nodeA, partner.b, partner, connectionId);
  }, 60_000);

  afterAll(async () => {
    await states?.reopenB();
    await partner?.stop();
  });

  const ephemeral = (user: { id: string; team_id: string; name: string }, text: string) =>
    ephemeralReply(a, user, text);

  it('a synced ticket: its state, the reason, its twin on the other side and the trigger that selects it', async () => {
    const shown = await ephemeral(alice, `ticket ${CONNECTION} ${states.synced.key}`);
    expect(shown).toContain(`${states.synced.key} on ${CONNECTION}: synced`);
    expect(shown).toContain(`In sync with ${states.twinKeys.synced}; last synced at `);
    expect(shown).toContain('Laptop broken');
    expect(shown).toMatch(/\*Last sent\*\\n\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(shown).toContain(`(active, query \\"${TRIGGER_QUERY}\\"): selects it`);
  }, 30_000);

  it('a ticket waiting on the backoff: its state, the failed attempt and when it is tried next', async () => {
    const shown = await ephemeral(alice, `ticket ${CONNECTION} ${states.waiting.key}`);
    expect(shown).toContain(`${states.waiting.key} on ${CONNECTION}: waiting`);
    expect(shown).toMatch(
      /Waiting in the outbox after 1 failed attempt: Could not reach the other DeskBridge at [^"]+ is running\. Next try not before \d{4}-/,
    );
    // The waiting row: stage and kind, the age, 1 attempt and the next try.
    expect(shown).toContain('*Stage*\\noutbox (replica)');
    expect(shown).toMatch(/\*Waiting\*\\n\d+s, 1 attempt, next try \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(shown).toContain(`*Twin*\\n${states.twinKeys.waiting}`);
  }, 30_000);

  it('a ticket blocked by a script error: its state, the error with its line, and Retry and Resolve on it', async () => {
    const shown = await ephemeral(alice, `ticket ${CONNECTION} ${states.blocked.key}`);
    const [error] = listSyncErrors(a.deps, { connection: connectionId }).filter(
      (e) => e.entityId === states.blocked.id,
    );
    expect(error).toBeDefined();
    expect(shown).toContain(`${states.blocked.key} on ${CONNECTION}: blocked`);
    expect(shown).toContain(`Blocked by sync error ${error!.id} (outgoing, script_error at line ${states.errorLine}:`);
    expect(shown).toContain(`script_error at line ${states.errorLine}, column`);
    expect(buttonsIn(shown)).toEqual([
      ['sync-errors.retry', `${connectionId}|${error!.id}`],
      ['sync-errors.resolve', `${connectionId}|${error!.id}`],
    ]);
  }, 30_000);

  it('a ticket no trigger matches: its state and the reason, naming the trigger and its query', async () => {
    const shown = await ephemeral(alice, `ticket ${CONNECTION} ${states.unselected.key}`);
    expect(shown).toContain(`${states.unselected.key} on ${CONNECTION}: unselected`);
    expect(shown).toContain(
      `Not under sync: the active trigger ${states.triggerId} (query \\"${TRIGGER_QUERY}\\") does not match it.`,
    );
    expect(shown).toContain(`(active, query \\"${TRIGGER_QUERY}\\"): does not select it`);
    expect(shown).not.toContain('sync-errors.retry');
  }, 30_000);

  it('the queue: the item on the backoff, with Retry now; a non-admin click changes nothing; an admin click retries it', async () => {
    const shown = await ephemeral(alice, `queue ${CONNECTION}`);
    expect(shown).toContain(`Queue of ${CONNECTION}`);
    expect(shown).toContain('1 (1 on backoff)');
    expect(shown).toMatch(/\*Last acknowledged\*\\nmessage \d+ at /);
    expect(buttonsIn(shown)).toEqual([['queue.retry-now', connectionId]]);
    const retries = () => rows(partner.nodeA, "select actor, details from audit_log where action = 'queue.retry-now'");

    const click = (user: { id: string; team_id: string; name: string }) =>
      clickReply(a, user, { actionId: 'queue.retry-now', value: connectionId });
    const refused = await click(mallory);
    expect(JSON.stringify(refused)).toMatch(/Only DeskBridge admins/);
    expect(queueStatus(a.deps, { connection: connectionId }).stages.outbox.onBackoff).toBe(1);
    expect(retries()).toEqual([]);

    const answered = await click(alice);
    // The queue view is redrawn in place of the one clicked, saying what was done, without the button now.
    expect(answered['replace_original']).toBe(true);
    expect(JSON.stringify(answered)).toContain('Retrying 1 item(s) now (1 in the outbox).');
    expect(buttonsIn(JSON.stringify(answered))).toEqual([]);
    expect(retries()).toEqual([{ actor: 'slack:T_ACME/U_ALICE', details: '{"change":0,"outbox":1,"inbox":0}' }]);

    await states.reopenB();
    await partner.settle();
    expect(await ephemeral(alice, `queue ${CONNECTION}`)).toContain('Nothing waits: everything is synced.');
    expect(await ephemeral(alice, `ticket ${CONNECTION} ${states.waiting.key}`)).toContain(': synced');
  }, 30_000);

  it('help lists both commands', async () => {
    const help = await ephemeral(alice, 'help');
    // Slack escapes < and > in mrkdwn.
    expect(help).toContain('/bridge ticket &lt;connection&gt; &lt;key&gt;');
    expect(help).toContain('/bridge queue &lt;connection&gt;');
  });

  it('a non-admin is refused both views, and sees nothing of the ticket', async () => {
    const ticket = await ephemeral(mallory, `ticket ${CONNECTION} ${states.synced.key}`);
    expect(ticket).toMatch(/Only DeskBridge admins/);
    expect(ticket).not.toContain('Laptop broken');
    const queue = await ephemeral(mallory, `queue ${CONNECTION}`);
    expect(queue).toMatch(/Only DeskBridge admins/);
    expect(queue).not.toContain('Queue of');
  });

  it('bad input gets a clear answer: an unknown connection, a missing key, a ticket that does not exist, a key with markup', async () => {
    expect(await ephemeral(alice, `ticket no such link ${states.synced.key}`)).toMatch(/no such link/i);
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
