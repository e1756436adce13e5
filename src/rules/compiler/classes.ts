/**
 * `class Name { fields, constructors, methods }` at the top level of a script, compiled in three passes (names,
 * then members' signatures, then bodies) so classes and their methods may use each other in any order. What the
 * compiled class does at run time (instances, accessors, statics per run) is in script-classes.ts.
 */
import type { ClassDef, Expr, FieldDef, MethodDef, Pos } from '../ast.ts';
import { GLong } from '../numbers.ts';
import { checkpoint, runForCallback } from '../runtime.ts';
import { forbiddenGlobals, newableClasses } from '../sandbox.ts';
import { CompiledClass, type ClassField, type ClassMethod } from '../script-classes.ts';
import type { GObject, Value } from '../values.ts';
import { compileFault, FunctionScope, type CompileContext } from './context.ts';
import { at, makeFrame } from './frames.ts';
import { compileClassMember } from './functions.ts';
import { builtinFunctions, classNames } from './known-names.ts';

/**
 * A class may not take a name the script already has for something else: a built-in or refused class (String,
 * JsonSlurper, Runtime...) or a name the run binds (replica, nodeHelper...). Groovy would let it shadow that name;
 * here the script says what it means instead of silently calling its own class.
 */
export function declareClass(cx: CompileContext, c: ClassDef): void {
  const taken =
    classNames.has(c.name) ||
    newableClasses.has(c.name) ||
    forbiddenGlobals.has(c.name) ||
    cx.hostNames.has(c.name) ||
    builtinFunctions.includes(c.name);
  if (taken)
    throw compileFault(
      `class ${c.name}: ${c.name} already names a ${cx.hostNames.has(c.name) ? 'sync object or helper' : 'built-in class'} in sync rules; give the class another name`,
      c,
    );
  if (cx.classes.has(c.name)) throw compileFault(`the class ${c.name} is defined twice`, c);
  cx.classes.set(c.name, new CompiledClass(c.name));
}

/** Fields and method signatures first, so classes and their methods may use each other in any order. */
export function declareMembers(cx: CompileContext, c: ClassDef): void {
  const cls = cx.classes.get(c.name) as CompiledClass;
  for (const f of c.fields) {
    cx.checkMember(f.name, f);
    if (cls.fields.has(f.name)) throw compileFault(`class ${c.name}: the field ${f.name} is declared twice`, f);
    const type = f.type && f.type.name !== 'def' && f.type.name !== 'Object' ? f.type.name : null;
    const field: ClassField = {
      name: f.name,
      isStatic: f.isStatic,
      cast: cx.caster(type) ?? ((v) => v),
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
    cx.checkMember(m.name, m);
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

/** The bodies: methods, constructors, then the instance and static field initializers. */
export function compileClass(cx: CompileContext, c: ClassDef): void {
  const cls = cx.classes.get(c.name) as CompiledClass;
  for (const m of c.methods) {
    const impl = (cls.methods.get(m.name) as ClassMethod[]).find((x) => x.maxArgs === m.params.length);
    (impl as ClassMethod).invoke = compileClassMember(cx, cls, m, m.isStatic === true, `${c.name}.${m.name}`);
  }
  for (const k of c.constructors) {
    const impl = cls.constructors.find((x) => x.maxArgs === k.params.length) as ClassMethod;
    impl.invoke = compileClassMember(cx, cls, k, false, `${c.name}.<init>`);
  }
  const instance = fieldInitializers(
    cx,
    cls,
    c.fields.filter((f) => !f.isStatic && f.init !== null),
    false,
  );
  cls.initInstance = (o) => instance(o, o.f);
  const statics = fieldInitializers(
    cx,
    cls,
    c.fields.filter((f) => f.isStatic && f.init !== null),
    true,
  );
  cls.initStatics = (store) => statics(null, store);
}

/** The initializers of some fields, in declaration order, as one function that stores their values in `store`. */
function fieldInitializers(
  cx: CompileContext,
  cls: CompiledClass,
  fields: FieldDef[],
  isStatic: boolean,
): (self: GObject | null, store: Map<string, Value>) => void {
  if (fields.length === 0) return () => {};
  const scope = new FunctionScope(null);
  return cx.inFunction(scope, { cls, isStatic }, () => {
    if (!isStatic) scope.thisSlot = cx.declare('this', null, fields[0] as FieldDef).slot;
    const inits = fields.map((f) => ({
      name: f.name,
      pos: f as Pos,
      value: cx.expr(f.init as Expr),
      cast: (cls.fields.get(f.name) as ClassField).cast,
    }));
    // Called by script-classes (a new instance, a class's first use in a run): on the run in progress.
    return (self, store) => {
      const run = runForCallback();
      const frame = makeFrame(scope.slots, null);
      if (scope.thisSlot >= 0) frame.v[scope.thisSlot] = self;
      for (const x of inits) {
        at(run, x.pos);
        if (++run.steps >= run.checkpoint) checkpoint(run);
        store.set(x.name, x.cast(x.value(frame, run)));
      }
    };
  });
}
