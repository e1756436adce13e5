/**
 * Classes a script defines (`class Mapper { def map(x) { ... } }`) at run time: instances and their fields, methods
 * chosen by the number of arguments, Groovy's property accessors (`o.name`, `o.getName()`, `o.setName(v)`), the
 * named-argument constructor (`new Mapper(limit: 3)`), and static fields kept per run, so nothing a run leaves in a
 * class reaches the next run (compiled scripts are cached and shared between runs).
 *
 * What a method body may see is settled by the compiler (compiler/classes.ts): its parameters and locals, `this`, the
 * class's fields and methods, other classes. Never the sync's objects (entity, replica, the helpers) unless they are
 * passed in, as in Groovy, where a class defined in a script does not see the script's binding.
 */
import { suggest } from '../domain/suggest.ts';
import { currentRun, enterCall, leaveCall, scriptError } from './runtime.ts';
import {
  GClosure,
  GMap,
  GObject,
  groovyToString,
  hashKey,
  keyValue,
  truthy,
  typeName,
  type ScriptClass,
  type Value,
} from './values.ts';

export interface ClassMethod {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly isStatic: boolean;
  /** Filled in once the body is compiled (classes may call each other in any order); self is null when static. */
  invoke: (self: GObject | null, args: Value[]) => Value;
}

export interface ClassField {
  readonly name: string;
  readonly isStatic: boolean;
  /** Converts a value stored in the field to its declared type (as a typed variable does). */
  readonly cast: (v: Value) => Value;
  /** The value before any initializer runs: 0 for int, false for boolean, otherwise null. */
  readonly initial: Value;
}

/** Static fields of each class, per run: keyed by the run state, so they end with the run. */
const runStatics = new WeakMap<object, Map<CompiledClass, Map<string, Value>>>();

const capitalized = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

export class CompiledClass implements ScriptClass {
  readonly fields = new Map<string, ClassField>();
  readonly methods = new Map<string, ClassMethod[]>();
  readonly constructors: ClassMethod[] = [];
  /** Runs the instance field initializers on a new object, in declaration order. */
  initInstance: (o: GObject) => void = () => {};
  /** Runs the static field initializers once per run, on first use of the class. */
  initStatics: (store: Map<string, Value>) => void = () => {};

  constructor(readonly name: string) {}

  /** The overload taking `n` arguments: an exact parameter count first, then one with defaults that fits. */
  find(name: string, n: number): ClassMethod | undefined {
    const candidates = this.methods.get(name);
    if (!candidates) return undefined;
    return candidates.find((m) => m.maxArgs === n) ?? candidates.find((m) => m.minArgs <= n && n <= m.maxArgs);
  }

  statics(): Map<string, Value> {
    const run = currentRun();
    let byClass = runStatics.get(run);
    if (!byClass) {
      byClass = new Map();
      runStatics.set(run, byClass);
    }
    let store = byClass.get(this);
    if (!store) {
      store = new Map();
      for (const f of this.fields.values()) if (f.isStatic) store.set(f.name, f.initial);
      // Stored before the initializers run, so one that uses the class again sees the fields, not a second run.
      byClass.set(this, store);
      this.initStatics(store);
    }
    return store;
  }

  private missingProperty(name: string): Error {
    return scriptError(
      `No such property: ${name} for class: ${this.name}`,
      'missing_property',
      'MissingPropertyException',
      suggest(name, this.fields.keys()),
    );
  }

  getProp(o: GObject, name: string): Value {
    const getter = this.find(`get${capitalized(name)}`, 0) ?? this.find(`is${capitalized(name)}`, 0);
    if (getter) return getter.invoke(getter.isStatic ? null : o, []);
    return this.fieldValue(o, name);
  }

  /** A field by name, without the getter (`this.x` and bare `x` inside the class read the field, as in Groovy). */
  fieldValue(o: GObject | null, name: string): Value {
    const field = this.fields.get(name);
    if (!field) throw this.missingProperty(name);
    if (field.isStatic) return this.statics().get(name) ?? null;
    return o?.f.get(name) ?? null;
  }

  setProp(o: GObject, name: string, v: Value): void {
    const setter = this.find(`set${capitalized(name)}`, 1);
    if (setter) {
      setter.invoke(setter.isStatic ? null : o, [v]);
      return;
    }
    this.setField(o, name, v);
  }

  setField(o: GObject | null, name: string, v: Value): void {
    const field = this.fields.get(name);
    if (!field) throw this.missingProperty(name);
    const value = field.cast(v);
    if (field.isStatic) this.statics().set(name, value);
    else if (o) o.f.set(name, value);
  }

  invoke(o: GObject, name: string, args: Value[]): Value | undefined {
    const m = this.find(name, args.length);
    if (m) return m.invoke(m.isStatic ? null : o, args);
    // Groovy gives every property a getter and a setter.
    const accessor = /^(get|is|set)([A-Z]\w*)$/.exec(name);
    if (accessor) {
      const prop = (accessor[2] as string).charAt(0).toLowerCase() + (accessor[2] as string).slice(1);
      if (this.fields.has(prop)) {
        if (accessor[1] !== 'set' && args.length === 0) return this.fieldValue(o, prop);
        if (accessor[1] === 'set' && args.length === 1) {
          this.setField(o, prop, args[0] as Value);
          return null;
        }
      }
    }
    // A field holding a closure is called like a method: handlers.onCreate(x).
    const field = this.fields.get(name);
    if (field) {
      const v = this.fieldValue(o, name);
      if (v instanceof GClosure) return v.call(args);
    }
    return undefined;
  }

  /** `Mapper.of(x)`: a static method called on the class. */
  invokeStatic(name: string, args: Value[]): Value {
    const m = this.find(name, args.length);
    if (m?.isStatic) return m.invoke(null, args);
    const types = args.map((a) => typeName(a)).join(', ');
    throw scriptError(
      m
        ? `${this.name}.${name}() is not static: call it on an instance (new ${this.name}().${name}(...))`
        : `No signature of method: static ${this.name}.${name}() is applicable for argument types: (${types})`,
      'missing_method',
      'MissingMethodException',
      suggest(name, this.staticMethodNames()),
    );
  }

  staticField(name: string): ClassField {
    const field = this.fields.get(name);
    if (field?.isStatic) return field;
    throw scriptError(
      field
        ? `${name} is not a static field of ${this.name}: read it from an instance`
        : `No such property: ${name} for class: ${this.name}`,
      'missing_property',
      'MissingPropertyException',
      suggest(
        name,
        [...this.fields.values()].filter((f) => f.isStatic).map((f) => f.name),
      ),
    );
  }

  staticGet(name: string): Value {
    this.staticField(name);
    return this.statics().get(name) ?? null;
  }

  staticSet(name: string, v: Value): void {
    this.staticField(name);
    this.setField(null, name, v);
  }

  methodNames(): string[] {
    return [...this.methods.keys()];
  }

  private staticMethodNames(): string[] {
    return [...this.methods.entries()].filter(([, ms]) => ms.some((m) => m.isStatic)).map(([n]) => n);
  }

  toText(o: GObject): string {
    const m = this.find('toString', 0);
    if (m) return groovyToString(m.invoke(m.isStatic ? null : o, []));
    return `${this.name}@${Number(hashKey(o).slice(1)).toString(16)}`;
  }

  /** Groovy's `==`: the class's equals(other) when it defines one, otherwise the same instance. */
  equals(o: GObject, other: Value): boolean {
    const m = this.find('equals', 1);
    if (m) return truthy(m.invoke(m.isStatic ? null : o, [other]));
    return o === other;
  }

  /**
   * `new Name(args)`: field defaults, field initializers, then the constructor taking that many arguments; without
   * one, `new Name(a: 1, b: 2)` sets those properties after the no-argument constructor, as Groovy does.
   */
  construct(args: Value[]): GObject {
    enterCall();
    try {
      const o = new GObject(this, new Map());
      for (const f of this.fields.values()) if (!f.isStatic) o.f.set(f.name, f.initial);
      this.initInstance(o);
      const named = args.length === 1 && args[0] instanceof GMap ? args[0] : null;
      const exact =
        this.constructors.find((c) => c.maxArgs === args.length) ??
        this.constructors.find((c) => c.minArgs <= args.length && args.length <= c.maxArgs);
      if (exact) {
        exact.invoke(o, args);
        return o;
      }
      if (args.length === 0 && this.constructors.length === 0) return o;
      const init = this.constructors.find((c) => c.minArgs === 0);
      if (!named || (this.constructors.length > 0 && !init)) {
        const types = args.map((a) => typeName(a)).join(', ');
        throw scriptError(
          `Could not find matching constructor for: ${this.name}(${types})`,
          'missing_method',
          'GroovyRuntimeException',
        );
      }
      init?.invoke(o, []);
      for (const [k, v] of named.m) this.setProp(o, groovyToString(keyValue(k)), v);
      return o;
    } finally {
      leaveCall();
    }
  }
}
