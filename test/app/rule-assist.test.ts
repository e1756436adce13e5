/**
 * AI Assist against a fake OpenAI-compatible endpoint on loopback (test/support/fake-openai.ts, shaped after OpenAI's
 * "Create chat completion" reference), through the real `openai` package, on a node with the Freshdesk simulator:
 * an answer is shown only after it parses and passes a test run, a failing one goes back with its error, and every
 * failure of the endpoint is a clear message that changes no rule version.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAuditLog } from '../../src/app/audit-log.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { assistRules, insertAssistSuggestion, MAX_ROUNDS } from '../../src/app/rule-assist.ts';
import { getPublishedRules, listRuleVersions, saveRuleDraft } from '../../src/app/rule-versions.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { groovy, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';
import { TestClock } from '../support/nodes.ts';
import {
  agentOf,
  registerOn,
  startSimulator,
  startSyncNode,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';

const API_KEY = 'sk-test-assist-0123456789';
const outgoing = defaultScripts('freshdesk').outgoing;
const withLabel = `${outgoing}\nreplica.labels = entity.labels + ["from-ai"]`;

describe('AI Assist (use-case)', () => {
  let ai: FakeOpenAi;
  let node: SyncNode;
  let fd: Simulator;
  let agent: Helpdesk;
  let deps: AppDeps;
  let connectionId: string;
  const clock = TestClock.ticking();

  beforeAll(async () => {
    ai = await startFakeOpenAi();
    fd = await startSimulator('freshdesk', clock);
    node = await startSyncNode(
      'assist',
      {
        AI_BASE_URL: ai.url,
        AI_API_KEY: API_KEY,
        AI_MODEL: 'gpt-test-mini',
        AI_TIMEOUT_MS: '1000',
      },
      clock,
    );
    deps = node.deps;
    await registerOn(node, 'acme', fd, { webhooks: false });
    agent = agentOf(fd);
    const [group] = await agent.listProjects();
    const { connection } = await initiateConnection(deps, {
      instance: 'acme',
      destinationUrl: null,
      mode: 'script',
      localShortName: 'Acme',
      remoteShortName: 'P',
      name: 'Acme to P',
      incomingProjectId: group!.id,
      actor: 'test:setup',
    });
    connectionId = connection.id;
    saveRuleDraft(deps, { connection: connectionId, ...defaultScripts('freshdesk'), actor: 'test:setup' });
  }, 30_000);

  afterAll(async () => {
    await node?.stop();
    await fd?.close();
    await ai?.close();
  });

  let n = 0;
  let actor = '';
  beforeEach(() => {
    // Each test asks as a person of its own: the per-person limit counts one test's calls only.
    actor = `test:admin-${++n}`;
  });

  const versions = () => listRuleVersions(deps, { connection: connectionId }).length;
  const ask = (extra: Partial<Parameters<typeof assistRules>[1]> = {}, on: AppDeps = deps) =>
    assistRules(on, {
      connection: connectionId,
      prompt: 'Tag every ticket from-ai',
      direction: 'outgoing',
      actor,
      ...extra,
    });
  async function refused(work: Promise<unknown>): Promise<string> {
    const before = versions();
    const error = await work.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error, 'the call should have failed').toBeInstanceOf(Error);
    expect(versions()).toBe(before);
    return error!.message;
  }

  it('a good answer: parsed, test-run on a sample ticket, a diff; Insert makes a draft that still needs approval', async () => {
    ai.script({ content: groovy(withLabel) });
    const published = getPublishedRules(deps, { connection: connectionId }).version;
    const suggestion = await ask();
    expect(suggestion).toMatchObject({ rounds: 1, model: 'gpt-test-mini', checked: ['a sample freshdesk ticket: ok'] });
    expect(suggestion.diff.outgoing).toContain('+replica.labels = entity.labels + ["from-ai"]');
    expect(suggestion.diff.outgoing.split('\n')[0]).toMatch(/^--- outgoing v\d+$/);
    expect(suggestion.diff.incoming).toBe('');

    // OpenAI's chat-completions request: POST /chat/completions, bearer key, model and messages.
    const [request] = ai.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(request!.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(request!.body.model).toBe('gpt-test-mini');
    expect(request!.body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const [system, user] = request!.body.messages;
    // The reference is the interpreter's: the platform's native fields, helper methods and statuses.
    expect(system!.content).toContain('group_id');
    expect(system!.content).toContain('commentHelper: mergeComments, addComment');
    expect(system!.content).toContain('Open (2)');
    expect(system!.content).toContain("the other side's is not known");
    expect(user!.content).toContain(outgoing.trim().split('\n')[0]);
    expect(user!.content).toContain('Tag every ticket from-ai');
    // Never a secret: not the helpdesk's key, not the AI key in the body.
    expect(JSON.stringify(request!.body)).not.toContain(fd.apiKey);
    expect(JSON.stringify(request!.body)).not.toContain(API_KEY);

    const before = versions();
    const draft = insertAssistSuggestion(deps, { connection: connectionId, suggestion: suggestion.id, actor });
    expect(draft).toMatchObject({
      status: 'draft',
      outgoing: `${withLabel}\n`,
      note: 'AI Assist: Tag every ticket from-ai',
    });
    expect(versions()).toBe(before + 1);
    expect(getPublishedRules(deps, { connection: connectionId }).version).toBe(published);
    // Once only.
    expect(() => insertAssistSuggestion(deps, { connection: connectionId, suggestion: suggestion.id, actor })).toThrow(
      `already draft version ${draft.version}`,
    );
    expect(versions()).toBe(before + 1);

    const [entry] = listAuditLog(deps, { connection: connectionId }).filter((e) => e.action === 'rules.assist');
    expect(entry).toMatchObject({
      actor,
      subjectId: connectionId,
      details: { prompt: 'Tag every ticket from-ai', model: 'gpt-test-mini', rounds: 1, outcome: 'suggested' },
    });
  });

  it('Insert refuses a suggestion that is not one of this connection (a forged id) and changes nothing', async () => {
    const before = versions();
    const audit = listAuditLog(deps, { connection: connectionId }).find((e) => e.action === 'rules.draft')!;
    expect(() => insertAssistSuggestion(deps, { connection: connectionId, suggestion: audit.id, actor })).toThrow(
      `has no AI suggestion ${audit.id}`,
    );
    expect(() => insertAssistSuggestion(deps, { connection: connectionId, suggestion: 999_999, actor })).toThrow(
      'has no AI suggestion 999999',
    );
    expect(versions()).toBe(before);
  });

  it('a broken answer then a fixed one: the parse error and its line go back, the second answer is shown', async () => {
    ai.script({ content: groovy(`${outgoing}\nreplica.summary = (entity.summary`) }, { content: groovy(withLabel) });
    const suggestion = await ask();
    expect(suggestion.rounds).toBe(2);
    expect(suggestion.outgoing).toBe(`${withLabel}\n`);
    const repair = ai.requests[1]!.body.messages;
    expect(repair.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(repair[2]!.content).toContain('replica.summary = (entity.summary');
    expect(repair[3]!.content).toMatch(/The outgoing script has an error at line \d+, column \d+/);
  });

  it('a script that parses but fails its test run goes back with the run error', async () => {
    ai.script({ content: groovy(`${outgoing}\nreplica.summary = entity.summry`) }, { content: groovy(withLabel) });
    const suggestion = await ask();
    expect(suggestion.rounds).toBe(2);
    expect(ai.requests[1]!.body.messages[3]!.content).toMatch(/test run on a sample freshdesk ticket failed: .*summry/);
  });

  it('three broken answers: nothing inserted, a clear message with the last error', async () => {
    ai.script(
      { content: groovy('replica.summary = ((') },
      { content: groovy('replica.summary = [[') },
      { content: groovy('if (firstSync {') },
    );
    const message = await refused(ask());
    expect(ai.requests).toHaveLength(MAX_ROUNDS);
    expect(message).toMatch(/gave up after 3 rounds/);
    expect(message).toMatch(/The outgoing script has an error at line 1, column \d+/);
    const entry = listAuditLog(deps, { connection: connectionId }).find((e) => e.action === 'rules.assist')!;
    expect(entry.details).toMatchObject({ outcome: 'gave-up', rounds: 3 });
  });

  it('an answer with no script block: a clear message, nothing changed', async () => {
    ai.script({ content: 'I would add a label to the replica.' });
    expect(await refused(ask())).toMatch(/no ```groovy block/);
  });

  it('a timeout: a clear message naming AI_TIMEOUT_MS, not retried, nothing changed', async () => {
    ai.script({ hangMs: 5000 });
    expect(await refused(ask())).toMatch(/did not answer within 1 s \(AI_TIMEOUT_MS\)/);
    expect(ai.requests).toHaveLength(1);
  });

  it('a 429 with Retry-After is retried once after the wait; twice, and the message says when to try again', async () => {
    ai.script({ status: 429, headers: { 'retry-after': '1' } }, { content: groovy(withLabel) });
    expect((await ask()).rounds).toBe(1);
    expect(ai.requests).toHaveLength(2);
    expect(ai.requests[1]!.at - ai.requests[0]!.at).toBeGreaterThanOrEqual(950);

    ai.script({ status: 429, headers: { 'retry-after': '1' } });
    expect(await refused(ask())).toMatch(/rate limiting requests \(HTTP 429\); try again in 1 s/);
    expect(ai.requests).toHaveLength(2);
  });

  it('a 500 is retried once, then a clear message; a 401 names AI_API_KEY; malformed JSON and a refusal are clear', async () => {
    ai.script({ status: 500 });
    expect(await refused(ask())).toMatch(/failed \(HTTP 500\) twice/);
    expect(ai.requests).toHaveLength(2);
    ai.script({ status: 401, message: 'Incorrect API key provided' });
    expect(await refused(ask())).toMatch(
      /refused the request \(HTTP 401: Incorrect API key provided\): check AI_API_KEY/,
    );
    expect(ai.requests).toHaveLength(1);
    ai.script({ raw: '{"id": "chatcmpl-1", "choices": [' });
    expect(await refused(ask())).toMatch(/not a chat completion \(not JSON\)/);
    ai.script({ content: '', refusal: 'I cannot help with that.' });
    expect(await refused(ask())).toMatch(/The model refused: I cannot help with that/);
  });

  it('ticket data is sent only when the operator allows it and the admin picks entities', async () => {
    const ticket = await agent.createEntity({
      summary: 'Badge reader at gate 4 is offline',
      description: '<p>Since 07:00</p>',
      reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
    });
    ai.script({ content: groovy(withLabel) });
    const picked = await ask({ entityKeys: [ticket.key] });
    expect(picked.checked).toEqual([`${ticket.key}: ok`]);
    expect(JSON.stringify(ai.requests[0]!.body)).not.toContain('Badge reader');

    const allowing = { ...deps, assist: { ...deps.assist!, sendEntityData: true } };
    ai.script({ content: groovy(withLabel) });
    await ask({}, allowing);
    expect(JSON.stringify(ai.requests[0]!.body)).not.toContain('Badge reader');

    ai.script({ content: groovy(withLabel) });
    await ask({ entityKeys: [ticket.key] }, allowing);
    const sent = JSON.stringify(ai.requests[0]!.body);
    expect(sent).toContain('Badge reader at gate 4 is offline');
    expect(sent).not.toContain('sam@acme.example');

    // A key that is not there: said before anything is sent.
    ai.script({ content: groovy(withLabel) });
    expect(await refused(ask({ entityKeys: ['#987654'] }, allowing))).toBe(
      'There is no #987654 in the helpdesk; nothing was sent to the AI.',
    );
    expect(ai.requests).toHaveLength(0);
  });

  it('not configured, bad input and the per-person limit: clear messages, nothing sent', async () => {
    ai.script({ content: groovy(withLabel) });
    const { assist: _, ...bare } = deps;
    expect(await refused(ask({}, bare as AppDeps))).toMatch(/not configured.*AI_BASE_URL.*AI_MODEL.*AI_API_KEY/);
    expect(await refused(ask({ prompt: '   ' }))).toMatch(/prompt is empty/);
    expect(await refused(ask({ direction: 'sideways' as never }))).toMatch(/outgoing, incoming or both/);
    expect(ai.requests).toHaveLength(0);

    const limited = { ...deps, assist: { ...deps.assist!, requestsPerHour: 3 } };
    for (let i = 0; i < 3; i++) await ask({}, limited);
    expect(await refused(ask({}, limited))).toMatch(
      /3 times in the last hour.*AI_REQUESTS_PER_HOUR=3.*try again in \d+ minutes?/,
    );
    expect(ai.requests).toHaveLength(3);
    clock.advance(3_600_000);
    expect((await ask({}, limited)).rounds).toBe(1);
  });
});
