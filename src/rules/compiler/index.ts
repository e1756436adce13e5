/**
 * The closure compiler of the rule language: turns the syntax tree into JS closures once per script (names resolved
 * to frame slots, literals and operators chosen ahead of time), then runs them as often as needed. Every compiled
 * closure takes the frame and the run (frames.ts); control flow (break, continue, return) travels through a flag
 * on the run rather than JS exceptions, so loops and returns cost almost nothing.
 *
 * Layout: context.ts (compile-time scopes), statements.ts, expressions.ts, names.ts (what a name reads), calls.ts,
 * operators.ts, targets.ts (what an assignment writes), functions.ts (closures, methods, the invoker), classes.ts
 * (script classes), known-names.ts (the Java classes, exceptions and functions a script may name).
 */
import type { Program } from '../ast.ts';
import { CTL_NONE, CTL_RETURN, withRun, type RunState } from '../runtime.ts';
import type { Value } from '../values.ts';
import { compileClass, declareClass, declareMembers } from './classes.ts';
import { CompileContext, compileFault } from './context.ts';
import { makeFrame, type CompiledStmt } from './frames.ts';
import { compileScriptMethod } from './functions.ts';

export interface CompiledProgram {
  readonly body: CompiledStmt;
  /** Slots of the top-level frame. */
  readonly slots: number;
}

/** hostNames: the names a run binds (entity, replica, the helpers), which the script's classes may not take. */
export function compileProgram(program: Program, hostNames: ReadonlySet<string> = new Set()): CompiledProgram {
  const cx = new CompileContext(hostNames);
  for (const c of program.classes) declareClass(cx, c);
  for (const c of program.classes) declareMembers(cx, c);
  for (const c of program.classes) compileClass(cx, c);
  for (const m of program.methods) {
    if (cx.methodDefs.has(m.name)) throw compileFault(`the method ${m.name}() is defined twice`, m);
    cx.methodDefs.set(m.name, m);
  }
  for (const m of program.methods) cx.methods.set(m.name, compileScriptMethod(cx, m));
  const top = cx.fn;
  const body = cx.statements(program.body, true);
  return { body, slots: top.slots };
}

/** Runs a compiled program as `run` (the run in progress meanwhile, see runtime.withRun); returns its last value. */
export function runProgram(program: CompiledProgram, run: RunState): Value {
  return withRun(run, () => {
    const frame = makeFrame(program.slots, null);
    program.body(frame, run);
    const result = run.ctl === CTL_RETURN ? run.ret : null;
    run.ctl = CTL_NONE;
    run.ret = null;
    return result;
  });
}
