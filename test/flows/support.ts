import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import type { AppDeps } from '../../src/app/deps.ts';
import type { ChatActor } from '../../src/domain/chat-actor.ts';
import { loadConfig } from '../../src/config.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import { fixedHelpdesks } from '../support/helpdesks.ts';
import { tempDir, TestClock } from '../support/nodes.ts';

/** Use-case dependencies on a temp data dir, without a server: flows are called directly. */
export function flowDeps(): { deps: AppDeps; clock: TestClock; close(): void } {
  const dir = tempDir('deskbridge-flows-');
  const config = loadConfig({ DESKBRIDGE_DATA_DIR: dir, PUBLIC_URL: 'http://192.0.2.10:3000' });
  const clock = new TestClock();
  const deps = buildAppDeps({
    config,
    logger: createLogger('silent'),
    connectHelpdesk: fixedHelpdesks(),
    clock: clock.now,
  });
  return {
    deps,
    clock,
    close() {
      deps.db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function actor(overrides: Partial<ChatActor> = {}): ChatActor {
  return {
    platform: 'slack',
    tenantId: 'T_ACME',
    userId: 'U_ALICE',
    displayName: 'Alice',
    isWorkspaceAdmin: true,
    ...overrides,
  };
}

/** Runs `action` and returns the DomainError it throws; fails when it throws none. */
export function refusal(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}
