/**
 * Binary operators. The Integer cases of `+ - * < <= > >=` and string `+` are inlined (most arithmetic in sync rules
 * is on ints and strings); everything else calls Groovy's operator in ops.ts.
 */
import type { Expr } from '../ast.ts';
import {
  bitOp,
  compare,
  divide,
  findMatcher,
  fullMatch,
  inOperator,
  leftShift,
  minus,
  mod,
  multiply,
  plus,
  power,
  spaceship,
} from '../ops.ts';
import { checkString } from '../runtime.ts';
import { type GClosure, groovyEquals, groovyToString, type Value } from '../values.ts';
import type { CompileContext } from './context.ts';
import { at, type CompiledExpr } from './frames.ts';

/** How `in`, `case` and the collection operators call a closure (a membership test, a case closure). */
export function callClosure(c: GClosure, args: Value[]): Value {
  return c.call(args);
}

export function compileBinary(cx: CompileContext, e: Extract<Expr, { k: 'binary' }>): CompiledExpr {
  const l = cx.expr(e.l);
  const r = cx.expr(e.r);
  switch (e.op) {
    case '+':
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        if (typeof a === 'number' && typeof b === 'number') return (a + b) | 0;
        if (typeof a === 'string') return checkString(a + (typeof b === 'string' ? b : groovyToString(b)));
        at(run, e);
        return plus(a, b);
      };
    case '-':
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        if (typeof a === 'number' && typeof b === 'number') return (a - b) | 0;
        at(run, e);
        return minus(a, b);
      };
    case '*':
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        if (typeof a === 'number' && typeof b === 'number') return Math.imul(a, b);
        at(run, e);
        return multiply(a, b);
      };
    case '==':
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        return a === b || groovyEquals(a, b);
      };
    case '!=':
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        return !(a === b || groovyEquals(a, b));
      };
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const op = e.op;
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        if (typeof a === 'number' && typeof b === 'number')
          return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
        at(run, e);
        return compare(op, a, b);
      };
    }
    case 'in':
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        at(run, e);
        return inOperator(a, b, callClosure);
      };
    default: {
      const fn = binaryFunction(e.op);
      return (f, run) => {
        const a = l(f, run);
        const b = r(f, run);
        at(run, e);
        return fn(a, b);
      };
    }
  }
}

/** The operator function of `op` (also what `op=` applies: `x += 1` is `x = x + 1`). */
export function binaryFunction(op: string): (a: Value, b: Value) => Value {
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
