/**
 * The rule pool: sync rules in worker threads, against real workers (the same entry the service starts). What a run
 * answers must be what the interpreter answers in-process; what no script may do (loop past its time, allocate
 * without bound) ends only that run; the host answers lookups through the synchronous bridge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HubUser } from '../../src/domain/entity.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { defaultScripts, runIncoming, runOutgoing } from '../../src/rules/index.ts';
import {
  RulePool,
  RulePoolBusyError,
  RulePoolClosedError,
  type RulePoolOptions,
} from '../../src/rules/pool/rule-pool.ts';
import { sampleEntity } from './support/entities.ts';

const pools: RulePool[] = [];

function pool(options: RulePoolOptions = {}): RulePool {
  const p = new RulePool({ size: 1, ...options });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

async function failure(run: Promise<unknown>): Promise<unknown> {
  try {
    await run;
  } catch (error) {
    return error;
  }
  throw new Error('expected the run to fail');
}

const entity = sampleEntity('freshdesk');
/** Endless with the step and time limits raised: only the pool's own time limit can stop it. */
const endless = { maxSteps: Number.MAX_SAFE_INTEGER, maxMillis: 600_000 };

describe('the rule pool', () => {
  it('answers what the interpreter answers in-process, key order included', async () => {
    const rules = pool();
    const out = defaultScripts('freshdesk').outgoing;
    const inc = defaultScripts('freshservice').incoming;
    const target = sampleEntity('freshservice', { comments: [] });
    const replica = await rules.runOutgoing({ script: { key: 'c1:1:outgoing', source: out }, entity });
    const expectedReplica = runOutgoing({ script: out, entity });
    expect(JSON.stringify(replica)).toBe(JSON.stringify(expectedReplica));
    const created = await rules.runIncoming({
      script: inc,
      entity: null,
      replica,
      firstSync: true,
      platform: 'freshservice',
    });
    expect(created).toEqual(
      runIncoming({ script: inc, entity: null, replica, firstSync: true, platform: 'freshservice' }),
    );
    const updated = await rules.runIncoming({
      script: inc,
      entity: target,
      replica,
      previous: replica,
      firstSync: false,
      platform: 'freshservice',
    });
    const expectedUpdate = runIncoming({
      script: inc,
      entity: target,
      replica,
      previous: replica,
      firstSync: false,
      platform: 'freshservice',
    });
    expect(JSON.stringify(updated)).toBe(JSON.stringify(expectedUpdate));
    expect(updated.comments).toHaveLength(20);
  });

  it('runs the source it is given even when a key is reused for other code', async () => {
    const rules = pool();
    const first = await rules.runOutgoing({ script: { key: 'k', source: 'replica.summary = "one"' }, entity });
    const second = await rules.runOutgoing({ script: { key: 'k', source: 'replica.summary = "two"' }, entity });
    const again = await rules.runOutgoing({ script: { key: 'k', source: 'replica.summary = "two"' }, entity });
    expect([first['summary'], second['summary'], again['summary']]).toEqual(['one', 'two', 'two']);
  });

  it('a DomainError from the worker arrives with its code, message and details', async () => {
    const rules = pool();
    const cases = ['def x = null\nx.trim()', 'replica.summary = (', 'debug.error("stop here")'];
    for (const script of cases) {
      let expected: DomainError | null = null;
      try {
        runOutgoing({ script, entity });
      } catch (error) {
        expected = error as DomainError;
      }
      const got = await failure(rules.runOutgoing({ script, entity }));
      expect(got).toBeInstanceOf(DomainError);
      expect(got).toMatchObject({ code: expected!.code, message: expected!.message, details: expected!.details });
    }
    const refused = await failure(
      rules.runIncoming({
        script: 'entity.summary = "x"',
        entity: null,
        replica: {},
        firstSync: false,
        platform: 'freshdesk',
      }),
    );
    expect(refused).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('firstSync: true') });
  });

  it('ends the worker of a run past its time limit, fails only that run, and answers the next run', async () => {
    const rules = pool({ timeLimitMs: 300, graceMs: 100 });
    const started = performance.now();
    const [before, stuck, after] = await Promise.allSettled([
      rules.runOutgoing({ script: 'replica.summary = "before"', entity }),
      rules.runOutgoing({ script: 'while (true) { }', entity, limits: endless }),
      rules.runOutgoing({ script: 'replica.summary = "after"', entity }),
    ]);
    const elapsed = performance.now() - started;
    expect(before).toMatchObject({ status: 'fulfilled', value: { summary: 'before' } });
    expect(after).toMatchObject({ status: 'fulfilled', value: { summary: 'after' } });
    expect(stuck.status).toBe('rejected');
    const error = (stuck as PromiseRejectedResult).reason as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('limit_exceeded');
    // The pool's error (no line: the interpreter never got to say where it was), naming the limit it enforced.
    expect(error.details).toMatchObject({ kind: 'time', limitMs: 300 });
    expect(error.message).toBe('Script stopped: the script ran longer than 300 ms and was stopped');
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(5_000);
    await expect(rules.runOutgoing({ script: 'replica.summary = "next"', entity })).resolves.toMatchObject({
      summary: 'next',
    });
    expect(rules.workers).toBe(1);
  });

  it('while one worker is stuck in a run, the other answers', async () => {
    const rules = pool({ size: 2, timeLimitMs: 1500 });
    const stuck = failure(rules.runOutgoing({ script: 'while (true) { }', entity, limits: endless }));
    const good = rules.runOutgoing({ script: 'replica.summary = "meanwhile"', entity });
    const first = await Promise.race([good.then(() => 'good'), stuck.then(() => 'stuck')]);
    expect(first).toBe('good');
    await expect(good).resolves.toMatchObject({ summary: 'meanwhile' });
    expect(rules.workers).toBe(2);
    await expect(stuck).resolves.toMatchObject({ code: 'limit_exceeded', details: { kind: 'time', limitMs: 1500 } });
  });

  it('a run that allocates without bound fails with the memory limit; the pool replaces the worker', async () => {
    const rules = pool({ memoryLimitMb: 64 });
    const hog = 'def l = []\nwhile (true) { l << "x" * 100000 }';
    const error = (await failure(
      rules.runOutgoing({
        script: hog,
        entity,
        // the interpreter's own memory budget (maxMemoryBytes) would stop it first: lifted, like the size limits
        limits: { ...endless, maxCollectionSize: 1e9, maxStringLength: 1e9, maxMemoryBytes: Number.MAX_SAFE_INTEGER },
      }),
    )) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('limit_exceeded');
    expect(error.details).toMatchObject({ kind: 'memory', limitMb: 64 });
    expect(error.message).toBe(
      'Script stopped: the script needed more than the 64 MB of memory a rule run may use and was stopped',
    );
    const replica = await rules.runOutgoing({ script: defaultScripts('freshdesk').outgoing, entity });
    expect(replica['summary']).toBe(entity.summary);
  });

  it('answers user lookups through the host bridge; the wait is not the run time', async () => {
    const rules = pool({ timeLimitMs: 200, graceMs: 50 });
    const asked: string[] = [];
    const kim: HubUser = { id: '7', email: 'kim@acme.example', displayName: 'Kim' };
    const script = `def u = nodeHelper.getUserByEmail("kim@acme.example")
def v = nodeHelper.getUser("404")
def w = nodeHelper.getUserByEmail("kim@acme.example")
// Enough steps after the waits for the interpreter to look at its clock again.
def n = 0
for (i in 0..<5000) { n += i }
replica.summary = [u?.displayName, u?.id, v, w?.email].join("|")`;
    const replica = await rules.runOutgoing({
      script,
      entity,
      host: {
        // Each answer takes longer than the whole run may (200 ms, plus 50 grace): waiting for the host is not its time.
        userByEmail: async (email) => {
          asked.push(email);
          await new Promise((resolve) => setTimeout(resolve, 400));
          return email === kim.email ? kim : null;
        },
        userById: async (id) => {
          asked.push(`id:${id}`);
          return null;
        },
      },
    });
    expect(replica['summary']).toBe('Kim|7|null|kim@acme.example');
    expect(asked).toEqual(['kim@acme.example', 'id:404', 'kim@acme.example']);
    // Without a handler a lookup finds nobody, as in-process without lookups.
    const none = await rules.runOutgoing({
      script: 'replica.summary = "" + nodeHelper.getUserByEmail("a@b.c")',
      entity,
    });
    expect(none['summary']).toBe('null');
  });

  it('a DomainError thrown by a host handler reaches the run unchanged; any other error fails the run as it is', async () => {
    const rules = pool();
    const script = 'replica.summary = nodeHelper.getUserByEmail("kim@acme.example")?.displayName';
    const refused = new DomainError('helpdesk_permissions', 'The API key may not read agents.', { status: 403 });
    const got = await failure(
      rules.runOutgoing({
        script,
        entity,
        host: {
          userByEmail: async () => {
            throw refused;
          },
        },
      }),
    );
    expect(got).toBeInstanceOf(DomainError);
    expect(got).toMatchObject({ code: refused.code, message: refused.message, details: { status: 403 } });
    const broken = new TypeError('socket hang up');
    const crashed = await failure(
      rules.runOutgoing({
        script,
        entity,
        host: {
          userByEmail: async () => {
            throw broken;
          },
        },
      }),
    );
    expect(crashed).toBe(broken);
  });

  it('a host call that never answers is bounded by the host timeout', async () => {
    const rules = pool({ hostTimeoutMs: 200 });
    const error = await failure(
      rules.runOutgoing({
        script: 'replica.summary = nodeHelper.getUserByEmail("kim@acme.example")',
        entity,
        host: { userByEmail: () => new Promise<HubUser | null>(() => {}) },
      }),
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("The sync rule's userByEmail call took longer than 200 ms.");
    await expect(rules.runOutgoing({ script: 'replica.summary = "ok"', entity })).resolves.toMatchObject({
      summary: 'ok',
    });
  });

  it('refuses a run when the queue is full, with a clear error, and takes runs again once it drains', async () => {
    const rules = pool({ queueLimit: 2 });
    const first = rules.runOutgoing({ script: 'replica.summary = "1"', entity });
    const second = rules.runOutgoing({ script: 'replica.summary = "2"', entity });
    const refused = await failure(rules.runOutgoing({ script: 'replica.summary = "3"', entity }));
    expect(refused).toBeInstanceOf(RulePoolBusyError);
    expect((refused as Error).message).toBe(
      'Too many sync-rule runs are waiting (2): this run was refused; try again shortly.',
    );
    await expect(Promise.all([first, second])).resolves.toMatchObject([{ summary: '1' }, { summary: '2' }]);
    await expect(rules.runOutgoing({ script: 'replica.summary = "4"', entity })).resolves.toMatchObject({
      summary: '4',
    });
  });

  it('close() fails what has not finished, refuses new runs, and ends its workers', async () => {
    const rules = pool({ size: 2 });
    await rules.runOutgoing({ script: 'replica.summary = "warm"', entity });
    const running = failure(rules.runOutgoing({ script: 'while (true) { }', entity, limits: endless }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rules.close();
    expect(await running).toBeInstanceOf(RulePoolClosedError);
    expect(await failure(rules.runOutgoing({ script: 'replica.summary = "late"', entity }))).toBeInstanceOf(
      RulePoolClosedError,
    );
    expect(rules.workers).toBe(0);
  });

  it('refuses input it cannot hand to a worker, runs the rest of the batch, and stays usable', async () => {
    const rules = pool();
    const script = { key: 'c9:1:outgoing', source: 'replica.summary = entity.summary' };
    const broken = { ...entity, comments: undefined } as unknown as typeof entity;
    const unreadable = await failure(rules.runOutgoing({ script, entity: broken }));
    expect(unreadable).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('cannot read') });
    // A value no structured clone can carry (only code could put it there): that run fails, its batch-mates run.
    const withFunction = { ...entity, customFields: { cf_hook: () => 1 } };
    const [refused, fine] = await Promise.allSettled([
      rules.runOutgoing({ script, entity: withFunction }),
      rules.runOutgoing({ script: 'replica.summary = "fine"', entity }),
    ]);
    expect(refused).toMatchObject({
      status: 'rejected',
      reason: { code: 'invalid_input', message: expect.stringContaining('cannot be handed to a rule worker') },
    });
    expect(fine).toMatchObject({ status: 'fulfilled', value: { summary: 'fine' } });
    // The worker never got that batch: the script it was to learn is sent again when next needed.
    await expect(rules.runOutgoing({ script, entity })).resolves.toMatchObject({ summary: entity.summary });
  });

  it('refuses options that make no pool', () => {
    expect(() => new RulePool({ size: 0 })).toThrow('size must be a whole number of at least 1');
    expect(() => new RulePool({ queueLimit: 1.5 })).toThrow('queueLimit must be a whole number of at least 1');
    expect(() => new RulePool({ graceMs: -1 })).toThrow('graceMs must be 0 or more');
  });
});
