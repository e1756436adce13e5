/**
 * The syntax of the regular expressions regex-engine.ts runs: JavaScript's (ECMA-262 §22.2.1, non-unicode mode, with
 * Annex B's web-compatibility forms: legacy octal and identity escapes, `\\c` without a letter, `{` that is no
 * quantifier, quantified lookaheads) parsed into a tree, and what can be read off the tree before matching: whether
 * a part can match the empty string, the characters a match can start with, and a bound on the ways to match.
 */
// ---------------------------------------------------------------------------------------------- syntax tree

export interface CharSet {
  /** Members as inclusive code-unit ranges: [lo0, hi0, lo1, hi1, ...]. */
  ranges: number[];
  /** Class escapes that are members: any of d D s S w W. */
  classes: string;
  negate: boolean;
}

export type Node =
  | { t: 'empty' }
  | { t: 'char'; c: number }
  | { t: 'set'; set: CharSet }
  | { t: 'any' }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; index: number; body: Node }
  | { t: 'look'; behind: boolean; negate: boolean; body: Node }
  | { t: 'bol' }
  | { t: 'eol' }
  | { t: 'wordb'; negate: boolean }
  | { t: 'backref'; group: number; name: string | null }
  | { t: 'repeat'; body: Node; min: number; max: number; greedy: boolean; firstGroup: number; groups: number };

const INFINITE = 0x7fffffff;

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isOctal(c: string): boolean {
  return c >= '0' && c <= '7';
}

function isHex(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

function isAsciiLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

const quantifierText = /\{(\d+)(?:(,)(\d*))?\}/y;

export class RegexParser {
  private i = 0;
  private groups = 0;
  readonly names = new Map<string, number>();
  private readonly totalGroups: number;
  private readonly hasNames: boolean;
  private readonly backrefs: Extract<Node, { t: 'backref' }>[] = [];

  constructor(private readonly src: string) {
    const scan = scanGroups(src);
    this.totalGroups = scan.count;
    this.hasNames = scan.named;
  }

  parse(): { node: Node; groups: number } {
    const node = this.disjunction();
    if (this.i < this.src.length) throw new SyntaxError(`unexpected '${this.src.charAt(this.i)}'`);
    for (const b of this.backrefs) {
      if (b.name === null) continue;
      const g = this.names.get(b.name);
      if (g === undefined) throw new SyntaxError(`invalid named reference \\k<${b.name}>`);
      b.group = g;
    }
    return { node, groups: this.groups };
  }

  private peek(k = 0): string {
    return this.src.charAt(this.i + k);
  }

  private disjunction(): Node {
    const alts = [this.alternative()];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.alternative());
    }
    return alts.length === 1 ? (alts[0] as Node) : { t: 'alt', alts };
  }

  private alternative(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') items.push(this.term());
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] as Node) : { t: 'seq', items };
  }

  private term(): Node {
    const c = this.peek();
    if (c === '^') {
      this.i++;
      return { t: 'bol' };
    }
    if (c === '$') {
      this.i++;
      return { t: 'eol' };
    }
    if (c === '\\' && (this.peek(1) === 'b' || this.peek(1) === 'B')) {
      this.i += 2;
      return { t: 'wordb', negate: this.src.charAt(this.i - 1) === 'B' };
    }
    const first = this.groups;
    if (c === '(' && this.peek(1) === '?') {
      const kind = this.peek(2);
      if (kind === '=' || kind === '!') {
        this.i += 3;
        const body = this.disjunction();
        this.expect(')');
        // Annex B: a lookahead may be quantified.
        return this.quantifier({ t: 'look', behind: false, negate: kind === '!', body }, first);
      }
      if (kind === '<' && (this.peek(3) === '=' || this.peek(3) === '!')) {
        const negate = this.peek(3) === '!';
        this.i += 4;
        const body = this.disjunction();
        this.expect(')');
        return { t: 'look', behind: true, negate, body };
      }
    }
    return this.quantifier(this.atom(), first);
  }

  private expect(c: string): void {
    if (this.peek() !== c) throw new SyntaxError(`expected '${c}'`);
    this.i++;
  }

  private quantifier(atom: Node, firstGroup: number): Node {
    const q = this.peek();
    let min: number;
    let max: number;
    if (q === '*') {
      min = 0;
      max = INFINITE;
      this.i++;
    } else if (q === '+') {
      min = 1;
      max = INFINITE;
      this.i++;
    } else if (q === '?') {
      min = 0;
      max = 1;
      this.i++;
    } else if (q === '{') {
      quantifierText.lastIndex = this.i;
      const m = quantifierText.exec(this.src);
      if (!m) return atom;
      min = Math.min(Number(m[1]), INFINITE);
      max = m[2] === undefined ? min : m[3] === '' ? INFINITE : Math.min(Number(m[3]), INFINITE);
      this.i += m[0].length;
    } else {
      return atom;
    }
    let greedy = true;
    if (this.peek() === '?') {
      greedy = false;
      this.i++;
    }
    return { t: 'repeat', body: atom, min, max, greedy, firstGroup: firstGroup + 1, groups: this.groups - firstGroup };
  }

  private atom(): Node {
    const c = this.peek();
    if (c === '.') {
      this.i++;
      return { t: 'any' };
    }
    if (c === '(') {
      if (this.peek(1) === '?' && this.peek(2) === ':') {
        this.i += 3;
        const body = this.disjunction();
        this.expect(')');
        return { t: 'group', index: 0, body };
      }
      this.i++;
      const index = ++this.groups;
      if (this.peek() === '?' && this.peek(1) === '<') {
        const end = this.src.indexOf('>', this.i);
        if (end < 0) throw new SyntaxError('invalid capture group name');
        this.names.set(this.src.slice(this.i + 2, end), index);
        this.i = end + 1;
      }
      const body = this.disjunction();
      this.expect(')');
      return { t: 'group', index, body };
    }
    if (c === '[') return this.charClass();
    if (c === '\\') return this.atomEscape();
    this.i++;
    return { t: 'char', c: c.charCodeAt(0) };
  }

  private atomEscape(): Node {
    const e = this.peek(1);
    if (e === '') throw new SyntaxError('\\ at end of pattern');
    if (e >= '1' && e <= '9') {
      let j = this.i + 1;
      while (isDigit(this.src.charAt(j))) j++;
      const n = Number(this.src.slice(this.i + 1, j));
      if (n <= this.totalGroups) {
        this.i = j;
        const node: Extract<Node, { t: 'backref' }> = { t: 'backref', group: n, name: null };
        return node;
      }
      if (e === '8' || e === '9') {
        this.i += 2;
        return { t: 'char', c: e.charCodeAt(0) };
      }
      this.i++;
      return { t: 'char', c: this.legacyOctal() };
    }
    if (e === 'k' && this.hasNames) {
      const end = this.src.indexOf('>', this.i);
      if (this.peek(2) !== '<' || end < 0) throw new SyntaxError('invalid named reference');
      const node: Extract<Node, { t: 'backref' }> = {
        t: 'backref',
        group: 0,
        name: this.src.slice(this.i + 3, end),
      };
      this.backrefs.push(node);
      this.i = end + 1;
      return node;
    }
    const cls = this.classEscape(false);
    if (typeof cls === 'string') return { t: 'set', set: { ranges: [], classes: cls, negate: false } };
    return { t: 'char', c: cls };
  }

  /** An escape after a backslash at this.i: a class escape letter (d D s S w W) or a code unit. */
  private classEscape(inClass: boolean): number | string {
    const e = this.peek(1);
    this.i += 2;
    switch (e) {
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return e;
      case 'f':
        return 12;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 't':
        return 9;
      case 'v':
        return 11;
      case 'c': {
        const l = this.peek();
        if (isAsciiLetter(l) || (inClass && (isDigit(l) || l === '_'))) {
          this.i++;
          return l.charCodeAt(0) % 32;
        }
        // Annex B: "\c" not followed by a control letter is a backslash, and the c is read again as itself.
        this.i--;
        return 92;
      }
      case 'x':
        if (isHex(this.peek()) && isHex(this.peek(1))) {
          this.i += 2;
          return parseInt(this.src.slice(this.i - 2, this.i), 16);
        }
        return 120;
      case 'u':
        if (isHex(this.peek()) && isHex(this.peek(1)) && isHex(this.peek(2)) && isHex(this.peek(3))) {
          this.i += 4;
          return parseInt(this.src.slice(this.i - 4, this.i), 16);
        }
        return 117;
      case 'b':
        return inClass ? 8 : 98;
      default:
        if (isOctal(e)) {
          this.i--;
          return this.legacyOctal();
        }
        return e.charCodeAt(0);
    }
  }

  /** Annex B LegacyOctalEscapeSequence at this.i: up to three octal digits, at most \377. */
  private legacyOctal(): number {
    const d0 = this.peek();
    this.i++;
    let v = d0.charCodeAt(0) - 48;
    if (isOctal(this.peek())) {
      v = v * 8 + this.peek().charCodeAt(0) - 48;
      this.i++;
      if (d0 <= '3' && isOctal(this.peek())) {
        v = v * 8 + this.peek().charCodeAt(0) - 48;
        this.i++;
      }
    }
    return v;
  }

  private classAtom(): number | string {
    if (this.peek() === '\\') return this.classEscape(true);
    const c = this.src.charCodeAt(this.i);
    this.i++;
    return c;
  }

  private charClass(): Node {
    this.i++;
    const set: CharSet = { ranges: [], classes: '', negate: false };
    if (this.peek() === '^') {
      set.negate = true;
      this.i++;
    }
    const add = (a: number | string): void => {
      if (typeof a === 'string') set.classes += a;
      else set.ranges.push(a, a);
    };
    while (this.peek() !== ']') {
      if (this.i >= this.src.length) throw new SyntaxError('unterminated character class');
      const a = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const b = this.classAtom();
        if (typeof a === 'string' || typeof b === 'string') {
          // Annex B: a range with a class escape at either end is the two ends and the dash.
          add(a);
          add(45);
          add(b);
        } else {
          if (a > b) throw new SyntaxError('range out of order in character class');
          set.ranges.push(a, b);
        }
      } else {
        add(a);
      }
    }
    this.i++;
    return { t: 'set', set };
  }
}

/** How many capturing groups the pattern has, and whether any is named (which makes \k a reference). */
function scanGroups(src: string): { count: number; named: boolean } {
  let count = 0;
  let named = false;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src.charAt(i);
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      if (src.charAt(i + 1) !== '?') count++;
      else if (src.charAt(i + 2) === '<' && src.charAt(i + 3) !== '=' && src.charAt(i + 3) !== '!') {
        count++;
        named = true;
      }
    }
  }
  return { count, named };
}

// ---------------------------------------------------------------------------------------------- analysis

export function nullable(n: Node): boolean {
  switch (n.t) {
    case 'char':
    case 'set':
    case 'any':
      return false;
    case 'seq':
      return n.items.every(nullable);
    case 'alt':
      return n.alts.some(nullable);
    case 'group':
      return nullable(n.body);
    case 'repeat':
      return n.min === 0 || nullable(n.body);
    default:
      // assertions and backreferences can match without consuming anything
      return true;
  }
}

/** The sets a match's first character belongs to, or null when that is not known (or could be anything). */
export function firstSets(n: Node): (CharSet | number)[] | null {
  switch (n.t) {
    case 'char':
      return [n.c];
    case 'set':
      return [n.set];
    case 'seq': {
      for (const item of n.items) {
        if (item.t === 'bol' || item.t === 'eol' || item.t === 'wordb' || item.t === 'look') continue;
        if (nullable(item)) return null;
        return firstSets(item);
      }
      return null;
    }
    case 'alt': {
      const out: (CharSet | number)[] = [];
      for (const a of n.alts) {
        const f = firstSets(a);
        if (f === null) return null;
        out.push(...f);
      }
      return out;
    }
    case 'group':
      return firstSets(n.body);
    case 'repeat':
      return n.min > 0 ? firstSets(n.body) : null;
    default:
      return null;
  }
}

export function unionSet(parts: (CharSet | number)[]): CharSet | null {
  const out: CharSet = { ranges: [], classes: '', negate: false };
  for (const p of parts) {
    if (typeof p === 'number') out.ranges.push(p, p);
    else if (p.negate) return parts.length === 1 ? p : null;
    else {
      out.ranges.push(...p.ranges);
      out.classes += p.classes;
    }
  }
  return out;
}

interface Cost {
  /** Choice points multiply: the number of ways to match, as weight × (n + 1) ^ degree. */
  weight: number;
  degree: number;
}

export const MAX_WEIGHT = 1e12;

function product(a: Cost, b: Cost): Cost {
  return { weight: Math.min(a.weight * b.weight, MAX_WEIGHT), degree: a.degree + b.degree };
}

/**
 * An upper bound on the ways a backtracking matcher can try to match `n` from one start position. A quantifier
 * over one character chooses among at most n + 1 counts; one over a body with a single way to match chooses a count
 * too; one over a body with several ways can combine them in exponentially many ways (degree Infinity) unless its
 * count is small. Alternatives add up.
 */
export function cost(n: Node): Cost {
  switch (n.t) {
    case 'seq': {
      let c: Cost = { weight: 1, degree: 0 };
      for (const item of n.items) c = product(c, cost(item));
      return c;
    }
    case 'alt': {
      let weight = 0;
      let degree = 0;
      for (const a of n.alts) {
        const c = cost(a);
        weight += c.weight;
        degree = Math.max(degree, c.degree);
      }
      return { weight: Math.min(weight, MAX_WEIGHT), degree };
    }
    case 'group':
    case 'look':
      return cost(n.body);
    case 'backref':
      return { weight: 1, degree: 1 };
    case 'repeat': {
      const body = cost(n.body);
      const unbounded = n.max > 16;
      if (body.weight === 1 && body.degree === 0)
        return unbounded ? { weight: 1, degree: 1 } : { weight: n.max + 1, degree: 0 };
      if (unbounded) return { weight: 1, degree: Number.POSITIVE_INFINITY };
      let c: Cost = { weight: n.max + 1, degree: 0 };
      for (let i = 0; i < n.max; i++) c = product(c, body);
      return c;
    }
    default:
      return { weight: 1, degree: 0 };
  }
}

export function repeatsEmpty(n: Node): boolean {
  switch (n.t) {
    case 'seq':
      return n.items.some(repeatsEmpty);
    case 'alt':
      return n.alts.some(repeatsEmpty);
    case 'group':
    case 'look':
      return repeatsEmpty(n.body);
    case 'repeat':
      return (n.max > 1 && nullable(n.body)) || repeatsEmpty(n.body);
    default:
      return false;
  }
}

export function countNodes(n: Node): number {
  switch (n.t) {
    case 'seq':
      return n.items.reduce((s, x) => s + countNodes(x), 1);
    case 'alt':
      return n.alts.reduce((s, x) => s + countNodes(x), 1);
    case 'group':
    case 'look':
    case 'repeat':
      return 1 + countNodes(n.body);
    default:
      return 1;
  }
}

export function hasRepeat(n: Node): boolean {
  switch (n.t) {
    case 'seq':
      return n.items.some(hasRepeat);
    case 'alt':
      return n.alts.some(hasRepeat);
    case 'group':
    case 'look':
      return hasRepeat(n.body);
    case 'repeat':
    case 'backref':
      return true;
    default:
      return false;
  }
}
