import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors.ts';
import { runOutgoing, runPlain, checkScript } from '../../src/rules/index.ts';
import { sampleEntity } from './support/entities.ts';

function failure(script: string, limits = {}): DomainError {
  const started = Date.now();
  try {
    runPlain(script, { limits });
  } catch (e) {
    expect(Date.now() - started).toBeLessThan(5_000);
    return e as DomainError;
  }
  throw new Error('expected the script to be stopped');
}

describe('sandbox limits stop hostile scripts cleanly', () => {
  it('an endless while loop hits the step limit', () => {
    const e = failure('while (true) { }');
    expect(e.code).toBe('limit_exceeded');
    expect(e.details).toMatchObject({ kind: 'steps', line: 1 });
    expect(e.message).toContain('more than 1000000 steps');
  });

  it('an endless for loop and an endless closure loop hit the step limit', () => {
    expect(failure('for (;;) { def x = 1 }').details).toMatchObject({ kind: 'steps' });
    expect(failure('def f = { -> }\nwhile (true) f()').details).toMatchObject({ kind: 'steps' });
  });

  it('a slow loop hits the time limit', () => {
    const e = failure('def s = "x" * 1000\nwhile (true) { s.reverse() }', { maxMillis: 50, maxSteps: 1e12 });
    expect(e.details).toMatchObject({ kind: 'time' });
  });

  it('deep recursion of a method hits the call depth limit without a native stack overflow', () => {
    const e = failure('def f(n) { f(n + 1) }\nf(0)');
    expect(e.code).toBe('limit_exceeded');
    expect(e.details).toMatchObject({ kind: 'call_depth', line: 1 });
  });

  it('deep recursion of a closure hits the call depth limit', () => {
    const e = failure('def f\nf = { n -> 1 + f(n + 1) }\nf(0)', { maxCallDepth: 5000 });
    expect(e.code).toBe('limit_exceeded');
    expect(['call_depth']).toContain((e.details as { kind: string }).kind);
  });

  it('doubling a string hits the string size limit', () => {
    const e = failure('def s = "x"\nwhile (true) { s = s + s }');
    expect(e.details).toMatchObject({ kind: 'string_size', line: 2 });
  });

  it('huge string repetition and padding are refused before allocating', () => {
    expect(failure('"x" * 1000000000').details).toMatchObject({ kind: 'string_size' });
    expect(failure('"x".padLeft(2000000000)').details).toMatchObject({ kind: 'string_size' });
    expect(failure('String.format("%s", "x" * 999999) + "x" * 999999').details).toMatchObject({ kind: 'string_size' });
  });

  it('growing a list or map without end hits the collection size limit', () => {
    expect(failure('def xs = []\nwhile (true) { xs << 1 }').details).toMatchObject({ kind: 'collection_size' });
    expect(failure('def m = [:]\ndef i = 0\nwhile (true) { m[i++] = i }').details).toMatchObject({
      kind: 'collection_size',
    });
    expect(failure('(1..100000000).toList()').details).toMatchObject({ kind: 'collection_size' });
    expect(failure('def xs = [1] * 50000\nxs = xs + xs + xs').details).toMatchObject({ kind: 'collection_size' });
    expect(failure('def xs = []\nxs[500000000] = 1').details).toMatchObject({ kind: 'collection_size' });
  });

  it('deeply nested values are refused when printed', () => {
    const e = failure('def a = []\n1000.times { a = [a] }\nprintln a');
    expect(e.details).toMatchObject({ kind: 'nesting' });
  });

  it('a self-containing list prints like Groovy instead of looping', () => {
    let out = '';
    runPlain('def a = [1]\na << a\nprintln a', { print: (t) => (out += t) });
    expect(out).toBe('[1, (this Collection)]\n');
  });

  it('deeply nested source code is a clear error, not a crash', () => {
    const deep = `${'('.repeat(5000)}1${')'.repeat(5000)}`;
    const [problem] = checkScript(deep);
    expect(problem?.kind).toBe('nesting');
    const lists = '['.repeat(3000) + ']'.repeat(3000);
    expect(checkScript(lists)[0]?.kind).toBe('nesting');
    const closures = `def f = ${'{ -> '.repeat(3000)}${'}'.repeat(3000)}`;
    expect(checkScript(closures)[0]?.line).toBe(1);
  });

  it('catastrophic regular expressions are refused', () => {
    const e = failure('"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" ==~ /(a+)+b/');
    expect(e.message).toContain('exponential time');
    expect(failure('"aaaa" ==~ /(a|aa)*c/').message).toContain('exponential time');
  });

  it('limits cannot be caught by the script', () => {
    const e = failure('while (true) { try { while (true) { } } catch (Throwable t) { } }');
    expect(e.details).toMatchObject({ kind: 'steps' });
    const e2 = failure('def f(n) { f(n) }\ntry { f(1) } catch (e) { println "caught" }');
    expect(e2.details).toMatchObject({ kind: 'call_depth' });
  });

  it('the process is fine afterwards: a normal script still runs', () => {
    let out = '';
    runPlain('println([1, 2].sum())', { print: (t) => (out += t) });
    expect(out).toBe('3\n');
  });
});

describe('sandbox: no escape routes', () => {
  const escapes: [string, string][] = [
    ['System.exit(1)', "'System' is not available"],
    ['System.getenv("HOME")', "'System' is not available"],
    ['Runtime.getRuntime().exec("ls")', "'Runtime' is not available"],
    ['"ls".execute()', "'execute' is not available"],
    ['evaluate("1 + 1")', "'evaluate' is not available"],
    ['Eval.me("1")', "'Eval' is not available"],
    ['new File("/etc/passwd").text', 'new File(...) is not allowed'],
    ['new java.io.File("/etc/passwd")', 'new java.io.File(...) is not allowed'],
    ['new URL("http://example.com").text', 'new URL(...) is not allowed'],
    ['new Thread({ }).start()', 'new Thread(...) is not allowed'],
    ['new GroovyShell().evaluate("1")', "'evaluate' is not available"],
    ['new GroovyShell()', 'new GroovyShell(...) is not allowed'],
    ['Thread.sleep(1000)', "'Thread' is not available"],
    ['"x".getClass()', "'getClass' is not available"],
    ['"x".class', "'class' is not available"],
    ['[].class.forName("java.lang.Runtime")', "'forName' is not available"],
    ['[].class', "'class' is not available"],
    ['"x".metaClass', "'metaClass' is not available"],
    ['String.metaClass.foo = { 1 }', "'metaClass' is not available"],
    ['def m = [:]\nm.__proto__', "'__proto__' is not available"],
    ['def m = [:]\nm.constructor', "'constructor' is not available"],
    ['"x".constructor("return process")()', "'constructor' is not available"],
    ['[].prototype', "'prototype' is not available"],
    ['entity.constructor', "'constructor' is not available"],
    ['this.binding', "'this' is not available"],
    ['binding.variables', "'binding' is not available"],
    ['def x = "constructor"\n"a"."$x"', "'constructor' is not available"],
    ['def k = "__proto__"\nentity[k] = 1', "'__proto__' is not available"],
    ['import java.io.File', 'import java.io.File is not available'],
    ['import groovy.lang.GroovyShell', 'import groovy.lang.GroovyShell is not available'],
    ['process.exit(1)', "'process' is not available"],
    ['require("fs")', "'require' is not available"],
    ['globalThis.process', "'globalThis' is not available"],
    ['class Evil { }', 'class definitions are not supported'],
    ['@Grab("x") def y = 1', '@Grab is not available in sync rules: a script cannot download libraries'],
    ["@Grapes([@Grab('a:b:1')])\ndef y = 1", '@Grapes is not available'],
    ['@groovy.lang.Grab("x")\nimport x.Y', '@Grab is not available'],
    ['@Newify def y = 1', 'the annotation @Newify is not supported'],
    ['import java.sql.DriverManager', 'import java.sql.DriverManager is not available'],
    ['import groovy.json.JsonBuilder', 'import groovy.json.JsonBuilder is not available'],
    ['import java.util.regex.Pattern\nPattern.compile("x").class', "'class' is not available"],
    ['new JsonSlurper().parse(new File("/etc/passwd"))', 'new File(...) is not allowed'],
    ['String.forName("x")', "'forName' is not available"],
    ['def c = { 1 }\nc.getDelegate()', "'getDelegate' is not available"],
  ];

  it.each(escapes)('%s is refused', (script, message) => {
    let error: DomainError | null = null;
    try {
      runOutgoing({ script, entity: sampleEntity('freshdesk') });
    } catch (e) {
      error = e as DomainError;
    }
    expect(error, script).not.toBeNull();
    expect(error?.message).toContain(message);
    expect(['script_error', 'limit_exceeded']).toContain(error?.code);
    expect((error?.details as { line?: number } | undefined)?.line).toBeGreaterThan(0);
  });

  it('a regex that backtracks exponentially is refused through Pattern.compile, matchers and replaceAll closures', () => {
    for (const script of [
      'import java.util.regex.Pattern\nPattern.compile("(a+)+b").matcher("a" * 40).find()',
      'def m = ("a" * 40) =~ /(a|aa)*b/\nwhile (m.find()) { }',
      '("a" * 40).replaceAll(/(a*)*b/) { it }',
      '(("a" * 40) =~ /(a+)+b/).each { }',
    ])
      expect(failure(script).message, script).toContain('can take exponential time');
  });

  it('a matcher loop ends (find advances) and an endless one is stopped', () => {
    let out = '';
    runPlain('def m = ("ab" * 1000) =~ /b/\ndef n = 0\nwhile (m.find()) n++\nprintln n', { print: (t) => (out += t) });
    expect(out).toBe('1000\n');
    expect(failure('def m = "ab" =~ /b/\nwhile (true) { m.find(); m.reset() }').details).toMatchObject({
      kind: 'steps',
    });
  });

  it('a replaceAll closure cannot grow a string past the limit', () => {
    const e = failure('("x" * 1000).replaceAll(/x/) { "y" * 2000 }');
    expect(e.details).toMatchObject({ kind: 'string_size' });
  });

  it('JsonSlurper stops deep, wide and malformed input with a clear error', () => {
    const deep = failure('import groovy.json.JsonSlurper\nnew JsonSlurper().parseText("[" * 100000)');
    expect(deep.details).toMatchObject({ kind: 'nesting' });
    expect(deep.message).toContain('JSON nested more than 200 levels deep');
    const wide = failure('new JsonSlurper().parseText("[" + ("1," * 150000) + "1]")');
    expect(wide.details).toMatchObject({ kind: 'collection_size' });
    const bad = failure('new JsonSlurper().parseText(\'{"a": tru}\')');
    expect(bad.message).toContain("expected a JSON value at character 7 of the JSON text, found 't'");
    expect(failure('groovy.json.JsonOutput.prettyPrint("[")').message).toContain("'groovy' is not available");
    expect(failure('import groovy.json.JsonOutput\nJsonOutput.prettyPrint("[" * 1000)').details).toMatchObject({
      kind: 'nesting',
    });
    expect(
      failure('def l = []\ndef x = l\n300.times { def n = []; x << n; x = n }\nJsonOutput.toJson(l)').details,
    ).toMatchObject({
      kind: 'nesting',
    });
  });

  it('map keys named like JS internals are plain data', () => {
    let out = '';
    runPlain('def m = [:]\nm["__proto__"] = 1\nm["constructor"] = 2\nprintln m\nprintln m["toString"]', {
      print: (t) => (out += t),
    });
    expect(out).toBe('[__proto__:1, constructor:2]\nnull\n');
    const replica = runOutgoing({
      script: 'replica.customFields["__proto__"] = [polluted: true]',
      entity: sampleEntity('freshdesk'),
    });
    expect(Object.getPrototypeOf(replica.customFields)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
