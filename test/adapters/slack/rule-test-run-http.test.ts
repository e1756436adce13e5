/**
 * The chat Test run with httpClient, through the real Bolt receiver (signed requests, a fake Slack Web API) against
 * the Freshdesk simulator: the scripts call the instance's API through its own connector, a read goes through, and a
 * write (PUT) is refused with the script's line so the run changes nothing in the helpdesk. The incoming preview gets
 * the entity's URL as issueUrl (the loopback: a replica shaped like our own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Helpdesk } from '../../../src/domain/helpdesk.ts';
import { defaultScripts } from '../../../src/rules/index.ts';
import type { ChatPartner } from '../../support/chat-partner.ts';
import { startSlackAdminWithConnection, viewText, type OpenModal, type SlackNode } from '../../support/slack-nodes.ts';
import type { Simulator } from '../../support/sync-nodes.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const CONNECTION = 'acme to initech';

type View = OpenModal['view'];

describe('Test run from Slack with httpClient', () => {
  let partner: ChatPartner<SlackNode>;
  let a: SlackNode;
  let fd: Simulator;
  let fdAgent: Helpdesk;

  beforeAll(async () => {
    partner = await startSlackAdminWithConnection({ users: [alice] });
    ({ a, fd, fdAgent } = partner);
  }, 30_000);

  afterAll(async () => {
    await partner?.stop();
  });

  async function testRun(modal: OpenModal, typed: Record<string, string>): Promise<string> {
    const mark = a.slackApi.calls.length;
    const typedView = { ...modal.view, blocks: modal.view.blocks.map((block) => withTyped(block, typed)) } as View;
    await a.click(
      alice,
      { actionId: 'rules.test-run', value: buttonValue(modal.view, 'rules.test-run') },
      { modal: { id: modal.id, view: typedView } },
    );
    const call = await a.slackApi.waitFor('views.update', (c) => a.slackApi.calls.indexOf(c) >= mark, 8000);
    modal.view = call.args['view'] as View;
    return viewText(modal.view);
  }

  it('a GET reads the ticket; a PUT is refused at its line and the ticket stays as it was', async () => {
    const ticket = await fdAgent.createEntity({
      summary: 'Toner low',
      description: '<p>Printer 2</p>',
      reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
    });
    const mark = a.slackApi.calls.length;
    await a.command(alice, `rules ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    expect(modal.view.callback_id).toBe('rules.edit');

    const outgoing = defaultScripts('freshdesk').outgoing;
    const reading = `${outgoing}replica.summary = httpClient.get("/api/v2/tickets/\${entity.id}").subject + " (read)"\n`;
    const incoming = `${defaultScripts('freshdesk').incoming}entity.description = "from " + issueUrl\n`;
    const read = await testRun(modal, { outgoing: reading, incoming, entityKeys: ticket.key });
    expect(read).toContain('Test run: 1 of 1 passed');
    expect(read).toContain('Toner low (read)');
    expect(read).toContain(`from ${fd.url}/a/tickets/${ticket.id}`);

    const before = await fdAgent.getEntity(ticket.id);
    const writing = `${outgoing}httpClient.put("/api/v2/tickets/\${entity.id}", [subject: "Changed by a test run"])\n`;
    const written = await testRun(modal, { outgoing: writing, incoming, entityKeys: ticket.key });
    expect(written).toContain('Test run: 1 of 1 failed');
    expect(written).toContain('httpClient.put is not available in a test run');
    const after = await fdAgent.getEntity(ticket.id);
    expect(after.summary).toBe('Toner low');
    expect(after.updated).toBe(before.updated);
  }, 30_000);
});

function buttonValue(view: Pick<View, 'blocks'>, actionId: string): string {
  for (const block of view.blocks) {
    for (const element of (block['elements'] as Record<string, unknown>[] | undefined) ?? []) {
      if (element['action_id'] === actionId) return String(element['value'] ?? '');
    }
  }
  throw new Error(`no button ${actionId} in ${JSON.stringify(view.blocks).slice(0, 400)}`);
}

/** An input block with `typed[block_id]` as its value (what a user typed before clicking). */
function withTyped(block: Record<string, unknown>, typed: Record<string, string>): Record<string, unknown> {
  const id = String(block['block_id'] ?? '');
  if (block['type'] !== 'input' || !(id in typed)) return block;
  return { ...block, element: { ...(block['element'] as Record<string, unknown>), initial_value: typed[id] } };
}
