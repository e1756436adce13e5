/**
 * The compiler's state while it walks a program: the function being compiled (its slots and nested blocks, so each
 * name resolves to a frame depth and a slot), the class whose members are being compiled, the script's methods and
 * classes. The statement and expression compilers are free functions taking this context; they reach each other
 * through expr / statement / statements here.
 */
import type { Expr, MethodDef, Pos, Stmt, TypeRef } from '../ast.ts';
import { ScriptFault } from '../faults.ts';
import { castAssign } from '../ops.ts';
import { scriptError } from '../runtime.ts';
import { forbiddenMemberMessage, forbiddenMembers } from '../sandbox.ts';
import type { CompiledClass } from '../script-classes.ts';
import { GObject, groovyToString, javaTypeName, type Value } from '../values.ts';
import { compileExpression } from './expressions.ts';
import type { CompiledExpr, CompiledStmt } from './frames.ts';
import type { ScriptMethod } from './functions.ts';
import { compileStatement, compileStatements } from './statements.ts';

export interface VarInfo {
  slot: number;
  /** The declared type (`int`, `String`, a script class), or null for `def` and `Object`. */
  type: string | null;
}

/** A function being compiled (the script body, a method, a closure, a class member): one frame at run time. */
export class FunctionScope {
  slots = 0;
  readonly blocks: Map<string, VarInfo>[] = [new Map()];
  loops = 0;
  switches = 0;
  /** The slot holding `this` in a class's instance method, constructor or field initializers; -1 elsewhere. */
  thisSlot = -1;
  /** parent: the function a closure is written in (its frame is the closure's `up`); null for the others. */
  constructor(readonly parent: FunctionScope | null) {}
}

/** The class whose members are being compiled, and whether the member is static (no `this`). */
export interface ClassContext {
  readonly cls: CompiledClass;
  readonly isStatic: boolean;
}

export function compileFault(
  message: string,
  pos: Pos,
  kind: 'syntax' | 'forbidden' = 'syntax',
  suggestions: string[] = [],
): ScriptFault {
  return new ScriptFault(message, kind, pos.line, pos.col, suggestions);
}

export class CompileContext {
  fn = new FunctionScope(null);
  readonly methodDefs = new Map<string, MethodDef>();
  readonly methods = new Map<string, ScriptMethod>();
  readonly classes = new Map<string, CompiledClass>();
  /** Set while a class's members are compiled: names then resolve to its fields and methods, never to globals. */
  classCtx: ClassContext | null = null;

  /** hostNames: the names a run binds (entity, replica, the helpers...), which a class may not take. */
  constructor(readonly hostNames: ReadonlySet<string>) {}

  expr(e: Expr): CompiledExpr {
    return compileExpression(this, e);
  }

  /** tail: the statement is the last of its function, so its value is the function's result. */
  statement(s: Stmt, tail: boolean): CompiledStmt {
    return compileStatement(this, s, tail);
  }

  statements(list: Stmt[], tail: boolean): CompiledStmt {
    return compileStatements(this, list, tail);
  }

  /** Compiles `body` as the function `scope` (and, when given, as a member of a class), then returns to the enclosing one. */
  inFunction<T>(scope: FunctionScope, classCtx: ClassContext | undefined, body: () => T): T {
    const savedFn = this.fn;
    const savedClass = this.classCtx;
    this.fn = scope;
    if (classCtx) this.classCtx = classCtx;
    try {
      return body();
    } finally {
      this.fn = savedFn;
      this.classCtx = savedClass;
    }
  }

  withBlock<T>(body: () => T): T {
    this.fn.blocks.push(new Map());
    try {
      return body();
    } finally {
      this.fn.blocks.pop();
    }
  }

  declare(name: string, type: TypeRef | null, pos: Pos): VarInfo {
    const blocks = this.fn.blocks;
    for (const b of blocks) {
      if (b.has(name)) throw compileFault(`the variable '${name}' is already declared in this scope`, pos);
    }
    const info: VarInfo = {
      slot: this.fn.slots++,
      type: type && type.name !== 'def' && type.name !== 'Object' ? type.name : null,
    };
    (blocks[blocks.length - 1] as Map<string, VarInfo>).set(name, info);
    return info;
  }

  /** The variable a name refers to here, and how many frames up it lives; null when no enclosing function declares it. */
  resolve(name: string): { depth: number; info: VarInfo } | null {
    let depth = 0;
    for (let s: FunctionScope | null = this.fn; s; s = s.parent, depth++) {
      for (let i = s.blocks.length - 1; i >= 0; i--) {
        const info = (s.blocks[i] as Map<string, VarInfo>).get(name);
        if (info) return { depth, info };
      }
    }
    return null;
  }

  /** The variables visible here, for "did you mean". */
  visibleNames(): string[] {
    const out: string[] = [];
    for (let s: FunctionScope | null = this.fn; s; s = s.parent) for (const b of s.blocks) out.push(...b.keys());
    return out;
  }

  /** Converts a value for a variable, parameter or field of a declared type; null when the type is not declared. */
  caster(type: string | null): ((v: Value) => Value) | null {
    if (type === null) return null;
    const cls = this.classes.get(type);
    if (!cls) return (v) => castAssign(v, type);
    return (v) => {
      if (v === null || (v instanceof GObject && v.cls === cls)) return v;
      throw scriptError(
        `Cannot cast object '${groovyToString(v)}' with class '${javaTypeName(v)}' to class '${cls.name}'`,
        'type_error',
        'GroovyCastException',
      );
    };
  }

  /** Refuses a member name no script may use (getClass, execute...), at compile time. */
  checkMember(name: string, pos: Pos): void {
    if (forbiddenMembers.has(name)) throw compileFault(forbiddenMemberMessage(name), pos, 'forbidden');
  }
}
