import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSyncedTicket, unlinkReasons, type ChatPartner } from '../../support/chat-partner.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
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

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const mallory = teamsUser('mallory', ACME, 'Mallory Member');
const ops = acmeChannel('ops');
const CONNECTION = 'acme to initech';

/** Unlink on the ticket card, through the real botbuilder endpoint: admins only, asked first, both sides stop. */
describe('Unlink on the ticket card in Teams', () => {
  let partner: ChatPartner<TeamsNode>;
  let a: TeamsNode;
  let ids: { a: string; b: string };
  let ticket: { id: string; key: string };

  beforeAll(async () => {
    partner = await startTeamsAdminWithConnection({ admin: alice, members: [alice, mallory] });
    ({ a, ids } = partner);
    ticket = await seedSyncedTicket(partner);
  }, 60_000);

  afterAll(async () => {
    await partner?.stop();
  });

  const posted = (user: TeamsTestUser, text: string) => postedAnswer(a, user, ops, text);

  it('asks first, refuses a non-admin, and Unlink stops both sides', async () => {
    const post = await posted(alice, `ticket ${CONNECTION} ${ticket.key}`);
    const card = cardOf(post);
    const value = `${ids.a}|${ticket.id}`;
    expect(cardText(card)).toContain(`${ticket.key} on ${CONNECTION}: synced`);
    expect(flowButtons(card)).toEqual([['ticket.unlink', value]]);
    const press = (user: TeamsTestUser, on: Record<string, unknown>, actionId: string) => {
      const action = findAction(on, 'action', actionId);
      return a.execute(user, ops, { verb: String(action['verb']), data: submission(on, action) }, post.resultId!);
    };

    // A refusal is a message to the clicker, not a card.
    expect((await press(mallory, card, 'ticket.unlink')).text).toMatch(
      /Only DeskBridge admins of this workspace can unlink/,
    );
    expect(unlinkReasons(partner.nodeA, ids.a)).toEqual([null]);

    const question = answeredCard(await press(alice, card, 'ticket.unlink'));
    expect(cardText(question)).toContain(`Both sides stop syncing this pair; neither ticket is deleted.`);
    expect(flowButtons(question)).toEqual([
      ['ticket.unlink.confirm', value],
      ['ticket.unlink.cancel', value],
    ]);
    expect((await press(mallory, question, 'ticket.unlink.confirm')).text).toMatch(/Only DeskBridge admins/);
    expect(unlinkReasons(partner.nodeA, ids.a)).toEqual([null]);

    const done = answeredCard(await press(alice, question, 'ticket.unlink.confirm'));
    // Teams markdown bolds with two asterisks.
    expect(cardText(done)).toContain(`Unlinked **${ticket.key}** on **${CONNECTION}**: it and its twin no longer sync`);
    await partner.settle();
    expect(unlinkReasons(partner.nodeA, ids.a)).toEqual(['unlinked']);
    expect(unlinkReasons(partner.b, ids.b)).toEqual(['unlinked']);
    const after = cardOf(await posted(alice, `ticket ${CONNECTION} ${ticket.key}`));
    expect(cardText(after)).toContain(`${ticket.key} on ${CONNECTION}: unlinked`);
    expect(flowButtons(after)).toEqual([]);
  }, 30_000);
});
