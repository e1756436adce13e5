/**
 * Functions a script defines: closures, script methods (`def f(x) { ... }` at the top level) and the methods and
 * constructors of its classes. Each gets its own frame per call; the invoker binds the arguments into it (defaults,
 * declared types, the implicit `it`), counts the call against the depth limit and turns a `return` into the result.
 */
import type { Expr, MethodDef, Param, Pos } from '../ast.ts';
import { checkpoint, CTL_NONE, CTL_RETURN, enterCall, runForCallback, scriptError, type RunState } from '../runtime.ts';
import type { CompiledClass } from '../script-classes.ts';
import { GClosure, type GObject, type Value } from '../values.ts';
import { FunctionScope, type CompileContext, type VarInfo } from './context.ts';
import { makeFrame, type CompiledExpr, type CompiledStmt, type Frame } from './frames.ts';

/** A method defined at the top level of a script, called by name from anywhere in it. */
export interface ScriptMethod {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly invoke: (run: RunState, args: Value[]) => Value;
}

/** A parameter as the invoker binds it. */
interface BoundParam {
  slot: number;
  init: CompiledExpr | null;
  cast: ((v: Value) => Value) | null;
}

/** env: the frame a closure was created in (null for methods); self: `this` of a class's instance member. */
type Invoker = (run: RunState, env: Frame | null, args: Value[], self?: GObject | null) => Value;

function declareParams(cx: CompileContext, params: Param[], pos: Pos): BoundParam[] {
  const out: BoundParam[] = [];
  for (const p of params) {
    const init = p.init ? cx.expr(p.init) : null;
    const info = cx.declare(p.name, p.type, pos);
    out.push({ slot: info.slot, init, cast: cx.caster(info.type) });
  }
  return out;
}

/** Builds the function that binds arguments into a fresh frame and runs a closure or method body. */
function invoker(
  scope: FunctionScope,
  params: BoundParam[],
  body: CompiledStmt,
  name: string,
  implicitIt: boolean,
): Invoker {
  const n = params.length;
  const required = params.filter((p) => p.init === null).length;
  const first = params[0];
  const thisSlot = scope.thisSlot;
  return (run, env, args, self = null) => {
    enterCall(run);
    if (++run.steps >= run.checkpoint) checkpoint(run);
    const frame = makeFrame(scope.slots, env);
    if (thisSlot >= 0) frame.v[thisSlot] = self;
    if (args.length === 1 && n > 1 && Array.isArray(args[0]) && !implicitIt) args = args[0] as Value[];
    if (implicitIt) {
      if (args.length > 1) {
        run.depth--;
        throw scriptError(
          `the closure takes one parameter (it) but was called with ${args.length} arguments`,
          'missing_method',
          'MissingMethodException',
        );
      }
      frame.v[(first as { slot: number }).slot] = args.length > 0 ? (args[0] as Value) : null;
    } else {
      if (args.length > n || args.length < required) {
        run.depth--;
        throw scriptError(
          `${name}() takes ${required === n ? n : `${required} to ${n}`} argument${n === 1 ? '' : 's'} but was called with ${args.length}`,
          'missing_method',
          'MissingMethodException',
        );
      }
      for (let i = 0; i < n; i++) {
        const p = params[i] as BoundParam;
        let v: Value = i < args.length ? (args[i] as Value) : p.init ? p.init(frame, run) : null;
        if (p.cast !== null) v = p.cast(v);
        frame.v[p.slot] = v;
      }
    }
    const line = run.line;
    const col = run.col;
    try {
      body(frame, run);
    } finally {
      run.depth--;
    }
    run.line = line;
    run.col = col;
    if (run.ctl === CTL_RETURN) {
      run.ctl = CTL_NONE;
      const r = run.ret;
      run.ret = null;
      return r;
    }
    return null;
  };
}

/** `{ a, b -> ... }`: a closure over the frame it is created in, bound to the run it is created in. */
export function compileClosure(cx: CompileContext, e: Extract<Expr, { k: 'closure' }>): CompiledExpr {
  const scope = new FunctionScope(cx.fn);
  return cx.inFunction(scope, undefined, () => {
    let params: BoundParam[];
    if (e.implicitIt) {
      // A closure without parameters has one, `it`, in slot 0.
      scope.slots++;
      (scope.blocks[0] as Map<string, VarInfo>).set('it', { slot: 0, type: null });
      params = [{ slot: 0, init: null, cast: null }];
    } else params = declareParams(cx, e.params, e);
    const body = cx.statements(e.body, true);
    const invoke = invoker(scope, params, body, 'the closure', e.implicitIt);
    const arity = e.implicitIt ? 1 : e.params.length;
    const implicitIt = e.implicitIt;
    return (f, run) => new GClosure(arity, implicitIt, (args) => invoke(run, f, args));
  });
}

export function compileScriptMethod(cx: CompileContext, m: MethodDef): ScriptMethod {
  const scope = new FunctionScope(null);
  return cx.inFunction(scope, undefined, () => {
    const params = declareParams(cx, m.params, m);
    const body = cx.statements(m.body, true);
    const minArgs = m.params.filter((p) => p.init === null).length;
    const invoke = invoker(scope, params, body, m.name, false);
    return { name: m.name, minArgs, maxArgs: m.params.length, invoke: (run, args) => invoke(run, null, args) };
  });
}

/**
 * A class's method or constructor body: `this` (unless static) in slot 0, then the parameters. Built-ins call it
 * (getters through getProp, toString through string conversion...), so it runs on the run in progress.
 */
export function compileClassMember(
  cx: CompileContext,
  cls: CompiledClass,
  m: MethodDef,
  isStatic: boolean,
  name: string,
): (self: GObject | null, args: Value[]) => Value {
  const scope = new FunctionScope(null);
  return cx.inFunction(scope, { cls, isStatic }, () => {
    if (!isStatic) scope.thisSlot = cx.declare('this', null, m).slot;
    const params = declareParams(cx, m.params, m);
    const body = cx.statements(m.body, true);
    const invoke = invoker(scope, params, body, name, false);
    return (self, args) => invoke(runForCallback(), null, args, self);
  });
}
