/**
 * The syntax tree of a sync script. Every node carries the line and column (1-based) where it starts, so runtime
 * errors can point at the source, and its kind in `k` (`methodCall`, `binary`, `ternary`...), which the compiler
 * (compiler/expressions.ts, compiler/statements.ts) switches on. Literal values are already converted to runtime
 * values by the parser.
 */
import type { Value } from './values.ts';

export interface Pos {
  line: number;
  col: number;
}

export interface TypeRef extends Pos {
  /** Simple name of the type (`String`, `List`, `int`); generics and package prefixes are dropped. */
  name: string;
  /** Full dotted name as written, for messages. */
  full: string;
}

export interface Param {
  name: string;
  type: TypeRef | null;
  init: Expr | null;
}

export type Expr =
  | (Pos & { k: 'literal'; v: Value })
  | (Pos & { k: 'gstring'; parts: (string | Expr)[] })
  | (Pos & { k: 'name'; name: string })
  | (Pos & { k: 'list'; items: Expr[] })
  | (Pos & { k: 'map'; entries: { key: Expr; value: Expr }[] })
  | (Pos & { k: 'range'; from: Expr; to: Expr; exclusive: boolean })
  | (Pos & { k: 'property'; obj: Expr; name: string | Expr; safe: boolean; spread: boolean })
  | (Pos & { k: 'index'; obj: Expr; index: Expr })
  | (Pos & { k: 'call'; name: string; args: Expr[] })
  | (Pos & { k: 'callValue'; callee: Expr; args: Expr[] })
  | (Pos & { k: 'methodCall'; obj: Expr; name: string; args: Expr[]; safe: boolean; spread: boolean })
  | (Pos & { k: 'closure'; params: Param[]; implicitIt: boolean; body: Stmt[] })
  | (Pos & { k: 'unary'; op: '-' | '+' | '!' | '~'; e: Expr })
  | (Pos & { k: 'incrementDecrement'; op: '++' | '--'; prefix: boolean; target: Expr })
  | (Pos & { k: 'binary'; op: string; l: Expr; r: Expr })
  | (Pos & { k: 'and'; l: Expr; r: Expr })
  | (Pos & { k: 'or'; l: Expr; r: Expr })
  | (Pos & { k: 'ternary'; c: Expr; t: Expr; f: Expr })
  | (Pos & { k: 'elvis'; l: Expr; r: Expr })
  | (Pos & { k: 'assign'; op: string; target: Expr; value: Expr })
  | (Pos & { k: 'as'; e: Expr; type: TypeRef })
  | (Pos & { k: 'instanceof'; e: Expr; type: TypeRef })
  | (Pos & { k: 'new'; type: TypeRef; args: Expr[] })
  | (Pos & { k: 'classReference'; type: TypeRef })
  /** The instance a class method runs on; only inside the methods, constructors and field initializers of a class. */
  | (Pos & { k: 'this' });

export type Stmt =
  | (Pos & { k: 'expression'; e: Expr })
  | (Pos & { k: 'declaration'; type: TypeRef | null; name: string; init: Expr | null })
  | (Pos & { k: 'multipleDeclaration'; names: string[]; init: Expr })
  | (Pos & { k: 'if'; c: Expr; t: Stmt; f: Stmt | null })
  | (Pos & { k: 'forIn'; name: string; iter: Expr; body: Stmt })
  | (Pos & { k: 'for'; init: Stmt[]; cond: Expr | null; update: Expr[]; body: Stmt })
  | (Pos & { k: 'while'; c: Expr; body: Stmt })
  | (Pos & { k: 'switch'; disc: Expr; cases: SwitchCase[] })
  | (Pos & { k: 'return'; e: Expr | null })
  | (Pos & { k: 'break' })
  | (Pos & { k: 'continue' })
  | (Pos & { k: 'throw'; e: Expr })
  | (Pos & { k: 'try'; body: Stmt[]; catches: CatchClause[]; fin: Stmt[] | null })
  /** `scopeless` blocks hold several declarations from one line (`def a = 1, b = 2`) in the enclosing scope. */
  | (Pos & { k: 'block'; body: Stmt[]; scopeless?: boolean })
  | (Pos & { k: 'assert'; e: Expr; msg: Expr | null; text: string })
  | (Pos & { k: 'empty' });

export interface SwitchCase extends Pos {
  /** null for `default:`. */
  test: Expr | null;
  body: Stmt[];
}

export interface CatchClause extends Pos {
  types: TypeRef[];
  name: string;
  body: Stmt[];
}

export interface MethodDef extends Pos {
  name: string;
  params: Param[];
  body: Stmt[];
  /** Only in a class: a static method, called on the class (`Mapper.of(x)`), with no `this`. */
  isStatic?: boolean;
}

export interface FieldDef extends Pos {
  name: string;
  type: TypeRef | null;
  init: Expr | null;
  /** One value per run (never shared between runs), read as `Name.field` or by its name inside the class. */
  isStatic: boolean;
}

/** `class Name { fields, constructors, methods }` at the top level of a script; no inheritance. */
export interface ClassDef extends Pos {
  name: string;
  fields: FieldDef[];
  constructors: MethodDef[];
  methods: MethodDef[];
}

export interface Program {
  body: Stmt[];
  methods: MethodDef[];
  classes: ClassDef[];
}
