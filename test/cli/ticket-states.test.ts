import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateConnection, deactivateConnection } from '../../src/app/connection-lifecycle.ts';
import { queueStatus } from '../../src/app/queue-status.ts';
import { runCli } from '../../src/cli/run.ts';
import { holdChange } from '../../src/sync/store.ts';
import { capturedIo } from '../support/cli-io.ts';
import { machineClock } from '../support/nodes.ts';
import { agentOf, rows, settle, type Simulator, type SyncNode } from '../support/sync-nodes.ts';
import {
  startTicketStatesPair,
  TRIGGER_QUERY,
  type TicketStates,
  type TicketStatesPair,
} from '../support/ticket-states.ts';

const CONNECTION = 'acme to initech';

/** `deskbridge entities show` for the four states of a ticket, and `deskbridge queue --retry-now`, on a real pair. */
describe('the ticket states and Retry now from the CLI', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let connectionId: string;
  let states: TicketStates;
  let pair: TicketStatesPair | undefined;

  beforeAll(async () => {
    // runCli reads the machine's clock: so do the nodes and simulators here (as for nodes in processes of their own).
    pair = await startTicketStatesPair(machineClock);
    ({ a, b, fd, fs, connectionId, states } = pair);
  }, 60_000);

  afterAll(async () => {
    await pair?.close();
  });

  const cli = async (...args: string[]) => {
    const c = capturedIo();
    const code = await runCli(args, c.io, { DESKBRIDGE_DATA_DIR: a.dataDir, LOG_LEVEL: 'silent' });
    return { code, stdout: c.out(), stderr: c.err() };
  };
  const retryNowEntries = () =>
    rows<{ actor: string; details: string }>(
      a,
      "select actor, details from audit_log where action = 'queue.retry-now'",
    );

  it('a synced ticket: synced, its twin, and the trigger that selects it', async () => {
    const shown = await cli('entities', 'show', CONNECTION, states.synced.key);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${states.synced.key} on "${CONNECTION}": synced`);
    expect(shown.stdout).toMatch(/In sync with #\d+; last synced at /);
    expect(shown.stdout).toMatch(new RegExp(`${states.triggerId} +${TRIGGER_QUERY} +yes +yes`));
  });

  it('a ticket waiting on the backoff: the reason, and its replica in the outbox with its attempt', async () => {
    const shown = await cli('entities', 'show', CONNECTION, states.waiting.key);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${states.waiting.key} on "${CONNECTION}": waiting`);
    expect(shown.stdout).toMatch(/Waiting in the outbox after 1 failed attempt: .+\. Next try not before /);
    // STAGE KIND ENTITY AGE ATTEMPTS NEXT TRY: a date, not "now".
    expect(shown.stdout).toMatch(new RegExp(`outbox +replica +${states.waiting.key} +\\d+s +1 +\\d{4}-\\d\\d-\\d\\d`));
  });

  it('a ticket blocked by a script error: the error with its line, and the command that retries it', async () => {
    const shown = await cli('entities', 'show', CONNECTION, states.blocked.key);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${states.blocked.key} on "${CONNECTION}": blocked`);
    const [error] = rows<{ id: number }>(
      a,
      'select id from sync_errors where entity_id = ? and resolved_at is null',
      states.blocked.id,
    );
    expect(error).toBeDefined();
    expect(shown.stdout).toContain(
      `Blocked by sync error ${error!.id} (outgoing, script_error at line ${states.errorLine}:`,
    );
    expect(shown.stdout).toMatch(new RegExp(`Error ${error!.id}: +outgoing script_error line ${states.errorLine}:`));
    expect(shown.stdout).toContain(`deskbridge errors retry ${error!.id}`);
    expect(shown.stdout).toMatch(/Under sync: +no/);
  });

  it('a ticket no trigger matches: the reason names the trigger and its query', async () => {
    const shown = await cli('entities', 'show', CONNECTION, states.unselected.key);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${states.unselected.key} on "${CONNECTION}": unselected`);
    expect(shown.stdout).toContain(
      `Not under sync: the active trigger ${states.triggerId} (query "${TRIGGER_QUERY}") does not match it. ` +
        'A bulk sync (`deskbridge sync bulk`) sends it regardless.',
    );
    expect(shown.stdout).toMatch(new RegExp(`${states.triggerId} +${TRIGGER_QUERY} +yes +no`));
  });

  it('queue --retry-now: the item on the backoff goes now, the blocked one waits for its error, and it is audited', async () => {
    // The blocked ticket changes again: its change waits behind its error. Held as a failed helpdesk read before the
    // error would leave it, it is on a backoff too, but Retry now leaves it to Retry or Resolve on the error.
    await agentOf(fd).updateEntity(states.blocked.id, { summary: 'Refund for order 7 (second try)' });
    await settle([a], [fd]);
    const [held] = rows<{ id: number }>(a, 'select id from change_queue where entity_id = ?', states.blocked.id);
    expect(held).toBeDefined();
    const later = new Date(a.clock.ms() + 600_000);
    holdChange(a.deps.db, held!.id, { notBefore: later, attempts: 1 });

    const before = await cli('queue', CONNECTION);
    expect(before.stdout).toMatch(/outbox +1 +\d+s +1 +0/);
    expect(before.stdout).toMatch(/change +1 +\d+s +0 +1/);
    expect(before.stdout).toContain(`deskbridge queue "${CONNECTION}" --retry-now`);

    const retried = await cli('queue', CONNECTION, '--retry-now');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`Made 1 item(s) due now on "${CONNECTION}" (change 0, outbox 1, inbox 0)`);
    expect(queueStatus(a.deps, { connection: connectionId }).stages.outbox).toMatchObject({ count: 1, onBackoff: 0 });
    expect(rows<{ not_before: number }>(a, 'select not_before from change_queue where id = ?', held!.id)).toEqual([
      { not_before: later.getTime() },
    ]);
    expect(retryNowEntries()).toHaveLength(1);
    expect(retryNowEntries()[0]!.actor).toMatch(/^cli:/);
    expect(JSON.parse(retryNowEntries()[0]!.details)).toEqual({ change: 0, outbox: 1, inbox: 0 });

    // Nothing left on a backoff: a second Retry now says so and changes nothing (no audit entry either).
    const again = await cli('queue', CONNECTION, '--retry-now', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ total: 0, moved: { change: 0, outbox: 0, inbox: 0 } });
    expect(retryNowEntries()).toHaveLength(1);

    // With B back, the waiting change reaches its twin at the next pass.
    await states.reopenB();
    await settle([a, b], [fd, fs]);
    const twins = (await agentOf(fs).listChanged(null)).changes.map((c) => c.id);
    const summaries = await Promise.all(twins.map(async (id) => (await agentOf(fs).getEntity(id)).summary));
    expect(summaries).toContain('Printer jammed (paper tray too)');
    expect((await cli('entities', 'show', CONNECTION, states.waiting.key)).stdout).toContain(': synced');
  }, 30_000);

  it('bad input: no connection, an unknown one; each refused, nothing changes', async () => {
    const missing = await cli('queue', '--retry-now');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Give the connection.');
    const unknown = await cli('queue', 'no such connection', '--retry-now');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no such connection/i);
    // A deactivated connection's queue waits for its activation: Retry now says so and changes nothing.
    deactivateConnection(a.deps, { connection: connectionId, actor: 'test:alice' });
    try {
      await agentOf(fd).updateEntity(states.synced.id, { summary: 'Laptop broken (battery too)' });
      await settle([a], [fd]);
      const before = rows(a, 'select id, not_before from change_queue order by id');
      const paused = await cli('queue', CONNECTION, '--retry-now');
      expect(paused.code).toBe(1);
      expect(paused.stderr).toContain(
        `"${CONNECTION}" is deactivated: its queue waits until it is activated (\`deskbridge connections activate\`).`,
      );
      expect(rows(a, 'select id, not_before from change_queue order by id')).toEqual(before);
    } finally {
      activateConnection(a.deps, { connection: connectionId, actor: 'test:alice' });
    }
    expect(retryNowEntries()).toHaveLength(1);
  });
});
