import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { listRuleVersions, saveRuleDraft } from '../../src/app/rule-versions.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import { runCli } from '../../src/cli/run.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { capturedIo } from '../support/cli-io.ts';
import { groovy, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';
import { fixedHelpdesks } from '../support/helpdesks.ts';
import { tempDir } from '../support/nodes.ts';
import { registerTestInstance } from '../support/story.ts';

/** `deskbridge rules assist` against a fake OpenAI-compatible endpoint (test/support/fake-openai.ts). */
describe('deskbridge rules assist', () => {
  const dir = tempDir('deskbridge-assist-cli-');
  const base = { DESKBRIDGE_DATA_DIR: dir, LOG_LEVEL: 'silent', DESKBRIDGE_SECRET_KEY: 'c'.repeat(64) };
  let env: Record<string, string> = base;
  let ai: FakeOpenAi;
  let connectionId = '';
  const outgoing = defaultScripts('freshdesk').outgoing;
  const suggested = `${outgoing}replica.labels = entity.labels + ["cli"]`;

  beforeAll(async () => {
    ai = await startFakeOpenAi();
    env = { ...base, AI_BASE_URL: ai.url, AI_MODEL: 'local-model' };
    const deps = buildAppDeps({
      config: loadConfig(base),
      logger: createLogger('silent'),
      connectHelpdesk: fixedHelpdesks(),
    });
    await registerTestInstance(deps, 'acme', 'freshdesk');
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
    saveRuleDraft(deps, { connection: connection.id, ...defaultScripts('freshdesk'), actor: 'test:alice' });
    await deps.rules.close();
    deps.db.$client.close();
  });
  afterAll(async () => {
    await ai?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(args: string[], on = env) {
    const { io, out, err } = capturedIo();
    const code = await runCli(args, io, on);
    return { code, out: out(), err: err() };
  }

  function versions() {
    const deps = buildAppDeps({ config: loadConfig(base), logger: createLogger('silent') });
    try {
      return listRuleVersions(deps, { connection: connectionId });
    } finally {
      deps.db.$client.close();
    }
  }

  it('prints the checked suggestion as a diff and changes nothing; --insert makes a draft that needs approval', async () => {
    ai.script({ content: groovy(suggested) });
    const shown = await cli(['rules', 'assist', 'Acme to P', '--prompt', 'Tag with cli', '--direction', 'outgoing']);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toMatch(/AI suggestion \d+ for "Acme to P" \(model local-model, 1 round\)/);
    expect(shown.out).toContain('test run a sample freshdesk ticket: ok');
    expect(shown.out).toContain('+replica.labels = entity.labels + ["cli"]');
    expect(shown.out).toContain('Nothing was changed');
    // No AI_API_KEY: no Authorization header at all (Ollama, llama.cpp), not a dummy key.
    expect(ai.requests[0]!.headers['authorization']).toBeUndefined();
    const before = versions().length;

    ai.script({ content: groovy(suggested) });
    const inserted = await cli([
      'rules',
      'assist',
      'Acme to P',
      '--prompt',
      'Tag with cli',
      '--direction=outgoing',
      '--insert',
    ]);
    expect(inserted.code, inserted.err).toBe(0);
    expect(inserted.out).toMatch(/Inserted as draft version \d+; it still needs approval/);
    expect(versions()).toHaveLength(before + 1);
    expect(versions().at(-1)).toMatchObject({ status: 'draft', outgoing: `${suggested}\n` });
  });

  it('a failure is one clear line and exit 1; not configured says what to set; bad flags are usage errors', async () => {
    const before = versions().length;
    ai.script({ status: 503 });
    const failed = await cli(['rules', 'assist', 'Acme to P', '--prompt', 'x', '--insert']);
    expect(failed).toMatchObject({
      code: 1,
      err: 'deskbridge: The AI endpoint failed (HTTP 503) twice; try again later.\n',
    });
    const bare = await cli(['rules', 'assist', 'Acme to P', '--prompt', 'x'], base);
    expect(bare.code).toBe(1);
    expect(bare.err).toMatch(/AI Assist is not configured on this node.*AI_BASE_URL/);
    const usage = await cli(['rules', 'assist', 'Acme to P', '--prompt', 'x', '--direction', 'up']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--direction must be outgoing, incoming or both.');
    expect(usage.err).toContain('deskbridge rules assist <connection> --prompt TEXT');
    expect(versions()).toHaveLength(before);
  });
});
