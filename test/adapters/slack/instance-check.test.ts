import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator, type FreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { WEBHOOK_SECRET_HEADER } from '../../../adapters/helpdesk/webhooks.ts';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { registerInstance } from '../../../src/app/instances.ts';
import { instanceWebhook } from '../../../src/app/webhook-secrets.ts';
import { startSlackNode, type SlackNode } from '../../support/slack-nodes.ts';
import { snapshot } from '../../support/story.ts';
import { fastConnectorOptions } from '../../support/sync-nodes.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };

/** `/bridge check` through the real Bolt receiver, against a Freshdesk simulator set up to fail the first sync. */
describe('Slack: /bridge check', () => {
  let a: SlackNode;
  let fd: FreshdeskSimulator;
  let secret: string;

  beforeAll(async () => {
    fd = await startFreshdeskSimulator({
      webhookRetryDelayMs: 5,
      seed: { ticketFields: [{ name: 'cf_region', label: 'Region', required_for_agents: true }] },
    });
    a = await startSlackNode('a', { connectHelpdesk: realHelpdesks(fastConnectorOptions) });
    await registerInstance(a.deps, {
      platform: 'freshdesk',
      baseUrl: fd.url,
      credentials: { kind: 'apiKey', apiKey: fd.apiKey },
      name: 'Acme',
      slug: 'acme',
      actor: 'test:admin',
    });
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    a.slackApi.addUser(alice).addUser(mallory);
    const hook = instanceWebhook(a.deps, { instance: 'acme', actor: 'test:admin' });
    secret = hook.secret;
    fd.webhooks.add({ url: hook.url, headers: { [WEBHOOK_SECRET_HEADER]: 'not-the-secret' } });
    fd.agentUpdate(fd.addTicket({ subject: 'Printer on fire', email: 'pat@acme.example' }), { priority: 3 });
    await fd.webhooks.settle();
  }, 30_000);

  afterAll(async () => {
    expect(a?.slackApi.problems).toEqual([]);
    await a?.stop();
    await fd?.close();
  });

  async function command(user: typeof alice | typeof mallory, text: string) {
    const before = a.slackApi.callsTo('response_url').length;
    const ack = await a.command(user, text);
    expect(ack.status).toBe(200);
    await a.slackApi.waitFor('response_url', () => a.slackApi.callsTo('response_url').length > before);
    return a.slackApi.callsTo('response_url').at(-1)!.args;
  }

  it('an admin sees each finding with how to fix it: the required field and the refused webhook', async () => {
    const answer = await command(alice, 'check');
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer['text'])).toBe(
      'Pre-flight check of Acme (freshdesk): Acme: 2 problems. Fix the problems before the first sync; they make syncs fail.',
    );
    const shown = JSON.stringify(answer['blocks']);
    expect(shown).toContain('Freshdesk requires \\"Region\\" (cf_region) on every ticket an agent creates');
    expect(shown).toContain("was refused: it did not carry this instance's secret in the x-deskbridge-secret header");
    expect(shown).toContain('Correct the automation rule');
    expect(shown).toContain('The API key signs in as Simulator Agent.');
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(fd.apiKey);
  });

  it('a member who is no admin is refused before the helpdesk is asked, and nothing changes', async () => {
    const calls = fd.requests.total;
    const before = snapshot(a);
    const answer = await command(mallory, 'check');
    expect(String(answer['text'])).toMatch(/^Only DeskBridge admins of this workspace can check the helpdesk setup/);
    expect(fd.requests.total).toBe(calls);
    expect(snapshot(a)).toEqual(before);
  });

  it('help lists the command', async () => {
    expect(JSON.stringify(await command(alice, 'help'))).toContain('/bridge check');
  });
});
