/**
 * Calls: `name(args)` (a local closure, a class's own method, a script method, println / print / sprintf / printf,
 * a closure the run binds), `obj.name(args)` with `?.` and `*.`, `value(args)` and `this(args)` in a constructor.
 */
import type { Expr, Pos } from '../ast.ts';
import { callMethod } from '../methods/index.ts';
import { toList } from '../ops.ts';
import { checkString, scriptError } from '../runtime.ts';
import { suggest } from '../../domain/suggest.ts';
import { forbiddenGlobalMessage, forbiddenGlobals, forbiddenMembers } from '../sandbox.ts';
import { GClassRef, GClosure, type GObject, groovyToString, typeName, type Value } from '../values.ts';
import { compileFault, type ClassContext, type CompileContext } from './context.ts';
import { at, slotReader, type CompiledArgs, type CompiledExpr } from './frames.ts';
import type { ScriptMethod } from './functions.ts';
import { builtinFunctions } from './known-names.ts';
import { fieldRead, thisRead } from './names.ts';

export function compileArguments(cx: CompileContext, args: Expr[]): CompiledArgs {
  const evs = args.map((a) => cx.expr(a));
  const n = evs.length;
  if (n === 0) return () => [];
  if (n === 1) {
    const a0 = evs[0] as CompiledExpr;
    return (f, run) => [a0(f, run)];
  }
  return (f, run) => {
    const out = new Array<Value>(n);
    for (let i = 0; i < n; i++) out[i] = (evs[i] as CompiledExpr)(f, run);
    return out;
  };
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

/** `value(args)`: calls what an expression gives (a closure), or `this(args)` in a constructor. */
export function compileValueCall(cx: CompileContext, e: Extract<Expr, { k: 'callValue' }>): CompiledExpr {
  if (e.callee.k === 'this') return constructorCall(cx, e.callee, compileArguments(cx, e.args), e);
  const callee = cx.expr(e.callee);
  const args = compileArguments(cx, e.args);
  return (f, run) => {
    const c = callee(f, run);
    const a = args(f, run);
    at(run, e);
    return callValue(c, a, 'the value');
  };
}

/** `this(a, b)` in a constructor: another constructor of the class, on the same instance. */
function constructorCall(cx: CompileContext, callee: Expr, args: CompiledArgs, pos: Pos): CompiledExpr {
  const self = thisRead(cx, callee, 'this(...)');
  const cls = (cx.classCtx as ClassContext).cls;
  return (f, run) => {
    const a = args(f, run);
    at(run, pos);
    const c =
      cls.constructors.find((k) => k.maxArgs === a.length) ??
      cls.constructors.find((k) => k.minArgs <= a.length && a.length <= k.maxArgs);
    if (!c)
      throw scriptError(
        `Could not find matching constructor for: ${cls.name}(${a.map((x) => typeName(x)).join(', ')})`,
        'missing_method',
        'GroovyRuntimeException',
      );
    c.invoke(self(f, run) as GObject, a);
    return null;
  };
}

/** `add(n)` inside a class: its own methods (an instance one needs `this`), or a field holding a closure. */
function memberCall(cx: CompileContext, e: Extract<Expr, { k: 'call' }>, args: CompiledArgs): CompiledExpr | null {
  const ctx = cx.classCtx as ClassContext;
  const cls = ctx.cls;
  const name = e.name;
  if (cls.methods.has(name)) {
    const self = cx.resolve('this') ? thisRead(cx, e, `${name}()`) : null;
    return (f, run) => {
      const a = args(f, run);
      at(run, e);
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
      return m.invoke(self(f, run) as GObject, a);
    };
  }
  const field = fieldRead(cx, name, e);
  if (field) {
    return (f, run) => {
      const c = field(f, run);
      const a = args(f, run);
      at(run, e);
      return callValue(c, a, name);
    };
  }
  return null;
}

/** `name(args)`, in the order Groovy looks: a local, the class's own members, a script method, a built-in, a global. */
export function compileNamedCall(cx: CompileContext, e: Extract<Expr, { k: 'call' }>): CompiledExpr {
  const name = e.name;
  const args = compileArguments(cx, e.args);
  const local = cx.resolve(name);
  if (local) {
    const read = slotReader(local.depth, local.info.slot);
    return (f, run) => {
      const c = read(f, run);
      const a = args(f, run);
      at(run, e);
      return callValue(c, a, name);
    };
  }
  if (cx.classCtx) {
    const member = memberCall(cx, e, args);
    if (member) return member;
  } else if (cx.methodDefs.has(name)) {
    const methods = cx.methods;
    return (f, run) => {
      const a = args(f, run);
      at(run, e);
      const m = methods.get(name) as ScriptMethod;
      return m.invoke(run, a);
    };
  }
  if (name === 'println' || name === 'print') {
    const nl = name === 'println' ? '\n' : '';
    return (f, run) => {
      const a = args(f, run);
      at(run, e);
      if (a.length > 1)
        throw scriptError(
          `${name}() takes one argument; use ${name}("\${a} \${b}") to print several values`,
          'missing_method',
          'MissingMethodException',
        );
      const text = a.length === 0 ? '' : groovyToString(a[0] as Value);
      checkString(text);
      run.print(text + nl);
      return null;
    };
  }
  if (name === 'sprintf' || name === 'printf') {
    return (f, run) => {
      const a = args(f, run);
      at(run, e);
      const text = callMethod(new GClassRef('String', 'java.lang.String'), 'format', a);
      if (name === 'printf') {
        run.print(text as string);
        return null;
      }
      return text;
    };
  }
  if (forbiddenGlobals.has(name) || forbiddenMembers.has(name))
    throw compileFault(forbiddenGlobalMessage(name), e, 'forbidden');
  const visible = cx.visibleNames();
  const ctx = cx.classCtx;
  if (ctx) {
    return (f, run) => {
      const a = args(f, run);
      at(run, e);
      throw scriptError(
        `No signature of method: ${ctx.cls.name}.${name}() is applicable for argument types: (${a.map((x) => typeName(x)).join(', ')})`,
        'missing_method',
        'MissingMethodException',
        suggest(name, [...ctx.cls.methodNames(), ...builtinFunctions, ...visible]),
      );
    };
  }
  const methodNames = [...cx.methodDefs.keys()];
  return (f, run) => {
    const a = args(f, run);
    at(run, e);
    const g = run.globals.get(name);
    if (g !== undefined) return callValue(g, a, name);
    throw scriptError(
      `No such method: ${name}()`,
      'missing_method',
      'MissingMethodException',
      suggest(name, [...methodNames, ...builtinFunctions, ...visible, ...run.globals.keys()]),
    );
  };
}

/** `obj.name(args)`, `obj?.name(args)` (null when obj is null) and `list*.name(args)` (on each element). */
export function compileMethodCall(cx: CompileContext, e: Extract<Expr, { k: 'methodCall' }>): CompiledExpr {
  cx.checkMember(e.name, e);
  const obj = cx.expr(e.obj);
  const args = compileArguments(cx, e.args);
  const { name, safe, spread } = e;
  if (spread) {
    return (f, run) => {
      const o = obj(f, run);
      const a = args(f, run);
      at(run, e);
      if (o === null) return null;
      const list = toList(o);
      if (!list) throw scriptError(`*. needs a list, not a ${typeName(o)}`, 'type_error', 'MissingMethodException');
      return list.map((x) => (x === null ? null : callMethod(x, name, a)));
    };
  }
  return (f, run) => {
    const o = obj(f, run);
    if (safe && o === null) return null;
    const a = args(f, run);
    at(run, e);
    return callMethod(o, name, a);
  };
}
