import { userMention } from '../../src/ui/mentions.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addApprover, setApproversChannel, setSelfApproval } from '../../src/app/approvers.ts';
import { decidePublish, requestRulePublish } from '../../src/app/approvals.ts';
import { listAuditLog } from '../../src/app/audit-log.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { listRuleVersions, publishRuleVersion, saveRuleDraft } from '../../src/app/rule-versions.ts';
import { approveFromCard } from '../../src/flows/approval-card.ts';
import { openRulesEditor } from '../../src/flows/rules-editor.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { registerTestInstance } from '../support/story.ts';
import { actor, flowDeps, refusal } from './support.ts';

const alice = actor();
const bob = actor({ userId: 'U_BOB', displayName: 'Bob', isWorkspaceAdmin: false });
const partner = actor({ tenantId: 'T_PARTNER', userId: 'U_PAT', displayName: 'Pat', isWorkspaceAdmin: true });

function expectRefused(action: () => unknown, code: string, message: RegExp): void {
  const error = refusal(action);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

describe('rules governance use-cases and flows (chat-neutral)', () => {
  let deps: AppDeps;
  let close: () => void;
  let connectionId: string;
  beforeEach(async () => {
    ({ deps, close } = flowDeps());
    await registerTestInstance(deps, 'acme', 'freshdesk');
    linkWorkspace(deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test' });
    const { connection } = await initiateConnection(deps, {
      instance: 'acme',
      destinationUrl: null,
      mode: 'script',
      localShortName: 'Acme',
      remoteShortName: 'Partner',
      name: 'Acme to Partner',
      incomingProjectId: '1001',
      actor: 'test:alice',
    });
    connectionId = connection.id;
    addApprover(deps, { actor: alice, userId: 'U_BOB' });
    addApprover(deps, { actor: alice, userId: 'U_ALICE' });
  });
  afterEach(() => close());

  const draft = (summaryLine: string) =>
    saveRuleDraft(deps, {
      connection: connectionId,
      outgoing: `${defaultScripts('freshdesk').outgoing}${summaryLine}\n`,
      incoming: defaultScripts('freshdesk').incoming,
      actor: 'slack:T_ACME/U_ALICE',
    });

  it('refuses a request without an approvers channel, and one while another version waits', () => {
    draft('replica.summary = "A " + entity.summary');
    expectRefused(
      () => requestRulePublish(deps, { connection: connectionId, actor: 'slack:T_ACME/U_ALICE' }),
      'conflict',
      /no approvers channel/,
    );
    setApproversChannel(deps, { actor: alice, channelId: 'C_APPROVALS' });
    expect(requestRulePublish(deps, { connection: connectionId, actor: 'slack:T_ACME/U_ALICE' })).toMatchObject({
      version: 2,
      status: 'pending',
    });
    draft('replica.summary = "B " + entity.summary');
    expectRefused(
      () => requestRulePublish(deps, { connection: connectionId, actor: 'slack:T_ACME/U_ALICE' }),
      'conflict',
      /Version 2 .* is waiting for approval/,
    );
  });

  it('decides once: a second decision is refused and changes nothing; the author may approve only with self-approval on', () => {
    setApproversChannel(deps, { actor: alice, channelId: 'C_APPROVALS' });
    draft('replica.summary = "A " + entity.summary');
    const request = requestRulePublish(deps, { connection: connectionId, actor: 'slack:T_ACME/U_ALICE' });
    expectRefused(
      () => decidePublish(deps, partner, { requestId: request.id, decision: 'approve' }),
      'forbidden',
      /Only approvers/,
    );
    expectRefused(
      () => decidePublish(deps, alice, { requestId: request.id, decision: 'approve' }),
      'forbidden',
      /self-approval is off/,
    );
    setSelfApproval(deps, { actor: alice, allowed: true });
    expect(decidePublish(deps, alice, { requestId: request.id, decision: 'approve' })).toMatchObject({
      status: 'approved',
      decidedBy: 'slack:T_ACME/U_ALICE',
    });
    expectRefused(
      () => decidePublish(deps, bob, { requestId: request.id, decision: 'reject', reason: 'late' }),
      'conflict',
      /already approved/,
    );
    expect(listRuleVersions(deps, { connection: connectionId }).at(-1)).toMatchObject({
      version: 2,
      status: 'published',
    });
    expect(
      listAuditLog(deps, { connection: connectionId }).filter(
        (e) => e.action === 'rules.approve' || e.action === 'rules.reject',
      ),
    ).toHaveLength(1);
  });

  it('the approve flow answers a refusal with the error and updates nothing', () => {
    setApproversChannel(deps, { actor: alice, channelId: 'C_APPROVALS' });
    draft('replica.summary = "A " + entity.summary');
    const request = requestRulePublish(deps, {
      connection: connectionId,
      actor: 'slack:T_ACME/U_ALICE',
      requester: { platform: 'slack', tenantId: 'T_ACME', userId: 'U_ALICE' },
    });
    expect(() => approveFromCard(deps, actor({ userId: 'U_NOBODY', isWorkspaceAdmin: true }), request.id)).toThrow(
      /Only approvers/,
    );
    expect(listRuleVersions(deps, { connection: connectionId }).at(-1)!.status).toBe('pending');
    const approved = approveFromCard(deps, bob, request.id);
    // No card was posted in this test, so only the requester is told.
    expect(approved.effects).toEqual([
      {
        kind: 'notify-user',
        userId: 'U_ALICE',
        message: expect.objectContaining({
          text: expect.stringContaining(`was approved by ${userMention('slack:T_ACME/U_BOB')}`),
        }),
      },
    ]);
  });

  it('the CLI override publishes without a request, audited as an override; the editor is for admins only', () => {
    draft('replica.summary = "A " + entity.summary');
    publishRuleVersion(deps, { connection: connectionId, actor: 'cli:ops' });
    expect(listAuditLog(deps, { connection: connectionId })[0]).toMatchObject({
      action: 'rules.publish.override',
      actor: 'cli:ops',
      details: { override: true },
    });
    expect(() => openRulesEditor(deps, bob, 'Acme to Partner')).toThrow(/Only DeskBridge admins/);
    const opened = openRulesEditor(deps, alice, 'Acme to Partner');
    expect(opened.reply).toMatchObject({ kind: 'open-form', form: { id: 'rules.edit' } });
  });

  it('a Basic-mode connection shows its generated rules read-only, saying why', async () => {
    await initiateConnection(deps, {
      instance: 'acme',
      destinationUrl: null,
      mode: 'basic',
      localShortName: 'Acme',
      remoteShortName: 'B',
      name: 'Acme basic',
      incomingProjectId: '1001',
      actor: 'test:alice',
    });
    const opened = openRulesEditor(deps, alice, 'Acme basic');
    if (opened.reply.kind !== 'open-form') throw new Error('expected a form');
    const form = opened.reply.form;
    expect(form.submitLabel).toBeUndefined();
    expect(form.items.some((i) => i.kind === 'text')).toBe(false);
    expect(JSON.stringify(form.items)).toMatch(
      /Basic-mode connection: its rules are generated for the two platforms and cannot be edited/,
    );
    expect(JSON.stringify(form.items)).toContain('replica.summary');
  });
});
