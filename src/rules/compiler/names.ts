/**
 * What a name reads: a variable (a frame slot), a field of the class being compiled, `this`, a class (a script's own
 * or one the script may mention, also written out in full as `java.time.LocalDate`), or else a global the run binds
 * (entity, replica, the helpers), looked up when the statement runs.
 */
import type { Expr, Pos } from '../ast.ts';
import { scriptError, forbidden } from '../runtime.ts';
import { suggest } from '../../domain/suggest.ts';
import { forbiddenGlobalMessage, forbiddenGlobals, qualifiedClassName, qualifiedClassProblem } from '../sandbox.ts';
import type { CompiledClass } from '../script-classes.ts';
import { GClassRef, type GObject } from '../values.ts';
import { compileFault, type CompileContext } from './context.ts';
import { at, slotReader, type CompiledExpr } from './frames.ts';
import { classNames, simpleClassNames } from './known-names.ts';

export function compileNameRead(cx: CompileContext, e: Extract<Expr, { k: 'name' }>): CompiledExpr {
  const r = cx.resolve(e.name);
  if (r) return slotReader(r.depth, r.info.slot);
  const name = e.name;
  const field = fieldRead(cx, name, e);
  if (field) return field;
  if (cx.classes.has(name) || classNames.has(name)) return classReference(cx, name, e);
  const ctx = cx.classCtx;
  if (ctx) {
    // As in Groovy, a class does not see the script's variables or the sync's objects.
    const candidates = [...ctx.cls.fields.keys(), ...cx.visibleNames()];
    return (_f, run) => {
      at(run, e);
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
  const visible = cx.visibleNames();
  const methodNames = [...cx.methodDefs.keys()];
  return (_f, run) => {
    const v = run.globals.get(name);
    if (v !== undefined) return v;
    at(run, e);
    if (forbiddenGlobals.has(name)) throw forbidden(forbiddenGlobalMessage(name));
    noFloatingPoint(name);
    throw scriptError(
      `No such property: ${name}`,
      'missing_property',
      'MissingPropertyException',
      suggest(name, [...visible, ...run.globals.keys(), ...methodNames]),
    );
  };
}

export function classReference(cx: CompileContext, name: string, pos: Pos): CompiledExpr {
  const script = cx.classes.get(name);
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
export function qualifiedClass(cx: CompileContext, e: Expr): CompiledExpr | null {
  const q = qualifiedClassName(e);
  if (!q || cx.resolve(q.root)) return null;
  const simple = simpleClassNames.get(q.full);
  if (simple) return classReference(cx, simple, e);
  throw compileFault(qualifiedClassProblem(q.full), e, 'forbidden');
}

/** Reads `this` inside a class's instance member; a compile error where there is none (static code, top level). */
export function thisRead(cx: CompileContext, pos: Pos, what: string): CompiledExpr {
  const r = cx.resolve('this');
  if (r) return slotReader(r.depth, r.info.slot);
  const ctx = cx.classCtx;
  throw compileFault(
    ctx
      ? `${what} cannot be used in static code of class ${ctx.cls.name}: there is no instance there`
      : `'this' is not available outside the methods of a class: top-level code uses entity, replica and the helpers`,
    pos,
  );
}

/** `this.x` inside a class for one of its fields: the field itself, not its getter or setter (as in Groovy). */
export function ownField(
  cx: CompileContext,
  e: Extract<Expr, { k: 'property' }>,
): { cls: CompiledClass; self: CompiledExpr; name: string } | null {
  const ctx = cx.classCtx;
  if (!ctx || e.obj.k !== 'this' || typeof e.name !== 'string' || e.spread || !ctx.cls.fields.has(e.name)) return null;
  return { cls: ctx.cls, self: thisRead(cx, e.obj, "'this'"), name: e.name };
}

/** A bare name inside a class that is one of its fields. */
export function fieldRead(cx: CompileContext, name: string, pos: Pos): CompiledExpr | null {
  const ctx = cx.classCtx;
  const field = ctx?.cls.fields.get(name);
  if (!ctx || !field) return null;
  const cls = ctx.cls;
  if (field.isStatic) return () => cls.statics().get(name) ?? null;
  const self = thisRead(cx, pos, `the field ${name}`);
  return (f, run) => (self(f, run) as GObject).f.get(name) ?? null;
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
