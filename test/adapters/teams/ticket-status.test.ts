import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueStatus } from '../../../src/app/queue-status.ts';
import { listSyncErrors } from '../../../src/app/sync-errors.ts';
import type { ChatPartner } from '../../support/chat-partner.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { rows } from '../../support/sync-nodes.ts';
import {
  acmeChannel,
  answeredCard,
  cardText,
  findAction,
  flowButtons,
  postedAnswer,
  startTeamsAdminWithConnection,
  submission,
  teamsUser,
  type TeamsNode,
  type TeamsTestUser,
} from '../../support/teams-nodes.ts';
import { seedTicketStates, SLOW_RETRIES, type TicketStates, TRIGGER_QUERY } from '../../support/ticket-states.ts';

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const mallory = teamsUser('mallory', ACME, 'Mallory Member');
const ops = acmeChannel('ops');
const CONNECTION = 'acme to initech';

/**
 * `@DeskBridge ticket …` and `@DeskBridge queue …` through the real botbuilder endpoint: the four states of a ticket
 * (test/support/ticket-states.ts), and Retry now on the queue card.
 */
describe('the ticket and queue views over Teams', () => {
  let partner: ChatPartner<TeamsNode>;
  let a: TeamsNode;
  let connectionId: string;
  let states: TicketStates;

  beforeAll(async () => {
    partner = await startTeamsAdminWithConnection({ admin: alice, members: [alice, mallory], env: SLOW_RETRIES });
    a = partner.a;
    connectionId = partner.ids.a;
    states = await seedTicketStates(partner.nodeA, partner.b, partner, connectionId);
  }, 60_000);

  afterAll(async () => {
    await states?.reopenB();
    await partner?.stop();
  });

  const posted = (user: TeamsTestUser, text: string) => postedAnswer(a, user, ops, text);

  async function say(user: TeamsTestUser, text: string): Promise<string> {
    return cardText(cardOf(await posted(user, text)));
  }

  it('a synced ticket: its state, the reason with its twin, and the trigger that selects it', async () => {
    const shown = await say(alice, `ticket ${CONNECTION} ${states.synced.key}`);
    expect(shown).toContain(`${states.synced.key} on ${CONNECTION}: synced`);
    expect(shown).toContain(`In sync with ${states.twinKeys.synced}; last synced at `);
    expect(shown).toContain('Laptop broken');
    expect(shown).toContain(`(active, query \\"${TRIGGER_QUERY}\\"): selects it`);
  }, 30_000);

  it('a ticket waiting on the backoff: its state, the failed attempt and when it is tried next', async () => {
    const shown = await say(alice, `ticket ${CONNECTION} ${states.waiting.key}`);
    expect(shown).toContain(`${states.waiting.key} on ${CONNECTION}: waiting`);
    expect(shown).toMatch(
      /Waiting in the outbox after 1 failed attempt: Could not reach the other DeskBridge at [^"]+ is running\. Next try not before \d{4}-/,
    );
    expect(shown).toContain('outbox (replica)');
    expect(shown).toMatch(/\d+s, 1 attempt, next try \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  }, 30_000);

  it('a ticket blocked by a script error: its state, the error with its line, and Retry and Resolve on it', async () => {
    const card = cardOf(await posted(alice, `ticket ${CONNECTION} ${states.blocked.key}`));
    const [error] = listSyncErrors(a.deps, { connection: connectionId }).filter(
      (e) => e.entityId === states.blocked.id,
    );
    expect(error).toBeDefined();
    const shown = cardText(card);
    expect(shown).toContain(`${states.blocked.key} on ${CONNECTION}: blocked`);
    expect(shown).toContain(`Blocked by sync error ${error!.id} (outgoing, script_error at line ${states.errorLine}:`);
    expect(flowButtons(card)).toEqual([
      ['sync-errors.retry', `${connectionId}|${error!.id}`],
      ['sync-errors.resolve', `${connectionId}|${error!.id}`],
    ]);
  }, 30_000);

  it('a ticket no trigger matches: its state and the reason, naming the trigger and its query', async () => {
    const card = cardOf(await posted(alice, `ticket ${CONNECTION} ${states.unselected.key}`));
    const shown = cardText(card);
    expect(shown).toContain(`${states.unselected.key} on ${CONNECTION}: unselected`);
    expect(shown).toContain(
      `Not under sync: the active trigger ${states.triggerId} (query \\"${TRIGGER_QUERY}\\") does not match it.`,
    );
    expect(shown).toContain('does not select it');
    expect(flowButtons(card)).toEqual([]);
  }, 30_000);

  it('the queue card: Retry now on the item waiting; a non-admin click changes nothing; an admin click retries it', async () => {
    const post = await posted(alice, `queue ${CONNECTION}`);
    const card = cardOf(post);
    expect(cardText(card)).toContain(`Queue of ${CONNECTION}`);
    expect(cardText(card)).toContain('1 (1 on backoff)');
    expect(flowButtons(card)).toEqual([['queue.retry-now', connectionId]]);
    const retries = () => rows(partner.nodeA, "select actor, details from audit_log where action = 'queue.retry-now'");
    const click = (user: TeamsTestUser) => {
      const action = findAction(card, 'action', 'queue.retry-now');
      return a.execute(user, ops, { verb: String(action['verb']), data: submission(card, action) }, post.resultId!);
    };

    const refused = cardText(answeredCard(await click(mallory)));
    expect(refused).toMatch(/Only DeskBridge admins/);
    expect(queueStatus(a.deps, { connection: connectionId }).stages.outbox.onBackoff).toBe(1);
    expect(retries()).toEqual([]);

    const answered = answeredCard(await click(alice));
    expect(cardText(answered)).toContain('Retrying 1 item(s) now (1 in the outbox).');
    expect(flowButtons(answered)).toEqual([]);
    expect(retries()).toEqual([
      { actor: `teams:${ACME}/${alice.aadObjectId}`, details: '{"change":0,"outbox":1,"inbox":0}' },
    ]);

    await states.reopenB();
    await partner.settle();
    expect(await say(alice, `queue ${CONNECTION}`)).toContain('Nothing waits: everything is synced.');
    expect(await say(alice, `ticket ${CONNECTION} ${states.waiting.key}`)).toContain(': synced');
  }, 30_000);

  it('a non-admin is refused, an unknown connection and an unknown ticket get a clear answer', async () => {
    const refused = await say(mallory, `ticket ${CONNECTION} ${states.synced.key}`);
    expect(refused).toMatch(/Only DeskBridge admins/);
    expect(refused).not.toContain('Laptop broken');
    expect(await say(mallory, `queue ${CONNECTION}`)).toMatch(/Only DeskBridge admins/);
    expect(await say(alice, `queue no such link`)).toMatch(/no such link/i);
    expect(await say(alice, `ticket ${CONNECTION} #9999`)).toContain(
      `There is no ticket \\"#9999\\" in the helpdesk of connection \\"${CONNECTION}\\"`,
    );
  }, 30_000);
});
