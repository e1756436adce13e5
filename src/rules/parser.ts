/**
 * Recursive-descent parser (Pratt for expressions) for the Groovy subset sync rules use. Newlines end statements
 * the way Groovy treats them: a line ending in an operator, or an open ( or [, continues; a line starting with
 * `.method()` continues the previous expression; everything else ends the statement.
 */
import type {
  CatchClause,
  ClassDef,
  Expr,
  FieldDef,
  MethodDef,
  Param,
  Pos,
  Program,
  Stmt,
  SwitchCase,
  TypeRef,
} from './ast.ts';
import { ScriptFault } from './faults.ts';
import { tokenize, type Token } from './lexer.ts';
import { GDecimal, GLong, integerValue, longOf, NumberFormatFault, parseDecimal } from './numbers.ts';
import type { Value } from './values.ts';
import { checkImport } from './sandbox.ts';

const MAX_NESTING = 120;

const primitiveTypes: ReadonlySet<string> = new Set([
  'int',
  'long',
  'boolean',
  'double',
  'float',
  'short',
  'byte',
  'char',
  'void',
]);
const modifiers: ReadonlySet<string> = new Set([
  'static',
  'final',
  'private',
  'public',
  'protected',
  'abstract',
  'synchronized',
]);

interface BinaryOp {
  bp: number;
  right?: boolean;
}

const binaryOps: Record<string, BinaryOp> = {
  '||': { bp: 3 },
  '&&': { bp: 4 },
  '|': { bp: 5 },
  '^': { bp: 6 },
  '&': { bp: 7 },
  '==': { bp: 8 },
  '!=': { bp: 8 },
  '<=>': { bp: 8 },
  '=~': { bp: 8 },
  '==~': { bp: 8 },
  '<': { bp: 9 },
  '<=': { bp: 9 },
  '>': { bp: 9 },
  '>=': { bp: 9 },
  in: { bp: 9 },
  instanceof: { bp: 9 },
  as: { bp: 9 },
  '<<': { bp: 10 },
  '>>': { bp: 10 },
  '>>>': { bp: 10 },
  '..': { bp: 10 },
  '..<': { bp: 10 },
  '+': { bp: 11 },
  '-': { bp: 11 },
  '*': { bp: 12 },
  '/': { bp: 12 },
  '%': { bp: 12 },
  '**': { bp: 13, right: true },
};

/** Annotations that change nothing when the interpreter runs a script; they are accepted and ignored. */
const ignoredAnnotations: ReadonlySet<string> = new Set([
  'Field',
  'SuppressWarnings',
  'Override',
  'CompileStatic',
  'CompileDynamic',
  'TypeChecked',
  'Deprecated',
]);

const assignOps: ReadonlySet<string> = new Set(['=', '+=', '-=', '*=', '/=', '%=', '**=', '<<=']);

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly toks: Token[],
    private readonly src: string,
  ) {}

  private peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private fail(message: string, at: Pos = this.peek()): never {
    throw new ScriptFault(message, 'syntax', at.line, at.col);
  }

  private describe(t: Token): string {
    if (t.t === 'eof') return 'end of script';
    if (t.t === 'nl') return 'end of line';
    if (t.t === 'str' || t.t === 'gstr') return 'a string';
    if (t.t === 'num') return `number ${t.v}`;
    return `'${t.v}'`;
  }

  private isOp(v: string, t: Token = this.peek()): boolean {
    return t.t === 'op' && t.v === v;
  }

  private isKw(v: string, t: Token = this.peek()): boolean {
    return t.t === 'kw' && t.v === v;
  }

  private expectOp(v: string, what?: string): Token {
    const t = this.peek();
    if (!this.isOp(v)) this.fail(`expected '${v}'${what ? ` ${what}` : ''} but found ${this.describe(t)}`);
    return this.next();
  }

  private skipNl(): void {
    while (this.peek().t === 'nl') this.next();
  }

  private enter(at: Pos): void {
    if (++this.depth > MAX_NESTING)
      throw new ScriptFault(
        `the script is nested too deeply (more than ${MAX_NESTING} levels)`,
        'nesting',
        at.line,
        at.col,
      );
  }

  private leave(): void {
    this.depth--;
  }

  program(): Program {
    const methods: MethodDef[] = [];
    const classes: ClassDef[] = [];
    const body = this.statements(true, methods, classes);
    if (this.peek().t !== 'eof') this.fail(`unexpected ${this.describe(this.peek())}`);
    return { body, methods, classes };
  }

  /** Statements up to a closing brace (not consumed) or the end of the script. */
  private statements(topLevel: boolean, methods: MethodDef[] | null, classes: ClassDef[] | null = null): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      while (this.peek().t === 'nl' || this.isOp(';')) this.next();
      const t = this.peek();
      if (t.t === 'eof' || this.isOp('}')) return out;
      const beforeAnnotations = this.i;
      while (this.isOp('@')) this.annotation();
      // annotations on a statement are read again by statement() (@Field changes what it means)
      if (!this.isMethodDefinition() && !this.isClassDefinition()) this.i = beforeAnnotations;
      if (this.isClassDefinition()) {
        if (!topLevel || !classes) this.fail('classes can only be defined at the top level of the script');
        classes.push(this.classDefinition());
        continue;
      }
      if (this.isMethodDefinition()) {
        if (!topLevel || !methods) this.fail('methods can only be defined at the top level of the script');
        methods.push(this.methodDefinition());
        continue;
      }
      const s = this.statement();
      if (s.k !== 'empty') out.push(s);
      const end = this.peek();
      if (!(end.t === 'nl' || end.t === 'eof' || this.isOp(';') || this.isOp('}'))) {
        this.fail(`unexpected ${this.describe(end)}: expected the end of the statement (a new line or ';')`);
      }
    }
  }

  /**
   * Skips an annotation that changes nothing when the script runs (@Field, @SuppressWarnings, @CompileStatic...);
   * @Grab and its kin would download code and are refused, other annotations are refused by name.
   */
  /** `@Field def x = v`: a script field, visible inside the script's methods, which is what a binding variable is. */
  private fieldBinding(st: Stmt): Stmt {
    const decls = st.k === 'declaration' ? [st] : st.k === 'block' ? st.body : [];
    if (decls.length === 0 || decls.some((d) => d.k !== 'declaration'))
      this.fail('@Field must annotate a variable declaration');
    const body: Stmt[] = decls.map((d) => {
      const x = d as Extract<Stmt, { k: 'declaration' }>;
      const value: Expr = x.init ?? { k: 'literal', v: null, line: x.line, col: x.col };
      const target: Expr = { k: 'name', name: x.name, line: x.line, col: x.col };
      return {
        k: 'expression',
        e: { k: 'assign', op: '=', target, value, line: x.line, col: x.col },
        line: x.line,
        col: x.col,
      };
    });
    return body.length === 1 ? (body[0] as Stmt) : { k: 'block', body, line: st.line, col: st.col, scopeless: true };
  }

  private annotation(): string {
    const at = this.next();
    let name = '';
    for (;;) {
      const part = this.next();
      if (part.t !== 'id') this.fail('expected an annotation name after @', part);
      name += part.v;
      if (!this.isOp('.')) break;
      this.next();
      name += '.';
    }
    const simple = name.slice(name.lastIndexOf('.') + 1);
    if (/^Grab|^Grapes$/.test(simple))
      this.fail(`@${simple} is not available in sync rules: a script cannot download libraries`, at);
    if (!ignoredAnnotations.has(simple))
      this.fail(
        `the annotation @${name} is not supported in sync rules (only ${[...ignoredAnnotations].map((a) => `@${a}`).join(', ')}, which change nothing when the script runs)`,
        at,
      );
    if (this.isOp('(')) {
      let depth = 0;
      do {
        const t = this.next();
        if (t.t === 'eof') this.fail('unterminated annotation arguments', at);
        if (this.isOp('(', t)) depth++;
        if (this.isOp(')', t)) depth--;
      } while (depth > 0);
    }
    this.skipNl();
    return simple;
  }

  private block(): Stmt[] {
    this.skipNl();
    this.expectOp('{');
    const body = this.statements(false, null);
    this.expectOp('}');
    return body;
  }

  /** The body of if/for/while: a braced block or a single statement. */
  private body(): Stmt {
    this.skipNl();
    if (this.isOp('{')) {
      const t = this.peek();
      return { k: 'block', body: this.block(), line: t.line, col: t.col };
    }
    return this.statement();
  }

  private statement(): Stmt {
    const t = this.peek();
    this.enter(t);
    try {
      return this.statementInner(t);
    } finally {
      this.leave();
    }
  }

  private statementInner(t: Token): Stmt {
    const at = { line: t.line, col: t.col };
    if (t.t === 'kw') {
      switch (t.v) {
        case 'import':
          return this.importLine();
        case 'package':
          return this.fail('package declarations are not allowed in sync rules');
        case 'class':
          return this.fail('classes can only be defined at the top level of the script');
        case 'interface':
        case 'enum':
        case 'trait':
          return this.fail(
            `${t.v} definitions are not supported in sync rules: use a class, maps, closures and top-level methods`,
          );
        case 'if':
          return this.ifStatement();
        case 'for':
          return this.forStatement();
        case 'while': {
          this.next();
          const c = this.parenExpr();
          return { k: 'while', c, body: this.body(), ...at };
        }
        case 'do':
          return this.fail('do/while loops are not supported: use while (...) { }');
        case 'switch':
          return this.switchStatement();
        case 'try':
          return this.tryStatement();
        case 'return': {
          this.next();
          const n = this.peek();
          if (n.t === 'nl' || n.t === 'eof' || this.isOp(';') || this.isOp('}')) return { k: 'return', e: null, ...at };
          return { k: 'return', e: this.expr(), ...at };
        }
        case 'break':
        case 'continue':
          this.next();
          if (this.peek().t === 'id') this.fail(`labelled ${t.v} is not supported`);
          return { k: t.v, ...at };
        case 'throw':
          this.next();
          return { k: 'throw', e: this.expr(), ...at };
        case 'assert': {
          this.next();
          const start = this.peek().start;
          const e = this.expr();
          const text = this.src.slice(start, this.toks[this.i - 1]?.end ?? start);
          let msg: Expr | null = null;
          if (this.isOp(':') || this.isOp(',')) {
            this.next();
            msg = this.expr();
          }
          return { k: 'assert', e, msg, text, ...at };
        }
        case 'def':
          return this.declaration();
        case 'this':
        case 'super':
          break;
        default:
          if (modifiers.has(t.v)) {
            this.next();
            return this.statementInner(this.peek());
          }
      }
    }
    if (this.isOp('@')) {
      const field = this.annotation() === 'Field';
      const st = this.statementInner(this.peek());
      return field ? this.fieldBinding(st) : st;
    }
    if (this.isOp('{')) return { k: 'block', body: this.block(), ...at };
    if (this.looksLikeTypedDeclaration()) return this.declaration();
    if (t.t === 'id' && this.isOp(':', this.peek(1)) && this.peek(2).t !== 'nl')
      this.fail('statement labels are not supported');
    return this.expressionStatement();
  }

  private importLine(): Stmt {
    const t = this.next();
    let name = '';
    if (this.isKw('static')) this.next();
    for (;;) {
      const part = this.next();
      if (part.t !== 'id' && part.t !== 'kw' && !this.isOp('*', part))
        this.fail(`expected a class name after import`, part);
      name += part.v;
      if (this.isOp('.')) {
        this.next();
        name += '.';
        continue;
      }
      break;
    }
    if (this.isKw('as')) {
      this.next();
      this.next();
    }
    const problem = checkImport(name);
    if (problem) this.fail(problem, t);
    return { k: 'empty', line: t.line, col: t.col };
  }

  private isTypeStart(t: Token): boolean {
    if (t.t !== 'id') return false;
    const c = t.v.charAt(0);
    return (c >= 'A' && c <= 'Z') || primitiveTypes.has(t.v);
  }

  /** `String x = ...`, `List<String> xs`, `int i`: a type followed by a new variable name. */
  private looksLikeTypedDeclaration(): boolean {
    if (!this.isTypeStart(this.peek())) return false;
    const save = this.i;
    try {
      this.typeRef();
      const name = this.peek();
      if (name.t !== 'id') return false;
      const after = this.peek(1);
      return after.t === 'nl' || after.t === 'eof' || ['=', ';', ',', '}'].includes(after.t === 'op' ? after.v : '');
    } catch (e) {
      if (e instanceof ScriptFault) return false;
      throw e;
    } finally {
      this.i = save;
    }
  }

  private isMethodDefinition(): boolean {
    const save = this.i;
    try {
      while (this.peek().t === 'kw' && modifiers.has(this.peek().v)) this.next();
      if (this.isKw('def')) {
        this.next();
        if (this.isTypeStart(this.peek()) && this.peek(1).t === 'id') this.typeRef();
      } else if (this.isTypeStart(this.peek())) {
        this.typeRef();
      } else {
        return false;
      }
      return this.peek().t === 'id' && this.isOp('(', this.peek(1));
    } catch (e) {
      if (e instanceof ScriptFault) return false;
      throw e;
    } finally {
      this.i = save;
    }
  }

  private methodDefinition(): MethodDef {
    let isStatic = false;
    while (this.peek().t === 'kw' && modifiers.has(this.peek().v)) if (this.next().v === 'static') isStatic = true;
    if (this.isKw('def')) {
      this.next();
      if (this.isTypeStart(this.peek()) && this.peek(1).t === 'id') this.typeRef();
    } else {
      this.typeRef();
    }
    const name = this.next();
    this.expectOp('(');
    const params: Param[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        params.push(this.param());
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    this.expectOp(')', 'to close the parameter list');
    const body = this.block();
    return { name: name.v, params, body, line: name.line, col: name.col, isStatic };
  }

  private isClassDefinition(): boolean {
    let j = 0;
    while (this.peek(j).t === 'kw' && modifiers.has(this.peek(j).v)) j++;
    return this.isKw('class', this.peek(j));
  }

  /**
   * `class Name { ... }`: fields (with or without a type, `static` ones included), constructors named after the class,
   * and methods. Inheritance is refused: a script class cannot extend or implement host classes.
   */
  private classDefinition(): ClassDef {
    while (this.peek().t === 'kw' && modifiers.has(this.peek().v)) this.next();
    this.next();
    const name = this.next();
    if (name.t !== 'id') this.fail(`expected a class name after class but found ${this.describe(name)}`, name);
    const word = this.peek();
    if (word.t === 'id' && (word.v === 'extends' || word.v === 'implements'))
      this.fail(
        `class ${name.v} ${word.v} ...: a class in sync rules cannot extend or implement another class; give it the fields and methods it needs`,
        word,
      );
    if (this.isOp('<')) this.fail(`class ${name.v}: generic classes are not supported in sync rules`);
    this.skipNl();
    this.expectOp('{', `to open the body of class ${name.v}`);
    const def: ClassDef = { name: name.v, fields: [], constructors: [], methods: [], line: name.line, col: name.col };
    for (;;) {
      while (this.peek().t === 'nl' || this.isOp(';')) this.next();
      if (this.isOp('}')) break;
      if (this.peek().t === 'eof') this.fail(`class ${name.v} is never closed: add '}'`, name);
      this.classMember(def);
      const end = this.peek();
      if (!(end.t === 'nl' || this.isOp(';') || this.isOp('}')))
        this.fail(`unexpected ${this.describe(end)} in class ${name.v}: expected a new line or ';'`);
    }
    this.expectOp('}');
    return def;
  }

  private classMember(def: ClassDef): void {
    while (this.isOp('@')) this.annotation();
    const start = this.i;
    let isStatic = false;
    while (this.peek().t === 'kw' && modifiers.has(this.peek().v)) if (this.next().v === 'static') isStatic = true;
    const t = this.peek();
    if (t.t === 'kw' && ['class', 'interface', 'enum', 'trait'].includes(t.v))
      this.fail(`class ${def.name}: a ${t.v} inside a class is not supported; define classes at the top level`);
    if (this.isOp('{'))
      this.fail(`class ${def.name}: initializer blocks are not supported; give fields a value or use a constructor`);
    // `Name(...)`, or `def Name(...)`, which Groovy also reads as a constructor.
    const named = this.isKw('def') ? this.peek(1) : t;
    if (named.t === 'id' && named.v === def.name && this.isOp('(', this.peek(named === t ? 1 : 2))) {
      if (isStatic) this.fail(`class ${def.name}: a constructor cannot be static`, named);
      this.i = start;
      def.constructors.push(this.methodDefinitionNamed(named));
      return;
    }
    if (this.isKw('def') || this.isTypeStart(t)) {
      this.i = start;
      if (this.isMethodDefinition()) {
        def.methods.push(this.methodDefinition());
        return;
      }
      while (this.peek().t === 'kw' && modifiers.has(this.peek().v)) this.next();
      const d = this.declaration();
      for (const x of d.k === 'block' ? d.body : [d]) def.fields.push(this.fieldOf(x, isStatic));
      return;
    }
    // `private count = 0`: a modifier alone declares a field without a type.
    if (t.t === 'id' && this.i > start) {
      this.next();
      let init: Expr | null = null;
      if (this.isOp('=')) {
        this.next();
        this.skipNl();
        init = this.expr();
      }
      def.fields.push({ name: t.v, type: null, init, isStatic, line: t.line, col: t.col });
      return;
    }
    this.fail(`unexpected ${this.describe(t)} in class ${def.name}: expected a field, a constructor or a method`);
  }

  private fieldOf(x: Stmt, isStatic: boolean): FieldDef {
    if (x.k !== 'declaration') return this.fail('expected a field declaration', x);
    return { name: x.name, type: x.type, init: x.init, isStatic, line: x.line, col: x.col };
  }

  /** A constructor: `Name(params) { body }` (modifiers before the name are skipped). */
  private methodDefinitionNamed(name: Token): MethodDef {
    while (this.peek().t === 'kw' && modifiers.has(this.peek().v)) this.next();
    if (this.isKw('def')) this.next();
    this.next();
    this.expectOp('(');
    const params: Param[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        params.push(this.param());
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    this.expectOp(')', 'to close the parameter list');
    return { name: name.v, params, body: this.block(), line: name.line, col: name.col };
  }

  private param(): Param {
    if (this.isKw('def') || this.isKw('final')) this.next();
    let type: TypeRef | null = null;
    if (
      this.isTypeStart(this.peek()) &&
      (this.peek(1).t === 'id' ||
        this.isOp('<', this.peek(1)) ||
        this.isOp('.', this.peek(1)) ||
        this.isOp('[', this.peek(1)))
    ) {
      type = this.typeRef();
    }
    const name = this.next();
    if (name.t !== 'id') this.fail(`expected a parameter name but found ${this.describe(name)}`, name);
    let init: Expr | null = null;
    if (this.isOp('=')) {
      this.next();
      init = this.expr();
    }
    return { name: name.v, type, init };
  }

  typeRef(): TypeRef {
    const first = this.next();
    if (first.t !== 'id') this.fail(`expected a type name but found ${this.describe(first)}`, first);
    let full = first.v;
    let name = first.v;
    while (this.isOp('.') && this.peek(1).t === 'id') {
      this.next();
      name = this.next().v;
      full += `.${name}`;
    }
    if (this.isOp('<')) this.typeArgs();
    while (this.isOp('[') && this.isOp(']', this.peek(1))) {
      this.next();
      this.next();
      name += '[]';
    }
    return { name, full, line: first.line, col: first.col };
  }

  private typeArgs(): void {
    this.expectOp('<');
    for (;;) {
      if (this.isOp('?')) {
        this.next();
        if (this.isKw('extends') || this.isKw('super') || (this.peek().t === 'id' && this.peek().v === 'extends')) {
          this.next();
          this.typeRef();
        }
      } else {
        this.typeRef();
      }
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      break;
    }
    this.closeAngle();
  }

  private closeAngle(): void {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '>>' || t.v === '>>>')) {
      // `List<List<String>>`: split the shift operator into closing angles.
      this.toks[this.i] = { ...t, v: t.v.slice(1), col: t.col + 1 };
      return;
    }
    this.expectOp('>', 'to close the type arguments');
  }

  private declaration(): Stmt {
    const start = this.peek();
    let type: TypeRef | null = null;
    if (this.isKw('def')) {
      this.next();
      if (this.isOp('(')) return this.multiDeclaration(start);
      if (this.isTypeStart(this.peek()) && this.peek(1).t === 'id') type = this.typeRef();
    } else {
      type = this.typeRef();
    }
    const decls: Stmt[] = [];
    for (;;) {
      const name = this.next();
      if (name.t !== 'id') this.fail(`expected a variable name but found ${this.describe(name)}`, name);
      let init: Expr | null = null;
      if (this.isOp('=')) {
        this.next();
        this.skipNl();
        init = this.expr();
      }
      decls.push({ k: 'declaration', type, name: name.v, init, line: name.line, col: name.col });
      if (!this.isOp(',')) break;
      this.next();
    }
    if (decls.length === 1) return decls[0] as Stmt;
    return { k: 'block', body: decls, line: start.line, col: start.col, scopeless: true };
  }

  private multiDeclaration(start: Token): Stmt {
    this.expectOp('(');
    const names: string[] = [];
    for (;;) {
      if (this.isTypeStart(this.peek()) && this.peek(1).t === 'id') this.typeRef();
      const name = this.next();
      if (name.t !== 'id') this.fail(`expected a variable name but found ${this.describe(name)}`, name);
      names.push(name.v);
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    this.expectOp('=');
    return { k: 'multipleDeclaration', names, init: this.expr(), line: start.line, col: start.col };
  }

  private parenExpr(): Expr {
    this.expectOp('(');
    const e = this.expr();
    this.expectOp(')');
    return e;
  }

  private ifStatement(): Stmt {
    const t = this.next();
    const open = this.peek(1);
    const c = this.parenExpr();
    // Groovy's grammar refuses `if (a = b)` (a likely typo for ==); `if ((a = b))` is accepted.
    if (c.k === 'assign' && c.op === '=' && !this.isOp('(', open))
      this.fail(
        'an assignment is not allowed as the condition of an if: write == to compare, or ((a = b)) to assign',
        open,
      );
    const then = this.body();
    const save = this.i;
    while (this.peek().t === 'nl' || this.isOp(';')) this.next();
    if (this.isKw('else')) {
      this.next();
      return { k: 'if', c, t: then, f: this.body(), line: t.line, col: t.col };
    }
    this.i = save;
    return { k: 'if', c, t: then, f: null, line: t.line, col: t.col };
  }

  private forStatement(): Stmt {
    const t = this.next();
    this.expectOp('(');
    const save = this.i;
    // for (x in xs), for (String x in xs), for (x : xs)
    if (this.isKw('def') || this.isKw('final')) this.next();
    if (this.isTypeStart(this.peek()) && this.peek(1).t === 'id') {
      try {
        this.typeRef();
      } catch (e) {
        if (!(e instanceof ScriptFault)) throw e;
      }
    }
    const name = this.peek();
    if (name.t === 'id' && (this.isKw('in', this.peek(1)) || this.isOp(':', this.peek(1)))) {
      this.next();
      this.next();
      const iter = this.expr();
      this.expectOp(')');
      return { k: 'forIn', name: name.v, iter, body: this.body(), line: t.line, col: t.col };
    }
    this.i = save;
    const init: Stmt[] = [];
    if (!this.isOp(';')) {
      if (this.isKw('def') || this.looksLikeTypedDeclaration()) {
        const d = this.declaration();
        if (d.k === 'block') init.push(...d.body);
        else init.push(d);
      } else {
        for (;;) {
          const e = this.expr();
          init.push({ k: 'expression', e, line: e.line, col: e.col });
          if (!this.isOp(',')) break;
          this.next();
        }
      }
    }
    this.expectOp(';', 'in the for loop (for (init; condition; update) or for (x in list))');
    const cond = this.isOp(';') ? null : this.expr();
    this.expectOp(';', 'in the for loop');
    const update: Expr[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        update.push(this.expr());
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    this.expectOp(')');
    return { k: 'for', init, cond, update, body: this.body(), line: t.line, col: t.col };
  }

  private switchStatement(): Stmt {
    const t = this.next();
    const disc = this.parenExpr();
    this.skipNl();
    this.expectOp('{');
    const cases: SwitchCase[] = [];
    for (;;) {
      while (this.peek().t === 'nl' || this.isOp(';')) this.next();
      if (this.isOp('}')) break;
      const c = this.peek();
      let test: Expr | null = null;
      if (this.isKw('case')) {
        this.next();
        test = this.expr();
      } else if (this.isKw('default')) {
        this.next();
      } else {
        this.fail(`expected 'case' or 'default' in switch but found ${this.describe(c)}`);
      }
      this.expectOp(':', 'after the case value');
      const body: Stmt[] = [];
      for (;;) {
        while (this.peek().t === 'nl' || this.isOp(';')) this.next();
        if (this.isKw('case') || this.isKw('default') || this.isOp('}') || this.peek().t === 'eof') break;
        body.push(this.statement());
      }
      cases.push({ test, body, line: c.line, col: c.col });
    }
    this.expectOp('}');
    return { k: 'switch', disc, cases, line: t.line, col: t.col };
  }

  private tryStatement(): Stmt {
    const t = this.next();
    const body = this.block();
    const catches: CatchClause[] = [];
    let fin: Stmt[] | null = null;
    for (;;) {
      const save = this.i;
      this.skipNl();
      if (this.isKw('catch')) {
        const c = this.next();
        this.expectOp('(');
        const types: TypeRef[] = [];
        if (this.isKw('final')) this.next();
        if (!(this.peek().t === 'id' && this.isOp(')', this.peek(1)))) {
          for (;;) {
            types.push(this.typeRef());
            if (!this.isOp('|')) break;
            this.next();
          }
        }
        const name = this.next();
        if (name.t !== 'id') this.fail(`expected a variable name in catch but found ${this.describe(name)}`, name);
        this.expectOp(')');
        catches.push({ types, name: name.v, body: this.block(), line: c.line, col: c.col });
        continue;
      }
      if (this.isKw('finally')) {
        this.next();
        fin = this.block();
      } else {
        this.i = save;
      }
      break;
    }
    if (catches.length === 0 && fin === null) this.fail('try needs a catch or a finally block', t);
    return { k: 'try', body, catches, fin, line: t.line, col: t.col };
  }

  private expressionStatement(): Stmt {
    const t = this.peek();
    let e = this.expr();
    const n = this.peek();
    if (
      (e.k === 'name' || (e.k === 'property' && typeof e.name === 'string' && !e.spread)) &&
      this.startsCommandArgument(n)
    ) {
      // Command expression: `println x`, `log.info "text"`, `debug.error "..."`.
      const args = this.arguments(null);
      if (e.k === 'name') e = { k: 'call', name: e.name, args, line: e.line, col: e.col };
      else
        e = {
          k: 'methodCall',
          obj: e.obj,
          name: e.name as string,
          args,
          safe: e.safe,
          spread: false,
          line: e.line,
          col: e.col,
        };
    }
    return { k: 'expression', e, line: t.line, col: t.col };
  }

  private startsCommandArgument(t: Token): boolean {
    if (t.t === 'id' || t.t === 'num' || t.t === 'str' || t.t === 'gstr') return true;
    if (t.t === 'kw') return t.v === 'true' || t.v === 'false' || t.v === 'null' || t.v === 'new';
    return t.t === 'op' && t.v === '!';
  }

  expr(minBp = 0): Expr {
    const start = this.peek();
    this.enter(start);
    try {
      return this.exprInner(minBp);
    } finally {
      this.leave();
    }
  }

  private exprInner(minBp: number): Expr {
    let left = this.unary();
    for (;;) {
      let t = this.peek();
      if (t.t === 'nl' && minBp <= 2) {
        // As in Groovy, a line starting with ?: or ? continues the expression above (x = m[k] / ?: fallback).
        let j = this.i;
        while (this.toks[j]?.t === 'nl') j++;
        const n = this.toks[j];
        if (n && n.t === 'op' && (n.v === '?:' || n.v === '?')) {
          this.i = j;
          t = n;
        }
      }
      if (t.t === 'op' && assignOps.has(t.v)) {
        if (minBp > 1) break;
        if (left.k !== 'name' && left.k !== 'property' && left.k !== 'index')
          this.fail(`cannot assign to this expression: only variables, properties and [index] can be assigned`, t);
        // `a?.b = v` assigns nothing when a is null, as in Groovy; `list*.b = v` is not supported.
        if (left.k === 'property' && left.spread)
          this.fail('cannot assign through *.: use list.each { it.name = value }', t);
        this.next();
        this.skipNl();
        const value = this.expr(1);
        left = { k: 'assign', op: t.v, target: left, value, line: t.line, col: t.col };
        continue;
      }
      if (this.isOp('?') || this.isOp('?:')) {
        if (minBp > 2) break;
        this.next();
        this.skipNl();
        if (t.v === '?:') {
          const r = this.expr(2);
          left = { k: 'elvis', l: left, r, line: t.line, col: t.col };
          continue;
        }
        const a = this.expr(2);
        this.skipNl();
        this.expectOp(':', 'in the ternary expression (cond ? a : b)');
        this.skipNl();
        const b = this.expr(2);
        left = { k: 'ternary', c: left, t: a, f: b, line: t.line, col: t.col };
        continue;
      }
      const key = t.t === 'op' || (t.t === 'kw' && (t.v === 'in' || t.v === 'instanceof' || t.v === 'as')) ? t.v : '';
      const op = binaryOps[key];
      if (!op || op.bp < minBp) break;
      this.next();
      if (key === 'as' || key === 'instanceof') {
        const type = this.typeRef();
        left =
          key === 'as'
            ? { k: 'as', e: left, type, line: t.line, col: t.col }
            : { k: 'instanceof', e: left, type, line: t.line, col: t.col };
        continue;
      }
      this.skipNl();
      const right = this.expr(op.right ? op.bp : op.bp + 1);
      if (key === '&&') left = { k: 'and', l: left, r: right, line: t.line, col: t.col };
      else if (key === '||') left = { k: 'or', l: left, r: right, line: t.line, col: t.col };
      else if (key === '..' || key === '..<')
        left = { k: 'range', from: left, to: right, exclusive: key === '..<', line: t.line, col: t.col };
      else left = { k: 'binary', op: key, l: left, r: right, line: t.line, col: t.col };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.t === 'op') {
      if (t.v === '-' || t.v === '+' || t.v === '!' || t.v === '~') {
        this.next();
        this.enter(t);
        const e = this.unary();
        this.leave();
        if (t.v === '-' && e.k === 'literal') {
          const v = e.v;
          if (typeof v === 'number') return { k: 'literal', v: -v | 0, line: t.line, col: t.col };
          if (v instanceof GLong) return { k: 'literal', v: longOf(-v.v), line: t.line, col: t.col };
          if (v instanceof GDecimal) return { k: 'literal', v: new GDecimal(-v.u, v.s), line: t.line, col: t.col };
        }
        return { k: 'unary', op: t.v, e, line: t.line, col: t.col };
      }
      if (t.v === '++' || t.v === '--') {
        this.next();
        const target = this.unary();
        this.checkAssignable(target, t);
        return { k: 'incrementDecrement', op: t.v, prefix: true, target, line: t.line, col: t.col };
      }
    }
    return this.postfix(this.primary());
  }

  private checkAssignable(e: Expr, at: Pos): void {
    if (e.k !== 'name' && e.k !== 'property' && e.k !== 'index')
      this.fail('++ and -- need a variable, property or [index]', at);
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      let t = this.peek();
      if (t.t === 'nl') {
        // A line starting with .name continues the expression above.
        let j = this.i;
        while (this.toks[j]?.t === 'nl') j++;
        const n = this.toks[j];
        if (n && n.t === 'op' && (n.v === '.' || n.v === '?.' || n.v === '*.')) {
          this.i = j;
          t = n;
        } else {
          return e;
        }
      }
      if (t.t !== 'op') return e;
      switch (t.v) {
        case '.':
        case '?.':
        case '*.': {
          this.next();
          this.skipNl();
          const nameTok = this.next();
          let name: string | Expr;
          if (nameTok.t === 'id' || nameTok.t === 'kw') name = nameTok.v;
          else if (nameTok.t === 'str') name = nameTok.v;
          else if (nameTok.t === 'gstr') name = this.gstring(nameTok);
          else
            this.fail(`expected a property or method name after '${t.v}' but found ${this.describe(nameTok)}`, nameTok);
          const safe = t.v === '?.';
          const spread = t.v === '*.';
          if (typeof name === 'string' && (this.isOp('(') || this.isOp('{'))) {
            const args = this.isOp('(') ? this.arguments(')') : [];
            this.trailingClosures(args);
            e = { k: 'methodCall', obj: e, name, args, safe, spread, line: nameTok.line, col: nameTok.col };
          } else {
            e = { k: 'property', obj: e, name, safe, spread, line: nameTok.line, col: nameTok.col };
          }
          break;
        }
        case '.&':
        case '.@':
          return this.fail(`'${t.v}' (method pointers and direct field access) is not supported in sync rules`);
        case '[': {
          this.next();
          this.skipNl();
          const index = this.expr();
          this.skipNl();
          if (this.isOp(',')) this.fail('multiple indexes are not supported: use list[a..b] for a slice');
          this.expectOp(']');
          e = { k: 'index', obj: e, index, line: t.line, col: t.col };
          break;
        }
        case '(': {
          const args = this.arguments(')');
          this.trailingClosures(args);
          if (e.k === 'name') e = { k: 'call', name: e.name, args, line: e.line, col: e.col };
          else e = { k: 'callValue', callee: e, args, line: t.line, col: t.col };
          break;
        }
        case '{': {
          if (e.k !== 'name') return e;
          const args: Expr[] = [];
          this.trailingClosures(args);
          e = { k: 'call', name: e.name, args, line: e.line, col: e.col };
          break;
        }
        case '++':
        case '--':
          this.checkAssignable(e, t);
          this.next();
          e = { k: 'incrementDecrement', op: t.v, prefix: false, target: e, line: t.line, col: t.col };
          break;
        default:
          return e;
      }
    }
  }

  private trailingClosures(args: Expr[]): void {
    while (this.isOp('{')) args.push(this.closure());
  }

  /** Call arguments; named arguments (`a: 1`) are gathered into one map, passed first, like Groovy. */
  private arguments(close: ')' | null): Expr[] {
    const open = close ? this.expectOp('(') : this.peek();
    const args: Expr[] = [];
    const named: { key: Expr; value: Expr }[] = [];
    if (close && this.isOp(close)) {
      this.next();
      return args;
    }
    for (;;) {
      this.skipNl();
      const t = this.peek();
      if ((t.t === 'id' || t.t === 'kw' || t.t === 'str') && this.isOp(':', this.peek(1))) {
        this.next();
        this.next();
        this.skipNl();
        named.push({ key: { k: 'literal', v: t.v, line: t.line, col: t.col }, value: this.expr() });
      } else {
        args.push(this.expr());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    if (close) {
      this.skipNl();
      this.expectOp(close, 'to close the argument list');
    }
    if (named.length > 0) args.unshift({ k: 'map', entries: named, line: open.line, col: open.col });
    return args;
  }

  private primary(): Expr {
    const t = this.peek();
    const at = { line: t.line, col: t.col };
    switch (t.t) {
      case 'num':
        this.next();
        return { k: 'literal', v: this.numberValue(t), ...at };
      case 'str':
        this.next();
        return { k: 'literal', v: t.v, ...at };
      case 'gstr':
        this.next();
        return this.gstring(t);
      case 'id':
        this.next();
        return { k: 'name', name: t.v, ...at };
      case 'kw':
        switch (t.v) {
          case 'true':
          case 'false':
            this.next();
            return { k: 'literal', v: t.v === 'true', ...at };
          case 'null':
            this.next();
            return { k: 'literal', v: null, ...at };
          case 'new': {
            this.next();
            const type = this.typeRef();
            const args = this.isOp('(') ? this.arguments(')') : this.fail(`expected '(' after new ${type.full}`);
            return { k: 'new', type, args, ...at };
          }
          case 'this':
            this.next();
            return { k: 'this', ...at };
          case 'super':
            return this.fail(`'super' is not available in sync rules: classes cannot extend other classes`);
        }
        return this.fail(`unexpected keyword '${t.v}'`);
      case 'op':
        if (t.v === '(') return this.parenthesized();
        if (t.v === '[') return this.listOrMap();
        if (t.v === '{') return this.closure();
        break;
    }
    this.fail(`unexpected ${this.describe(t)}`);
  }

  private numberValue(t: Token): Value {
    try {
      switch (t.numKind) {
        case 'dec':
          return parseDecimal(t.v);
        case 'long': {
          const v = BigInt(t.v);
          if (v > 2n ** 63n - 1n) throw new NumberFormatFault('too large');
          return new GLong(v);
        }
        case 'big':
          return /[.eE]/.test(t.v) ? parseDecimal(t.v) : new GDecimal(BigInt(t.v), 0);
        default:
          return integerValue(BigInt(t.v));
      }
    } catch (e) {
      if (e instanceof NumberFormatFault) this.fail(`number ${t.v} is too large`, t);
      throw e;
    }
  }

  private gstring(t: Token): Expr {
    const parts: (string | Expr)[] = [];
    for (const part of t.parts ?? []) {
      if (typeof part === 'string') {
        if (part !== '') parts.push(part);
        continue;
      }
      const sub = new Parser(part, this.src);
      sub.depth = this.depth + 1;
      if (sub.peek().t === 'eof') {
        parts.push('');
        continue;
      }
      const e = sub.expr();
      sub.skipNl();
      if (sub.peek().t !== 'eof') sub.fail(`unexpected ${sub.describe(sub.peek())} inside \${...}`);
      parts.push(e);
    }
    return { k: 'gstring', parts, line: t.line, col: t.col };
  }

  private parenthesized(): Expr {
    const open = this.next();
    // (String) value: a cast, when a type name is followed by ')' and then an operand.
    if (this.isTypeStart(this.peek())) {
      const save = this.i;
      try {
        const type = this.typeRef();
        if (this.isOp(')')) {
          const after = this.peek(1);
          if (
            after.t === 'id' ||
            after.t === 'num' ||
            after.t === 'str' ||
            after.t === 'gstr' ||
            (after.t === 'kw' && ['true', 'false', 'null', 'new'].includes(after.v)) ||
            this.isOp('(', after) ||
            this.isOp('[', after)
          ) {
            this.next();
            const e = this.unary();
            return { k: 'as', e, type, line: open.line, col: open.col };
          }
        }
      } catch (e) {
        if (!(e instanceof ScriptFault)) throw e;
      }
      this.i = save;
    }
    this.skipNl();
    const e = this.expr();
    this.skipNl();
    this.expectOp(')');
    return e;
  }

  private listOrMap(): Expr {
    const open = this.next();
    const at = { line: open.line, col: open.col };
    this.skipNl();
    if (this.isOp(':') && this.isOp(']', this.peek(1))) {
      this.next();
      this.next();
      return { k: 'map', entries: [], ...at };
    }
    const items: Expr[] = [];
    const entries: { key: Expr; value: Expr }[] = [];
    while (!this.isOp(']')) {
      this.skipNl();
      const t = this.peek();
      let key: Expr | null = null;
      if ((t.t === 'id' || t.t === 'kw') && this.isOp(':', this.peek(1))) {
        this.next();
        key = { k: 'literal', v: t.v, line: t.line, col: t.col };
      } else {
        const e = this.expr();
        if (this.isOp(':')) key = e;
        else items.push(e);
      }
      if (key) {
        this.expectOp(':');
        this.skipNl();
        entries.push({ key, value: this.expr() });
      }
      if (items.length > 0 && entries.length > 0) this.fail('a literal cannot mix list items and map entries', t);
      this.skipNl();
      if (!this.isOp(',')) break;
      this.next();
      this.skipNl();
    }
    this.expectOp(']', 'to close the list or map');
    if (entries.length > 0) return { k: 'map', entries, ...at };
    return { k: 'list', items, ...at };
  }

  private closure(): Expr {
    const open = this.expectOp('{');
    this.enter(open);
    const save = this.i;
    let params: Param[] | null = null;
    this.skipNl();
    if (this.isOp('->')) {
      this.next();
      params = [];
    } else {
      try {
        const ps: Param[] = [];
        for (;;) {
          ps.push(this.param());
          if (!this.isOp(',')) break;
          this.next();
        }
        if (this.isOp('->')) {
          this.next();
          params = ps;
        }
      } catch (e) {
        if (!(e instanceof ScriptFault)) throw e;
      }
      if (params === null) this.i = save;
    }
    const body = this.statements(false, null);
    this.expectOp('}', 'to close the closure');
    this.leave();
    return {
      k: 'closure',
      params: params ?? [{ name: 'it', type: null, init: null }],
      implicitIt: params === null,
      body,
      line: open.line,
      col: open.col,
    };
  }
}

export function parseProgram(source: string): Program {
  const tokens = tokenize(source);
  return new Parser(tokens, source).program();
}
