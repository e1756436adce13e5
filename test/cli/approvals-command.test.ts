import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestRulePublish } from '../../src/app/approvals.ts';
import { addApprover, setApproversChannel } from '../../src/app/approvers.ts';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { listRuleVersions, saveRuleDraft } from '../../src/app/rule-versions.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import { runCli } from '../../src/cli/run.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { capturedIo } from '../support/cli-io.ts';
import { fixedHelpdesks } from '../support/helpdesks.ts';
import { TestClock, tempDir } from '../support/nodes.ts';
import { registerTestInstance } from '../support/story.ts';

/** The operator's fallback where no approver can click (the Agents Playground has no approvers' view). */
describe('deskbridge approvals', () => {
  const dir = tempDir('deskbridge-approvals-');
  const env = { DESKBRIDGE_DATA_DIR: dir, LOG_LEVEL: 'silent', DESKBRIDGE_SECRET_KEY: 'c'.repeat(64) };
  const alice: ChatActor = {
    platform: 'slack',
    tenantId: 'T_ACME',
    userId: 'U_ALICE',
    displayName: 'Alice',
    isWorkspaceAdmin: true,
  };
  const deps = () =>
    buildAppDeps({
      config: loadConfig(env),
      logger: createLogger('silent'),
      connectHelpdesk: fixedHelpdesks(),
      clock: new TestClock().now,
    });
  let requests: string[] = [];

  beforeAll(async () => {
    const d = deps();
    await registerTestInstance(d, 'acme', 'freshdesk');
    linkWorkspace(d, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    setApproversChannel(d, { actor: alice, channelId: 'C_APPROVALS' });
    addApprover(d, { actor: alice, userId: 'U_BOB' });
    requests = [];
    for (const name of ['Acme to P', 'Acme to Q']) {
      const { connection } = await initiateConnection(d, {
        instance: 'acme',
        destinationUrl: null,
        mode: 'script',
        localShortName: 'Acme',
        remoteShortName: name.slice(-1),
        name,
        incomingProjectId: '1001',
        actor: 'test:alice',
      });
      const scripts = defaultScripts('freshdesk');
      saveRuleDraft(d, {
        connection: connection.id,
        ...scripts,
        outgoing: `${scripts.outgoing}\n// v2`,
        actor: 'slack:T_ACME/U_ALICE',
      });
      requests.push(requestRulePublish(d, { connection: connection.id, actor: 'slack:T_ACME/U_ALICE' }).id);
    }
    d.db.$client.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...args: string[]) {
    const { io, out, err } = capturedIo();
    const code = await runCli(args, io, env);
    return { code, out: out(), err: err() };
  }

  it('lists what waits for an approver, for all connections or one', async () => {
    const all = await cli('approvals', 'list');
    expect(all.code, all.err).toBe(0);
    expect(all.out.split('\n')[0]).toMatch(/^REQUEST\s+CONNECTION\s+VERSION\s+AUTHOR\s+REQUESTED$/);
    expect(all.out).toContain(requests[0]);
    expect(all.out).toContain(requests[1]);
    const one = JSON.parse((await cli('approvals', 'list', '--connection', 'Acme to Q', '--json')).out) as {
      id: string;
      status: string;
    }[];
    expect(one).toEqual([expect.objectContaining({ id: requests[1], status: 'pending' })]);
  });

  it('approve publishes the version, audited as an override; a second decision changes nothing', async () => {
    const approved = await cli('approvals', 'approve', requests[0]!);
    expect(approved.code, approved.err).toBe(0);
    expect(approved.out).toBe(`Version 2 of "Acme to P" is published; it applies to each entity's next change.\n`);
    const d = deps();
    try {
      expect(listRuleVersions(d, { connection: 'Acme to P' }).find((v) => v.version === 2)?.status).toBe('published');
    } finally {
      d.db.$client.close();
    }
    const audit = JSON.parse((await cli('audit', '--connection', 'Acme to P', '--json')).out) as { action: string }[];
    expect(audit[0]?.action).toBe('rules.approve.override');
    const again = await cli('approvals', 'reject', requests[0]!, '--reason', 'too late');
    expect(again.code).toBe(1);
    expect(again.err).toBe('deskbridge: Version 2 of "Acme to P" was already approved; nothing changed.\n');
  });

  it('reject needs a reason, which the audit log keeps', async () => {
    const bare = await cli('approvals', 'reject', requests[1]!);
    expect(bare.code).toBe(1);
    expect(bare.err).toBe('deskbridge: Say why the change is rejected; the author reads it.\n');
    expect(JSON.parse((await cli('approvals', 'list', '--json')).out)).toHaveLength(1);
    const rejected = await cli('approvals', 'reject', requests[1]!, '--reason', 'breaks the status mapping');
    expect(rejected.code, rejected.err).toBe(0);
    expect(rejected.out).toBe('Version 2 of "Acme to Q" is rejected: breaks the status mapping\n');
    expect((await cli('approvals', 'list')).out).toBe('No rule publish is waiting for approval.\n');
  });

  it("usage problems exit 2 with the command's usage; an unknown request is refused", async () => {
    const missing = await cli('approvals', 'approve');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /^deskbridge: Give the request id: deskbridge approvals approve <request-id>\.\n\nUsage:\ndeskbridge approvals list/,
    );
    const unknown = await cli('approvals', 'approve', 'no-such-request');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^deskbridge: This approval request no longer exists/);
  });
});
