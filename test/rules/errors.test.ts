import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { scriptProblems } from '../../src/app/rule-versions.ts';
import { checkScript, compileScript, runIncoming, runOutgoing } from '../../src/rules/index.ts';
import { sampleEntity } from './support/entities.ts';

function runError(script: string): DomainError {
  try {
    runOutgoing({ script, entity: sampleEntity('freshdesk') });
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('syntax errors point at line and column with a caret', () => {
  it('an unclosed call', () => {
    const [p] = checkScript('replica.summary = entity.summary\nreplica.labels = entity.labels.findAll { it != "x" \n');
    expect(p).toMatchObject({ line: 2, column: 40, kind: 'syntax' });
    expect(p?.summary).toBe("Syntax error at 2:40: '{' is never closed (the script ends before its closing bracket)");
  });

  it('says the position once: the reason carries none, and the rules editor says "line 2, column 40" itself', () => {
    const script = 'replica.summary = entity.summary\nreplica.labels = entity.labels.findAll { it != "x" \n';
    const [p] = checkScript(script);
    expect(p?.reason).toBe("'{' is never closed (the script ends before its closing bracket)");
    // The CLI's `file:2:40: Syntax error at 2:40: ...` (test/rules/cli.test.ts) still reads the summary.
    expect(p?.summary).toMatch(/^Syntax error at 2:40: /);
    expect(scriptProblems(script, 'entity.summary = replica.summary')).toEqual([
      expect.objectContaining({
        script: 'outgoing',
        message:
          "The outgoing script has an error at line 2, column 40: '{' is never closed (the script ends before its closing bracket)",
      }),
    ]);
    // Runtime errors keep their own one-line message; their reason has no position either.
    expect(runError('replica.summary = entity.sumary').details).toMatchObject({
      reason: 'No such property: sumary for entity (did you mean summary?)',
    });
  });

  it('shows the offending line with a caret under the column', () => {
    const [p] = checkScript('def a = 1\ndef b = (a + )\n');
    expect(p).toMatchObject({ line: 2, column: 14 });
    expect(p?.snippet).toBe('2 | def b = (a + )\n  |              ^');
    expect(p?.message).toContain("unexpected ')'");
  });

  it('the Exalate docs typo "Low) is reported on its line', () => {
    const [p] = checkScript('entity.summary = replica.summary\nentity.priority = nodeHelper.getPriority("Low)\n');
    expect(p?.line).toBe(2);
    expect(p?.message).toContain('unterminated string');
  });

  it('compileScript throws a DomainError with details', () => {
    try {
      compileScript('if (x { }');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('script_error');
      expect((e as DomainError).details).toMatchObject({ line: 1, column: 4, kind: 'syntax' });
    }
  });

  it('reports break outside a loop and duplicate variables at compile time', () => {
    expect(checkScript('[1].each { break }')[0]?.message).toContain('break is only allowed inside a loop');
    expect(checkScript('def a = 1\ndef a = 2')[0]).toMatchObject({ line: 2 });
    expect(checkScript('replica.summary = entity.summary')).toEqual([]);
  });
});

describe('runtime errors name the place and suggest the closest names', () => {
  it('a misspelled entity property suggests the right one', () => {
    const e = runError('replica.summary = entity.sumary');
    expect(e.code).toBe('script_error');
    expect(e.message).toBe('Script error at 1:26: No such property: sumary for entity (did you mean summary?)');
    expect(e.details).toMatchObject({ line: 1, column: 26, kind: 'missing_property', suggestions: ['summary'] });
  });

  it('a misspelled native field suggests the platform field', () => {
    const e = runError('replica.group = entity.groupid');
    expect(e.message).toContain('did you mean group_id?');
  });

  it('a misspelled method suggests the closest method', () => {
    const e = runError('replica.labels = entity.labels.colect { it }');
    expect(e.details).toMatchObject({ kind: 'missing_method', line: 1 });
    expect(e.message).toContain('did you mean collect?');
  });

  it('a misspelled variable suggests the declared one', () => {
    const e = runError('def statusMap = [:]\nreplica.status = statsMap["x"]');
    expect(e.message).toContain(`${'line 2'.slice(0, 0)}at 2:18: No such property: statsMap (did you mean statusMap?)`);
  });

  it('a misspelled helper method suggests the helper method', () => {
    const e = runError('replica.x = nodeHelper.getStatuss("Open")');
    expect(e.message).toContain('did you mean getStatus?');
  });

  it('a property of null says which property', () => {
    const e = runError('def m = null\nreplica.x = m.name');
    expect(e.message).toBe("Script error at 2:15: Cannot get property 'name' on null object");
    expect(e.details).toMatchObject({ kind: 'null_pointer', exception: 'NullPointerException' });
  });

  it('writing an unknown entity field is an error, the replica accepts custom keys', () => {
    const e = (() => {
      try {
        runIncoming({
          script: 'entity.sumary = replica.summary',
          entity: sampleEntity('freshdesk'),
          replica: { summary: 'x' },
          platform: 'freshdesk',
          firstSync: false,
        });
      } catch (err) {
        return err as DomainError;
      }
      throw new Error('expected an error');
    })();
    expect(e.message).toContain('did you mean summary?');
    expect(runOutgoing({ script: 'replica.myKey = 1', entity: sampleEntity('freshdesk') }).myKey).toBe(1);
  });

  it('debug.error stops the run with the script message', () => {
    const e = runError('debug.error("replica was " + entity.key)');
    expect(e.message).toBe('Script error at 1:7: replica was #1234');
    expect(e.details).toMatchObject({ kind: 'debug' });
  });

  it('replacing the replica is refused with advice', () => {
    expect(runError('replica = [:]').message).toContain('replica cannot be replaced; set its properties instead');
  });
});

describe('Groovy idioms Groovy itself refuses are refused with the reason', () => {
  it("if (a = b) is a syntax error (Groovy 2.4: \"expecting ')', found '='\"); ((a = b)) is accepted", () => {
    const [p] = checkScript('def a = 1\ndef b = 2\nif (a = b) replica.summary = "x"');
    expect(p).toMatchObject({ line: 3, column: 5, kind: 'syntax' });
    expect(p?.reason).toContain('an assignment is not allowed as the condition of an if');
    expect(checkScript('def a = 1\nif ((a = 2)) replica.summary = "x"')).toEqual([]);
  });

  it('@Grab is refused by name, an unknown annotation too', () => {
    expect(checkScript('@Grab("org.x:y:1")\nreplica.summary = "x"')[0]?.reason).toBe(
      '@Grab is not available in sync rules: a script cannot download libraries',
    );
    expect(checkScript('@Singleton\nreplica.summary = "x"')[0]?.reason).toContain(
      'the annotation @Singleton is not supported',
    );
  });
});
