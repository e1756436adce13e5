import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator, type FreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { WEBHOOK_SECRET_HEADER } from '../../../adapters/helpdesk/webhooks.ts';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { registerInstance } from '../../../src/app/instances.ts';
import { instanceWebhook } from '../../../src/app/webhook-secrets.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { snapshot } from '../../support/story.ts';
import { fastConnectorOptions } from '../../support/sync-nodes.ts';
import {
  BOT,
  cardText,
  memberOf,
  startTeamsNode,
  teamsUser,
  type TeamsNode,
  type TeamsTestUser,
  acmeChannel,
  stopTeamsNodes,
} from '../../support/teams-nodes.ts';

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const carl = teamsUser('carl', ACME, 'Carl Colleague');
const ops = acmeChannel('ops');

/** `@DeskBridge check` through the real botbuilder endpoint, against a Freshdesk simulator set up to fail. */
describe('Teams: check', () => {
  let a: TeamsNode;
  let fd: FreshdeskSimulator;
  let secret: string;

  beforeAll(async () => {
    fd = await startFreshdeskSimulator({
      webhookRetryDelayMs: 5,
      seed: { ticketFields: [{ name: 'cf_region', label: 'Region', required_for_agents: true }] },
    });
    a = await startTeamsNode('a', { connectHelpdesk: realHelpdesks(fastConnectorOptions) });
    a.connector.setMembers('*', [memberOf(alice), memberOf(carl)]);
    await registerInstance(a.deps, {
      platform: 'freshdesk',
      baseUrl: fd.url,
      credentials: { kind: 'apiKey', apiKey: fd.apiKey },
      name: 'Acme',
      slug: 'acme',
      actor: 'test:admin',
    });
    linkWorkspace(a.deps, { platform: 'teams', tenantId: ACME, instance: 'acme', actor: 'test' });
    await a.installed(alice, ops);
    const hook = instanceWebhook(a.deps, { instance: 'acme', actor: 'test:admin' });
    secret = hook.secret;
    fd.webhooks.add({ url: hook.url, headers: { [WEBHOOK_SECRET_HEADER]: 'not-the-secret' } });
    fd.agentUpdate(fd.addTicket({ subject: 'Printer on fire', email: 'pat@acme.example' }), { priority: 3 });
    await fd.webhooks.settle();
  }, 30_000);

  afterAll(async () => {
    await stopTeamsNodes(a);
    await fd?.close();
  });

  async function say(user: TeamsTestUser, text: string): Promise<string> {
    const mark = a.connector.calls.length;
    await a.command(user, ops, text, { recipient: { id: BOT.id, name: 'Test Bot' } });
    const call = await a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === '19:ops@thread.tacv2',
    );
    return cardText(cardOf(call));
  }

  it('the admin sees the required field and the refused webhook, each with its fix', async () => {
    const text = await say(alice, 'check');
    expect(text).toContain('Pre-flight check of Acme (freshdesk)');
    expect(text).toContain('Freshdesk requires \\"Region\\" (cf_region) on every ticket an agent creates');
    expect(text).toContain("was refused: it did not carry this instance's secret in the x-deskbridge-secret header");
    expect(text).toContain('Acme: 2 problems. Fix the problems before the first sync; they make syncs fail.');
    expect(text).not.toContain(secret);
  });

  it('a colleague who is no admin is refused before the helpdesk is asked, and nothing changes', async () => {
    const calls = fd.requests.total;
    // Teams' own bookkeeping (who spoke where, for proactive messages) is recorded for every activity; nothing else.
    const state = () =>
      Object.fromEntries(Object.entries(snapshot(a)).filter(([table]) => !table.startsWith('teams_')));
    const before = state();
    expect(await say(carl, 'check')).toMatch(/Only DeskBridge admins of this workspace can check the helpdesk setup/);
    expect(fd.requests.total).toBe(calls);
    expect(state()).toEqual(before);
  });
});
