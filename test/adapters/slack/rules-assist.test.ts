/**
 * Ask AI in the Slack rules editor, through the real Bolt receiver (signed requests, a fake Slack Web API) against a
 * fake OpenAI-compatible endpoint (test/support/fake-openai.ts): the button opens the request form, its submission
 * shows the checked suggestion as a diff, Insert makes a draft that still needs approval, Discard changes nothing,
 * and a node without AI_BASE_URL says what to set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { initiateConnection } from '../../../src/app/initiate-connection.ts';
import { listRuleVersions } from '../../../src/app/rule-versions.ts';
import { defaultScripts } from '../../../src/rules/index.ts';
import { groovy, startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { TestClock } from '../../support/nodes.ts';
import { startSlackNode, viewText, type OpenModal, type SlackNode } from '../../support/slack-nodes.ts';
import {
  agentOf,
  fastConnectorOptions,
  registerOn,
  startSimulator,
  type Simulator,
  type SyncNode,
} from '../../support/sync-nodes.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member', is_admin: false };
const CONNECTION = 'Acme to P';
const suggested = `${defaultScripts('freshdesk').outgoing}replica.labels = entity.labels + ["slack-ai"]`;

type View = OpenModal['view'];

describe('Ask AI from the Slack rules editor', () => {
  let ai: FakeOpenAi;
  let a: SlackNode;
  let bare: SlackNode;
  let fd: Simulator;
  let connectionId = '';

  beforeAll(async () => {
    const clock = TestClock.ticking();
    ai = await startFakeOpenAi();
    fd = await startSimulator('freshdesk', clock);
    const env = { SYNC_INTERVAL_MS: '0', LOG_LEVEL: 'warn', POLLER_ENABLED: 'false' };
    [a, bare] = await Promise.all([
      startSlackNode('a', {
        clock,
        connectHelpdesk: realHelpdesks(fastConnectorOptions),
        env: { ...env, AI_BASE_URL: ai.url, AI_API_KEY: 'sk-slack-test-key', AI_MODEL: 'gpt-slack' },
      }),
      startSlackNode('bare', { clock, connectHelpdesk: realHelpdesks(fastConnectorOptions), env }),
    ]);
    const [group] = await agentOf(fd).listProjects();
    for (const node of [a, bare]) {
      node.slackApi.addUser(alice);
      node.slackApi.addUser(mallory);
      await registerOn(node as unknown as SyncNode, 'acme', fd, { webhooks: false });
      const { connection } = await initiateConnection(node.deps, {
        instance: 'acme',
        destinationUrl: null,
        mode: 'script',
        localShortName: 'Acme',
        remoteShortName: 'P',
        name: CONNECTION,
        incomingProjectId: group!.id,
        actor: 'test:setup',
      });
      if (node === a) connectionId = connection.id;
      linkWorkspace(node.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    }
  }, 30_000);

  afterAll(async () => {
    expect(a?.slackApi.problems ?? []).toEqual([]);
    await Promise.all([a?.stop(), bare?.stop()]);
    await Promise.all([fd?.close(), ai?.close()]);
  });

  async function openEditor(node: SlackNode): Promise<OpenModal> {
    const mark = node.slackApi.calls.length;
    await node.command(alice, `rules ${CONNECTION}`);
    return node.openedModal(mark);
  }

  /** A button in the modal; the modal then shows what views.update put there. */
  async function click(node: SlackNode, modal: OpenModal, actionId: string, user = alice): Promise<string> {
    const mark = node.slackApi.calls.length;
    await node.click(user, { actionId, value: buttonValue(modal.view, actionId) }, { modal });
    const call = await node.slackApi.waitFor('views.update', (c) => node.slackApi.calls.indexOf(c) >= mark, 8000);
    modal.view = call.args['view'] as View;
    return viewText(modal.view);
  }

  /** Submits the modal: the answer comes as response_action update, or (slow work) as a views.update after. */
  async function submit(modal: OpenModal, values: Record<string, string>): Promise<string> {
    const mark = a.slackApi.calls.length;
    const r = await a.submit(alice, modal, values);
    const json = r.json as { response_action?: string; view?: View } | null;
    let view = json?.view;
    if (!view || viewText(view).includes('Working')) {
      const call = await a.slackApi.waitFor('views.update', (c) => a.slackApi.calls.indexOf(c) >= mark, 8000);
      view = call.args['view'] as View;
    }
    modal.view = view;
    return viewText(view);
  }

  it('Ask AI -> prompt -> a checked suggestion as a diff -> Insert makes a draft; approval still required', async () => {
    const modal = await openEditor(a);
    const form = await click(a, modal, 'rules.ask-ai');
    expect(modal.view.callback_id).toBe('rules.assist');
    expect(form).toContain('What should change?');
    expect(form).toContain('no ticket data (AI_SEND_ENTITY_DATA is off)');

    ai.script({ content: groovy(suggested) });
    const shown = await submit(modal, { prompt: 'Tag every ticket slack-ai', direction: 'outgoing' });
    expect(shown).toContain('passed a test run, after the first answer');
    expect(shown).toContain('+replica.labels = entity.labels + [\\"slack-ai\\"]');
    expect(shown).toContain('gpt-slack');
    expect(ai.requests[0]!.body.messages[1]!.content).toContain('Tag every ticket slack-ai');

    const before = listRuleVersions(a.deps, { connection: connectionId }).length;
    const inserted = await click(a, modal, 'rules.assist-insert');
    expect(modal.view.callback_id).toBe('rules.edit');
    expect(inserted).toMatch(/Draft version \d+ holds the AI suggestion. It is not published/);
    const versions = listRuleVersions(a.deps, { connection: connectionId });
    expect(versions).toHaveLength(before + 1);
    expect(versions.at(-1)).toMatchObject({
      status: 'draft',
      author: 'slack:T_ACME/U_ALICE',
      outgoing: `${suggested}\n`,
    });
  }, 30_000);

  it('a failure is shown on the form with what went wrong; Discard changes nothing', async () => {
    const modal = await openEditor(a);
    await click(a, modal, 'rules.ask-ai');
    ai.script({ content: 'No script, sorry.' });
    const failed = await submit(modal, { prompt: 'Something', direction: 'outgoing' });
    expect(modal.view.callback_id).toBe('rules.assist');
    expect(failed).toContain('gave up after 3 rounds');

    const before = listRuleVersions(a.deps, { connection: connectionId }).length;
    ai.script({ content: groovy(suggested) });
    await submit(modal, { prompt: 'Tag again', direction: 'outgoing' });
    expect(await click(a, modal, 'rules.assist-discard')).toContain('The AI suggestion is discarded');
    expect(listRuleVersions(a.deps, { connection: connectionId })).toHaveLength(before);
  }, 30_000);

  it('not configured: Ask AI says what to set; a member who is not an admin is refused', async () => {
    const modal = await openEditor(bare);
    const text = await click(bare, modal, 'rules.ask-ai');
    expect(text).toMatch(/AI Assist is not configured on this node. The operator sets AI_BASE_URL/);

    const mark = a.slackApi.calls.length;
    const editor = await openEditor(a);
    await a.click(
      mallory,
      { actionId: 'rules.ask-ai', value: buttonValue(editor.view, 'rules.ask-ai') },
      { modal: editor },
    );
    const refusal = await a.slackApi.waitFor('views.update', (c) => a.slackApi.calls.indexOf(c) >= mark, 8000);
    expect(JSON.stringify(refusal.args)).toContain(
      'Only DeskBridge admins of this workspace can ask AI for sync rules',
    );
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
