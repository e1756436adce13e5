import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueStatus } from '../../src/app/queue-status.ts';
import { publishRuleVersion, saveRuleDraft } from '../../src/app/rule-versions.ts';
import { ticketStatus } from '../../src/app/ticket-status.ts';
import { addTrigger, editTrigger, setTriggerActive } from '../../src/app/triggers.ts';
import { runCli } from '../../src/cli/run.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { capturedIo } from '../support/cli-io.ts';
import { TestClock } from '../support/nodes.ts';
import {
  agentOf,
  connect,
  registerOn,
  settle,
  startSimulator,
  startSyncNode,
  stopSyncPair,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';

/**
 * A (Freshdesk "acme") -> B (Freshservice "initech"), one trigger on A. Sending retries wait a minute at least, so a
 * message the other node did not take is still on its backoff when the views are read.
 */
describe('the ticket view and the queue view', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let fdAgent: Helpdesk;
  let ids: { a: string; b: string };
  let triggerId: string;
  const brokenLine = '    replica.summary = missing.trim()';
  const outgoing = `${defaultScripts('freshdesk').outgoing}
if (entity.summary.startsWith("Refund")) {
    def missing = null
${brokenLine}
}
`;

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
    const slowRetries = { SYNC_RETRY_BASE_MS: '60000', SYNC_RETRY_MAX_MS: '600000' };
    [a, b] = await Promise.all([startSyncNode('a', slowRetries, clock), startSyncNode('b', slowRetries, clock)]);
    await registerOn(a, 'acme', fd);
    await registerOn(b, 'initech', fs);
    fdAgent = agentOf(fd);
    const [group] = await fdAgent.listProjects();
    const [workspace] = await agentOf(fs).listProjects();
    ids = await connect(a, 'acme', b, 'initech', { aProject: group!.id, bProject: workspace!.id });
    triggerId = (await addTrigger(a.deps, { connection: ids.a, query: '', actor: 'test:alice' })).id;
    saveRuleDraft(a.deps, {
      connection: ids.a,
      outgoing,
      incoming: defaultScripts('freshdesk').incoming,
      actor: 'test:author',
    });
    publishRuleVersion(a.deps, { connection: ids.a, actor: 'test:admin' });
  }, 30_000);

  afterAll(async () => {
    await stopSyncPair([a, b], [fd, fs]);
  });

  const newTicket = (summary: string, priority = 1) =>
    fdAgent.createEntity({
      summary,
      description: `<p>${summary}</p>`,
      priority: fdAgent.priorities.fromCode(priority),
      reporter: { id: null, email: 'kim@acme.example', displayName: 'Kim' },
    });
  const cli = async (...args: string[]) => {
    const c = capturedIo();
    const code = await runCli(args, c.io, { DESKBRIDGE_DATA_DIR: a.dataDir, LOG_LEVEL: 'silent' });
    return { code, stdout: c.out(), stderr: c.err() };
  };

  it('a synced ticket: its twin, when it went out, nothing waiting, the trigger that selects it', async () => {
    const laptop = await newTicket('Laptop broken');
    await settle([a, b], [fd, fs]);
    const status = await ticketStatus(a.deps, { connection: ids.a, key: laptop.key });
    expect(status).toMatchObject({
      state: 'synced',
      underSync: true,
      entityId: laptop.id,
      entity: { key: laptop.key, summary: 'Laptop broken' },
      twin: { remoteKey: '#1' },
      waiting: [],
      blockingErrors: [],
      triggers: [{ id: triggerId, query: '', active: true, matches: true }],
    });
    expect(status.lastSentAt).toBeInstanceOf(Date);
    expect(status.reason).toMatch(/^In sync with #1; last synced at /);
    // The key without its "#" names the same ticket.
    expect((await ticketStatus(a.deps, { connection: ids.a, key: laptop.id })).state).toBe('synced');

    const shown = await cli('entities', 'show', 'acme to initech', laptop.key);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${laptop.key} on "acme to initech": synced`);
    expect(shown.stdout).toMatch(/Twin: +#1/);
    const json = await cli('entities', 'show', 'acme to initech', laptop.key, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ state: 'synced', twin: { remoteKey: '#1' } });
  }, 30_000);

  it('a ticket blocked by a script error: the error with its line, and how to retry it', async () => {
    const refund = await newTicket('Refund for order 7');
    await settle([a, b], [fd, fs]);
    const status = await ticketStatus(a.deps, { connection: ids.a, key: refund.key });
    expect(status.state).toBe('blocked');
    expect(status.underSync).toBe(false);
    expect(status.blockingErrors).toHaveLength(1);
    expect(status.blockingErrors[0]).toMatchObject({
      direction: 'outgoing',
      type: 'script_error',
      line: outgoing.split('\n').indexOf(brokenLine) + 1,
    });
    expect(status.reason).toMatch(
      new RegExp(`^Blocked by sync error ${status.blockingErrors[0]!.id} \\(outgoing, script_error at line \\d+`),
    );
    expect(status.reason).toContain(`deskbridge errors retry ${status.blockingErrors[0]!.id}`);
  }, 30_000);

  it('a ticket no trigger matches says which trigger does not, and which inactive one would', async () => {
    await editTrigger(a.deps, { trigger: triggerId, query: 'priority:4', actor: 'test:alice' });
    const low = await newTicket('Mouse squeaks', 1);
    await settle([a, b], [fd, fs]);
    const status = await ticketStatus(a.deps, { connection: ids.a, key: low.key });
    expect(status).toMatchObject({
      state: 'unselected',
      underSync: false,
      twin: null,
      triggers: [{ id: triggerId, query: 'priority:4', active: true, matches: false }],
    });
    expect(status.reason).toBe(
      `Not under sync: the active trigger ${triggerId} (query "priority:4") does not match it. ` +
        'A bulk sync (`deskbridge sync bulk`) sends it regardless.',
    );

    setTriggerActive(a.deps, { trigger: triggerId, active: false, actor: 'test:alice' });
    const urgent = await newTicket('Server room flooded', 4);
    await settle([a, b], [fd, fs]);
    const inactive = await ticketStatus(a.deps, { connection: ids.a, key: urgent.key });
    expect(inactive.state).toBe('unselected');
    expect(inactive.triggers).toEqual([
      { id: triggerId, query: 'priority:4', active: false, matches: true, problem: null },
    ]);
    expect(inactive.reason).toContain(
      `no trigger is active; the inactive trigger ${triggerId} would select it (\`deskbridge triggers activate ${triggerId}\`)`,
    );
    await editTrigger(a.deps, { trigger: triggerId, query: '', actor: 'test:alice' });
    setTriggerActive(a.deps, { trigger: triggerId, active: true, actor: 'test:alice' });
  }, 30_000);

  it('the other node down: the ticket waits on a backoff, and the queue shows it as the slowest item', async () => {
    const before = queueStatus(a.deps, { connection: ids.a });
    expect(before.stages.outbox).toMatchObject({ count: 0, oldestAgeMs: null, onBackoff: 0, blocked: 0 });
    expect(before.lastAcknowledged).not.toBeNull();

    const port = Number(new URL(b.url).port);
    b.server.closeAllConnections();
    await new Promise<void>((resolve) => b.server.close(() => resolve()));
    try {
      const laptop = (await ticketStatus(a.deps, { connection: ids.a, key: '#1' })).entityId;
      await fdAgent.updateEntity(laptop, { summary: 'Laptop broken (screen too)' });
      await settle([a], [fd]);
      const status = await ticketStatus(a.deps, { connection: ids.a, key: '#1' });
      expect(status.state).toBe('waiting');
      expect(status.waiting).toHaveLength(1);
      expect(status.waiting[0]).toMatchObject({
        stage: 'outbox',
        kind: 'replica',
        attempts: 1,
        waitingOnBackoff: true,
      });
      expect(status.waiting[0]!.lastError).toBeTruthy();
      expect(status.reason).toMatch(/^Waiting in the outbox after 1 failed attempt: .+\. Next try not before /);

      const queue = queueStatus(a.deps, { connection: ids.a });
      expect(queue.stages.outbox).toMatchObject({ count: 1, onBackoff: 1, blocked: 0 });
      expect(queue.stages.outbox.oldestAgeMs).toBeGreaterThanOrEqual(0);
      expect(queue.sender.failingSince).toBeInstanceOf(Date);
      expect(queue.sender.failedAttempts).toBe(1);
      expect(queue.slowest.map((w) => [w.stage, w.entityKey, w.attempts])).toEqual([['outbox', '#1', 1]]);
      expect(queue.lastAcknowledged).toEqual(before.lastAcknowledged);

      const shown = await cli('queue', 'acme to initech');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/outbox +1 /);
      expect(shown.stdout).toMatch(/Sending fails since /);
      const json = JSON.parse((await cli('queue', 'acme to initech', '--json')).stdout);
      expect(json.stages.outbox.count).toBe(1);
    } finally {
      await new Promise<void>((resolve) => b.server.listen(port, '127.0.0.1', () => resolve()));
    }
  }, 30_000);

  it('bad input is refused with a clear error and changes nothing', async () => {
    await expect(ticketStatus(a.deps, { connection: ids.a, key: '../admin' })).rejects.toThrow(
      /a ticket key is its number or id/,
    );
    await expect(ticketStatus(a.deps, { connection: ids.a, key: '#9999' })).rejects.toThrow(
      /There is no ticket "#9999" in the helpdesk of connection "acme to initech"/,
    );
    expect(() => queueStatus(a.deps, { connection: ids.a, limit: 0 })).toThrow(/the limit is at least 1/);
    const missing = await cli('entities', 'show', 'acme to initech');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Give the ticket key');
    const unknown = await cli('queue', 'no such connection');
    expect(unknown.code).toBe(1);
  }, 30_000);
});
