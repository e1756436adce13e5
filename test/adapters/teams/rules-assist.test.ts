/**
 * Ask AI in the Teams rules editor, through the real botbuilder endpoint (Action.Execute invokes, the card replaced in
 * place) against a fake OpenAI-compatible endpoint (test/support/fake-openai.ts): the button opens the request form,
 * its submission shows the checked suggestion as a diff in a code block with Insert and Discard, Insert makes a draft
 * that still needs approval, three broken answers insert nothing, and a node without AI_BASE_URL says what to set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { initiateConnection } from '../../../src/app/initiate-connection.ts';
import { listRuleVersions } from '../../../src/app/rule-versions.ts';
import { defaultScripts } from '../../../src/rules/index.ts';
import { groovy, startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai.ts';
import { realHelpdesks } from '../../support/helpdesks.ts';
import { TestClock } from '../../support/nodes.ts';
import {
  agentOf,
  fastConnectorOptions,
  registerOn,
  startSimulator,
  type Simulator,
  type SyncNode,
} from '../../support/sync-nodes.ts';
import {
  answeredCard,
  cardText,
  findAction,
  findInput,
  memberOf,
  startTeamsNode,
  submission,
  teamsUser,
  type TeamsNode,
  type TeamsPlace,
} from '../../support/teams-nodes.ts';
import { InPlaceCard } from './driver.ts';

type Json = Record<string, unknown>;

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const OPS = '19:ops@thread.tacv2';
const ops: TeamsPlace = {
  kind: 'channel',
  teamId: '19:acme-team@thread.tacv2',
  channelId: OPS,
  name: 'ops',
  hostTenantId: ACME,
};
const CONNECTION = 'Acme to P';
const suggested = `${defaultScripts('freshdesk').outgoing}replica.labels = entity.labels + ["teams-ai"]`;

describe('Ask AI from the Teams rules editor', () => {
  let ai: FakeOpenAi;
  let a: TeamsNode;
  let bare: TeamsNode;
  let fd: Simulator;
  let connectionId = '';
  let bareConnectionId = '';

  beforeAll(async () => {
    const clock = TestClock.ticking();
    ai = await startFakeOpenAi();
    fd = await startSimulator('freshdesk', clock);
    const env = { SYNC_INTERVAL_MS: '0', LOG_LEVEL: 'warn', POLLER_ENABLED: 'false' };
    [a, bare] = await Promise.all([
      startTeamsNode('a', {
        clock,
        connectHelpdesk: realHelpdesks(fastConnectorOptions),
        env: { ...env, AI_BASE_URL: ai.url, AI_API_KEY: 'sk-teams-test-key', AI_MODEL: 'gpt-teams' },
      }),
      startTeamsNode('bare', { clock, connectHelpdesk: realHelpdesks(fastConnectorOptions), env }),
    ]);
    const [group] = await agentOf(fd).listProjects();
    for (const node of [a, bare]) {
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
      else bareConnectionId = connection.id;
      linkWorkspace(node.deps, { platform: 'teams', tenantId: ACME, instance: 'acme', actor: 'test:setup' });
      node.connector.setMembers('*', [memberOf(alice)]);
      await node.installed(alice, ops);
    }
  }, 30_000);

  afterAll(async () => {
    expect(a?.connector.problems ?? []).toEqual([]);
    expect(bare?.connector.problems ?? []).toEqual([]);
    await Promise.all([a?.stop(), bare?.stop()]);
    await Promise.all([fd?.close(), ai?.close()]);
  });

  /** `@DeskBridge rules <connection>`: the editor card posted into the channel, driven in place from there. */
  async function openEditor(node: TeamsNode): Promise<InPlaceCard> {
    const mark = node.connector.calls.length;
    await node.command(alice, ops, `rules ${CONNECTION}`);
    const posted = await node.connector.waitFor(
      (c) => node.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === OPS,
    );
    return InPlaceCard.fromPost(node, alice, ops, posted);
  }

  /** A button of the card (Action.Execute), the answer replacing the card. */
  async function press(card: InPlaceCard, actionId: string): Promise<Json> {
    const action = findAction(card.card, 'action', actionId);
    expect(action['type']).toBe('Action.Execute');
    const r = await card.node.execute(
      alice,
      ops,
      { verb: String(action['verb']), data: submission(card.card, action) },
      card.replyTo,
    );
    expect(r.status).toBe(200);
    card.card = answeredCard(r);
    return card.card;
  }

  it('Ask AI -> prompt -> a checked suggestion as a diff -> Insert makes a draft; approval still required', async () => {
    const editor = await openEditor(a);
    const form = await press(editor, 'rules.ask-ai');
    expect(findInput(form, 'prompt')).toMatchObject({ type: 'Input.Text', label: 'What should change?' });
    expect(findInput(form, 'direction')['type']).toBe('Input.ChoiceSet');
    expect(cardText(form)).toContain('no ticket data (AI_SEND_ENTITY_DATA is off)');

    ai.script({ content: groovy(suggested) });
    const shown = await editor.submit({ prompt: 'Tag every ticket teams-ai', direction: 'outgoing' });
    expect(ai.requests).toHaveLength(1);
    expect(ai.requests[0]!.body.model).toBe('gpt-teams');
    expect(ai.requests[0]!.headers['authorization']).toBe('Bearer sk-teams-test-key');
    expect(ai.requests[0]!.body.messages.at(-1)!.content).toContain('Tag every ticket teams-ai');
    expect(cardText(shown)).toContain('✅ The suggestion parses and passed a test run, after the first answer.');
    expect(cardText(shown)).toContain('gpt-teams');
    expect(cardText(shown)).not.toContain('sk-teams-test-key');
    // The diff is code: one TextRun (never markdown), each line on its own, the added line as the model wrote it.
    const diff = textRuns(shown).find((t) => t.startsWith('--- outgoing'));
    expect(diff?.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^--- outgoing v\d+$/),
      expect.stringMatching(/^\+\+\+ outgoing/),
    ]);
    expect(diff?.split('\n')).toContain('+replica.labels = entity.labels + ["teams-ai"]');
    expect(textBlocks(shown).some((t) => t.includes('+++ outgoing') || t.includes('teams-ai'))).toBe(false);
    expect(findAction(shown, 'action', 'rules.assist-insert')).toMatchObject({
      type: 'Action.Execute',
      title: 'Insert',
      style: 'positive',
    });
    expect(findAction(shown, 'action', 'rules.assist-discard')['title']).toBe('Discard');

    const before = listRuleVersions(a.deps, { connection: connectionId });
    expect(before.some((v) => v.outgoing.includes('teams-ai'))).toBe(false);
    const inserted = await press(editor, 'rules.assist-insert');
    expect(cardText(inserted)).toMatch(/Draft version \d+ holds the AI suggestion. It is not published/);
    expect(String(findInput(inserted, 'outgoing')['value'])).toContain('replica.labels = entity.labels + ["teams-ai"]');
    expect(findAction(inserted, 'action', 'rules.request-publish')).toBeTruthy();
    const versions = listRuleVersions(a.deps, { connection: connectionId });
    expect(versions).toHaveLength(before.length + 1);
    expect(versions.at(-1)).toMatchObject({
      status: 'draft',
      author: `teams:${ACME}/${alice.aadObjectId}`,
      outgoing: `${suggested}\n`,
    });
    expect(versions.filter((v) => v.status === 'published' && v.outgoing.includes('teams-ai'))).toEqual([]);
  }, 30_000);

  it('three broken answers: the form again with the last error, nothing inserted; Discard changes nothing', async () => {
    const editor = await openEditor(a);
    await press(editor, 'rules.ask-ai');
    const before = listRuleVersions(a.deps, { connection: connectionId }).length;
    ai.script({ content: groovy('replica.summary = (') });
    const failed = await editor.submit({ prompt: 'Break it', direction: 'outgoing' });
    expect(ai.requests).toHaveLength(3);
    // Each repair round sends the parse error, with its line and column, back to the model.
    const parseError = "The outgoing script has an error at line 1, column 19: '(' is never closed";
    for (const request of ai.requests.slice(1)) {
      expect(request.body.messages.at(-1)).toMatchObject({
        role: 'user',
        content: expect.stringContaining(parseError),
      });
    }
    expect(cardText(failed)).toContain(`AI Assist gave up after 3 rounds: its last script still fails. ${parseError}`);
    expect(cardText(failed)).toContain('Nothing was changed');
    expect(findInput(failed, 'prompt')['value']).toBe('Break it');
    expect(() => findAction(failed, 'action', 'rules.assist-insert')).toThrow();
    expect(listRuleVersions(a.deps, { connection: connectionId })).toHaveLength(before);

    ai.script({ content: groovy(suggested) });
    await editor.submit({ prompt: 'Tag again', direction: 'outgoing' });
    const discarded = await press(editor, 'rules.assist-discard');
    expect(cardText(discarded)).toContain('The AI suggestion is discarded');
    expect(listRuleVersions(a.deps, { connection: connectionId })).toHaveLength(before);
  }, 30_000);

  it('not configured: Ask AI says what to set, and no version is made', async () => {
    const editor = await openEditor(bare);
    const before = listRuleVersions(bare.deps, { connection: bareConnectionId }).length;
    const text = cardText(await press(editor, 'rules.ask-ai'));
    expect(text).toMatch(/AI Assist is not configured on this node. The operator sets AI_BASE_URL/);
    expect(text).toContain('AI_MODEL');
    expect(findInput(editor.card, 'outgoing')).toBeTruthy();
    expect(listRuleVersions(bare.deps, { connection: bareConnectionId })).toHaveLength(before);
  }, 30_000);
});

/** The texts of a card's TextRuns (code), and of its TextBlocks (markdown). */
function textRuns(card: Json): string[] {
  return elementsOf(card, 'TextRun').map((e) => String(e['text']));
}

function textBlocks(card: Json): string[] {
  return elementsOf(card, 'TextBlock').map((e) => String(e['text']));
}

function elementsOf(node: unknown, type: string): Json[] {
  if (Array.isArray(node)) return node.flatMap((n) => elementsOf(n, type));
  if (!node || typeof node !== 'object') return [];
  const here = (node as Json)['type'] === type ? [node as Json] : [];
  return [...here, ...Object.values(node as Json).flatMap((v) => elementsOf(v, type))];
}
