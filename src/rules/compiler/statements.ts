/**
 * Statements. Each statement of a list marks its position on the run and counts one step; loops count one per
 * iteration. break, continue and return set run.ctl (and run.ret) instead of throwing, and every list and loop
 * looks at it after each statement, so control flow costs a comparison.
 */
import type { Pos, Stmt } from '../ast.ts';
import { ScriptException } from '../faults.ts';
import { matcherItems } from '../methods/matcher.ts';
import { GLong } from '../numbers.ts';
import { inOperator, toList } from '../ops.ts';
import { checkpoint, CTL_BREAK, CTL_CONTINUE, CTL_NONE, CTL_RETURN, scriptError, type RunState } from '../runtime.ts';
import {
  GEntry,
  GException,
  GMap,
  GMatcher,
  GRange,
  GSet,
  groovyToString,
  truthy,
  typeName,
  type Value,
} from '../values.ts';
import { compileFault, type CompileContext } from './context.ts';
import { at, type CompiledStmt, type Frame } from './frames.ts';
import { exceptionMatches } from './known-names.ts';
import { callClosure } from './operators.ts';

/** tail: the list ends its function, so its last statement's value is the function's result. */
export function compileStatements(cx: CompileContext, stmts: Stmt[], tail: boolean): CompiledStmt {
  const compiled: CompiledStmt[] = [];
  const pos: Pos[] = [];
  stmts.forEach((s, i) => {
    compiled.push(cx.statement(s, tail && i === stmts.length - 1));
    pos.push({ line: s.line, col: s.col });
  });
  const n = compiled.length;
  if (n === 0) return () => {};
  if (n === 1) {
    const s0 = compiled[0] as CompiledStmt;
    const p0 = pos[0] as Pos;
    return (f, run) => {
      run.line = p0.line;
      run.col = p0.col;
      if (++run.steps >= run.checkpoint) checkpoint(run);
      s0(f, run);
    };
  }
  return (f, run) => {
    for (let i = 0; i < n; i++) {
      const p = pos[i] as Pos;
      run.line = p.line;
      run.col = p.col;
      if (++run.steps >= run.checkpoint) checkpoint(run);
      (compiled[i] as CompiledStmt)(f, run);
      if (run.ctl !== CTL_NONE) return;
    }
  };
}

export function compileStatement(cx: CompileContext, s: Stmt, tail: boolean): CompiledStmt {
  switch (s.k) {
    case 'expression': {
      const e = cx.expr(s.e);
      if (tail) {
        return (f, run) => {
          run.ret = e(f, run);
          run.ctl = CTL_RETURN;
        };
      }
      return (f, run) => {
        e(f, run);
      };
    }
    case 'declaration':
      return declaration(cx, s, tail);
    case 'multipleDeclaration': {
      const init = cx.expr(s.init);
      const slots = s.names.map((n) => cx.declare(n, null, s).slot);
      return (f, run) => {
        const v = init(f, run);
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
      const c = cx.expr(s.c);
      const t = cx.withBlock(() => cx.statement(s.t, tail));
      const e = s.f ? cx.withBlock(() => cx.statement(s.f as Stmt, tail)) : null;
      if (e === null) {
        return (f, run) => {
          if (truthy(c(f, run))) t(f, run);
        };
      }
      return (f, run) => {
        if (truthy(c(f, run))) t(f, run);
        else e(f, run);
      };
    }
    case 'block': {
      if (s.scopeless) return cx.statements(s.body, tail);
      return cx.withBlock(() => cx.statements(s.body, tail));
    }
    case 'while':
      return whileLoop(cx, s);
    case 'for':
      return forLoop(cx, s);
    case 'forIn':
      return forInLoop(cx, s);
    case 'switch':
      return switchStatement(cx, s, tail);
    case 'return': {
      const e = s.e ? cx.expr(s.e) : null;
      return (f, run) => {
        run.ret = e ? e(f, run) : null;
        run.ctl = CTL_RETURN;
      };
    }
    case 'break':
      if (cx.fn.loops === 0 && cx.fn.switches === 0)
        throw compileFault('break is only allowed inside a loop or a switch (use return to leave a closure)', s);
      return (_f, run) => {
        run.ctl = CTL_BREAK;
      };
    case 'continue':
      if (cx.fn.loops === 0)
        throw compileFault(
          'continue is only allowed inside a loop (use return to skip to the next element in each { })',
          s,
        );
      return (_f, run) => {
        run.ctl = CTL_CONTINUE;
      };
    case 'throw': {
      const e = cx.expr(s.e);
      return (f, run) => {
        const v = e(f, run);
        at(run, s);
        if (v instanceof GException) throw new ScriptException(v.message ?? v.type, 'thrown', v.type, s.line, s.col);
        throw scriptError(
          `only exceptions can be thrown, not a ${typeName(v)}: use throw new Exception("...")`,
          'type_error',
          'GroovyCastException',
        );
      };
    }
    case 'try':
      return tryStatement(cx, s, tail);
    case 'assert': {
      const e = cx.expr(s.e);
      const msg = s.msg ? cx.expr(s.msg) : null;
      return (f, run) => {
        if (truthy(e(f, run))) return;
        const extra = msg ? `. ${groovyToString(msg(f, run))}` : '';
        at(run, s);
        throw scriptError(`Assertion failed: assert ${s.text}${extra}`, 'assertion', 'AssertionError');
      };
    }
    case 'empty':
      return () => {};
  }
}

/** `def x = v`, `String s`, `int n = 0`: a slot in the current block; a typed one converts what it is given. */
function declaration(cx: CompileContext, s: Extract<Stmt, { k: 'declaration' }>, tail: boolean): CompiledStmt {
  const init = s.init ? cx.expr(s.init) : null;
  const info = cx.declare(s.name, s.type, s);
  const slot = info.slot;
  const type = info.type;
  const cast = cx.caster(type) ?? ((v: Value) => v);
  const store: CompiledStmt =
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
        ? (f, run) => {
            f.v[slot] = init(f, run);
          }
        : (f, run) => {
            f.v[slot] = cast(init(f, run));
          };
  if (!tail) return store;
  return (f, run) => {
    store(f, run);
    run.ret = f.v[slot] as Value;
    run.ctl = CTL_RETURN;
  };
}

function loopBody(cx: CompileContext, s: Stmt): CompiledStmt {
  cx.fn.loops++;
  try {
    return cx.statement(s, false);
  } finally {
    cx.fn.loops--;
  }
}

function whileLoop(cx: CompileContext, s: Extract<Stmt, { k: 'while' }>): CompiledStmt {
  const c = cx.expr(s.c);
  const body = cx.withBlock(() => loopBody(cx, s.body));
  return (f, run) => {
    while (truthy(c(f, run))) {
      if (++run.steps >= run.checkpoint) checkpoint(run);
      body(f, run);
      if (run.ctl !== CTL_NONE) {
        if (run.ctl === CTL_BREAK) {
          run.ctl = CTL_NONE;
          break;
        }
        if (run.ctl === CTL_CONTINUE) run.ctl = CTL_NONE;
        else return;
      }
    }
  };
}

function forLoop(cx: CompileContext, s: Extract<Stmt, { k: 'for' }>): CompiledStmt {
  return cx.withBlock(() => {
    const init = s.init.map((x) => cx.statement(x, false));
    const cond = s.cond ? cx.expr(s.cond) : null;
    const update = s.update.map((x) => cx.expr(x));
    const body = cx.withBlock(() => loopBody(cx, s.body));
    return (f, run) => {
      for (const i of init) i(f, run);
      for (;;) {
        if (cond && !truthy(cond(f, run))) break;
        if (++run.steps >= run.checkpoint) checkpoint(run);
        body(f, run);
        if (run.ctl !== CTL_NONE) {
          if (run.ctl === CTL_BREAK) {
            run.ctl = CTL_NONE;
            break;
          }
          if (run.ctl === CTL_CONTINUE) run.ctl = CTL_NONE;
          else return;
        }
        for (const u of update) u(f, run);
      }
    };
  });
}

/** `for (x in xs)`: lists, ranges, sets, maps (entries), strings (characters), matchers (matches), or one value. */
function forInLoop(cx: CompileContext, s: Extract<Stmt, { k: 'forIn' }>): CompiledStmt {
  return cx.withBlock(() => {
    const iter = cx.expr(s.iter);
    const slot = cx.declare(s.name, null, s).slot;
    const body = cx.withBlock(() => loopBody(cx, s.body));
    // Returns true when the loop must stop (break or return).
    const step = (f: Frame, run: RunState, v: Value): boolean => {
      f.v[slot] = v;
      if (++run.steps >= run.checkpoint) checkpoint(run);
      body(f, run);
      if (run.ctl !== CTL_NONE) {
        if (run.ctl === CTL_CONTINUE) {
          run.ctl = CTL_NONE;
          return false;
        }
        if (run.ctl === CTL_BREAK) run.ctl = CTL_NONE;
        return true;
      }
      return false;
    };
    return (f, run) => {
      const v = iter(f, run);
      if (v === null) return;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (step(f, run, v[i] as Value)) return;
      } else if (v instanceof GRange) {
        const { first, step: d, size } = v.bounds();
        for (let i = 0, x = first; i < size; i++, x += d) if (step(f, run, x)) return;
      } else if (v instanceof GSet) {
        for (const x of v.toList()) if (step(f, run, x)) return;
      } else if (v instanceof GMap) {
        for (const [k, x] of [...v.m]) if (step(f, run, new GEntry(k as Value, x, v))) return;
      } else if (typeof v === 'string') {
        for (const ch of v) if (step(f, run, ch)) return;
      } else if (v instanceof GMatcher) {
        for (const x of matcherItems(v)) if (step(f, run, x)) return;
      } else {
        step(f, run, v);
      }
    };
  });
}

function switchStatement(cx: CompileContext, s: Extract<Stmt, { k: 'switch' }>, tail: boolean): CompiledStmt {
  const disc = cx.expr(s.disc);
  // Groovy places the default branch after all cases, so it never falls through into a later case.
  const ordered = [...s.cases.filter((c) => c.test !== null), ...s.cases.filter((c) => c.test === null)];
  return cx.withBlock(() => {
    cx.fn.switches++;
    try {
      const tests = ordered.map((c) => (c.test ? cx.expr(c.test) : null));
      const bodies = ordered.map((c) => caseBody(cx, c.body, tail));
      const defaultIndex = ordered.findIndex((c) => c.test === null);
      const n = bodies.length;
      return (f: Frame, run: RunState) => {
        const v = disc(f, run);
        let start = -1;
        for (let i = 0; i < n; i++) {
          const t = tests[i];
          if (t && isCaseMatch(t(f, run), v)) {
            start = i;
            break;
          }
        }
        if (start < 0) start = defaultIndex;
        if (start < 0) return;
        for (let i = start; i < n; i++) {
          (bodies[i] as CompiledStmt)(f, run);
          if (run.ctl !== CTL_NONE) {
            if (run.ctl === CTL_BREAK) run.ctl = CTL_NONE;
            return;
          }
        }
      };
    } finally {
      cx.fn.switches--;
    }
  });
}

/** Groovy's case match: `case x:` matches as `v in x` does (equal values, list membership, ranges, regexes, closures). */
function isCaseMatch(caseValue: Value, v: Value): boolean {
  return inOperator(v, caseValue, callClosure);
}

/** In return position Groovy returns the last value of each case: the statement before `break`, or the last one. */
function caseBody(cx: CompileContext, body: Stmt[], tail: boolean): CompiledStmt {
  if (!tail || body.length === 0) return cx.statements(body, false);
  const last = body[body.length - 1] as Stmt;
  if (last.k === 'break') {
    if (body.length === 1) return cx.statements(body, false);
    return cx.statements(body.slice(0, -1), true);
  }
  return cx.statements(body, true);
}

function tryStatement(cx: CompileContext, s: Extract<Stmt, { k: 'try' }>, tail: boolean): CompiledStmt {
  const body = cx.withBlock(() => cx.statements(s.body, tail));
  const catches = s.catches.map((c) =>
    cx.withBlock(() => {
      const slot = cx.declare(c.name, null, c).slot;
      const types = c.types.length === 0 ? ['Exception'] : c.types.map((t) => t.name);
      return { slot, types, body: cx.statements(c.body, tail) };
    }),
  );
  const fin = s.fin ? cx.withBlock(() => cx.statements(s.fin as Stmt[], false)) : null;
  return (f, run) => {
    try {
      body(f, run);
    } catch (err) {
      // Only script-level exceptions can be caught; sandbox and limit faults always end the run.
      if (!(err instanceof ScriptException)) throw err;
      const handler = catches.find((c) => c.types.some((t) => exceptionMatches(err.javaType, t)));
      if (!handler) throw err;
      run.ctl = CTL_NONE;
      f.v[handler.slot] = new GException(err.javaType, err.message);
      handler.body(f, run);
    } finally {
      if (fin) {
        const ctl = run.ctl;
        const ret = run.ret;
        run.ctl = CTL_NONE;
        fin(f, run);
        if (run.ctl === CTL_NONE) {
          run.ctl = ctl;
          run.ret = ret;
        }
      }
    }
  };
}
