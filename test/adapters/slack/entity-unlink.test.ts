import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSyncedTicket, unlinkReasons, type ChatPartner } from '../../support/chat-partner.ts';
import {
  buttonsIn,
  clickReply,
  ephemeralReply,
  startSlackAdminWithConnection,
  type SlackNode,
} from '../../support/slack-nodes.ts';
import { rows } from '../../support/sync-nodes.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };
const CONNECTION = 'acme to initech';

/** Unlink on the ticket view, through the real Bolt receiver: admins only, asked first, both sides stop. */
describe('Unlink on the ticket view in Slack', () => {
  let partner: ChatPartner<SlackNode>;
  let a: SlackNode;
  let ids: { a: string; b: string };
  let ticket: { id: string; key: string };

  beforeAll(async () => {
    partner = await startSlackAdminWithConnection({ users: [alice, mallory] });
    ({ a, ids } = partner);
    ticket = await seedSyncedTicket(partner);
  }, 60_000);

  afterAll(async () => {
    await partner?.stop();
  });

  const ephemeral = (user: typeof alice | typeof mallory, text: string) => ephemeralReply(a, user, text);
  const click = (user: typeof alice | typeof mallory, actionId: string, value: string) =>
    clickReply(a, user, { actionId, value });

  it('asks first, refuses a non-admin, Cancel changes nothing, and Unlink stops both sides', async () => {
    const shown = await ephemeral(alice, `ticket ${CONNECTION} ${ticket.key}`);
    expect(shown).toContain(`${ticket.key} on ${CONNECTION}: synced`);
    const value = `${ids.a}|${ticket.id}`;
    expect(buttonsIn(shown)).toEqual([['ticket.unlink', value]]);

    // A member who is not an admin: refused at every step, nothing changes.
    expect(JSON.stringify(await click(mallory, 'ticket.unlink', value))).toMatch(/Only DeskBridge admins/);
    expect(JSON.stringify(await click(mallory, 'ticket.unlink.confirm', value))).toMatch(/Only DeskBridge admins/);
    expect(unlinkReasons(partner.nodeA, ids.a)).toEqual([null]);

    const question = JSON.stringify(await click(alice, 'ticket.unlink', value));
    expect(question).toContain(`Unlink *${ticket.key}* from #1 on *${CONNECTION}*? Both sides stop syncing this pair`);
    expect(buttonsIn(question)).toEqual([
      ['ticket.unlink.confirm', value],
      ['ticket.unlink.cancel', value],
    ]);
    const cancelled = await click(alice, 'ticket.unlink.cancel', value);
    expect(cancelled['replace_original']).toBe(true);
    expect(JSON.stringify(cancelled)).toContain('Nothing was unlinked.');
    expect(unlinkReasons(partner.nodeA, ids.a)).toEqual([null]);

    const done = await click(alice, 'ticket.unlink.confirm', value);
    expect(done['replace_original']).toBe(true);
    expect(JSON.stringify(done)).toContain(`Unlinked *${ticket.key}* on *${CONNECTION}*`);
    await partner.settle();
    expect(unlinkReasons(partner.nodeA, ids.a)).toEqual(['unlinked']);
    expect(unlinkReasons(partner.b, ids.b)).toEqual(['unlinked']);
    expect(rows(partner.nodeA, "SELECT actor FROM audit_log WHERE action = 'entities.unlink'")).toEqual([
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
