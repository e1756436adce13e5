/**
 * The run in progress (src/rules/runtime.ts): compiled code is handed its run, built-ins reach it through the
 * runtime's accessors, and `withRun` puts the previous run back after a nested one. A host callback (a lookup the
 * sync hands the script) may itself run a script; the outer run then carries on with its own steps, limits, position,
 * closures and class statics.
 */
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors.ts';
import type { HubUser } from '../../src/domain/entity.ts';
import { compileScript, runOutgoing, runPlain } from '../../src/rules/index.ts';
import { sampleEntity } from './support/entities.ts';

// About 2 steps an iteration: 300 iterations alone pass a 1,000-step limit, which the two runs together would pass.
const innerScript = compileScript(`class Tally { static def n = 0 }
Tally.n = 100
def i = 0
while (i < 300) { i++ }
println "inner \${Tally.n} \${i}"`);

const outerScript = `class Tally { static def n = 0 }
Tally.n = 1
def twice = { x -> x * 2 }
def user = nodeHelper.getUserByEmail("bob@acme.example")
def j = 0
while (j < 300) { j++ }
replica.summary = "\${user.displayName} \${twice(Tally.n)} \${j}"`;

function lookupRunningAScript(printed: string[], innerLimits = {}) {
  return {
    userByEmail: (email: string): HubUser => {
      runPlain(innerScript, { print: (t) => printed.push(t), limits: innerLimits });
      return { id: '51', email, displayName: 'Bob' };
    },
  };
}

describe('the run in progress', () => {
  it('a lookup that runs a script of its own leaves the outer run as it was', () => {
    const printed: string[] = [];
    const replica = runOutgoing({
      script: outerScript,
      entity: sampleEntity('freshdesk'),
      limits: { maxSteps: 1_000 },
      lookups: lookupRunningAScript(printed),
    });
    // The inner run saw its own class statics and finished its loop; the outer one kept its closure, its statics
    // (1, not the inner run's 100) and its own step count (the two loops together are over its limit).
    expect(printed).toEqual(['inner 100 300\n']);
    expect(replica.summary).toBe('Bob 2 300');
  });

  it('after a nested run, a fault in the outer run points at the outer script, with the outer limits', () => {
    const printed: string[] = [];
    const fail = (script: string, limits = {}): DomainError => {
      try {
        runOutgoing({ script, entity: sampleEntity('freshdesk'), limits, lookups: lookupRunningAScript(printed) });
      } catch (e) {
        return e as DomainError;
      }
      throw new Error('expected the outer run to fail');
    };
    const missing = fail(`def user = nodeHelper.getUserByEmail("bob@acme.example")\n\nreplica.summary = nosuchName`);
    expect(missing.details).toMatchObject({ kind: 'missing_property', line: 3 });
    expect(missing.message).toContain('No such property: nosuchName');
    // The outer limit is its own: 50 steps, while the inner run (default limits) ran more than 600.
    const steps = fail(`def user = nodeHelper.getUserByEmail("bob@acme.example")\nwhile (true) { }`, { maxSteps: 50 });
    expect(steps.details).toMatchObject({ kind: 'steps', line: 2 });
    expect(steps.message).toContain('more than 50 steps');
    expect(printed).toEqual(['inner 100 300\n', 'inner 100 300\n']);
  });

  it('a nested run that hits its own limit fails the lookup with that limit, not the outer one', () => {
    const e = (() => {
      try {
        runOutgoing({
          script: outerScript,
          entity: sampleEntity('freshdesk'),
          lookups: lookupRunningAScript([], { maxSteps: 100 }),
        });
      } catch (error) {
        return error as DomainError;
      }
      throw new Error('expected the inner run to be stopped');
    })();
    expect(e.code).toBe('limit_exceeded');
    expect(e.message).toContain('more than 100 steps');
    // The position is the inner script's loop (line 4), not the outer call of the lookup.
    expect(e.details).toMatchObject({ kind: 'steps', line: 4 });
  });
});
