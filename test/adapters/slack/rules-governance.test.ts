import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditLog } from '../../../src/app/audit-log.ts';
import { listRuleVersions } from '../../../src/app/rule-versions.ts';
import { addTrigger } from '../../../src/app/triggers.ts';
import type { Helpdesk } from '../../../src/domain/helpdesk.ts';
import { defaultScripts } from '../../../src/rules/index.ts';
import { recordEntityError } from '../../../src/sync/store.ts';
import { DomainError } from '../../../src/domain/errors.ts';
import type { ChatPartner } from '../../support/chat-partner.ts';
import {
  clickReply,
  ephemeralReply,
  startSlackAdminWithConnection,
  viewText,
  type OpenModal,
  type SlackNode,
} from '../../support/slack-nodes.ts';
import type { SlackCall } from '../../support/fake-slack.ts';
import { syncUntil, type Simulator, type SyncNode } from '../../support/sync-nodes.ts';

const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const bob = { id: 'U_BOB', team_id: 'T_ACME', name: 'Bob Approver' };
const mallory = { id: 'U_MALLORY', team_id: 'T_ACME', name: 'Mallory Member' };
const APPROVALS = 'C_APPROVALS';
const CONNECTION = 'acme to initech';

type View = OpenModal['view'];

describe('rules governance from Slack: edit, test run, request publish, approve', () => {
  let partner: ChatPartner<SlackNode>;
  let a: SlackNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let fdAgent: Helpdesk;
  let fsAgent: Helpdesk;
  let connectionId: string;

  beforeAll(async () => {
    partner = await startSlackAdminWithConnection({ users: [alice, bob, mallory] });
    ({ a, b, fd, fs, fdAgent, fsAgent } = partner);
    a.slackApi.botToken = 'xoxb-a-test-token';
    connectionId = partner.ids.a;
    await addTrigger(a.deps, { connection: partner.ids.a, query: '', actor: 'test:alice' });
    await addTrigger(b.deps, { connection: partner.ids.b, query: '', actor: 'test:bob' });
  }, 30_000);

  afterAll(async () => {
    await partner?.stop();
  });

  const engines = () => [partner.nodeA, b];

  const ephemeral = (user: { id: string; team_id: string; name: string }, text: string) =>
    ephemeralReply(a, user, text);

  /** The view a views.update call after `after` put up (the answer to a click inside a modal). */
  async function updatedView(after: number, predicate: (view: View) => boolean = () => true): Promise<View> {
    const call = await a.slackApi.waitFor(
      'views.update',
      (c) => a.slackApi.calls.indexOf(c) >= after && predicate(c.args['view'] as View),
      8000,
    );
    return call.args['view'] as View;
  }

  /** Clicks a button inside an open modal with what is typed in it; returns the view that replaced it. */
  async function clickInModal(
    user: typeof alice,
    modal: OpenModal,
    actionId: string,
    typed: Record<string, string | null> = {},
    value = buttonValue(modal.view, actionId),
  ): Promise<View> {
    const mark = a.slackApi.calls.length;
    // What the user typed is shown as the inputs' values, which the click sends as the view's state.
    const typedView = { ...modal.view, blocks: modal.view.blocks.map((b) => withTyped(b, typed)) } as View;
    await a.click(user, { actionId, value }, { modal: { id: modal.id, view: typedView } });
    const view = await updatedView(mark);
    modal.view = view;
    return view;
  }

  function _card(): SlackCall {
    const posted = a.slackApi.callsTo('chat.postMessage').filter((c) => c.args['channel'] === APPROVALS);
    expect(posted.length).toBeGreaterThan(0);
    return posted.at(-1)!;
  }

  const cardTs = (c: SlackCall) => String(c.result!['ts']);
  const cardValue = (c: SlackCall, actionId: string) =>
    buttonValue({ blocks: c.args['blocks'] as View['blocks'] } as View, actionId);

  it('sets up approvers and their channel; only admins may', async () => {
    expect(await ephemeral(mallory, `approvers add <@${bob.id}|bob>`)).toMatch(/Only DeskBridge admins/);
    expect(await ephemeral(alice, `approvers add <@${bob.id}|bob>`)).toMatch(/is now an approver/);
    expect(await ephemeral(alice, `approvers add <@${alice.id}|alice>`)).toMatch(/is now an approver/);
    expect(await ephemeral(alice, `approvers channel <#${APPROVALS}|approvals>`)).toMatch(/Approval cards go to/);
    const list = await ephemeral(alice, 'approvers list');
    expect(list).toContain(`<@${bob.id}>`);
    expect(list).toContain('Self-approval: off');
  });

  it('edit -> test run -> request publish -> approve: published once, card updated, author told, next change syncs under it', async () => {
    const ticket = await fdAgent.createEntity({
      summary: 'Printer on fire',
      description: '<p>Third floor</p>',
      reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
    });
    await syncUntil(engines(), [fd, fs], async () => (await fsAgent.listChanged(null)).changes.length === 1);
    const [twinRef] = (await fsAgent.listChanged(null)).changes;
    expect((await fsAgent.getEntity(twinRef!.id)).summary).toBe('Printer on fire');

    const mark = a.slackApi.calls.length;
    await a.command(alice, `rules ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    expect(modal.view.callback_id).toBe('rules.edit');
    expect(viewText(modal.view)).toContain('replica.summary');
    // The scripts are edited in the largest plain-text input Slack has (multiline; no rows setting; max_length 3000,
    // longer scripts travel as files), required: a script field always holds the script, so no "(optional)".
    expect(modal.view.blocks.find((b) => b['block_id'] === 'outgoing')).toMatchObject({
      type: 'input',
      optional: false,
      label: { text: 'Outgoing sync' },
      element: { type: 'plain_text_input', multiline: true, max_length: 3000 },
    });
    expect(modal.view.blocks.find((b) => b['block_id'] === 'note')).toMatchObject({ type: 'input', optional: true });
    const outgoing = `${defaultScripts('freshdesk').outgoing}replica.summary = "[Acme] " + entity.summary\n`;

    const fsBefore = (await fsAgent.listChanged(null)).changes.length;
    const tested = await clickInModal(alice, modal, 'rules.test-run', { outgoing, entityKeys: ticket.key });
    const testedText = viewText(tested);
    expect(testedText).toContain('Test run: 1 of 1 passed');
    expect(testedText).toContain('[Acme] Printer on fire');
    expect(testedText).toContain("this side's incoming script applied to");
    // A dry run: nothing written to either helpdesk, nothing queued for the other node.
    expect((await fdAgent.getEntity(ticket.id)).summary).toBe('Printer on fire');
    expect((await fsAgent.listChanged(null)).changes.length).toBe(fsBefore);
    expect(a.deps.db.$client.prepare("select count(*) as n from outbox where status = 'queued'").get()).toEqual({
      n: 0,
    });

    const requested = await clickInModal(alice, modal, 'rules.request-publish', {
      outgoing,
      entityKeys: ticket.key,
      note: 'Prefix our tickets',
    });
    expect(viewText(requested)).toMatch(/waiting for approval in <#C_APPROVALS>/);
    const posted = await a.slackApi.waitFor('chat.postMessage', (c) => c.args['channel'] === APPROVALS);
    const cardText = JSON.stringify(posted.args['blocks']);
    expect(cardText).toContain('+replica.summary = \\"[Acme] \\" + entity.summary');
    expect(diffLinesOf(posted.args['blocks'] as View['blocks'], 'outgoing')).toEqual([
      '--- outgoing v1',
      '+++ outgoing v2',
      expect.stringMatching(/^@@ -\d+,\d+ \+\d+,\d+ @@$/),
      ...diffBody(outgoing, 'replica.summary = "[Acme] " + entity.summary'),
    ]);
    expect(cardText).toContain('1 of 1 passed');
    expect(cardText).toContain(`<@${alice.id}>`);
    const pending = listRuleVersions(a.deps, { connection: connectionId }).at(-1)!;
    expect(pending).toMatchObject({ version: 2, status: 'pending', author: 'slack:T_ACME/U_ALICE' });
    const requestId = cardValue(posted, 'approval.approve');

    // A non-approver and the author (self-approval off) are refused; nothing changes.
    for (const [user, refusal] of [
      [mallory, /Only approvers/],
      [alice, /wrote or requested this change/],
    ] as const) {
      const before = a.slackApi.callsTo('response_url').length;
      await a.click(
        user,
        { actionId: 'approval.approve', value: requestId },
        { channelId: APPROVALS, messageTs: cardTs(posted) },
      );
      await a.slackApi.waitFor('response_url', () => a.slackApi.callsTo('response_url').length > before);
      expect(JSON.stringify(a.slackApi.callsTo('response_url').at(-1)!.args)).toMatch(refusal);
      expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)!.status).toBe('pending');
    }
    expect(a.slackApi.callsTo('chat.update').filter((c) => c.args['channel'] === APPROVALS)).toEqual([]);

    // A double click publishes once.
    await Promise.all(
      [1, 2].map(() =>
        a.click(
          bob,
          { actionId: 'approval.approve', value: requestId },
          { channelId: APPROVALS, messageTs: cardTs(posted) },
        ),
      ),
    );
    const updated = await a.slackApi.waitFor(
      'chat.update',
      (c) => c.args['channel'] === APPROVALS && c.args['ts'] === cardTs(posted),
    );
    expect(JSON.stringify(updated.args['blocks'])).toMatch(/Approved\* by <@U_BOB>/);
    expect(JSON.stringify(updated.args['blocks'])).toContain('approval.resync');
    const told = await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === alice.id && /was approved/.test(String(c.args['text'])),
    );
    expect(String(told.args['text'])).toContain('Your rules version 2');
    await a.slackApi.waitFor('response_url', (c) => /already approved/.test(JSON.stringify(c.args)));
    expect(listAuditLog(a.deps, { connection: connectionId }).filter((e) => e.action === 'rules.approve')).toHaveLength(
      1,
    );
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({
      version: 2,
      status: 'published',
      approver: 'slack:T_ACME/U_BOB',
    });

    // The published version applies to the entity's next change.
    await fdAgent.updateEntity(ticket.id, { summary: 'Printer on fire again' });
    await syncUntil(
      engines(),
      [fd, fs],
      async () => (await fsAgent.getEntity(twinRef!.id)).summary === '[Acme] Printer on fire again',
    );

    // Re-sync now: a bulk sync whose progress message ends at 100 % with the count.
    const resyncMark = a.slackApi.calls.length;
    await a.click(
      bob,
      { actionId: 'approval.resync', value: requestId },
      { channelId: APPROVALS, messageTs: cardTs(posted) },
    );
    const progress = await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => a.slackApi.calls.indexOf(c) >= resyncMark && /Re-sync of/.test(String(c.args['text'])),
    );
    await syncUntil(engines(), [fd, fs], () =>
      a.slackApi
        .callsTo('chat.update')
        .some((c) => c.args['ts'] === progress.result!['ts'] && /100 % — 1 entity sent/.test(String(c.args['text']))),
    );
  }, 40_000);

  it('rejects with a reason asked in a form; the author is told', async () => {
    const mark = a.slackApi.calls.length;
    await a.command(alice, `rules ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    const incoming = `${defaultScripts('freshdesk').incoming}entity.labels = replica.labels + ["from-initech"]\n`;
    await clickInModal(alice, modal, 'rules.request-publish', { incoming });
    const posted = await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => a.slackApi.calls.indexOf(c) >= mark && c.args['channel'] === APPROVALS,
    );
    expect(JSON.stringify(posted.args['blocks'])).toContain('none was run');
    const requestId = cardValue(posted, 'approval.reject');

    const formMark = a.slackApi.calls.length;
    await a.click(
      bob,
      { actionId: 'approval.reject', value: requestId },
      { channelId: APPROVALS, messageTs: cardTs(posted) },
    );
    const reasonForm = await a.openedModal(formMark);
    expect(reasonForm.view.callback_id).toBe('approval.reject-reason');
    const empty = await a.submit(bob, reasonForm, { reason: null });
    expect(empty.json).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringMatching(/Say why/) },
    });
    const done = await a.submit(bob, reasonForm, { reason: 'Labels are managed by Initech' });
    expect(done.json).toMatchObject({ response_action: 'clear' });
    const updated = await a.slackApi.waitFor('chat.update', (c) => c.args['ts'] === cardTs(posted));
    expect(JSON.stringify(updated.args['blocks'])).toContain('Labels are managed by Initech');
    await a.slackApi.waitFor(
      'chat.postMessage',
      (c) =>
        c.args['channel'] === alice.id &&
        /was rejected by <@U_BOB>: Labels are managed by Initech/.test(String(c.args['text'])),
    );
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({
      version: 3,
      status: 'rejected',
    });
    expect(
      listAuditLog(a.deps, { connection: connectionId }).find((e) => e.action === 'rules.reject')?.details,
    ).toMatchObject({ reason: 'Labels are managed by Initech' });
  }, 20_000);

  it('rolls back to an earlier version: a new version that also needs approval', async () => {
    const mark = a.slackApi.calls.length;
    await a.command(alice, `rules ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    const history = await clickInModal(alice, modal, 'rules.history');
    expect(viewText(history)).toMatch(/Version 2\*: published \(in effect\)/);
    expect(viewText(history)).toMatch(/Approved by <@U_BOB>/);
    const diffView = await clickInModal(alice, modal, 'rules.diff', {}, `${connectionId}|2`);
    expect(viewText(diffView)).toContain('+replica.summary = \\"[Acme] \\" + entity.summary');
    // Each line of the diff on its own line of one preformatted block, its header lines too.
    expect(diffLinesOf(diffView.blocks, 'outgoing').slice(0, 3)).toEqual([
      '--- outgoing v1',
      '+++ outgoing v2',
      expect.stringMatching(/^@@ -\d+,\d+ \+\d+,\d+ @@$/),
    ]);
    expect(diffLinesOf(diffView.blocks, 'outgoing')).toContain('+replica.summary = "[Acme] " + entity.summary');
    await clickInModal(alice, modal, 'rules.history');
    const rolled = await clickInModal(alice, modal, 'rules.rollback', {}, `${connectionId}|1`);
    expect(viewText(rolled)).toMatch(/Version 4 repeats version 1/);
    const posted = await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => a.slackApi.calls.indexOf(c) >= mark && c.args['channel'] === APPROVALS,
    );
    expect(JSON.stringify(posted.args['blocks'])).toContain('-replica.summary = \\"[Acme] \\" + entity.summary');
    const versions = listRuleVersions(a.deps, { connection: connectionId });
    expect(versions.at(-1)).toMatchObject({
      version: 4,
      status: 'pending',
      note: 'Rollback to version 1',
      outgoing: versions[0]!.outgoing,
    });
    await a.click(
      bob,
      { actionId: 'approval.approve', value: cardValue(posted, 'approval.approve') },
      { channelId: APPROVALS, messageTs: cardTs(posted) },
    );
    await a.slackApi.waitFor('chat.update', (c) => c.args['ts'] === cardTs(posted));
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({
      version: 4,
      status: 'published',
    });
  }, 20_000);

  it('a draft with a syntax error is saved with its line and column and cannot be sent for approval', async () => {
    const mark = a.slackApi.calls.length;
    await a.command(alice, `rules ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    const saved = await a.submit(alice, modal, { outgoing: 'replica.summary = entity.summary\nreplica.key = (\n' });
    expect(saved.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toMatch(/Draft version 5 is saved, with an error/);
    expect(viewText(modal.view)).toMatch(/outgoing script has an error at line 2, column \d+: [^\s]/);
    // The error once, its position once: not "line 2, column 15: Syntax error at 2:15: ...".
    expect(viewText(modal.view).match(/has an error at line/g)).toHaveLength(1);
    expect(viewText(modal.view)).not.toMatch(/error at \d+:\d+/);
    const cardsBefore = a.slackApi.callsTo('chat.postMessage').filter((c) => c.args['channel'] === APPROVALS).length;
    const refused = await clickInModal(alice, modal, 'rules.request-publish');
    expect(viewText(refused)).toMatch(/Not sent for approval\. The outgoing script has an error at line 2, column \d+/);
    expect(viewText(refused).match(/has an error at line/g)).toHaveLength(1);
    expect(a.slackApi.callsTo('chat.postMessage').filter((c) => c.args['channel'] === APPROVALS)).toHaveLength(
      cardsBefore,
    );
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({
      version: 5,
      status: 'draft',
    });
  });

  it('scripts longer than a form input travel as files: upload (file_shared) and download (files.uploadV2)', async () => {
    expect(await ephemeral(alice, `rules upload ${CONNECTION}`)).toMatch(/Send me the script as a file now/);
    const long = `${'// a long header comment line for the upload test\n'.repeat(70)}${defaultScripts('freshdesk').outgoing}`;
    expect(long.length).toBeGreaterThan(3000);
    a.slackApi.shareFile({ id: 'F_SHARED1', name: 'outgoing.groovy', content: long, user: alice.id });
    await a.event(
      {
        type: 'file_shared',
        file_id: 'F_SHARED1',
        user_id: alice.id,
        channel_id: `D${alice.id}`,
        file: { id: 'F_SHARED1' },
        event_ts: '1700000001.1',
      },
      'T_ACME',
    );
    const answer = await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => c.args['channel'] === alice.id && /saved with your outgoing script/.test(String(c.args['text'])),
    );
    expect(String(answer.args['text'])).toContain(`(${long.length} characters)`);
    expect(a.slackApi.last('file_download')?.token).toBe('xoxb-a-test-token');
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({
      version: 6,
      status: 'draft',
      outgoing: long,
    });

    const mark = a.slackApi.calls.length;
    await a.command(alice, `rules ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    expect(modal.view.blocks.some((b) => b['block_id'] === 'outgoing')).toBe(false);
    expect(viewText(modal.view)).toMatch(/longer than a form field holds/);
    await clickInModal(alice, modal, 'rules.download');
    await waitUntil(() => a.slackApi.uploads.length === 2);
    const outgoingFile = a.slackApi.uploads.find((u) => u.filename.endsWith('-v6-outgoing.groovy'))!;
    expect(outgoingFile).toMatchObject({ channelId: `D${alice.id}`, content: long });
    expect(a.slackApi.uploads.find((u) => u.filename.endsWith('-v6-incoming.groovy'))!.content).toBe(
      defaultScripts('freshdesk').incoming,
    );
    // Saving from the form keeps the long script as it is.
    await a.submit(alice, modal, { incoming: `${defaultScripts('freshdesk').incoming}// reviewed\n` });
    expect(listRuleVersions(a.deps, { connection: connectionId }).at(-1)).toMatchObject({ version: 7, outgoing: long });
  });

  it('triggers: a query the helpdesk refuses is refused with its reason; sync existing matches ends at 100 % with the count', async () => {
    const mark = a.slackApi.calls.length;
    await a.command(alice, `triggers ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    expect(modal.view.callback_id).toBe('triggers.list');
    expect(viewText(modal.view)).toContain('(every entity)');
    const edit = await clickInModal(alice, modal, 'triggers.edit-open');
    expect(edit.callback_id).toBe('triggers.edit');
    const refused = await a.submit(alice, modal, { query: 'colour:blue' });
    expect(refused.json).toMatchObject({
      response_action: 'errors',
      errors: { query: expect.stringMatching(/helpdesk refused the trigger query "colour:blue": .*colour/) },
    });
    const ok = await a.submit(alice, modal, { query: 'priority:1', notes: 'Low only' });
    expect(ok.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toContain('priority:1');

    for (const n of [1, 2, 3])
      await fdAgent.createEntity({
        summary: `Bulk ${n}`,
        description: 'x',
        priority: { id: 1, name: 'Low' },
        reporter: { id: null, email: 'a@acme.example', displayName: null },
      });
    const bulkMark = a.slackApi.calls.length;
    const after = await clickInModal(alice, modal, 'triggers.bulk');
    const matches = /Syncing (\d+) existing matches/.exec(viewText(after));
    expect(matches).not.toBeNull();
    const count = Number(matches![1]);
    expect(count).toBeGreaterThanOrEqual(3);
    const progress = await a.slackApi.waitFor(
      'chat.postMessage',
      (c) => a.slackApi.calls.indexOf(c) >= bulkMark && /Sync of existing matches/.test(String(c.args['text'])),
    );
    expect(progress.args['channel']).toBe(alice.id);
    await syncUntil(engines(), [fd, fs], () =>
      a.slackApi
        .callsTo('chat.update')
        .some(
          (c) =>
            c.args['ts'] === progress.result!['ts'] &&
            String(c.args['text']).includes(`100 % — ${count} entities sent`),
        ),
    );
    const deactivated = await clickInModal(alice, modal, 'triggers.toggle');
    expect(viewText(deactivated)).toContain('inactive');
    const deleted = await clickInModal(alice, modal, 'triggers.delete');
    expect(viewText(deleted)).toContain('No triggers yet');
    const actions = listAuditLog(a.deps, { connection: connectionId }).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['trigger.edit', 'sync.bulk', 'trigger.deactivate', 'trigger.delete']),
    );
  }, 30_000);

  it('errors: the blocked entities with Retry and Resolve, redrawn in place', async () => {
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
    expect(await ephemeral(mallory, `errors ${CONNECTION}`)).toMatch(/Only DeskBridge admins/);
    const list = await ephemeral(alice, `errors ${CONNECTION}`);
    expect(list).toContain('#999');
    expect(list).toContain('at line 3, column 5');
    const blocks = JSON.parse(list).blocks as View['blocks'];
    const resolveValue = buttonValue({ blocks } as View, 'sync-errors.resolve');
    const redrawn = await clickReply(
      a,
      alice,
      { actionId: 'sync-errors.resolve', value: resolveValue },
      { channelId: 'C_GENERAL', messageTs: '1700000000.000001' },
    );
    expect(redrawn['replace_original']).toBe(true);
    expect(JSON.stringify(redrawn)).toMatch(/Resolved the error of #(998|999)/);
    expect(listAuditLog(a.deps, { connection: connectionId }).some((e) => e.action === 'sync-error.resolve')).toBe(
      true,
    );
  });

  it("a passing test run clears the earlier error; its JSON is pretty-printed and a ticket's HTML shown as text", async () => {
    const ticket = await fdAgent.createEntity({
      summary: 'Smoke on 3',
      description: '<p>Printer <b>on fire</b> & smoking</p>',
      reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
    });
    const mark = a.slackApi.calls.length;
    await a.command(alice, `rules ${CONNECTION}`);
    const modal = await a.openedModal(mark);
    const incoming = defaultScripts('freshdesk').incoming;
    const saved = await a.submit(alice, modal, { incoming: `${incoming}entity.labels = (\n` });
    expect(saved.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toMatch(/The incoming script has an error at line \d+, column \d+/);

    // The fixed script, test run before it is saved: the old error goes with the run that passes.
    const tested = await clickInModal(alice, modal, 'rules.test-run', { incoming, entityKeys: ticket.key });
    expect(viewText(tested)).toContain('Test run: 1 of 1 passed');
    expect(viewText(tested)).not.toMatch(/has an error|:warning:/);
    const codes = codeTexts(tested.blocks);
    expect(codes.length).toBeGreaterThanOrEqual(2);
    for (const code of codes) {
      // 2-space JSON, exactly as JSON.stringify(value, null, 2) writes it (then escaped for mrkdwn).
      const json = JSON.parse(code.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as unknown;
      expect(code).toBe(
        JSON.stringify(json, null, 2).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      );
      expect(code.split('\n')[1]).toMatch(/^ {2}"\w+": /);
    }
    // The description is text in a code block: its tags escaped, so Slack renders none of them.
    const described = codes.find((c) => c.includes('"description"'))!;
    expect(described).toContain('&lt;p&gt;Printer &lt;b&gt;on fire&lt;/b&gt; &amp; smoking&lt;/p&gt;');
    expect(viewText(tested)).not.toContain('<b>');

    // A failing run shows its error once (in the banner), and the next passing one clears it.
    const failed = await clickInModal(alice, modal, 'rules.test-run', {
      incoming: `${incoming}entity.labels = (\n`,
      entityKeys: ticket.key,
    });
    expect(viewText(failed).match(/has an error at line/g)).toHaveLength(1);
    const again = await clickInModal(alice, modal, 'rules.test-run', { incoming, entityKeys: ticket.key });
    expect(viewText(again)).not.toMatch(/has an error/);

    // Saved without problems: the form says so, and no error is left on it.
    const fixed = await a.submit(alice, modal, { incoming: `${incoming}// fixed\n`, entityKeys: null });
    expect(fixed.json).toMatchObject({ response_action: 'update' });
    expect(viewText(modal.view)).toMatch(/Draft version \d+ is saved\. Test run it/);
    expect(viewText(modal.view)).not.toMatch(/has an error|:warning:/);
  }, 20_000);
});

function buttonValue(view: Pick<View, 'blocks'>, actionId: string): string {
  for (const block of view.blocks) {
    for (const element of (block['elements'] as Record<string, unknown>[] | undefined) ?? []) {
      if (element['action_id'] === actionId) return String(element['value'] ?? '');
    }
  }
  throw new Error(`no button ${actionId} in ${JSON.stringify(view.blocks).slice(0, 400)}`);
}

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An input block with `typed[block_id]` as its value (what a user typed before clicking). */
function withTyped(block: Record<string, unknown>, typed: Record<string, string | null>): Record<string, unknown> {
  const id = String(block['block_id'] ?? '');
  if (block['type'] !== 'input' || !(id in typed)) return block;
  const element = { ...(block['element'] as Record<string, unknown>) };
  if (typed[id] === null) delete element['initial_value'];
  else element['initial_value'] = typed[id];
  return { ...block, element };
}

/** The texts of the preformatted sections of a view (what is between the backticks). */
function codeTexts(blocks: View['blocks']): string[] {
  return blocks
    .map((b) => (b['text'] as { text?: string } | undefined)?.text ?? '')
    .filter((t) => t.startsWith('```') && t.endsWith('```'))
    .map((t) => t.slice(3, -3));
}

/** The lines of the diff of one script, as the code block under its label shows them. */
function diffLinesOf(blocks: View['blocks'], script: 'outgoing' | 'incoming'): string[] {
  const code = codeTexts(blocks).find((t) => t.startsWith(`--- ${script} v`));
  if (!code) throw new Error(`no ${script} diff in ${JSON.stringify(blocks).slice(0, 400)}`);
  return code.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').split('\n');
}

/** The hunk lines of a diff that adds one line at the end of `after`: three kept lines of context, then the line. */
function diffBody(after: string, added: string): string[] {
  const kept = after.replace(/\n$/, '').split('\n').slice(0, -1).slice(-3);
  return [...kept.map((l) => ` ${l}`), `+${added}`];
}
