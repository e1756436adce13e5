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
    ['class Evil extends Script { }', 'class Evil extends ...: a class in sync rules cannot extend or implement'],
    ['class Evil implements Runnable { void run() { } }', 'cannot extend or implement another class'],
    ['java.lang.Runtime.getRuntime().exec("ls")', "'java.lang.Runtime' is not available"],
    ['java.lang.System.exit(1)', "'java.lang.System' is not available"],
    ['java.io.File.createTempFile("a", "b")', "'java.io.File' is not available"],
    ['def p = java.nio.file.Paths.get("/etc/passwd")', "'java.nio.file.Paths' is not available"],
    ['java.lang.Class.forName("java.lang.Runtime")', "'forName' is not available"],
    ['groovy.lang.GroovyShell.newInstance()', "'newInstance' is not available"],
    ['new groovy.lang.GroovyShell().evaluate("1")', "'evaluate' is not available"],
    ['java.net.URL.toString()', "'java.net.URL' is not available"],
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
    // Written out in full, JsonOutput is the same class with the same limits.
    expect(failure('groovy.json.JsonOutput.prettyPrint("[" * 1000)').details).toMatchObject({ kind: 'nesting' });
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

describe('sandbox: classes a script defines', () => {
  function outgoingFailure(script: string): DomainError {
    try {
      runOutgoing({ script, entity: sampleEntity('freshdesk') });
    } catch (e) {
      return e as DomainError;
    }
    throw new Error('expected the script to be refused');
  }

  it('a class method cannot reach the sync objects, the helpers or the script variables', () => {
    // As in Groovy, where a class in a script does not see the binding: "No such property: secret for class: Peek"
    // (the class-errors snippet of the Groovy corpus).
    for (const name of [
      'replica',
      'entity',
      'issue',
      'nodeHelper',
      'commentHelper',
      'httpClient',
      'issueUrl',
      'secret',
    ]) {
      const e = outgoingFailure(
        `def secret = entity.summary\nclass Leak { def grab() { ${name} } }\nnew Leak().grab()`,
      );
      expect(e.message, name).toContain(`No such property: ${name} for class: Leak`);
      expect(e.details).toMatchObject({ kind: 'missing_property', line: 2 });
    }
    const write = outgoingFailure('class Leak { def set() { replica = [:] } }\nnew Leak().set()');
    expect(write.message).toContain('No such property: replica for class: Leak');
    expect(outgoingFailure('class Leak { def go() { replica.summary = "x" } }\nnew Leak().go()').message).toContain(
      'No such property: replica for class: Leak',
    );
    // Nor through `this`: reflection members stay refused on instances and on the class.
    for (const [script, message] of [
      ['class K { def m() { this.binding } }\nnew K().m()', "'binding' is not available"],
      ['class K { def m() { this.class } }\nnew K().m()', "'class' is not available"],
      ['class K { def m() { this.metaClass } }\nnew K().m()', "'metaClass' is not available"],
      ['class K { }\nnew K().getClass()', "'getClass' is not available"],
      ['class K { }\nK.class', "'class' is not available"],
      ['class K { def m() { this.properties } }\nnew K().m()', "'properties' is not available"],
      ['class K { def getClass() { 1 } }', "'getClass' is not available"],
      ['class K { def execute() { 1 } }', "'execute' is not available"],
      ['class K { def metaClass = 1 }', "'metaClass' is not available"],
      ['class K { def m() { super.toString() } }', "'super' is not available"],
      ['def f() { this }\nf()', "'this' is not available outside the methods of a class"],
      ['class K { static def m() { this } }\nK.m()', 'cannot be used in static code of class K'],
    ] as const)
      expect(outgoingFailure(script).message, script).toContain(message);
  });

  it('what a script hands a class is reachable, as any argument is', () => {
    const replica = runOutgoing({
      script: `class Copier {
  def source
  Copier(source) { this.source = source }
  def fill(target) { target.summary = "[" + source.key + "] " + source.summary; target }
}
new Copier(entity).fill(replica)`,
      entity: sampleEntity('freshdesk'),
    });
    expect(replica.summary).toBe('[#1234] Printer on 3rd floor broken');
  });

  it('assigning an undeclared name in a class suggests what the method can see, never the script variables', () => {
    // The class sees its fields and the member's own parameters and locals; `counter` is the script's, out of reach.
    const own = outgoingFailure('class Leak { def total\ndef set(int count) { cuont = count } }\nnew Leak().set(2)');
    expect(own.details).toMatchObject({ kind: 'missing_property', line: 2, suggestions: ['count'] });
    expect(own.message).toContain('No such property: cuont for class: Leak (declare it: def cuont = ...)');
    const outside = outgoingFailure('def counter = 1\nclass Leak { def set() { countr = 1 } }\nnew Leak().set()');
    expect(outside.message).toContain('No such property: countr for class: Leak');
    expect(outside.message).not.toContain('counter');
    expect((outside.details as { suggestions?: string[] }).suggestions ?? []).toEqual([]);
  });

  it('recursion in methods, constructors and field initializers is stopped by the call depth limit', () => {
    for (const script of [
      'class R { def f(n) { f(n + 1) } }\nnew R().f(0)',
      'class R { def f(n) { this.f(n + 1) } }\nnew R().f(0)',
      'class R { static def f(n) { R.f(n + 1) } }\nR.f(0)',
      'class C { C() { new C() } }\nnew C()',
      'class D { def next = new D() }\nnew D()',
      'class A { def b() { new B().a() } }\nclass B { def a() { new A().b() } }\nnew A().b()',
    ]) {
      const e = failure(script);
      expect(e.code, script).toBe('limit_exceeded');
      expect(e.details, script).toMatchObject({ kind: 'call_depth' });
    }
  });

  it('a class named like a built-in class or a sync object does not shadow it: the script is refused', () => {
    // Groovy would let `class Math` shadow java.lang.Math (`Math.max(1, 2)` then answers the script's own method).
    for (const [name, what] of [
      ['Math', 'built-in class'],
      ['String', 'built-in class'],
      ['JsonSlurper', 'built-in class'],
      ['Date', 'built-in class'],
      ['Runtime', 'built-in class'],
      ['File', 'built-in class'],
      ['nodeHelper', 'sync object or helper'],
      ['replica', 'sync object or helper'],
      ['httpClient', 'sync object or helper'],
    ] as const) {
      const problems = checkScript(`class ${name} { static def max(a, b) { 'mine' } }\nprintln Math.max(1, 2)`);
      expect(
        problems.map((p) => p.severity),
        name,
      ).toEqual(['error']);
      expect(problems[0]?.message, name).toContain(`class ${name}: ${name} already names a ${what}`);
    }
    let out = '';
    runPlain('class Mine { static def max(a, b) { "mine" } }\nprintln Math.max(1, 2)\nprintln Mine.max(1, 2)', {
      print: (t) => (out += t),
    });
    expect(out).toBe('2\nmine\n');
  });

  it('static fields start again in every run, although the compiled script is shared between runs', () => {
    const script = `class Seen {
  static int count = 0
  static List names = []
}
Seen.count++
Seen.names << entity.summary
replica.summary = "" + Seen.count + " " + Seen.names.size()`;
    const first = runOutgoing({ script, entity: sampleEntity('freshdesk') });
    const second = runOutgoing({ script, entity: sampleEntity('freshdesk', { summary: 'Other' }) });
    expect([first.summary, second.summary]).toEqual(['1 1', '1 1']);
  });

  it('an instance travels in a replica as its fields; a closure in one is refused with its path', () => {
    const replica = runOutgoing({
      script: 'class Point { def x; def y }\nreplica.customFields.where = new Point(x: 1, y: [2, 3])',
      entity: sampleEntity('freshdesk'),
    });
    expect(replica.customFields).toMatchObject({ where: { x: 1, y: [2, 3] } });
    expect(outgoingFailure('class Box { def f = { 1 } }\nreplica.customFields.box = new Box()').message).toContain(
      'replica.customFields.box.f holds a closure',
    );
  });

  it('a script with an unsupported class form is refused with the reason, before anything runs', () => {
    for (const [script, message] of [
      ['if (true) { class Inner { } }', 'classes can only be defined at the top level'],
      ['class A { class B { } }', 'a class inside a class is not supported'],
      ['class A { static { println 1 } }', 'initializer blocks are not supported'],
      ['class A<T> { }', 'generic classes are not supported'],
      ['class A { def x\ndef x }', 'the field x is declared twice'],
      ['class A { def f() { 1 }\ndef f() { 2 } }', 'the method f() with 0 parameters is defined twice'],
      ['class A { }\nclass A { }', 'the class A is defined twice'],
      ['class A { static A() { } }', 'a constructor cannot be static'],
    ] as const) {
      const problems = checkScript(script);
      expect(
        problems.map((p) => p.severity),
        script,
      ).toEqual(['error']);
      expect(problems[0]?.message, script).toContain(message);
    }
  });
});
