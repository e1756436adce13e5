/**
 * Compiles the syntax tree into JS closures once per script (names resolved to frame slots, literals and
 * operators chosen ahead of time), then runs them as often as needed. Control flow (break, continue, return)
 * travels through a flag on the run state rather than JS exceptions, so loops and returns cost almost nothing.
 */
import type { ClassDef, Expr, FieldDef, MethodDef, Param, Pos, Program, Stmt, TypeRef } from './ast.ts';
import { ScriptException, ScriptFault } from './faults.ts';
import { callMethod, constructBuiltin, getIndex, getProp, setIndex, setProp } from './methods/index.ts';
import { timeClassNames } from './methods/java-time.ts';
import { matcherItems } from './methods/matcher.ts';
import { constructObject } from './model.ts';
import { CompiledClass, type ClassField, type ClassMethod } from './script-classes.ts';
import { GDecimal, GLong, longOf, decimalAdd, decimalSub } from './numbers.ts';
import {
  asType,
  bitOp,
  castAssign,
  compare,
  divide,
  findMatcher,
  fullMatch,
  inOperator,
  instanceOf,
  leftShift,
  minus,
  mod,
  multiply,
  negate,
  pattern,
  plus,
  power,
  spaceship,
  toList,
} from './ops.ts';
import {
  at,
  checkpoint,
  checkSize,
  checkString,
  CTL_BREAK,
  CTL_CONTINUE,
  CTL_NONE,
  CTL_RETURN,
  enterCall,
  forbidden,
  R,
  scriptError,
  type ScriptMethodImpl,
} from './runtime.ts';
import { suggest } from '../domain/suggest.ts';
import {
  forbiddenGlobalMessage,
  forbiddenGlobals,
  forbiddenMemberMessage,
  forbiddenMembers,
  newableClasses,
  newableNames,
  qualifiedClassName,
  qualifiedClassProblem,
} from './sandbox.ts';
import {
  GClassRef,
  GClosure,
  GEntry,
  GException,
  GMap,
  GMatcher,
  GObject,
  GRange,
  GSet,
  groovyEquals,
  groovyToString,
  javaTypeName,
  truthy,
  typeName,
  type Value,
} from './values.ts';

export interface Frame {
  v: Value[];
  up: Frame | null;
}

type Ev = (f: Frame) => Value;
type Ex = (f: Frame) => void;

interface VarInfo {
  slot: number;
  type: string | null;
}

class FnScope {
  slots = 0;
  readonly blocks: Map<string, VarInfo>[] = [new Map()];
  loops = 0;
  switches = 0;
  /** The slot holding `this` in a class's instance method, constructor or field initializers; -1 elsewhere. */
  thisSlot = -1;
  constructor(readonly parent: FnScope | null) {}
}

/** A parameter as the invoker binds it. */
interface BoundParam {
  slot: number;
  init: Ev | null;
  cast: ((v: Value) => Value) | null;
}

/** The class whose members are being compiled, and whether the member is static (no `this`). */
interface ClassContext {
  readonly cls: CompiledClass;
  readonly isStatic: boolean;
}

/** Full names of the classes a script may name, for `java.time.LocalDate.parse(...)` written out in full. */
function fullClassNames(): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const [simple, full] of classNames) out.set(full, simple);
  return out;
}

/** Class names a script may mention (for `as`, `instanceof`, case labels and static helpers like String.format). */
const classNames: ReadonlyMap<string, string> = new Map([
  ['String', 'java.lang.String'],
  ['Integer', 'java.lang.Integer'],
  ['Long', 'java.lang.Long'],
  ['BigDecimal', 'java.math.BigDecimal'],
  ['Boolean', 'java.lang.Boolean'],
  ['Number', 'java.lang.Number'],
  ['Object', 'java.lang.Object'],
  ['List', 'java.util.List'],
  ['ArrayList', 'java.util.ArrayList'],
  ['Map', 'java.util.Map'],
  ['HashMap', 'java.util.HashMap'],
  ['LinkedHashMap', 'java.util.LinkedHashMap'],
  ['Set', 'java.util.Set'],
  ['HashSet', 'java.util.HashSet'],
  ['Collection', 'java.util.Collection'],
  ['Date', 'java.util.Date'],
  ['Closure', 'groovy.lang.Closure'],
  ['Exception', 'java.lang.Exception'],
  ['RuntimeException', 'java.lang.RuntimeException'],
  ['IssueTrackerException', 'com.exalate.api.exception.IssueTrackerException'],
  ['Math', 'java.lang.Math'],
  ['RoundingMode', 'java.math.RoundingMode'],
  ['Pattern', 'java.util.regex.Pattern'],
  ['Matcher', 'java.util.regex.Matcher'],
  ['JsonSlurper', 'groovy.json.JsonSlurper'],
  ['JsonOutput', 'groovy.json.JsonOutput'],
  ...timeClassNames,
]);

const fullNames = fullClassNames();

/** Exception classes and their parents, for `catch (SomeException e)`. */
const exceptionParents: Record<string, string> = {
  NumberFormatException: 'IllegalArgumentException',
  PatternSyntaxException: 'IllegalArgumentException',
  IllegalArgumentException: 'RuntimeException',
  IllegalStateException: 'RuntimeException',
  NullPointerException: 'RuntimeException',
  MissingPropertyException: 'GroovyRuntimeException',
  MissingMethodException: 'GroovyRuntimeException',
  GroovyRuntimeException: 'RuntimeException',
  JsonException: 'GroovyRuntimeException',
  GroovyCastException: 'ClassCastException',
  ClassCastException: 'RuntimeException',
  IndexOutOfBoundsException: 'RuntimeException',
  ArrayIndexOutOfBoundsException: 'IndexOutOfBoundsException',
  StringIndexOutOfBoundsException: 'IndexOutOfBoundsException',
  ArithmeticException: 'RuntimeException',
  NoSuchElementException: 'RuntimeException',
  UnsupportedOperationException: 'RuntimeException',
  IllegalFormatConversionException: 'IllegalArgumentException',
  MissingFormatArgumentException: 'IllegalArgumentException',
  ParseException: 'Exception',
  DateTimeException: 'RuntimeException',
  DateTimeParseException: 'DateTimeException',
  UnsupportedTemporalTypeException: 'DateTimeException',
  RuntimeException: 'Exception',
  IssueTrackerException: 'Exception',
  Exception: 'Throwable',
  AssertionError: 'Error',
  Error: 'Throwable',
};

function exceptionMatches(javaType: string, wanted: string): boolean {
  let t: string | undefined = javaType;
  while (t) {
    if (t === wanted) return true;
    t = exceptionParents[t];
  }
  return false;
}

function compileFault(
  message: string,
  pos: Pos,
  kind: 'syntax' | 'forbidden' = 'syntax',
  suggestions: string[] = [],
): ScriptFault {
  return new ScriptFault(message, kind, pos.line, pos.col, suggestions);
}

function makeFrame(slots: number, up: Frame | null): Frame {
  const v = new Array<Value>(slots);
  for (let i = 0; i < slots; i++) v[i] = null;
  return { v, up };
}

export function callClosure(c: GClosure, args: Value[]): Value {
  return c.call(args);
}

/** Invokes what a call expression names: a closure value or a closure-holding map entry. */
function callValue(callee: Value, args: Value[], name: string): Value {
  if (callee instanceof GClosure) return callee.call(args);
  if (callee === null) throw scriptError(`Cannot call ${name}(): it is null`, 'null_pointer', 'NullPointerException');
  throw scriptError(
    `Cannot call ${name}(): it is a ${typeName(callee)}, not a closure`,
    'missing_method',
    'MissingMethodException',
  );
}

const builtinFunctions = ['println', 'print', 'sprintf', 'printf'];

export interface CompiledProgram {
  readonly body: Ex;
  readonly slots: number;
  readonly methods: Map<string, ScriptMethodImpl>;
  /** Names of script methods, for "did you mean" on calls. */
  readonly methodNames: readonly string[];
}

class Compiler {
  private fn = new FnScope(null);
  private readonly methodDefs = new Map<string, MethodDef>();
  private readonly methods = new Map<string, ScriptMethodImpl>();
  private readonly classes = new Map<string, CompiledClass>();
  /** Set while a class's members are compiled: names then resolve to its fields and methods, never to globals. */
  private classCtx: ClassContext | null = null;

  /** hostNames: the names a run binds (entity, replica, the helpers...), which a class may not take. */
  constructor(private readonly hostNames: ReadonlySet<string>) {}

  compile(program: Program): CompiledProgram {
    for (const c of program.classes) this.declareClass(c);
    for (const c of program.classes) this.declareMembers(c);
    for (const c of program.classes) this.compileClass(c);
    for (const m of program.methods) {
      if (this.methodDefs.has(m.name)) throw compileFault(`the method ${m.name}() is defined twice`, m);
      this.methodDefs.set(m.name, m);
    }
    for (const m of program.methods) this.methods.set(m.name, this.compileMethod(m));
    const top = this.fn;
    const body = this.statements(program.body, true);
    return { body, slots: top.slots, methods: this.methods, methodNames: [...this.methodDefs.keys()] };
  }

  private compileMethod(m: MethodDef): ScriptMethodImpl {
    const saved = this.fn;
    const scope = new FnScope(null);
    this.fn = scope;
    try {
      const params = this.declareParams(m.params, m);
      const body = this.statements(m.body, true);
      const minArgs = m.params.filter((p) => p.init === null).length;
      const invoke = this.invoker(scope, params, body, m.name, false);
      return { name: m.name, minArgs, maxArgs: m.params.length, invoke: (args) => invoke(null, args) };
    } finally {
      this.fn = saved;
    }
  }

  /**
   * A class may not take a name the script already has for something else: a built-in or refused class (String,
   * JsonSlurper, Runtime...) or a name the run binds (replica, nodeHelper...). Groovy would let it shadow that name;
   * here the script says what it means instead of silently calling its own class.
   */
  private declareClass(c: ClassDef): void {
    const taken =
      classNames.has(c.name) ||
      newableClasses.has(c.name) ||
      forbiddenGlobals.has(c.name) ||
      this.hostNames.has(c.name) ||
      builtinFunctions.includes(c.name);
    if (taken)
      throw compileFault(
        `class ${c.name}: ${c.name} already names a ${this.hostNames.has(c.name) ? 'sync object or helper' : 'built-in class'} in sync rules; give the class another name`,
        c,
      );
    if (this.classes.has(c.name)) throw compileFault(`the class ${c.name} is defined twice`, c);
    this.classes.set(c.name, new CompiledClass(c.name));
  }

  /** Fields and method signatures first, so classes and their methods may use each other in any order. */
  private declareMembers(c: ClassDef): void {
    const cls = this.classes.get(c.name) as CompiledClass;
    for (const f of c.fields) {
      this.checkMember(f.name, f);
      if (cls.fields.has(f.name)) throw compileFault(`class ${c.name}: the field ${f.name} is declared twice`, f);
      const type = f.type && f.type.name !== 'def' && f.type.name !== 'Object' ? f.type.name : null;
      const field: ClassField = {
        name: f.name,
        isStatic: f.isStatic,
        cast: this.caster(type) ?? ((v) => v),
        initial: type === 'int' ? 0 : type === 'long' ? new GLong(0n) : type === 'boolean' ? false : null,
      };
      cls.fields.set(f.name, field);
    }
    const signature = (m: MethodDef): ClassMethod => ({
      name: m.name,
      minArgs: m.params.filter((p) => p.init === null).length,
      maxArgs: m.params.length,
      isStatic: m.isStatic === true,
      invoke: () => null,
    });
    for (const m of c.methods) {
      this.checkMember(m.name, m);
      const overloads = cls.methods.get(m.name) ?? [];
      if (overloads.some((o) => o.maxArgs === m.params.length))
        throw compileFault(
          `class ${c.name}: the method ${m.name}() with ${m.params.length} parameter${m.params.length === 1 ? '' : 's'} is defined twice`,
          m,
        );
      overloads.push(signature(m));
      cls.methods.set(m.name, overloads);
    }
    for (const k of c.constructors) {
      if (cls.constructors.some((o) => o.maxArgs === k.params.length))
        throw compileFault(`class ${c.name}: two constructors take ${k.params.length} parameters`, k);
      cls.constructors.push(signature(k));
    }
  }

  private compileClass(c: ClassDef): void {
    const cls = this.classes.get(c.name) as CompiledClass;
    const saved = this.classCtx;
    try {
      for (const m of c.methods) {
        const impl = (cls.methods.get(m.name) as ClassMethod[]).find((x) => x.maxArgs === m.params.length);
        (impl as ClassMethod).invoke = this.classMember(cls, m, m.isStatic === true, `${c.name}.${m.name}`);
      }
      for (const k of c.constructors) {
        const impl = cls.constructors.find((x) => x.maxArgs === k.params.length) as ClassMethod;
        impl.invoke = this.classMember(cls, k, false, `${c.name}.<init>`);
      }
      const instance = this.fieldInitializers(
        cls,
        c.fields.filter((f) => !f.isStatic && f.init !== null),
        false,
      );
      cls.initInstance = (o) => instance(o, o.f);
      const statics = this.fieldInitializers(
        cls,
        c.fields.filter((f) => f.isStatic && f.init !== null),
        true,
      );
      cls.initStatics = (store) => statics(null, store);
    } finally {
      this.classCtx = saved;
    }
  }

  /** A method or constructor body: `this` (unless static) in slot 0, then the parameters. */
  private classMember(
    cls: CompiledClass,
    m: MethodDef,
    isStatic: boolean,
    name: string,
  ): (self: GObject | null, args: Value[]) => Value {
    const saved = this.fn;
    const scope = new FnScope(null);
    this.fn = scope;
    this.classCtx = { cls, isStatic };
    try {
      if (!isStatic) scope.thisSlot = this.declare('this', null, m).slot;
      const params = this.declareParams(m.params, m);
      const body = this.statements(m.body, true);
      const invoke = this.invoker(scope, params, body, name, false);
      return (self, args) => invoke(null, args, self);
    } finally {
      this.fn = saved;
    }
  }

  private fieldInitializers(
    cls: CompiledClass,
    fields: FieldDef[],
    isStatic: boolean,
  ): (self: GObject | null, store: Map<string, Value>) => void {
    if (fields.length === 0) return () => {};
    const saved = this.fn;
    const scope = new FnScope(null);
    this.fn = scope;
    this.classCtx = { cls, isStatic };
    try {
      if (!isStatic) scope.thisSlot = this.declare('this', null, fields[0] as FieldDef).slot;
      const inits = fields.map((f) => ({
        name: f.name,
        pos: f as Pos,
        value: this.expr(f.init as Expr),
        cast: (cls.fields.get(f.name) as ClassField).cast,
      }));
      return (self, store) => {
        const frame = makeFrame(scope.slots, null);
        if (scope.thisSlot >= 0) frame.v[scope.thisSlot] = self;
        for (const x of inits) {
          at(x.pos);
          if (++R.steps >= R.checkpoint) checkpoint();
          store.set(x.name, x.cast(x.value(frame)));
        }
      };
    } finally {
      this.fn = saved;
    }
  }

  /** Converts a value for a variable, parameter or field of a declared type; null when the type is not declared. */
  private caster(type: string | null): ((v: Value) => Value) | null {
    if (type === null) return null;
    const cls = this.classes.get(type);
    if (!cls) return (v) => castAssign(v, type);
    return (v) => {
      if (v === null || (v instanceof GObject && v.cls === cls)) return v;
      throw scriptError(
        `Cannot cast object '${groovyToString(v)}' with class '${javaTypeName(v)}' to class '${cls.name}'`,
        'type_error',
        'GroovyCastException',
      );
    };
  }

  private declareParams(params: Param[], pos: Pos): BoundParam[] {
    const out: BoundParam[] = [];
    for (const p of params) {
      const init = p.init ? this.expr(p.init) : null;
      const info = this.declare(p.name, p.type, pos);
      out.push({ slot: info.slot, init, cast: this.caster(info.type) });
    }
    return out;
  }

  /** Builds the function that binds arguments into a fresh frame and runs a closure or method body. */
  private invoker(
    scope: FnScope,
    params: BoundParam[],
    body: Ex,
    name: string,
    implicitIt: boolean,
  ): (env: Frame | null, args: Value[], self?: GObject | null) => Value {
    const n = params.length;
    const required = params.filter((p) => p.init === null).length;
    const first = params[0];
    const thisSlot = scope.thisSlot;
    return (env, args, self = null) => {
      enterCall();
      if (++R.steps >= R.checkpoint) checkpoint();
      const frame = makeFrame(scope.slots, env);
      if (thisSlot >= 0) frame.v[thisSlot] = self;
      if (args.length === 1 && n > 1 && Array.isArray(args[0]) && !implicitIt) args = args[0] as Value[];
      if (implicitIt) {
        if (args.length > 1) {
          R.depth--;
          throw scriptError(
            `the closure takes one parameter (it) but was called with ${args.length} arguments`,
            'missing_method',
            'MissingMethodException',
          );
        }
        frame.v[(first as { slot: number }).slot] = args.length > 0 ? (args[0] as Value) : null;
      } else {
        if (args.length > n || args.length < required) {
          R.depth--;
          throw scriptError(
            `${name}() takes ${required === n ? n : `${required} to ${n}`} argument${n === 1 ? '' : 's'} but was called with ${args.length}`,
            'missing_method',
            'MissingMethodException',
          );
        }
        for (let i = 0; i < n; i++) {
          const p = params[i] as BoundParam;
          let v: Value = i < args.length ? (args[i] as Value) : p.init ? p.init(frame) : null;
          if (p.cast !== null) v = p.cast(v);
          frame.v[p.slot] = v;
        }
      }
      const line = R.line;
      const col = R.col;
      try {
        body(frame);
      } finally {
        R.depth--;
      }
      R.line = line;
      R.col = col;
      if (R.ctl === CTL_RETURN) {
        R.ctl = CTL_NONE;
        const r = R.ret;
        R.ret = null;
        return r;
      }
      return null;
    };
  }

  private declare(name: string, type: TypeRef | null, pos: Pos): VarInfo {
    const blocks = this.fn.blocks;
    for (const b of blocks) {
      if (b.has(name)) throw compileFault(`the variable '${name}' is already declared in this scope`, pos);
    }
    const info: VarInfo = {
      slot: this.fn.slots++,
      type: type && type.name !== 'def' && type.name !== 'Object' ? type.name : null,
    };
    (blocks[blocks.length - 1] as Map<string, VarInfo>).set(name, info);
    return info;
  }

  private resolve(name: string): { depth: number; info: VarInfo } | null {
    let depth = 0;
    for (let s: FnScope | null = this.fn; s; s = s.parent, depth++) {
      for (let i = s.blocks.length - 1; i >= 0; i--) {
        const info = (s.blocks[i] as Map<string, VarInfo>).get(name);
        if (info) return { depth, info };
      }
    }
    return null;
  }

  private visibleNames(): string[] {
    const out: string[] = [];
    for (let s: FnScope | null = this.fn; s; s = s.parent) for (const b of s.blocks) out.push(...b.keys());
    return out;
  }

  private withBlock<T>(body: () => T): T {
    this.fn.blocks.push(new Map());
    try {
      return body();
    } finally {
      this.fn.blocks.pop();
    }
  }

  private statements(stmts: Stmt[], tail: boolean): Ex {
    const compiled: Ex[] = [];
    const pos: Pos[] = [];
    stmts.forEach((s, i) => {
      compiled.push(this.stmt(s, tail && i === stmts.length - 1));
      pos.push({ line: s.line, col: s.col });
    });
    const n = compiled.length;
    if (n === 0) return () => {};
    if (n === 1) {
      const s0 = compiled[0] as Ex;
      const p0 = pos[0] as Pos;
      return (f) => {
        R.line = p0.line;
        R.col = p0.col;
        if (++R.steps >= R.checkpoint) checkpoint();
        s0(f);
      };
    }
    return (f) => {
      for (let i = 0; i < n; i++) {
        const p = pos[i] as Pos;
        R.line = p.line;
        R.col = p.col;
        if (++R.steps >= R.checkpoint) checkpoint();
        (compiled[i] as Ex)(f);
        if (R.ctl !== CTL_NONE) return;
      }
    };
  }

  private loopBody(s: Stmt): Ex {
    this.fn.loops++;
    try {
      return this.stmt(s, false);
    } finally {
      this.fn.loops--;
    }
  }

  private stmt(s: Stmt, tail: boolean): Ex {
    switch (s.k) {
      case 'expr': {
        const e = this.expr(s.e);
        if (tail) {
          return (f) => {
            R.ret = e(f);
            R.ctl = CTL_RETURN;
          };
        }
        return (f) => {
          e(f);
        };
      }
      case 'decl': {
        const init = s.init ? this.expr(s.init) : null;
        const info = this.declare(s.name, s.type, s);
        const slot = info.slot;
        const type = info.type;
        const cast = this.caster(type) ?? ((v: Value) => v);
        const store: Ex =
          init === null
            ? (f) => {
                f.v[slot] =
                  type === 'int' || type === 'long'
                    ? type === 'int'
                      ? 0
                      : new GLong(0n)
                    : type === 'boolean'
                      ? false
                      : null;
              }
            : type === null
              ? (f) => {
                  f.v[slot] = init(f);
                }
              : (f) => {
                  f.v[slot] = cast(init(f));
                };
        if (!tail) return store;
        return (f) => {
          store(f);
          R.ret = f.v[slot] as Value;
          R.ctl = CTL_RETURN;
        };
      }
      case 'multiDecl': {
        const init = this.expr(s.init);
        const slots = s.names.map((n) => this.declare(n, null, s).slot);
        return (f) => {
          const v = init(f);
          const list = toList(v);
          if (!list)
            throw scriptError(
              `cannot destructure a ${typeName(v)}: def (a, b) = needs a list`,
              'type_error',
              'ClassCastException',
            );
          slots.forEach((slot, i) => {
            f.v[slot] = i < list.length ? (list[i] as Value) : null;
          });
        };
      }
      case 'if': {
        const c = this.expr(s.c);
        const t = this.withBlock(() => this.stmt(s.t, tail));
        const e = s.f ? this.withBlock(() => this.stmt(s.f as Stmt, tail)) : null;
        if (e === null) {
          return (f) => {
            if (truthy(c(f))) t(f);
          };
        }
        return (f) => {
          if (truthy(c(f))) t(f);
          else e(f);
        };
      }
      case 'block': {
        if (s.scopeless) return this.statements(s.body, tail);
        return this.withBlock(() => this.statements(s.body, tail));
      }
      case 'while': {
        const c = this.expr(s.c);
        const body = this.withBlock(() => this.loopBody(s.body));
        return (f) => {
          while (truthy(c(f))) {
            if (++R.steps >= R.checkpoint) checkpoint();
            body(f);
            if (R.ctl !== CTL_NONE) {
              if (R.ctl === CTL_BREAK) {
                R.ctl = CTL_NONE;
                break;
              }
              if (R.ctl === CTL_CONTINUE) R.ctl = CTL_NONE;
              else return;
            }
          }
        };
      }
      case 'for':
        return this.withBlock(() => {
          const init = s.init.map((x) => this.stmt(x, false));
          const cond = s.cond ? this.expr(s.cond) : null;
          const update = s.update.map((x) => this.expr(x));
          const body = this.withBlock(() => this.loopBody(s.body));
          return (f: Frame) => {
            for (const i of init) i(f);
            for (;;) {
              if (cond && !truthy(cond(f))) break;
              if (++R.steps >= R.checkpoint) checkpoint();
              body(f);
              if (R.ctl !== CTL_NONE) {
                if (R.ctl === CTL_BREAK) {
                  R.ctl = CTL_NONE;
                  break;
                }
                if (R.ctl === CTL_CONTINUE) R.ctl = CTL_NONE;
                else return;
              }
              for (const u of update) u(f);
            }
          };
        });
      case 'forIn':
        return this.withBlock(() => {
          const iter = this.expr(s.iter);
          const slot = this.declare(s.name, null, s).slot;
          const body = this.withBlock(() => this.loopBody(s.body));
          // Returns true when the loop must stop (break or return).
          const step = (f: Frame, v: Value): boolean => {
            f.v[slot] = v;
            if (++R.steps >= R.checkpoint) checkpoint();
            body(f);
            if (R.ctl !== CTL_NONE) {
              if (R.ctl === CTL_CONTINUE) {
                R.ctl = CTL_NONE;
                return false;
              }
              if (R.ctl === CTL_BREAK) R.ctl = CTL_NONE;
              return true;
            }
            return false;
          };
          return (f: Frame) => {
            const v = iter(f);
            if (v === null) return;
            if (Array.isArray(v)) {
              for (let i = 0; i < v.length; i++) if (step(f, v[i] as Value)) return;
            } else if (v instanceof GRange) {
              const { first, step: d, size } = v.bounds();
              for (let i = 0, x = first; i < size; i++, x += d) if (step(f, x)) return;
            } else if (v instanceof GSet) {
              for (const x of v.toList()) if (step(f, x)) return;
            } else if (v instanceof GMap) {
              for (const [k, x] of [...v.m]) if (step(f, new GEntry(k as Value, x, v))) return;
            } else if (typeof v === 'string') {
              for (const ch of v) if (step(f, ch)) return;
            } else if (v instanceof GMatcher) {
              for (const x of matcherItems(v)) if (step(f, x)) return;
            } else {
              step(f, v);
            }
          };
        });
      case 'switch':
        return this.switchStatement(s, tail);
      case 'return': {
        const e = s.e ? this.expr(s.e) : null;
        return (f) => {
          R.ret = e ? e(f) : null;
          R.ctl = CTL_RETURN;
        };
      }
      case 'break':
        if (this.fn.loops === 0 && this.fn.switches === 0)
          throw compileFault('break is only allowed inside a loop or a switch (use return to leave a closure)', s);
        return () => {
          R.ctl = CTL_BREAK;
        };
      case 'continue':
        if (this.fn.loops === 0)
          throw compileFault(
            'continue is only allowed inside a loop (use return to skip to the next element in each { })',
            s,
          );
        return () => {
          R.ctl = CTL_CONTINUE;
        };
      case 'throw': {
        const e = this.expr(s.e);
        return (f) => {
          const v = e(f);
          at(s);
          if (v instanceof GException) throw new ScriptException(v.message ?? v.type, 'thrown', v.type, s.line, s.col);
          throw scriptError(
            `only exceptions can be thrown, not a ${typeName(v)}: use throw new Exception("...")`,
            'type_error',
            'GroovyCastException',
          );
        };
      }
      case 'try':
        return this.tryStatement(s, tail);
      case 'assert': {
        const e = this.expr(s.e);
        const msg = s.msg ? this.expr(s.msg) : null;
        return (f) => {
          if (truthy(e(f))) return;
          const extra = msg ? `. ${groovyToString(msg(f))}` : '';
          at(s);
          throw scriptError(`Assertion failed: assert ${s.text}${extra}`, 'assertion', 'AssertionError');
        };
      }
      case 'empty':
        return () => {};
    }
  }

  private switchStatement(s: Extract<Stmt, { k: 'switch' }>, tail: boolean): Ex {
    const disc = this.expr(s.disc);
    // Groovy places the default branch after all cases, so it never falls through into a later case.
    const ordered = [...s.cases.filter((c) => c.test !== null), ...s.cases.filter((c) => c.test === null)];
    return this.withBlock(() => {
      this.fn.switches++;
      try {
        const tests = ordered.map((c) => (c.test ? this.expr(c.test) : null));
        const bodies = ordered.map((c) => this.caseBody(c.body, tail));
        const defaultIndex = ordered.findIndex((c) => c.test === null);
        const n = bodies.length;
        return (f: Frame) => {
          const v = disc(f);
          let start = -1;
          for (let i = 0; i < n; i++) {
            const t = tests[i];
            if (t && isCaseMatch(t(f), v)) {
              start = i;
              break;
            }
          }
          if (start < 0) start = defaultIndex;
          if (start < 0) return;
          for (let i = start; i < n; i++) {
            (bodies[i] as Ex)(f);
            if (R.ctl !== CTL_NONE) {
              if (R.ctl === CTL_BREAK) R.ctl = CTL_NONE;
              return;
            }
          }
        };
      } finally {
        this.fn.switches--;
      }
    });
  }

  /** In return position Groovy returns the last value of each case: the statement before `break`, or the last one. */
  private caseBody(body: Stmt[], tail: boolean): Ex {
    if (!tail || body.length === 0) return this.statements(body, false);
    const last = body[body.length - 1] as Stmt;
    if (last.k === 'break') {
      if (body.length === 1) return this.statements(body, false);
      return this.statements(body.slice(0, -1), true);
    }
    return this.statements(body, true);
  }

  private tryStatement(s: Extract<Stmt, { k: 'try' }>, tail: boolean): Ex {
    const body = this.withBlock(() => this.statements(s.body, tail));
    const catches = s.catches.map((c) =>
      this.withBlock(() => {
        const slot = this.declare(c.name, null, c).slot;
        const types = c.types.length === 0 ? ['Exception'] : c.types.map((t) => t.name);
        return { slot, types, body: this.statements(c.body, tail) };
      }),
    );
    const fin = s.fin ? this.withBlock(() => this.statements(s.fin as Stmt[], false)) : null;
    return (f) => {
      try {
        body(f);
      } catch (err) {
        // Only script-level exceptions can be caught; sandbox and limit faults always end the run.
        if (!(err instanceof ScriptException)) throw err;
        const handler = catches.find((c) => c.types.some((t) => exceptionMatches(err.javaType, t)));
        if (!handler) throw err;
        R.ctl = CTL_NONE;
        f.v[handler.slot] = new GException(err.javaType, err.message);
        handler.body(f);
      } finally {
        if (fin) {
          const ctl = R.ctl;
          const ret = R.ret;
          R.ctl = CTL_NONE;
          fin(f);
          if (R.ctl === CTL_NONE) {
            R.ctl = ctl;
            R.ret = ret;
          }
        }
      }
    };
  }

  private args(args: Expr[]): (f: Frame) => Value[] {
    const evs = args.map((a) => this.expr(a));
    const n = evs.length;
    if (n === 0) return () => [];
    if (n === 1) {
      const a0 = evs[0] as Ev;
      return (f) => [a0(f)];
    }
    return (f) => {
      const out = new Array<Value>(n);
      for (let i = 0; i < n; i++) out[i] = (evs[i] as Ev)(f);
      return out;
    };
  }

  private checkMember(name: string, pos: Pos): void {
    if (forbiddenMembers.has(name)) throw compileFault(forbiddenMemberMessage(name), pos, 'forbidden');
  }

  expr(e: Expr): Ev {
    switch (e.k) {
      case 'lit': {
        const v = e.v;
        return () => v;
      }
      case 'gstr': {
        const parts = e.parts.map((p) => (typeof p === 'string' ? p : this.expr(p)));
        return (f) => {
          let s = '';
          for (const p of parts) {
            s += typeof p === 'string' ? p : groovyToString(p(f));
            // checked as it grows: a GString of many big parts is refused before it passes the limit
            if (s.length > R.maxString) checkString(s);
          }
          return s;
        };
      }
      case 'name':
        return this.nameRead(e);
      case 'classRef':
        return this.classRef(e.type.name, e);
      case 'list': {
        const items = e.items.map((x) => this.expr(x));
        const n = items.length;
        return (f) => {
          const out = new Array<Value>(n);
          for (let i = 0; i < n; i++) out[i] = (items[i] as Ev)(f);
          return out;
        };
      }
      case 'map': {
        const entries = e.entries.map((x) => ({ k: this.expr(x.key), v: this.expr(x.value) }));
        return (f) => {
          const m = new GMap();
          for (const x of entries) m.set(x.k(f), x.v(f));
          return m;
        };
      }
      case 'range': {
        const from = this.expr(e.from);
        const to = this.expr(e.to);
        const exclusive = e.exclusive;
        return (f) => makeRange(from(f), to(f), exclusive, e);
      }
      case 'prop':
        return this.propRead(e);
      case 'index': {
        const obj = this.expr(e.obj);
        const index = this.expr(e.index);
        return (f) => {
          const o = obj(f);
          const i = index(f);
          at(e);
          return getIndex(o, i);
        };
      }
      case 'call':
        return this.namedCall(e);
      case 'callValue': {
        if (e.callee.k === 'this') return this.constructorCall(e.callee, this.args(e.args), e);
        const callee = this.expr(e.callee);
        const args = this.args(e.args);
        return (f) => {
          const c = callee(f);
          const a = args(f);
          at(e);
          return callValue(c, a, 'the value');
        };
      }
      case 'mcall':
        return this.methodCall(e);
      case 'closure':
        return this.closure(e);
      case 'unary': {
        const x = this.expr(e.e);
        switch (e.op) {
          case '!':
            return (f) => !truthy(x(f));
          case '-':
            return (f) => {
              const v = x(f);
              if (typeof v === 'number') return -v | 0;
              at(e);
              return negate(v);
            };
          case '+':
            return x;
          default:
            return (f) => {
              const v = x(f);
              at(e);
              if (typeof v === 'number') return ~v;
              if (typeof v === 'string') return pattern(v);
              throw scriptError(
                `~ needs a string (a regex) or an integer, not a ${typeName(v)}`,
                'type_error',
                'MissingMethodException',
              );
            };
        }
      }
      case 'incdec':
        return this.incdec(e);
      case 'bin':
        return this.binary(e);
      case 'and': {
        const l = this.expr(e.l);
        const r = this.expr(e.r);
        return (f) => truthy(l(f)) && truthy(r(f));
      }
      case 'or': {
        const l = this.expr(e.l);
        const r = this.expr(e.r);
        return (f) => truthy(l(f)) || truthy(r(f));
      }
      case 'tern': {
        const c = this.expr(e.c);
        const t = this.expr(e.t);
        const fl = this.expr(e.f);
        return (f) => (truthy(c(f)) ? t(f) : fl(f));
      }
      case 'elvis': {
        const l = this.expr(e.l);
        const r = this.expr(e.r);
        return (f) => {
          const v = l(f);
          return truthy(v) ? v : r(f);
        };
      }
      case 'assign':
        return this.assign(e);
      case 'as': {
        const x = this.expr(e.e);
        const type = e.type.name;
        const script = this.classes.has(type) ? (this.caster(type) as (v: Value) => Value) : null;
        if (script)
          return (f) => {
            const v = x(f);
            at(e);
            return script(v);
          };
        return (f) => {
          const v = x(f);
          at(e);
          return asType(v, type);
        };
      }
      case 'instanceof': {
        const x = this.expr(e.e);
        const type = e.type.name;
        const script = this.classes.get(type);
        if (script)
          return (f) => {
            const v = x(f);
            return v instanceof GObject && v.cls === script;
          };
        return (f) => instanceOf(x(f), type);
      }
      case 'this':
        return this.thisRead(e, "'this'");
      case 'new': {
        const script = e.type.full === e.type.name ? this.classes.get(e.type.name) : undefined;
        if (script) {
          const args = this.args(e.args);
          return (f) => {
            const a = args(f);
            at(e);
            return script.construct(a);
          };
        }
        const kind = newableClasses.get(e.type.full) ?? newableClasses.get(e.type.name);
        if (!kind)
          throw compileFault(
            `new ${e.type.full}(...) is not allowed in sync rules; only ${newableNames} can be created`,
            e,
            'forbidden',
          );
        const args = this.args(e.args);
        return (f) => {
          const a = args(f);
          at(e);
          return constructBuiltin(kind, a) ?? constructObject(kind, a);
        };
      }
    }
  }

  /** `this(a, b)` in a constructor: another constructor of the class, on the same instance. */
  private constructorCall(callee: Expr, args: (f: Frame) => Value[], pos: Pos): Ev {
    const self = this.thisRead(callee, 'this(...)');
    const cls = (this.classCtx as ClassContext).cls;
    return (f) => {
      const a = args(f);
      at(pos);
      const c =
        cls.constructors.find((k) => k.maxArgs === a.length) ??
        cls.constructors.find((k) => k.minArgs <= a.length && a.length <= k.maxArgs);
      if (!c)
        throw scriptError(
          `Could not find matching constructor for: ${cls.name}(${a.map((x) => typeName(x)).join(', ')})`,
          'missing_method',
          'GroovyRuntimeException',
        );
      c.invoke(self(f) as GObject, a);
      return null;
    };
  }

  private classRef(name: string, pos: Pos): Ev {
    const script = this.classes.get(name);
    if (script) {
      const ref = new GClassRef(name, name, script);
      return () => ref;
    }
    const full = classNames.get(name);
    if (!full) throw compileFault(`unknown class ${name}`, pos);
    const ref = new GClassRef(name, full);
    return () => ref;
  }

  /** `java.time.LocalDate` written out in full: the class when a script may name it, a compile error otherwise. */
  private qualifiedClass(e: Expr): Ev | null {
    const q = qualifiedClassName(e);
    if (!q || this.resolve(q.root)) return null;
    const simple = fullNames.get(q.full);
    if (simple) return this.classRef(simple, e);
    throw compileFault(qualifiedClassProblem(q.full), e, 'forbidden');
  }

  /** Reads `this` inside a class's instance member; a compile error where there is none (static code, top level). */
  private thisRead(pos: Pos, what: string): Ev {
    const r = this.resolve('this');
    if (r) return slotReader(r.depth, r.info.slot);
    const ctx = this.classCtx;
    throw compileFault(
      ctx
        ? `${what} cannot be used in static code of class ${ctx.cls.name}: there is no instance there`
        : `'this' is not available outside the methods of a class: top-level code uses entity, replica and the helpers`,
      pos,
    );
  }

  /** `this.x` inside a class for one of its fields: the field itself, not its getter or setter (as in Groovy). */
  private ownField(e: Extract<Expr, { k: 'prop' }>): { cls: CompiledClass; self: Ev; name: string } | null {
    const ctx = this.classCtx;
    if (!ctx || e.obj.k !== 'this' || typeof e.name !== 'string' || e.spread || !ctx.cls.fields.has(e.name))
      return null;
    return { cls: ctx.cls, self: this.thisRead(e.obj, "'this'"), name: e.name };
  }

  /** A bare name inside a class that is one of its fields. */
  private fieldRead(name: string, pos: Pos): Ev | null {
    const ctx = this.classCtx;
    const field = ctx?.cls.fields.get(name);
    if (!ctx || !field) return null;
    const cls = ctx.cls;
    if (field.isStatic) return () => cls.statics().get(name) ?? null;
    const self = this.thisRead(pos, `the field ${name}`);
    return (f) => (self(f) as GObject).f.get(name) ?? null;
  }

  /** `add(n)` inside a class: its own methods (an instance one needs `this`), or a field holding a closure. */
  private memberCall(e: Extract<Expr, { k: 'call' }>, args: (f: Frame) => Value[]): Ev | null {
    const ctx = this.classCtx as ClassContext;
    const cls = ctx.cls;
    const name = e.name;
    if (cls.methods.has(name)) {
      const self = this.resolve('this') ? this.thisRead(e, `${name}()`) : null;
      return (f) => {
        const a = args(f);
        at(e);
        const m = cls.find(name, a.length);
        if (!m)
          throw scriptError(
            `No signature of method: ${cls.name}.${name}() is applicable for argument types: (${a.map((x) => typeName(x)).join(', ')})`,
            'missing_method',
            'MissingMethodException',
          );
        if (m.isStatic) return m.invoke(null, a);
        if (!self)
          throw scriptError(
            `${cls.name}.${name}() is an instance method: it cannot be called from static code`,
            'missing_method',
            'MissingMethodException',
          );
        return m.invoke(self(f) as GObject, a);
      };
    }
    const field = this.fieldRead(name, e);
    if (field) {
      return (f) => {
        const c = field(f);
        const a = args(f);
        at(e);
        return callValue(c, a, name);
      };
    }
    return null;
  }

  private nameRead(e: Extract<Expr, { k: 'name' }>): Ev {
    const r = this.resolve(e.name);
    if (r) return slotReader(r.depth, r.info.slot);
    const name = e.name;
    const field = this.fieldRead(name, e);
    if (field) return field;
    if (this.classes.has(name) || classNames.has(name)) return this.classRef(name, e);
    const ctx = this.classCtx;
    if (ctx) {
      // As in Groovy, a class does not see the script's variables or the sync's objects.
      const candidates = [...ctx.cls.fields.keys(), ...this.visibleNames()];
      return () => {
        at(e);
        if (forbiddenGlobals.has(name)) throw forbidden(forbiddenGlobalMessage(name));
        noFloatingPoint(name);
        throw scriptError(
          `No such property: ${name} for class: ${ctx.cls.name}`,
          'missing_property',
          'MissingPropertyException',
          suggest(name, candidates),
        );
      };
    }
    const visible = this.visibleNames();
    const methodNames = [...this.methodDefs.keys()];
    return () => {
      const v = R.globals.get(name);
      if (v !== undefined) return v;
      at(e);
      if (forbiddenGlobals.has(name)) throw forbidden(forbiddenGlobalMessage(name));
      noFloatingPoint(name);
      throw scriptError(
        `No such property: ${name}`,
        'missing_property',
        'MissingPropertyException',
        suggest(name, [...visible, ...R.globals.keys(), ...methodNames]),
      );
    };
  }

  private propRead(e: Extract<Expr, { k: 'prop' }>): Ev {
    const qualified = this.qualifiedClass(e);
    if (qualified) return qualified;
    const own = this.ownField(e);
    if (own) {
      const { cls, self, name } = own;
      return (f) => cls.fieldValue(self(f) as GObject, name);
    }
    const obj = this.expr(e.obj);
    const { safe, spread } = e;
    if (typeof e.name !== 'string') {
      const nameEv = this.expr(e.name);
      return (f) => {
        const o = obj(f);
        const name = groovyToString(nameEv(f));
        at(e);
        if (forbiddenMembers.has(name)) throw forbidden(forbiddenMemberMessage(name));
        if (safe && o === null) return null;
        return spread ? spreadProp(o, name) : getProp(o, name);
      };
    }
    const name = e.name;
    this.checkMember(name, e);
    if (spread) {
      return (f) => {
        const o = obj(f);
        at(e);
        return spreadProp(o, name);
      };
    }
    return (f) => {
      const o = obj(f);
      if (safe && o === null) return null;
      at(e);
      return getProp(o, name);
    };
  }

  private namedCall(e: Extract<Expr, { k: 'call' }>): Ev {
    const name = e.name;
    const args = this.args(e.args);
    const local = this.resolve(name);
    if (local) {
      const read = slotReader(local.depth, local.info.slot);
      return (f) => {
        const c = read(f);
        const a = args(f);
        at(e);
        return callValue(c, a, name);
      };
    }
    if (this.classCtx) {
      const member = this.memberCall(e, args);
      if (member) return member;
    } else if (this.methodDefs.has(name)) {
      const methods = this.methods;
      return (f) => {
        const a = args(f);
        at(e);
        const m = methods.get(name) as ScriptMethodImpl;
        return m.invoke(a);
      };
    }
    if (name === 'println' || name === 'print') {
      const nl = name === 'println' ? '\n' : '';
      return (f) => {
        const a = args(f);
        at(e);
        if (a.length > 1)
          throw scriptError(
            `${name}() takes one argument; use ${name}("\${a} \${b}") to print several values`,
            'missing_method',
            'MissingMethodException',
          );
        const text = a.length === 0 ? '' : groovyToString(a[0] as Value);
        checkString(text);
        R.print(text + nl);
        return null;
      };
    }
    if (name === 'sprintf' || name === 'printf') {
      return (f) => {
        const a = args(f);
        at(e);
        const text = callMethod(new GClassRef('String', 'java.lang.String'), 'format', a);
        if (name === 'printf') {
          R.print(text as string);
          return null;
        }
        return text;
      };
    }
    if (forbiddenGlobals.has(name) || forbiddenMembers.has(name))
      throw compileFault(forbiddenGlobalMessage(name), e, 'forbidden');
    const visible = this.visibleNames();
    const ctx = this.classCtx;
    if (ctx) {
      return (f) => {
        const a = args(f);
        at(e);
        throw scriptError(
          `No signature of method: ${ctx.cls.name}.${name}() is applicable for argument types: (${a.map((x) => typeName(x)).join(', ')})`,
          'missing_method',
          'MissingMethodException',
          suggest(name, [...ctx.cls.methodNames(), ...builtinFunctions, ...visible]),
        );
      };
    }
    const methodNames = [...this.methodDefs.keys()];
    return (f) => {
      const a = args(f);
      at(e);
      const g = R.globals.get(name);
      if (g !== undefined) return callValue(g, a, name);
      throw scriptError(
        `No such method: ${name}()`,
        'missing_method',
        'MissingMethodException',
        suggest(name, [...methodNames, ...builtinFunctions, ...visible, ...R.globals.keys()]),
      );
    };
  }

  private methodCall(e: Extract<Expr, { k: 'mcall' }>): Ev {
    this.checkMember(e.name, e);
    const obj = this.expr(e.obj);
    const args = this.args(e.args);
    const { name, safe, spread } = e;
    if (spread) {
      return (f) => {
        const o = obj(f);
        const a = args(f);
        at(e);
        if (o === null) return null;
        const list = toList(o);
        if (!list) throw scriptError(`*. needs a list, not a ${typeName(o)}`, 'type_error', 'MissingMethodException');
        return list.map((x) => (x === null ? null : callMethod(x, name, a)));
      };
    }
    return (f) => {
      const o = obj(f);
      if (safe && o === null) return null;
      const a = args(f);
      at(e);
      return callMethod(o, name, a);
    };
  }

  private closure(e: Extract<Expr, { k: 'closure' }>): Ev {
    const saved = this.fn;
    const scope = new FnScope(saved);
    this.fn = scope;
    try {
      let params: ReturnType<typeof this.declareParams>;
      if (e.implicitIt) {
        // A closure without parameters has one, `it`, in slot 0.
        this.fn.slots++;
        (scope.blocks[0] as Map<string, VarInfo>).set('it', { slot: 0, type: null });
        params = [{ slot: 0, init: null, cast: null }];
      } else params = this.declareParams(e.params, e);
      const body = this.statements(e.body, true);
      const invoke = this.invoker(scope, params, body, 'the closure', e.implicitIt);
      const arity = e.implicitIt ? 1 : e.params.length;
      const implicitIt = e.implicitIt;
      return (f) => new GClosure(arity, implicitIt, (args) => invoke(f, args));
    } finally {
      this.fn = saved;
    }
  }

  /** A bare name assigned inside a class: one of its fields (through `this` unless static), else an error. */
  private fieldLvalue(
    name: string,
    target: Pos,
    pos: Pos,
  ): {
    prepare: (f: Frame) => unknown;
    read: (f: Frame, ref: unknown) => Value;
    write: (f: Frame, ref: unknown, v: Value) => void;
  } {
    const cls = (this.classCtx as ClassContext).cls;
    const field = cls.fields.get(name);
    if (!field) {
      const fail = () => {
        at(pos);
        throw scriptError(
          `No such property: ${name} for class: ${cls.name} (declare it: def ${name} = ...)`,
          'missing_property',
          'MissingPropertyException',
          suggest(name, [...cls.fields.keys(), ...this.visibleNames()]),
        );
      };
      return { prepare: () => null, read: fail, write: fail };
    }
    const self = field.isStatic ? null : this.thisRead(target, `the field ${name}`);
    return {
      prepare: (f) => (self ? self(f) : null),
      read: (_f, ref) => cls.fieldValue(ref as GObject | null, name),
      write: (_f, ref, v) => {
        at(pos);
        cls.setField(ref as GObject | null, name, v);
      },
    };
  }

  /** A reader and a writer for an assignable expression; objects and indexes are evaluated once. */
  private lvalue(
    target: Expr,
    pos: Pos,
  ): {
    prepare: (f: Frame) => unknown;
    read: (f: Frame, ref: unknown) => Value;
    write: (f: Frame, ref: unknown, v: Value) => void;
  } {
    switch (target.k) {
      case 'name': {
        const r = this.resolve(target.name);
        if (r) {
          const { depth } = r;
          const { slot, type } = r.info;
          const read = slotReader(depth, slot);
          const cast = this.caster(type);
          return {
            prepare: () => null,
            read: (f) => read(f),
            write: (f, _ref, v) => {
              let fr = f;
              for (let d = depth; d > 0; d--) fr = fr.up as Frame;
              fr.v[slot] = cast === null ? v : cast(v);
            },
          };
        }
        const name = target.name;
        if (forbiddenGlobals.has(name)) throw compileFault(forbiddenGlobalMessage(name), target, 'forbidden');
        if (this.classCtx) return this.fieldLvalue(name, target, pos);
        const readName = this.nameRead(target);
        return {
          prepare: () => null,
          read: (f) => readName(f),
          write: (_f, _ref, v) => {
            if (R.protectedGlobals.has(name)) {
              at(pos);
              throw scriptError(
                `${name} cannot be replaced; set its properties instead (for example ${name}.summary = ...)`,
                'type_error',
                'ReadOnlyPropertyException',
              );
            }
            R.globals.set(name, v);
          },
        };
      }
      case 'prop': {
        const own = this.ownField(target);
        if (own) {
          const { cls, self, name } = own;
          return {
            prepare: (f) => self(f),
            read: (_f, ref) => cls.fieldValue(ref as GObject, name),
            write: (_f, ref, v) => {
              at(pos);
              cls.setField(ref as GObject, name, v);
            },
          };
        }
        // `a?.b += 1` reads null and writes nothing when a is null, as Groovy does.
        const safe = target.safe;
        if (typeof target.name !== 'string') {
          const obj = this.expr(target.obj);
          const nameEv = this.expr(target.name);
          return {
            prepare: (f) => {
              const name = groovyToString(nameEv(f));
              if (forbiddenMembers.has(name)) {
                at(target);
                throw forbidden(forbiddenMemberMessage(name));
              }
              return [obj(f), name];
            },
            read: (_f, ref) => {
              const [o, name] = ref as [Value, string];
              if (safe && o === null) return null;
              at(target);
              return getProp(o, name);
            },
            write: (_f, ref, v) => {
              const [o, name] = ref as [Value, string];
              if (safe && o === null) return;
              at(target);
              setProp(o, name, v);
            },
          };
        }
        const name = target.name;
        this.checkMember(name, target);
        const obj = this.expr(target.obj);
        return {
          prepare: (f) => obj(f),
          read: (_f, ref) => {
            if (safe && ref === null) return null;
            at(target);
            return getProp(ref as Value, name);
          },
          write: (_f, ref, v) => {
            if (safe && ref === null) return;
            at(target);
            setProp(ref as Value, name, v);
          },
        };
      }
      case 'index': {
        const obj = this.expr(target.obj);
        const index = this.expr(target.index);
        return {
          prepare: (f) => [obj(f), index(f)],
          read: (_f, ref) => {
            at(target);
            return getIndex((ref as [Value, Value])[0], (ref as [Value, Value])[1]);
          },
          write: (_f, ref, v) => {
            at(target);
            setIndex((ref as [Value, Value])[0], (ref as [Value, Value])[1], v);
          },
        };
      }
      default:
        throw compileFault('cannot assign to this expression', pos);
    }
  }

  private assign(e: Extract<Expr, { k: 'assign' }>): Ev {
    const value = this.expr(e.value);
    // Fast path: plain assignment to a local without a declared type.
    if (e.op === '=' && e.target.k === 'name') {
      const r = this.resolve(e.target.name);
      if (r && r.depth === 0 && r.info.type === null) {
        const slot = r.info.slot;
        return (f) => (f.v[slot] = value(f));
      }
    }
    const own = e.target.k === 'prop' ? this.ownField(e.target) : null;
    if (e.op === '=' && own) {
      const { cls, self, name } = own;
      return (f) => {
        const o = self(f) as GObject;
        const v = value(f);
        at(e);
        cls.setField(o, name, v);
        return v;
      };
    }
    if (e.op === '=' && e.target.k === 'prop' && typeof e.target.name === 'string') {
      const name = e.target.name;
      this.checkMember(name, e.target);
      const obj = this.expr(e.target.obj);
      const target = e.target;
      const safe = target.safe;
      return (f) => {
        const o = obj(f);
        const v = value(f);
        // `a?.b = v`: the value is still computed (and is the expression's value), nothing is written.
        if (safe && o === null) return v;
        at(target);
        setProp(o, name, v);
        return v;
      };
    }
    const lv = this.lvalue(e.target, e);
    if (e.op === '=') {
      return (f) => {
        const ref = lv.prepare(f);
        const v = value(f);
        lv.write(f, ref, v);
        return v;
      };
    }
    const op = binaryFunction(e.op.slice(0, -1));
    return (f) => {
      const ref = lv.prepare(f);
      const old = lv.read(f, ref);
      const v = value(f);
      at(e);
      const result = op(old, v);
      lv.write(f, ref, result);
      return result;
    };
  }

  private incdec(e: Extract<Expr, { k: 'incdec' }>): Ev {
    const lv = this.lvalue(e.target, e);
    const delta = e.op === '++' ? 1 : -1;
    const prefix = e.prefix;
    return (f) => {
      const ref = lv.prepare(f);
      const old = lv.read(f, ref);
      at(e);
      let nv: Value;
      if (typeof old === 'number') nv = (old + delta) | 0;
      else if (old instanceof GLong) nv = longOf(old.v + BigInt(delta));
      else if (old instanceof GDecimal)
        nv = delta > 0 ? decimalAdd(old, new GDecimal(1n, 0)) : decimalSub(old, new GDecimal(1n, 0));
      else if (old === null) throw scriptError(`Cannot ${e.op} null`, 'null_pointer', 'NullPointerException');
      else throw scriptError(`${e.op} needs a number, not a ${typeName(old)}`, 'type_error', 'MissingMethodException');
      lv.write(f, ref, nv);
      return prefix ? nv : old;
    };
  }

  private binary(e: Extract<Expr, { k: 'bin' }>): Ev {
    const l = this.expr(e.l);
    const r = this.expr(e.r);
    switch (e.op) {
      case '+':
        return (f) => {
          const a = l(f);
          const b = r(f);
          if (typeof a === 'number' && typeof b === 'number') return (a + b) | 0;
          if (typeof a === 'string') return checkString(a + (typeof b === 'string' ? b : groovyToString(b)));
          at(e);
          return plus(a, b);
        };
      case '-':
        return (f) => {
          const a = l(f);
          const b = r(f);
          if (typeof a === 'number' && typeof b === 'number') return (a - b) | 0;
          at(e);
          return minus(a, b);
        };
      case '*':
        return (f) => {
          const a = l(f);
          const b = r(f);
          if (typeof a === 'number' && typeof b === 'number') return Math.imul(a, b);
          at(e);
          return multiply(a, b);
        };
      case '==':
        return (f) => {
          const a = l(f);
          const b = r(f);
          return a === b || groovyEquals(a, b);
        };
      case '!=':
        return (f) => {
          const a = l(f);
          const b = r(f);
          return !(a === b || groovyEquals(a, b));
        };
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const op = e.op;
        return (f) => {
          const a = l(f);
          const b = r(f);
          if (typeof a === 'number' && typeof b === 'number')
            return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
          at(e);
          return compare(op, a, b);
        };
      }
      case 'in':
        return (f) => {
          const a = l(f);
          const b = r(f);
          at(e);
          return inOperator(a, b, callClosure);
        };
      default: {
        const fn = binaryFunction(e.op);
        return (f) => {
          const a = l(f);
          const b = r(f);
          at(e);
          return fn(a, b);
        };
      }
    }
  }
}

function binaryFunction(op: string): (a: Value, b: Value) => Value {
  switch (op) {
    case '+':
      return plus;
    case '-':
      return minus;
    case '*':
      return multiply;
    case '/':
      return divide;
    case '%':
      return mod;
    case '**':
      return power;
    case '<=>':
      return spaceship;
    case '=~':
      return findMatcher;
    case '==~':
      return fullMatch;
    case '<<':
      return leftShift;
    case '>>':
    case '>>>':
    case '&':
    case '|':
    case '^':
      return (a, b) => bitOp(op, a, b);
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (a, b) => compare(op, a, b);
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

/** `Float.parseFloat(x)`: a clear refusal instead of "no such property". */
function noFloatingPoint(name: string): void {
  if (name === 'Float' || name === 'Double')
    throw scriptError(
      `${name} is not supported in sync rules, which have no floating-point numbers: use BigDecimal (new BigDecimal(text) or text as BigDecimal)`,
      'missing_property',
      'MissingPropertyException',
    );
}

function slotReader(depth: number, slot: number): Ev {
  switch (depth) {
    case 0:
      return (f) => f.v[slot] as Value;
    case 1:
      return (f) => (f.up as Frame).v[slot] as Value;
    case 2:
      return (f) => ((f.up as Frame).up as Frame).v[slot] as Value;
    default:
      return (f) => {
        let fr = f;
        for (let d = depth; d > 0; d--) fr = fr.up as Frame;
        return fr.v[slot] as Value;
      };
  }
}

function isCaseMatch(caseValue: Value, v: Value): boolean {
  return inOperator(v, caseValue, callClosure);
}

function spreadProp(o: Value, name: string): Value {
  if (o === null) return null;
  const list = toList(o);
  if (!list) throw scriptError(`*. needs a list, not a ${typeName(o)}`, 'type_error', 'MissingPropertyException');
  return list.map((x) => (x === null ? null : getProp(x, name)));
}

function makeRange(from: Value, to: Value, exclusive: boolean, pos: Pos): GRange {
  const a = from instanceof GLong ? Number(from.v) : from;
  const b = to instanceof GLong ? Number(to.v) : to;
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isSafeInteger(a) || !Number.isSafeInteger(b)) {
    at(pos);
    throw scriptError(
      `ranges need integer bounds, not ${typeName(from)}..${typeName(to)}`,
      'type_error',
      'IllegalArgumentException',
    );
  }
  return new GRange(a, b, exclusive);
}

/** hostNames: the names a run binds (entity, replica, the helpers), which the script's classes may not take. */
export function compileProgram(program: Program, hostNames: ReadonlySet<string> = new Set()): CompiledProgram {
  return new Compiler(hostNames).compile(program);
}

/** Runs a compiled program with the current run state (see runtime.withRun); returns the script's last value. */
export function execute(program: CompiledProgram): Value {
  R.methods = program.methods;
  const frame = makeFrame(program.slots, null);
  program.body(frame);
  const result = R.ctl === CTL_RETURN ? R.ret : null;
  R.ctl = CTL_NONE;
  R.ret = null;
  return result;
}

export { checkSize };
