/**
 * Assignment targets: what `=`, `op=` and `++`/`--` write to. A target is a local (slot), a global the run binds,
 * a field of the class being compiled, a property (`a.b`, `a."${k}"`, `a?.b`) or an index (`a[i]`); its object and
 * index are evaluated once, before the value, as in Groovy.
 */
import type { Expr, Pos } from '../ast.ts';
import { setIndex, getIndex, getProp, setProp } from '../methods/index.ts';
import { decimalAdd, decimalSub, GDecimal, GLong, longOf } from '../numbers.ts';
import { forbidden, scriptError, type RunState } from '../runtime.ts';
import { suggest } from '../../domain/suggest.ts';
import { forbiddenGlobalMessage, forbiddenGlobals, forbiddenMemberMessage, forbiddenMembers } from '../sandbox.ts';
import { type GObject, groovyToString, typeName, type Value } from '../values.ts';
import { compileFault, type ClassContext, type CompileContext } from './context.ts';
import { at, slotReader, type CompiledExpr, type Frame } from './frames.ts';
import { compileNameRead, ownField, thisRead } from './names.ts';
import { binaryFunction } from './operators.ts';

/** prepare evaluates the target's object (and index) once; read and write then use what it returned. */
interface AssignmentTarget {
  prepare: (f: Frame, run: RunState) => unknown;
  read: (f: Frame, run: RunState, ref: unknown) => Value;
  write: (f: Frame, run: RunState, ref: unknown, v: Value) => void;
}

/** A bare name assigned inside a class: one of its fields (through `this` unless static), else an error. */
function fieldTarget(cx: CompileContext, name: string, target: Pos, pos: Pos): AssignmentTarget {
  const cls = (cx.classCtx as ClassContext).cls;
  const field = cls.fields.get(name);
  if (!field) {
    // The names seen where the assignment is written (the member's parameters and locals), with the fields.
    const candidates = [...cls.fields.keys(), ...cx.visibleNames()];
    const fail = (_f: Frame, run: RunState): never => {
      at(run, pos);
      throw scriptError(
        `No such property: ${name} for class: ${cls.name} (declare it: def ${name} = ...)`,
        'missing_property',
        'MissingPropertyException',
        suggest(name, candidates),
      );
    };
    return { prepare: () => null, read: fail, write: fail };
  }
  const self = field.isStatic ? null : thisRead(cx, target, `the field ${name}`);
  return {
    prepare: (f, run) => (self ? self(f, run) : null),
    read: (_f, _run, ref) => cls.fieldValue(ref as GObject | null, name),
    write: (_f, run, ref, v) => {
      at(run, pos);
      cls.setField(ref as GObject | null, name, v);
    },
  };
}

function assignmentTarget(cx: CompileContext, target: Expr, pos: Pos): AssignmentTarget {
  switch (target.k) {
    case 'name': {
      const r = cx.resolve(target.name);
      if (r) {
        const { depth } = r;
        const { slot, type } = r.info;
        const read = slotReader(depth, slot);
        const cast = cx.caster(type);
        return {
          prepare: () => null,
          read: (f, run) => read(f, run),
          write: (f, _run, _ref, v) => {
            let fr = f;
            for (let d = depth; d > 0; d--) fr = fr.up as Frame;
            fr.v[slot] = cast === null ? v : cast(v);
          },
        };
      }
      const name = target.name;
      if (forbiddenGlobals.has(name)) throw compileFault(forbiddenGlobalMessage(name), target, 'forbidden');
      if (cx.classCtx) return fieldTarget(cx, name, target, pos);
      const readName = compileNameRead(cx, target);
      return {
        prepare: () => null,
        read: (f, run) => readName(f, run),
        write: (_f, run, _ref, v) => {
          if (run.protectedGlobals.has(name)) {
            at(run, pos);
            throw scriptError(
              `${name} cannot be replaced; set its properties instead (for example ${name}.summary = ...)`,
              'type_error',
              'ReadOnlyPropertyException',
            );
          }
          run.globals.set(name, v);
        },
      };
    }
    case 'property': {
      const own = ownField(cx, target);
      if (own) {
        const { cls, self, name } = own;
        return {
          prepare: (f, run) => self(f, run),
          read: (_f, _run, ref) => cls.fieldValue(ref as GObject, name),
          write: (_f, run, ref, v) => {
            at(run, pos);
            cls.setField(ref as GObject, name, v);
          },
        };
      }
      // `a?.b += 1` reads null and writes nothing when a is null, as Groovy does.
      const safe = target.safe;
      if (typeof target.name !== 'string') {
        const obj = cx.expr(target.obj);
        const nameEv = cx.expr(target.name);
        return {
          prepare: (f, run) => {
            const name = groovyToString(nameEv(f, run));
            if (forbiddenMembers.has(name)) {
              at(run, target);
              throw forbidden(forbiddenMemberMessage(name));
            }
            return [obj(f, run), name];
          },
          read: (_f, run, ref) => {
            const [o, name] = ref as [Value, string];
            if (safe && o === null) return null;
            at(run, target);
            return getProp(o, name);
          },
          write: (_f, run, ref, v) => {
            const [o, name] = ref as [Value, string];
            if (safe && o === null) return;
            at(run, target);
            setProp(o, name, v);
          },
        };
      }
      const name = target.name;
      cx.checkMember(name, target);
      const obj = cx.expr(target.obj);
      return {
        prepare: (f, run) => obj(f, run),
        read: (_f, run, ref) => {
          if (safe && ref === null) return null;
          at(run, target);
          return getProp(ref as Value, name);
        },
        write: (_f, run, ref, v) => {
          if (safe && ref === null) return;
          at(run, target);
          setProp(ref as Value, name, v);
        },
      };
    }
    case 'index': {
      const obj = cx.expr(target.obj);
      const index = cx.expr(target.index);
      return {
        prepare: (f, run) => [obj(f, run), index(f, run)],
        read: (_f, run, ref) => {
          at(run, target);
          return getIndex((ref as [Value, Value])[0], (ref as [Value, Value])[1]);
        },
        write: (_f, run, ref, v) => {
          at(run, target);
          setIndex((ref as [Value, Value])[0], (ref as [Value, Value])[1], v);
        },
      };
    }
    default:
      throw compileFault('cannot assign to this expression', pos);
  }
}

/** `target = value` and `target op= value`; the expression's value is what was assigned. */
export function compileAssignment(cx: CompileContext, e: Extract<Expr, { k: 'assign' }>): CompiledExpr {
  const value = cx.expr(e.value);
  // Fast path: plain assignment to a local without a declared type.
  if (e.op === '=' && e.target.k === 'name') {
    const r = cx.resolve(e.target.name);
    if (r && r.depth === 0 && r.info.type === null) {
      const slot = r.info.slot;
      return (f, run) => (f.v[slot] = value(f, run));
    }
  }
  const own = e.target.k === 'property' ? ownField(cx, e.target) : null;
  if (e.op === '=' && own) {
    const { cls, self, name } = own;
    return (f, run) => {
      const o = self(f, run) as GObject;
      const v = value(f, run);
      at(run, e);
      cls.setField(o, name, v);
      return v;
    };
  }
  if (e.op === '=' && e.target.k === 'property' && typeof e.target.name === 'string') {
    const name = e.target.name;
    cx.checkMember(name, e.target);
    const obj = cx.expr(e.target.obj);
    const target = e.target;
    const safe = target.safe;
    return (f, run) => {
      const o = obj(f, run);
      const v = value(f, run);
      // `a?.b = v`: the value is still computed (and is the expression's value), nothing is written.
      if (safe && o === null) return v;
      at(run, target);
      setProp(o, name, v);
      return v;
    };
  }
  const lv = assignmentTarget(cx, e.target, e);
  if (e.op === '=') {
    return (f, run) => {
      const ref = lv.prepare(f, run);
      const v = value(f, run);
      lv.write(f, run, ref, v);
      return v;
    };
  }
  const op = binaryFunction(e.op.slice(0, -1));
  return (f, run) => {
    const ref = lv.prepare(f, run);
    const old = lv.read(f, run, ref);
    const v = value(f, run);
    at(run, e);
    const result = op(old, v);
    lv.write(f, run, ref, result);
    return result;
  };
}

/** `++x`, `x++`, `--x`, `x--` on an int, a long or a BigDecimal. */
export function compileIncrementDecrement(
  cx: CompileContext,
  e: Extract<Expr, { k: 'incrementDecrement' }>,
): CompiledExpr {
  const lv = assignmentTarget(cx, e.target, e);
  const delta = e.op === '++' ? 1 : -1;
  const prefix = e.prefix;
  return (f, run) => {
    const ref = lv.prepare(f, run);
    const old = lv.read(f, run, ref);
    at(run, e);
    let nv: Value;
    if (typeof old === 'number') nv = (old + delta) | 0;
    else if (old instanceof GLong) nv = longOf(old.v + BigInt(delta));
    else if (old instanceof GDecimal)
      nv = delta > 0 ? decimalAdd(old, new GDecimal(1n, 0)) : decimalSub(old, new GDecimal(1n, 0));
    else if (old === null) throw scriptError(`Cannot ${e.op} null`, 'null_pointer', 'NullPointerException');
    else throw scriptError(`${e.op} needs a number, not a ${typeName(old)}`, 'type_error', 'MissingMethodException');
    lv.write(f, run, ref, nv);
    return prefix ? nv : old;
  };
}
