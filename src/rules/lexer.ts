import { ScriptFault } from './faults.ts';

export type TokenKind = 'id' | 'kw' | 'num' | 'str' | 'gstr' | 'op' | 'nl' | 'eof';

export interface Token {
  t: TokenKind;
  v: string;
  line: number;
  col: number;
  /** Offset just past the token, for assert messages that quote the source. */
  start: number;
  end: number;
  /** Numbers: 'int' | 'dec' | 'long' | 'big'. */
  numKind?: 'int' | 'dec' | 'long' | 'big';
  /** GStrings: literal text and the tokens of each interpolated expression. */
  parts?: (string | Token[])[];
  /** True when whitespace separates this token from the previous one (`a -1` vs `a-1`). */
  space: boolean;
}

export const keywords: ReadonlySet<string> = new Set([
  'def',
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'case',
  'default',
  'break',
  'continue',
  'return',
  'try',
  'catch',
  'finally',
  'throw',
  'throws',
  'new',
  'true',
  'false',
  'null',
  'in',
  'instanceof',
  'as',
  'import',
  'package',
  'class',
  'interface',
  'enum',
  'trait',
  'this',
  'super',
  'static',
  'final',
  'private',
  'public',
  'protected',
  'assert',
  'abstract',
  'synchronized',
  'goto',
  'const',
  'native',
  'transient',
  'volatile',
  'strictfp',
  'threadsafe',
]);

const operators = [
  '..<',
  '<=>',
  '==~',
  '>>>',
  '**=',
  '<<=',
  '>>=',
  '?.',
  '*.',
  '?:',
  '..',
  '=~',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '**',
  '<<',
  '>>',
  '->',
  '.&',
  '.@',
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '<',
  '>',
  '!',
  '~',
  '?',
  ':',
  '.',
  ',',
  ';',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '&',
  '|',
  '^',
  '@',
];

/** Tokens after which a `/` divides; elsewhere it opens a slashy string. */
function slashDivides(prev: Token | undefined): boolean {
  if (!prev) return false;
  if (prev.t === 'id' || prev.t === 'num' || prev.t === 'str' || prev.t === 'gstr') return true;
  if (prev.t === 'kw') return prev.v === 'true' || prev.v === 'false' || prev.v === 'null' || prev.v === 'this';
  if (prev.t === 'op') return prev.v === ')' || prev.v === ']' || prev.v === '}' || prev.v === '++' || prev.v === '--';
  return false;
}

const MAX_INTERPOLATION_DEPTH = 16;

class Lexer {
  private pos = 0;
  private line = 1;
  private col = 1;
  private readonly tokens: Token[] = [];
  /** Open brackets; newlines only end statements at the top level or directly inside braces. */
  private readonly brackets: { op: string; line: number; col: number }[] = [];
  private sawSpace = false;

  constructor(
    private readonly src: string,
    private readonly depth: number,
    private readonly stopAtBrace: boolean,
  ) {}

  private fail(message: string, line = this.line, col = this.col): never {
    throw new ScriptFault(message, 'syntax', line, col);
  }

  private peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  private advance(n = 1): void {
    for (let i = 0; i < n; i++) {
      if (this.src.charCodeAt(this.pos) === 10) {
        this.line++;
        this.col = 1;
      } else {
        this.col++;
      }
      this.pos++;
    }
  }

  private push(t: TokenKind, v: string, line: number, col: number, start: number, extra?: Partial<Token>): Token {
    const token: Token = { t, v, line, col, start, end: this.pos, space: this.sawSpace, ...extra };
    this.tokens.push(token);
    this.sawSpace = false;
    return token;
  }

  private newlineMatters(): boolean {
    const top = this.brackets[this.brackets.length - 1];
    return top === undefined || top.op === '{';
  }

  run(): { tokens: Token[]; end: number } {
    const src = this.src;
    while (this.pos < src.length) {
      const c = src.charAt(this.pos);
      if (c === '\n') {
        const last = this.tokens[this.tokens.length - 1];
        if (this.newlineMatters() && last && last.t !== 'nl') this.push('nl', '\n', this.line, this.col, this.pos);
        this.advance();
        this.sawSpace = true;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
        this.advance();
        this.sawSpace = true;
        continue;
      }
      if (c === '\\' && (this.peek(1) === '\n' || (this.peek(1) === '\r' && this.peek(2) === '\n'))) {
        // A backslash at the end of a line continues the statement.
        this.advance(this.peek(1) === '\r' ? 3 : 2);
        this.sawSpace = true;
        continue;
      }
      if (c === '/' && this.peek(1) === '/') {
        while (this.pos < src.length && src.charAt(this.pos) !== '\n') this.advance();
        continue;
      }
      if (c === '/' && this.peek(1) === '*') {
        const line = this.line;
        const col = this.col;
        const close = src.indexOf('*/', this.pos + 2);
        if (close < 0) this.fail('unterminated comment: add */', line, col);
        this.advance(close + 2 - this.pos);
        this.sawSpace = true;
        continue;
      }
      if (c === '#' && this.pos === 0 && this.peek(1) === '!') {
        while (this.pos < src.length && src.charAt(this.pos) !== '\n') this.advance();
        continue;
      }
      const line = this.line;
      const col = this.col;
      const start = this.pos;
      if (isIdentStart(c)) {
        let end = this.pos + 1;
        while (end < src.length && isIdentPart(src.charAt(end))) end++;
        const word = src.slice(this.pos, end);
        this.advance(end - this.pos);
        this.push(keywords.has(word) ? 'kw' : 'id', word, line, col, start);
        continue;
      }
      if (c >= '0' && c <= '9') {
        this.number(line, col, start);
        continue;
      }
      if (c === '"' || c === "'") {
        this.quoted(c, line, col, start);
        continue;
      }
      if (c === '/' && !slashDivides(this.tokens[this.tokens.length - 1])) {
        this.slashy(line, col, start);
        continue;
      }
      if (c === '$' && this.peek(1) === '/')
        this.fail('dollar-slashy strings ($/.../$) are not supported; use /.../ or a quoted string');
      let op = '';
      for (const candidate of operators) {
        if (src.startsWith(candidate, this.pos)) {
          op = candidate;
          break;
        }
      }
      if (op === '') this.fail(`unexpected character '${c}'`);
      if (op === '(' || op === '[' || op === '{') this.brackets.push({ op, line, col });
      if (op === ')' || op === ']' || op === '}') {
        if (op === '}' && this.stopAtBrace && this.brackets.length === 0) {
          this.advance();
          return { tokens: this.finish(line, col), end: this.pos };
        }
        const open = this.brackets.pop()?.op;
        const expected = open === '(' ? ')' : open === '[' ? ']' : open === '{' ? '}' : undefined;
        if (expected !== op) {
          this.fail(
            expected
              ? `unexpected '${op}': expected '${expected}'`
              : `unexpected '${op}' without a matching opening bracket`,
          );
        }
        // A newline just before a closing bracket never ends anything.
        const last = this.tokens[this.tokens.length - 1];
        if (last && last.t === 'nl' && op !== '}') this.tokens.pop();
      }
      this.advance(op.length);
      this.push('op', op, line, col, start);
    }
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows Groovy's own ${...} syntax.
    if (this.stopAtBrace) this.fail('unterminated ${...} in string: add }');
    if (this.brackets.length > 0) {
      const open = this.brackets[this.brackets.length - 1] as { op: string; line: number; col: number };
      this.fail(`'${open.op}' is never closed (the script ends before its closing bracket)`, open.line, open.col);
    }
    return { tokens: this.finish(this.line, this.col), end: this.pos };
  }

  private finish(line: number, col: number): Token[] {
    this.push('eof', '', line, col, this.pos);
    return this.tokens;
  }

  private number(line: number, col: number, start: number): void {
    const src = this.src;
    let end = this.pos;
    let text = '';
    let kind: 'int' | 'dec' = 'int';
    if (src.charAt(end) === '0' && (src.charAt(end + 1) === 'x' || src.charAt(end + 1) === 'X')) {
      end += 2;
      while (end < src.length && /[0-9a-fA-F_]/.test(src.charAt(end))) end++;
      const hex = src.slice(this.pos + 2, end).replace(/_/g, '');
      if (hex === '') this.fail('hexadecimal number without digits');
      text = BigInt(`0x${hex}`).toString();
    } else {
      while (end < src.length && /[0-9_]/.test(src.charAt(end))) end++;
      if (src.charAt(end) === '.' && /[0-9]/.test(src.charAt(end + 1))) {
        kind = 'dec';
        end++;
        while (end < src.length && /[0-9_]/.test(src.charAt(end))) end++;
      }
      if ((src.charAt(end) === 'e' || src.charAt(end) === 'E') && /[-+0-9]/.test(src.charAt(end + 1))) {
        let e = end + 1;
        if (src.charAt(e) === '+' || src.charAt(e) === '-') e++;
        if (/[0-9]/.test(src.charAt(e))) {
          kind = 'dec';
          end = e;
          while (end < src.length && /[0-9]/.test(src.charAt(end))) end++;
        }
      }
      text = src.slice(this.pos, end).replace(/_/g, '');
    }
    let numKind: 'int' | 'dec' | 'long' | 'big' = kind;
    const suffix = src.charAt(end);
    if (/[lL]/.test(suffix)) {
      if (kind === 'dec') this.fail('a decimal number cannot have the L suffix');
      numKind = 'long';
      end++;
    } else if (/[gG]/.test(suffix)) {
      numKind = 'big';
      end++;
    } else if (/[iI]/.test(suffix)) {
      end++;
    } else if (/[dDfF]/.test(suffix)) {
      this.fail('float and double numbers are not supported in sync rules: write a decimal such as 1.5 (BigDecimal)');
    }
    if (isIdentPart(src.charAt(end))) this.fail(`invalid number '${src.slice(this.pos, end + 1)}'`);
    this.advance(end - this.pos);
    this.push('num', text, line, col, start, { numKind });
  }

  private quoted(q: string, line: number, col: number, start: number): void {
    const src = this.src;
    const triple = src.startsWith(q + q + q, this.pos);
    const interpolate = q === '"';
    this.advance(triple ? 3 : 1);
    const parts: (string | Token[])[] = [];
    let text = '';
    for (;;) {
      if (this.pos >= src.length) this.fail('unterminated string: add the closing quote', line, col);
      const c = src.charAt(this.pos);
      if (triple ? src.startsWith(q + q + q, this.pos) && !src.startsWith(q + q + q + q, this.pos) : c === q) {
        this.advance(triple ? 3 : 1);
        break;
      }
      if (!triple && c === '\n')
        this.fail('unterminated string: close it on the same line or use triple quotes', line, col);
      if (c === '\\') {
        text += this.escape();
        continue;
      }
      if (interpolate && c === '$') {
        const part = this.interpolation();
        if (part) {
          parts.push(text, part);
          text = '';
          continue;
        }
      }
      text += c;
      this.advance();
    }
    this.pushString(text, parts, line, col, start);
  }

  /** A string with no interpolation is a plain `str`; one with `${...}` or `$name` parts is a `gstr`. */
  private pushString(text: string, parts: (string | Token[])[], line: number, col: number, start: number): void {
    if (parts.length === 0) {
      this.push('str', text, line, col, start);
    } else {
      parts.push(text);
      this.push('gstr', '', line, col, start, { parts });
    }
  }

  private escape(): string {
    const n = this.peek(1);
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      b: '\b',
      f: '\f',
      s: ' ',
      '\\': '\\',
      "'": "'",
      '"': '"',
      $: '$',
      '/': '/',
    };
    if (n === '\n') {
      this.advance(2);
      return '';
    }
    if (n === 'u') {
      const hex = this.src.slice(this.pos + 2, this.pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid unicode escape: use \\u followed by 4 hex digits');
      this.advance(6);
      return String.fromCharCode(parseInt(hex, 16));
    }
    if (/[0-7]/.test(n)) {
      let digits = '';
      while (digits.length < 3 && /[0-7]/.test(this.peek(1 + digits.length))) digits += this.peek(1 + digits.length);
      this.advance(1 + digits.length);
      return String.fromCharCode(parseInt(digits, 8));
    }
    const mapped = simple[n];
    if (mapped === undefined) this.fail(`invalid escape '\\${n}' in string`);
    this.advance(2);
    return mapped;
  }

  /** At a `$`: returns the tokens of `${expr}` or `$name.path`, or null when the `$` is literal text. */
  private interpolation(): Token[] | null {
    const src = this.src;
    const next = this.peek(1);
    if (next === '{') {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows Groovy's own ${...} syntax.
      if (this.depth >= MAX_INTERPOLATION_DEPTH) this.fail('strings are nested too deeply inside ${...}');
      this.advance(2);
      const inner = new Lexer(src, this.depth + 1, true);
      inner.pos = this.pos;
      inner.line = this.line;
      inner.col = this.col;
      const { tokens } = inner.run();
      this.pos = inner.pos;
      this.line = inner.line;
      this.col = inner.col;
      return tokens;
    }
    if (!isIdentStart(next) || next === '$') return null;
    const tokens: Token[] = [];
    this.advance();
    for (;;) {
      const line = this.line;
      const col = this.col;
      const start = this.pos;
      let end = this.pos;
      while (end < src.length && isIdentPart(src.charAt(end)) && src.charAt(end) !== '$') end++;
      const word = src.slice(this.pos, end);
      this.advance(end - this.pos);
      tokens.push({ t: keywords.has(word) ? 'kw' : 'id', v: word, line, col, start, end, space: false });
      if (src.charAt(this.pos) === '.' && isIdentStart(src.charAt(this.pos + 1)) && src.charAt(this.pos + 1) !== '$') {
        tokens.push({
          t: 'op',
          v: '.',
          line: this.line,
          col: this.col,
          start: this.pos,
          end: this.pos + 1,
          space: false,
        });
        this.advance();
        continue;
      }
      break;
    }
    tokens.push({ t: 'eof', v: '', line: this.line, col: this.col, start: this.pos, end: this.pos, space: false });
    return tokens;
  }

  private slashy(line: number, col: number, start: number): void {
    const src = this.src;
    this.advance();
    const parts: (string | Token[])[] = [];
    let text = '';
    for (;;) {
      if (this.pos >= src.length) this.fail('unterminated /regex/ string: add the closing /', line, col);
      const c = src.charAt(this.pos);
      if (c === '/') {
        this.advance();
        break;
      }
      if (c === '\\' && this.peek(1) === '/') {
        text += '/';
        this.advance(2);
        continue;
      }
      if (c === '$') {
        const part = this.interpolation();
        if (part) {
          parts.push(text, part);
          text = '';
          continue;
        }
      }
      text += c;
      this.advance();
    }
    this.pushString(text, parts, line, col, start);
  }
}

function isIdentStart(c: string): boolean {
  return (
    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$' || (c > '\u007f' && /\p{L}/u.test(c))
  );
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

export function tokenize(source: string): Token[] {
  return new Lexer(source, 0, false).run().tokens;
}
