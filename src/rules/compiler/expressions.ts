/**
 * Expressions: literals, GStrings, list / map / range literals, property and index reads, the unary and logical
 * operators, `?:`, `as`, `instanceof` and `new`; calls, closures, assignments and binary operators have their own
 * modules. Each compiles to a closure over the frame and the run that returns the value.
 */
import type { Expr, Pos } from '../ast.ts';
import { constructBuiltin, getIndex, getProp } from '../methods/index.ts';
import { constructObject } from '../model.ts';
import { GLong } from '../numbers.ts';
import { asType, instanceOf, negate, pattern, toList } from '../ops.ts';
import { checkString, forbidden, scriptError, type RunState } from '../runtime.ts';
import { forbiddenMemberMessage, forbiddenMembers, newableClasses, newableNames } from '../sandbox.ts';
import { GMap, GObject, GRange, groovyToString, truthy, typeName, type Value } from '../values.ts';
import { compileArguments, compileMethodCall, compileNamedCall, compileValueCall } from './calls.ts';
import { compileFault, type CompileContext } from './context.ts';
import { at, type CompiledExpr } from './frames.ts';
import { compileClosure } from './functions.ts';
import { classReference, compileNameRead, ownField, qualifiedClass, thisRead } from './names.ts';
import { compileBinary } from './operators.ts';
import { compileAssignment, compileIncrementDecrement } from './targets.ts';

export function compileExpression(cx: CompileContext, e: Expr): CompiledExpr {
  switch (e.k) {
    case 'literal': {
      const v = e.v;
      return () => v;
    }
    case 'gstring': {
      const parts = e.parts.map((p) => (typeof p === 'string' ? p : cx.expr(p)));
      return (f, run) => {
        let s = '';
        for (const p of parts) {
          s += typeof p === 'string' ? p : groovyToString(p(f, run));
          // checked as it grows: a GString of many big parts is refused before it passes the limit
          if (s.length > run.maxString) checkString(s);
        }
        return s;
      };
    }
    case 'name':
      return compileNameRead(cx, e);
    case 'classReference':
      return classReference(cx, e.type.name, e);
    case 'list': {
      const items = e.items.map((x) => cx.expr(x));
      const n = items.length;
      return (f, run) => {
        const out = new Array<Value>(n);
        for (let i = 0; i < n; i++) out[i] = (items[i] as CompiledExpr)(f, run);
        return out;
      };
    }
    case 'map': {
      const entries = e.entries.map((x) => ({ k: cx.expr(x.key), v: cx.expr(x.value) }));
      return (f, run) => {
        const m = new GMap();
        for (const x of entries) m.set(x.k(f, run), x.v(f, run));
        return m;
      };
    }
    case 'range': {
      const from = cx.expr(e.from);
      const to = cx.expr(e.to);
      const exclusive = e.exclusive;
      return (f, run) => makeRange(from(f, run), to(f, run), exclusive, run, e);
    }
    case 'property':
      return propertyRead(cx, e);
    case 'index': {
      const obj = cx.expr(e.obj);
      const index = cx.expr(e.index);
      return (f, run) => {
        const o = obj(f, run);
        const i = index(f, run);
        at(run, e);
        return getIndex(o, i);
      };
    }
    case 'call':
      return compileNamedCall(cx, e);
    case 'callValue':
      return compileValueCall(cx, e);
    case 'methodCall':
      return compileMethodCall(cx, e);
    case 'closure':
      return compileClosure(cx, e);
    case 'unary':
      return unary(cx, e);
    case 'incrementDecrement':
      return compileIncrementDecrement(cx, e);
    case 'binary':
      return compileBinary(cx, e);
    case 'and': {
      const l = cx.expr(e.l);
      const r = cx.expr(e.r);
      return (f, run) => truthy(l(f, run)) && truthy(r(f, run));
    }
    case 'or': {
      const l = cx.expr(e.l);
      const r = cx.expr(e.r);
      return (f, run) => truthy(l(f, run)) || truthy(r(f, run));
    }
    case 'ternary': {
      const c = cx.expr(e.c);
      const t = cx.expr(e.t);
      const fl = cx.expr(e.f);
      return (f, run) => (truthy(c(f, run)) ? t(f, run) : fl(f, run));
    }
    case 'elvis': {
      const l = cx.expr(e.l);
      const r = cx.expr(e.r);
      return (f, run) => {
        const v = l(f, run);
        return truthy(v) ? v : r(f, run);
      };
    }
    case 'assign':
      return compileAssignment(cx, e);
    case 'as': {
      const x = cx.expr(e.e);
      const type = e.type.name;
      const script = cx.classes.has(type) ? (cx.caster(type) as (v: Value) => Value) : null;
      if (script)
        return (f, run) => {
          const v = x(f, run);
          at(run, e);
          return script(v);
        };
      return (f, run) => {
        const v = x(f, run);
        at(run, e);
        return asType(v, type);
      };
    }
    case 'instanceof': {
      const x = cx.expr(e.e);
      const type = e.type.name;
      const script = cx.classes.get(type);
      if (script)
        return (f, run) => {
          const v = x(f, run);
          return v instanceof GObject && v.cls === script;
        };
      return (f, run) => instanceOf(x(f, run), type);
    }
    case 'this':
      return thisRead(cx, e, "'this'");
    case 'new':
      return construction(cx, e);
  }
}

function unary(cx: CompileContext, e: Extract<Expr, { k: 'unary' }>): CompiledExpr {
  const x = cx.expr(e.e);
  switch (e.op) {
    case '!':
      return (f, run) => !truthy(x(f, run));
    case '-':
      return (f, run) => {
        const v = x(f, run);
        if (typeof v === 'number') return -v | 0;
        at(run, e);
        return negate(v);
      };
    case '+':
      return x;
    default:
      return (f, run) => {
        const v = x(f, run);
        at(run, e);
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

/** `new Name(args)`: a script class, or one of the built-in classes a script may create (sandbox.newableClasses). */
function construction(cx: CompileContext, e: Extract<Expr, { k: 'new' }>): CompiledExpr {
  const script = e.type.full === e.type.name ? cx.classes.get(e.type.name) : undefined;
  if (script) {
    const args = compileArguments(cx, e.args);
    return (f, run) => {
      const a = args(f, run);
      at(run, e);
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
  const args = compileArguments(cx, e.args);
  return (f, run) => {
    const a = args(f, run);
    at(run, e);
    return constructBuiltin(kind, a) ?? constructObject(kind, a);
  };
}

/** `a.b`, `a?.b`, `list*.b`, `a."${name}"`, a field through `this.b`, or a class written out in full. */
function propertyRead(cx: CompileContext, e: Extract<Expr, { k: 'property' }>): CompiledExpr {
  const qualified = qualifiedClass(cx, e);
  if (qualified) return qualified;
  const own = ownField(cx, e);
  if (own) {
    const { cls, self, name } = own;
    return (f, run) => cls.fieldValue(self(f, run) as GObject, name);
  }
  const obj = cx.expr(e.obj);
  const { safe, spread } = e;
  if (typeof e.name !== 'string') {
    const nameEv = cx.expr(e.name);
    return (f, run) => {
      const o = obj(f, run);
      const name = groovyToString(nameEv(f, run));
      at(run, e);
      if (forbiddenMembers.has(name)) throw forbidden(forbiddenMemberMessage(name));
      if (safe && o === null) return null;
      return spread ? spreadProperty(o, name) : getProp(o, name);
    };
  }
  const name = e.name;
  cx.checkMember(name, e);
  if (spread) {
    return (f, run) => {
      const o = obj(f, run);
      at(run, e);
      return spreadProperty(o, name);
    };
  }
  return (f, run) => {
    const o = obj(f, run);
    if (safe && o === null) return null;
    at(run, e);
    return getProp(o, name);
  };
}

function spreadProperty(o: Value, name: string): Value {
  if (o === null) return null;
  const list = toList(o);
  if (!list) throw scriptError(`*. needs a list, not a ${typeName(o)}`, 'type_error', 'MissingPropertyException');
  return list.map((x) => (x === null ? null : getProp(x, name)));
}

function makeRange(from: Value, to: Value, exclusive: boolean, run: RunState, pos: Pos): GRange {
  const a = from instanceof GLong ? Number(from.v) : from;
  const b = to instanceof GLong ? Number(to.v) : to;
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isSafeInteger(a) || !Number.isSafeInteger(b)) {
    at(run, pos);
    throw scriptError(
      `ranges need integer bounds, not ${typeName(from)}..${typeName(to)}`,
      'type_error',
      'IllegalArgumentException',
    );
  }
  return new GRange(a, b, exclusive);
}
