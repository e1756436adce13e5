import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRuleVersions } from '../../../src/app/rule-versions.ts';
import { listTriggers } from '../../../src/app/triggers.ts';
import { DomainError } from '../../../src/domain/errors.ts';
import { defaultScripts } from '../../../src/rules/index.ts';
import { recordEntityError } from '../../../src/sync/store.ts';
import type { ChatPartner } from '../../support/chat-partner.ts';
import { cardOf, type ConnectorCall } from '../../support/fake-bot-connector.ts';
import { agentOf, type Simulator } from '../../support/sync-nodes.ts';
import {
  answeredCard,
  BOT,
  cardActions,
  cardText,
  findAction,
  findInput,
  personalChat,
  startTeamsAdminWithConnection,
  submission,
  teamsUser,
  type TeamsNode,
  type TeamsPlace,
  type TeamsTestUser,
  acmeChannel,
} from '../../support/teams-nodes.ts';
import { InPlaceCard } from './driver.ts';

type Json = Record<string, unknown>;

const ACME = 'tenant-acme';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const bob = teamsUser('bob', ACME, 'Bob Approver');
const mallory = teamsUser('mallory', ACME, 'Mallory Member');
const ops = acmeChannel('ops');
const approvals = acmeChannel('approvals');
const APPROVALS = '19:approvals@thread.tacv2';
const CONNECTION = 'acme to initech';

/** `@DeskBridge <text> @user`: Teams sends the mention as an entity with the user's MRI. */
function mentioning(user: TeamsTestUser): Json {
  return {
    entities: [
      { type: 'mention', text: '<at>DeskBridge</at>', mentioned: BOT },
      { type: 'mention', text: `<at>${user.name}</at>`, mentioned: { id: user.mri, name: user.name } },
    ],
  };
}

describe('rules, approval and triggers over Teams', () => {
  let partner: ChatPartner<TeamsNode>;
  let a: TeamsNode;
  let fd: Simulator;
  let connectionId: string;

  beforeAll(async () => {
    partner = await startTeamsAdminWithConnection({
      admin: alice,
      members: [alice, bob, mallory],
      env: { TEAMS_USER_SPECIFIC_VIEWS: 'true' },
    });
    ({ a, fd } = partner);
    connectionId = partner.ids.a;
    await a.command(alice, approvals, 'help');
    await a.command(alice, personalChat(alice), 'help');
  }, 30_000);

  afterAll(async () => {
    await partner?.stop();
  });

  /** The text of the last card DeskBridge posted into a conversation. */
  async function lastPost(place: TeamsPlace, after: number): Promise<ConnectorCall> {
    const id = place.kind === 'channel' ? place.channelId : place.conversationId;
    return a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= after && c.method === 'POST' && c.conversationId === id,
    );
  }

  async function say(user: TeamsTestUser, place: TeamsPlace, text: string, extra: Json = {}): Promise<string> {
    const mark = a.connector.calls.length;
    await a.command(user, place, text, extra);
    return cardText(cardOf(await lastPost(place, mark)));
  }

  it('approvers: added by mention (resolved through the members API), the approvals channel is where it is typed; only admins may', async () => {
    expect(await say(mallory, ops, `approvers add <at>${bob.name}</at>`, mentioning(bob))).toMatch(
      /Only DeskBridge admins/,
    );
    expect(await say(alice, ops, `approvers add <at>${bob.name}</at>`, mentioning(bob))).toMatch(
      /Bob Approver is now an approver/,
    );
    expect(
      a.connector.calls.some((c) => c.method === 'GET' && decodeURIComponent(c.path).endsWith(`/members/${bob.mri}`)),
    ).toBe(true);
    expect(await say(alice, approvals, 'approvers channel')).toMatch(/Approval cards go to approvals/);
    expect(await say(alice, ops, 'approvers list')).toContain('Bob Approver');
  });

  async function approvalCardPost(after: number): Promise<ConnectorCall> {
    return a.connector.waitFor(
      (c) =>
        a.connector.calls.indexOf(c) >= after &&
        c.method === 'POST' &&
        c.conversationId === APPROVALS &&
        cardText(cardOf(c)).includes('Rules publish'),
    );
  }

  function refreshOf(card: Json): { verb: string; data: Json; userIds: string[] } {
    const refresh = card['refresh'] as { action: { verb: string; data: Json }; userIds: string[] };
    expect(refresh).toBeTruthy();
    return { verb: refresh.action.verb, data: refresh.action.data, userIds: refresh.userIds };
  }

  it('in place: edit -> request publish -> the card shows Approve/Reject only to approvers -> a forged approve is refused -> Bob approves', async () => {
    const mark = a.connector.calls.length;
    await a.command(alice, ops, `rules ${CONNECTION}`);
    const editor = InPlaceCard.fromPost(a, alice, ops, await lastPost(ops, mark));
    // Adaptive Cards 1.5 have one multi-line input, Input.Text with isMultiline, and no rows or height in lines (the
    // client sizes it: the Agents Playground grows it to a minimum height of its own); nothing beyond the 1.5 schema
    // is sent. A script field always holds the script: its label says no "(optional)"; the note's does.
    expect(findInput(editor.card, 'outgoing')).toMatchObject({
      type: 'Input.Text',
      label: 'Outgoing sync',
      isMultiline: true,
      maxLength: 3000,
    });
    expect(findInput(editor.card, 'incoming')['label']).toBe('Incoming sync');
    expect(findInput(editor.card, 'note')['label']).toBe('Note for the approvers (optional)');
    expect(findAction(editor.card, 'command')).toMatchObject({ data: { msteams: { type: 'task/fetch' } } });
    const outgoing = String(findInput(editor.card, 'outgoing')['value']);

    const request = findAction(editor.card, 'action', 'rules.request-publish');
    const before = a.connector.calls.length;
    const r = await a.execute(
      alice,
      ops,
      {
        verb: String(request['verb']),
        data: submission(editor.card, request, { outgoing: `${outgoing}\n// reviewed in Teams` }),
      },
      editor.replyTo,
    );
    expect(cardText(answeredCard(r))).toMatch(/waiting for approval in approvals/);
    await a.settled();

    const posted = await approvalCardPost(before);
    const shared = cardOf(posted);
    expect(cardText(shared)).toContain('reviewed in Teams');
    // The diff is a TextRun (never markdown) with each line on its own line, the header lines too.
    const diff = textRuns(shared).find((t) => t.startsWith('--- outgoing v'));
    expect(diff?.split('\n').slice(0, 3)).toEqual([
      '--- outgoing v1',
      '+++ outgoing v2',
      expect.stringMatching(/^@@ -\d+,\d+ \+\d+,\d+ @@$/),
    ]);
    expect(diff?.split('\n').at(-1)).toBe('+// reviewed in Teams');
    expect(textBlocks(shared).some((t) => t.includes('+++ outgoing'))).toBe(false);
    // Everyone's view: no decision buttons; the refresh names the approvers, whose clients ask for their view.
    expect(cardActions(shared).map((x) => (x['data'] as Json)['db'])).not.toContainEqual(
      expect.objectContaining({ action: 'approval.approve' }),
    );
    const refresh = refreshOf(shared);
    expect(refresh.userIds).toEqual([bob.mri]);

    const view = async (user: TeamsTestUser) =>
      answeredCard(await a.execute(user, approvals, { verb: refresh.verb, data: refresh.data }, posted.resultId!));
    expect(cardText(await view(mallory))).not.toContain('approval.approve');
    const bobs = await view(bob);
    const approve = findAction(bobs, 'action', 'approval.approve');
    expect(approve).toMatchObject({ type: 'Action.Execute', style: 'positive' });
    expect(findAction(bobs, 'action', 'approval.reject')).toBeTruthy();

    // Mallory replays Bob's button: the actor is checked on the invoke itself.
    const forged = await a.execute(
      mallory,
      approvals,
      { verb: 'approval.approve', data: submission(bobs, approve) },
      posted.resultId!,
    );
    expect(JSON.stringify(forged.json)).toMatch(/approver/i);
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({ status: 'pending' });

    const approved = await a.execute(
      bob,
      approvals,
      { verb: 'approval.approve', data: submission(bobs, approve) },
      posted.resultId!,
    );
    expect(cardText(answeredCard(approved))).toContain('Approved');
    await a.settled();
    const updated = await a.connector.waitFor((c) => c.method === 'PUT' && c.activityId === posted.resultId);
    expect(cardText(cardOf(updated))).toContain('Approved');
    expect(cardText(cardOf(updated))).toContain('Bob Approver');
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({
      status: 'published',
      approver: `teams:${ACME}/${bob.aadObjectId}`,
    });
    await a.connector.waitFor(
      (c) =>
        c.method === 'POST' &&
        c.conversationId === `a:personal-${alice.aadObjectId}` &&
        cardText(cardOf(c)).includes('was approved'),
    );
  });

  it('as a dialog: the editor opens with task/fetch, request publish is a task/submit; Bob rejects with a reason in a dialog', async () => {
    let r = await a.taskFetch(alice, ops, {
      msteams: { type: 'task/fetch' },
      db: { kind: 'command', command: `rules ${CONNECTION}` },
    });
    let card = answeredCard(r);
    expect(r.json).toMatchObject({ task: { type: 'continue' } });
    const outgoing = String(findInput(card, 'outgoing')['value']);
    const before = a.connector.calls.length;
    r = await a.taskSubmit(
      alice,
      ops,
      submission(card, findAction(card, 'action', 'rules.request-publish'), {
        outgoing: `${outgoing}\n// second change`,
      }),
    );
    card = answeredCard(r);
    expect(cardText(card)).toMatch(/waiting for approval/);
    await a.settled();
    const posted = await approvalCardPost(before);
    const refresh = refreshOf(cardOf(posted));
    const bobs = answeredCard(
      await a.execute(bob, approvals, { verb: refresh.verb, data: refresh.data }, posted.resultId!),
    );
    const rejectInDialog = (() => {
      const found = cardActions(bobs).find(
        (x) => x['type'] === 'Action.Submit' && String(x['title']).includes('in a dialog'),
      );
      if (!found) throw new Error('no Reject in a dialog');
      return found['data'] as Json;
    })();
    r = await a.taskFetch(bob, approvals, rejectInDialog, posted.resultId!);
    card = answeredCard(r);
    expect(findInput(card, 'reason')).toMatchObject({ type: 'Input.Text', maxLength: 1000 });
    r = await a.taskSubmit(
      bob,
      approvals,
      submission(card, findAction(card, 'submit'), { reason: 'Keep the comment out of production' }),
      posted.resultId!,
    );
    expect(r.json).toEqual({ task: { type: 'message', value: 'Done.' } });
    await a.settled();
    const updated = await a.connector.waitFor((c) => c.method === 'PUT' && c.activityId === posted.resultId);
    expect(cardText(cardOf(updated))).toContain('Keep the comment out of production');
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({ status: 'rejected' });
  });

  it('triggers, in place then in a dialog: add with a query the helpdesk checks, then deactivate', async () => {
    const mark = a.connector.calls.length;
    await a.command(alice, ops, `triggers ${CONNECTION}`);
    const list = InPlaceCard.fromPost(a, alice, ops, await lastPost(ops, mark));
    expect(cardText(list.card)).toContain('No triggers yet');
    const add = findAction(list.card, 'action', 'triggers.add');
    let r = await a.execute(alice, ops, { verb: String(add['verb']), data: submission(list.card, add) }, list.replyTo);
    list.card = answeredCard(r);
    expect(findInput(list.card, 'query')).toMatchObject({ type: 'Input.Text', maxLength: 1000 });
    await list.submit({ query: 'colour:blue' });
    expect(findInput(list.card, 'query')['errorMessage']).toMatch(/refused the trigger query "colour:blue"/);
    await list.submit({ query: 'priority:1', notes: 'Low only' });
    expect(cardText(list.card)).toContain('priority:1');
    expect(cardText(list.card)).toContain('✅ The trigger is saved.');
    expect(listTriggers(a.deps, { connection: connectionId })).toMatchObject([{ query: 'priority:1', active: true }]);

    // Sync existing matches: the progress is a message in Alice's personal chat, updated in place until done.
    const fdAgent = agentOf(fd);
    for (const n of [1, 2])
      await fdAgent.createEntity({
        summary: `Bulk ${n}`,
        description: 'x',
        priority: { id: 1, name: 'Low' },
        reporter: { id: null, email: 'a@acme.example', displayName: null },
      });
    const bulkMark = a.connector.calls.length;
    const bulk = findAction(list.card, 'action', 'triggers.bulk');
    r = await a.execute(alice, ops, { verb: String(bulk['verb']), data: submission(list.card, bulk) }, list.replyTo);
    list.card = answeredCard(r);
    expect(cardText(list.card)).toMatch(/Syncing \d+ existing match/);
    const progress = await a.connector.waitFor(
      (c) =>
        a.connector.calls.indexOf(c) >= bulkMark &&
        c.method === 'POST' &&
        c.conversationId === `a:personal-${alice.aadObjectId}`,
    );
    expect(cardText(cardOf(progress))).toContain('Sync of existing matches');

    r = await a.taskFetch(alice, ops, {
      msteams: { type: 'task/fetch' },
      db: { kind: 'command', command: `triggers ${CONNECTION}` },
    });
    let card = answeredCard(r);
    expect(findAction(card, 'cancel')['title']).toBe('Close');
    r = await a.taskSubmit(alice, ops, submission(card, findAction(card, 'action', 'triggers.toggle')));
    card = answeredCard(r);
    expect(cardText(card)).toContain('inactive');
    expect(listTriggers(a.deps, { connection: connectionId })).toMatchObject([{ active: false }]);
  });

  it('errors: the blocked entities with Retry and Resolve; a click redraws the list in place for the clicker', async () => {
    const at = a.clock.now();
    recordEntityError(a.deps.db, {
      connectionId,
      direction: 'outgoing',
      entityId: '999',
      entityKey: '#999',
      error: new DomainError('script_error', 'The outgoing script failed at line 3, column 5', { line: 3, column: 5 }),
      at,
    });
    recordEntityError(a.deps.db, {
      connectionId,
      direction: 'outgoing',
      entityId: '998',
      entityKey: '#998',
      error: new DomainError('helpdesk_validation', 'Freshdesk refused the update'),
      at,
    });
    expect(await say(mallory, ops, `errors ${CONNECTION}`)).toMatch(/Only DeskBridge admins/);
    const mark = a.connector.calls.length;
    await a.command(alice, ops, `errors ${CONNECTION}`);
    const posted = await lastPost(ops, mark);
    const list = cardOf(posted);
    expect(cardText(list)).toContain('#999');
    expect(cardText(list)).toContain('at line 3, column 5');
    const resolves = (card: Json) => cardActions(card).filter((x) => x['verb'] === 'sync-errors.resolve');
    expect(resolves(list)).toHaveLength(2);
    const r = await a.execute(
      alice,
      ops,
      { verb: 'sync-errors.resolve', data: submission(list, resolves(list)[0]!) },
      posted.resultId!,
    );
    const redrawn = answeredCard(r);
    expect(cardText(redrawn)).toContain('Sync errors of acme to initech');
    expect(resolves(redrawn)).toHaveLength(1);
  });

  it('rules upload: the next file sent in the personal chat becomes a draft of that script', async () => {
    const chat = personalChat(alice);
    expect(await say(alice, chat, `rules upload ${CONNECTION}`)).toMatch(/Send me the script as a file now/);
    const script = 'replica.summary = entity.summary\n// uploaded from Teams\n';
    const mark = a.connector.calls.length;
    await a.post({
      type: 'message',
      id: 'file-1',
      channelId: 'msteams',
      serviceUrl: a.connector.serviceUrl,
      from: { id: alice.mri, name: alice.name, aadObjectId: alice.aadObjectId },
      recipient: BOT,
      conversation: {
        id: chat.kind === 'personal' ? chat.conversationId : '',
        conversationType: 'personal',
        tenantId: ACME,
      },
      channelData: { tenant: { id: ACME } },
      attachments: [
        {
          contentType: 'application/vnd.microsoft.teams.file.download.info',
          name: 'outgoing.groovy',
          content: { downloadUrl: a.connector.fileUrl('outgoing.groovy', script), fileType: 'groovy', uniqueId: 'f1' },
        },
      ],
    });
    const answer = cardText(cardOf(await lastPost(chat, mark)));
    expect(answer).toMatch(/Draft version \d+ of \*\*acme to initech\*\* is saved with your outgoing script/);
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({
      status: 'draft',
      outgoing: script,
      note: 'Uploaded outgoing.groovy',
    });
  });

  it("rules editor: the error once, cleared by a passing test run; the run's JSON pretty-printed, HTML as text", async () => {
    const ticket = await agentOf(fd).createEntity({
      summary: 'Smoke on 3',
      description: '<p>Printer <b>on fire</b> **now**</p>',
      reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
    });
    const mark = a.connector.calls.length;
    await a.command(alice, ops, `rules ${CONNECTION}`);
    const editor = InPlaceCard.fromPost(a, alice, ops, await lastPost(ops, mark));
    const incoming = String(findInput(editor.card, 'incoming')['value']);
    await editor.submit({ incoming: `${incoming}\nentity.labels = (\n` });
    const saved = cardText(editor.card);
    expect(saved).toMatch(/saved, with an error/);
    expect(saved).toMatch(/The incoming script has an error at line \d+, column \d+: [^\s]/);
    expect(saved.match(/has an error at line/g)).toHaveLength(1);
    expect(saved).not.toMatch(/error at \d+:\d+/);

    const testRun = async (values: Record<string, string>) => {
      const run = findAction(editor.card, 'action', 'rules.test-run');
      const r = await a.execute(
        alice,
        ops,
        { verb: String(run['verb']), data: submission(editor.card, run, values) },
        editor.replyTo,
      );
      editor.card = answeredCard(r);
      return editor.card;
    };
    // The default outgoing script (an earlier test left one that sends the summary only), as typed, not saved.
    const tested = await testRun({ outgoing: defaultScripts('freshdesk').outgoing, incoming, entityKeys: ticket.key });
    expect(cardText(tested)).toContain('Test run: 1 of 1 passed');
    expect(cardText(tested)).not.toMatch(/has an error|⚠️/);
    const runs = textRuns(tested).filter((t) => t.startsWith('{'));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const json of runs) expect(json).toBe(JSON.stringify(JSON.parse(json), null, 2));
    // The ticket's HTML and markdown are in a TextRun as typed, and in no TextBlock (which is markdown).
    expect(runs.some((t) => t.includes('"description": "<p>Printer <b>on fire</b> **now**</p>"'))).toBe(true);
    expect(textBlocks(tested).some((t) => t.includes('<b>') || t.includes('"description"'))).toBe(false);
  });
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
