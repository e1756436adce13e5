import { rmSync } from 'node:fs';
import { capturedIo } from '../support/cli-io.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addApprover } from '../../src/app/approvers.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { saveRuleDraft } from '../../src/app/rule-versions.ts';
import { runCli } from '../../src/cli/run.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import { fixedHelpdesks } from '../support/helpdesks.ts';
import { tempDir } from '../support/nodes.ts';
import { registerTestInstance } from '../support/story.ts';

describe('deskbridge audit', () => {
  const dir = tempDir('deskbridge-audit-');
  const env = { DESKBRIDGE_DATA_DIR: dir, LOG_LEVEL: 'silent', DESKBRIDGE_SECRET_KEY: 'b'.repeat(64) };
  let connectionId = '';

  beforeAll(async () => {
    const deps = buildAppDeps({
      config: loadConfig(env),
      logger: createLogger('silent'),
      connectHelpdesk: fixedHelpdesks(),
    });
    await registerTestInstance(deps, 'acme', 'freshdesk');
    linkWorkspace(deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
    const { connection } = await initiateConnection(deps, {
      instance: 'acme',
      destinationUrl: null,
      mode: 'script',
      localShortName: 'Acme',
      remoteShortName: 'P',
      name: 'Acme to P',
      incomingProjectId: '1001',
      actor: 'test:alice',
    });
    connectionId = connection.id;
    saveRuleDraft(deps, { connection: connection.id, ...defaultScripts('freshdesk'), actor: 'slack:T_ACME/U_ALICE' });
    addApprover(deps, {
      actor: { platform: 'slack', tenantId: 'T_ACME', userId: 'U_ALICE', displayName: 'Alice', isWorkspaceAdmin: true },
      userId: 'U_BOB',
    });
    deps.db.$client.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...args: string[]) {
    const { io, out, err } = capturedIo();
    const code = await runCli(args, io, env);
    return { code, out: out(), err: err() };
  }

  it("lists every entry newest first, or only a connection's, as a table or JSON", async () => {
    const all = await cli('audit');
    expect(all.code, all.err).toBe(0);
    expect(all.out.split('\n')[0]).toMatch(/^ID\s+WHEN\s+ACTOR\s+ACTION\s+SUBJECT\s+DETAILS$/);
    expect(all.out).toMatch(/slack:T_ACME\/U_ALICE\s+approver\.add/);
    const json = await cli('audit', '--connection', 'Acme to P', '--json');
    expect(json.code, json.err).toBe(0);
    const entries = JSON.parse(json.out) as { action: string; subjectId: string }[];
    expect(entries.map((e) => e.action)).toEqual(['rules.draft', expect.any(String)]);
    expect(entries.every((e) => e.subjectId === connectionId)).toBe(true);
    expect((await cli('audit', '--limit', 'x')).code).toBe(2);
    expect((await cli('audit', '--connection', 'nope')).err).toMatch(/There is no connection "nope"/);
  });
});
