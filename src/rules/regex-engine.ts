/**
 * A backtracking regular-expression engine with JavaScript's semantics (ECMAScript, non-unicode mode, flags i, m
 * and s: the ones regex.ts translates Java patterns into) that counts its work.
 *
 * Why: V8's engine cannot be interrupted. A pattern that backtracks a lot on a long input (`a*a*a*b` on 500
 * characters, `\s+$` on 100,000 spaces, `(a?a?)+b`) holds the thread for seconds, hours or forever, and with it
 * every other run on the node. This engine executes the same pattern as a small program on an explicit backtrack
 * stack, charges every instruction against the run's step limit (UNITS_PER_STEP instructions a step) and so checks
 * the clock as it goes: such a match ends with a 'steps' or 'time' limit error at the line that asked for it.
 * regex.ts runs V8 when a pattern's worst case on the input at hand is small (worstCaseWork), and this engine
 * otherwise; both give the same matches (test/rules/regex-engine.test.ts compares them on generated patterns).
 *
 * The pattern is parsed by regex-syntax.ts; the program follows the specification's matcher semantics
 * (ECMA-262 §22.2.2): greedy and lazy quantifiers, captures reset at each iteration of a quantified group, an iteration
 * past the minimum that matches the empty string fails, lookahead and lookbehind (matched right to left) are
 * atomic, backreferences to a group that did not take part match the empty string, and case-insensitive matching
 * compares Canonicalize(ch) (the simple upper case of a character, unless that maps a non-ASCII character to ASCII).
 */
import {
  type CharSet,
  cost,
  countNodes,
  firstSets,
  hasRepeat,
  MAX_WEIGHT,
  type Node,
  nullable,
  RegexParser,
  repeatsEmpty,
  unionSet,
} from './regex-syntax.ts';
import { charge, limitFault } from './runtime.ts';

/** Engine instructions per step of the run's step limit. */
export const UNITS_PER_STEP = 32;
/** Instructions between two charges (each charge of 1,024 steps also checks the clock). */
const WORK_SLICE = UNITS_PER_STEP * 1024;
/** Backtrack entries one match may hold (4 numbers each, 16 MB): a match that needs more stops with 'memory'. */
const MAX_FRAMES = 1 << 20;

// ---------------------------------------------------------------------------------------------- characters

function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** \s: WhiteSpace and LineTerminator (ECMA-262 §12.2, §12.3). */
export function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function canonicalizeOne(ch: number): number {
  const u = String.fromCharCode(ch).toUpperCase();
  if (u.length !== 1) return ch;
  const cu = u.charCodeAt(0);
  return ch >= 128 && cu < 128 ? ch : cu;
}

let canonTable: Uint16Array | null = null;
let equivStart: Int32Array | null = null;
let equivMembers: Uint16Array | null = null;

/** Canonicalize (ECMA-262 §22.2.2.7.3, non-unicode) of every code unit, and the code units sharing each value. */
function caseTables(): { canon: Uint16Array; start: Int32Array; members: Uint16Array } {
  if (canonTable === null || equivStart === null || equivMembers === null) {
    const canon = new Uint16Array(65536);
    const counts = new Int32Array(65537);
    for (let c = 0; c < 65536; c++) {
      const k = canonicalizeOne(c);
      canon[c] = k;
      counts[k + 1] = (counts[k + 1] as number) + 1;
    }
    for (let k = 1; k <= 65536; k++) counts[k] = (counts[k] as number) + (counts[k - 1] as number);
    const fill = counts.slice();
    const members = new Uint16Array(65536);
    for (let c = 0; c < 65536; c++) {
      const k = canon[c] as number;
      members[fill[k] as number] = c;
      fill[k] = (fill[k] as number) + 1;
    }
    canonTable = canon;
    equivStart = counts;
    equivMembers = members;
  }
  return { canon: canonTable, start: equivStart, members: equivMembers };
}

function rawMember(set: CharSet, c: number): boolean {
  const r = set.ranges;
  for (let i = 0; i < r.length; i += 2) if (c >= (r[i] as number) && c <= (r[i + 1] as number)) return true;
  for (let i = 0; i < set.classes.length; i++) {
    switch (set.classes.charAt(i)) {
      case 'd':
        if (c >= 48 && c <= 57) return true;
        break;
      case 'D':
        if (!(c >= 48 && c <= 57)) return true;
        break;
      case 's':
        if (isSpace(c)) return true;
        break;
      case 'S':
        if (!isSpace(c)) return true;
        break;
      case 'w':
        if (isWordChar(c)) return true;
        break;
      case 'W':
        if (!isWordChar(c)) return true;
        break;
    }
  }
  return false;
}

/** A character set ready to test: ASCII answers precomputed, the rest computed once per code unit and kept. */
class CompiledSet {
  private readonly ascii = new Uint8Array(128);
  /** 0 unknown, 1 member, 2 not a member; allocated at the first non-ASCII character. */
  private others: Uint8Array | null = null;

  constructor(
    private readonly set: CharSet,
    private readonly icase: boolean,
  ) {
    for (let c = 0; c < 128; c++) this.ascii[c] = this.compute(c) ? 1 : 0;
  }

  private compute(c: number): boolean {
    let found = false;
    if (this.icase) {
      const t = caseTables();
      const k = t.canon[c] as number;
      for (let j = t.start[k] as number, end = t.start[k + 1] as number; j < end && !found; j++)
        found = rawMember(this.set, t.members[j] as number);
    } else {
      found = rawMember(this.set, c);
    }
    return found !== this.set.negate;
  }

  has(c: number): boolean {
    if (c < 128) return this.ascii[c] === 1;
    if (this.others === null) this.others = new Uint8Array(65536);
    let v = this.others[c] as number;
    if (v === 0) {
      v = this.compute(c) ? 1 : 2;
      this.others[c] = v;
    }
    return v === 1;
  }
}

// ---------------------------------------------------------------------------------------------- program

const OP_CHAR = 1;
const OP_CHARI = 2;
const OP_SET = 3;
const OP_ANY = 4;
const OP_ANYNL = 5;
const OP_CHAR_B = 6;
const OP_CHARI_B = 7;
const OP_SET_B = 8;
const OP_ANY_B = 9;
const OP_ANYNL_B = 10;
const OP_SPLIT = 11;
const OP_JMP = 12;
const OP_SAVE = 13;
const OP_BOL = 14;
const OP_BOL_M = 15;
const OP_EOL = 16;
const OP_EOL_M = 17;
const OP_WORDB = 18;
const OP_NWORDB = 19;
const OP_BACKREF = 20;
const OP_BACKREF_B = 21;
const OP_LOOK = 22;
const OP_LOOP_INIT = 23;
const OP_LOOP = 24;
const OP_LOOP_BODY = 25;
const OP_LOOP_END = 26;
const OP_STAR = 27;
const OP_MATCH = 28;

// Loop table fields (one row of LOOP_STRIDE numbers per quantifier).
const L_MIN = 0;
const L_MAX = 1;
const L_GREEDY = 2;
const L_COUNT = 3;
const L_START = 4;
const L_HEAD = 5;
const L_BODY = 6;
const L_EXIT = 7;
const L_CAP_FROM = 8;
const L_CAP_TO = 9;
const L_ATOM = 10;
const L_ARG = 11;
const L_BACKWARD = 12;
const LOOP_STRIDE = 13;

// Backtrack frames: four numbers, the first the kind.
const BT_BRANCH = 1;
const BT_CAP = 2;
const BT_REG = 3;
const BT_GREEDY = 4;
const BT_LAZY = 5;

export interface RegexProgram {
  readonly code: Int32Array;
  readonly sets: readonly CompiledSet[];
  readonly loops: Int32Array;
  /** Capture slots: start and end of the whole match and of each group. */
  readonly slots: number;
  readonly registers: number;
  readonly icase: boolean;
  /** Only position 0 can start a match (the pattern begins with ^ and is not multiline). */
  readonly anchored: boolean;
  /** The characters a match can start with, when the pattern cannot match the empty string. */
  readonly first: CompiledSet | null;
  readonly groupNames: ReadonlyMap<string, number>;
  /**
   * The shape of the worst case: backtracking on an input of n characters is at most
   * weight × (n + 1) ^ degree instructions (degree Infinity: exponential).
   */
  readonly weight: number;
  readonly degree: number;
  /** Some quantifier repeats (more than once) a body that can match the empty string, as in (a?a?)+ or (a|)*. */
  readonly repeatsEmpty: boolean;
}

function atomOf(node: Node): Node | null {
  if (node.t === 'char' || node.t === 'set' || node.t === 'any') return node;
  if (node.t === 'group' && node.index === 0) return atomOf(node.body);
  return null;
}

class Compiler {
  readonly code: number[] = [];
  readonly sets: CompiledSet[] = [];
  readonly loops: number[] = [];
  registers = 0;

  constructor(
    private readonly icase: boolean,
    private readonly multiline: boolean,
    private readonly dotAll: boolean,
  ) {}

  private emit(...xs: number[]): number {
    const at = this.code.length;
    this.code.push(...xs);
    return at;
  }

  set(set: CharSet): number {
    this.sets.push(new CompiledSet(set, this.icase));
    return this.sets.length - 1;
  }

  /** The opcode and operand that match one character of `atom` forward. */
  private atom(atom: Node): [number, number] {
    if (atom.t === 'char') return this.icase ? [OP_CHARI, caseTables().canon[atom.c] as number] : [OP_CHAR, atom.c];
    if (atom.t === 'set') return [OP_SET, this.set(atom.set)];
    return [this.dotAll ? OP_ANY : OP_ANYNL, 0];
  }

  node(n: Node, back: boolean): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'char':
      case 'set':
      case 'any': {
        const [op, arg] = this.atom(n);
        this.emit(back ? op + 5 : op, arg);
        return;
      }
      case 'seq':
        if (back) for (let i = n.items.length - 1; i >= 0; i--) this.node(n.items[i] as Node, back);
        else for (const item of n.items) this.node(item, back);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let i = 0; i < n.alts.length - 1; i++) {
          const split = this.emit(OP_SPLIT, 0, 0);
          this.code[split + 1] = this.code.length;
          this.node(n.alts[i] as Node, back);
          jumps.push(this.emit(OP_JMP, 0));
          this.code[split + 2] = this.code.length;
        }
        this.node(n.alts[n.alts.length - 1] as Node, back);
        for (const j of jumps) this.code[j + 1] = this.code.length;
        return;
      }
      case 'group':
        if (n.index === 0) {
          this.node(n.body, back);
          return;
        }
        this.emit(OP_SAVE, 2 * n.index + (back ? 1 : 0));
        this.node(n.body, back);
        this.emit(OP_SAVE, 2 * n.index + (back ? 0 : 1));
        return;
      case 'look': {
        const at = this.emit(OP_LOOK, (n.negate ? 1 : 0) | (n.behind ? 2 : 0), 0);
        this.node(n.body, n.behind);
        this.emit(OP_MATCH);
        this.code[at + 2] = this.code.length;
        return;
      }
      case 'bol':
        this.emit(this.multiline ? OP_BOL_M : OP_BOL);
        return;
      case 'eol':
        this.emit(this.multiline ? OP_EOL_M : OP_EOL);
        return;
      case 'wordb':
        this.emit(n.negate ? OP_NWORDB : OP_WORDB);
        return;
      case 'backref':
        this.emit(back ? OP_BACKREF_B : OP_BACKREF, n.group);
        return;
      case 'repeat':
        this.repeat(n, back);
        return;
    }
  }

  private repeat(n: Extract<Node, { t: 'repeat' }>, back: boolean): void {
    if (n.max === 0) return;
    if (n.min === 1 && n.max === 1) {
      this.node(n.body, back);
      return;
    }
    const L = this.loops.length / LOOP_STRIDE;
    const row = new Array<number>(LOOP_STRIDE).fill(0);
    row[L_MIN] = n.min;
    row[L_MAX] = n.max;
    row[L_GREEDY] = n.greedy ? 1 : 0;
    row[L_BACKWARD] = back ? 1 : 0;
    this.loops.push(...row);
    const a = atomOf(n.body);
    if (a !== null) {
      const [op, arg] = this.atom(a);
      this.loops[L * LOOP_STRIDE + L_ATOM] = op;
      this.loops[L * LOOP_STRIDE + L_ARG] = arg;
      this.emit(OP_STAR, L);
      this.loops[L * LOOP_STRIDE + L_EXIT] = this.code.length;
      return;
    }
    this.loops[L * LOOP_STRIDE + L_COUNT] = this.registers++;
    this.loops[L * LOOP_STRIDE + L_START] = this.registers++;
    this.loops[L * LOOP_STRIDE + L_CAP_FROM] = 2 * n.firstGroup;
    this.loops[L * LOOP_STRIDE + L_CAP_TO] = 2 * (n.firstGroup + n.groups);
    this.emit(OP_LOOP_INIT, L);
    this.loops[L * LOOP_STRIDE + L_HEAD] = this.emit(OP_LOOP, L);
    this.loops[L * LOOP_STRIDE + L_BODY] = this.emit(OP_LOOP_BODY, L);
    this.node(n.body, back);
    this.emit(OP_LOOP_END, L);
    this.loops[L * LOOP_STRIDE + L_EXIT] = this.code.length;
  }
}

/** Parses and compiles a JS-syntax pattern (flags: any of i, m, s). Throws SyntaxError for what V8 also refuses. */
export function compileRegexProgram(source: string, flags: string): RegexProgram {
  const parser = new RegexParser(source);
  const { node, groups } = parser.parse();
  const icase = flags.includes('i');
  const c = new Compiler(icase, flags.includes('m'), flags.includes('s'));
  c.node(node, false);
  c.code.push(OP_MATCH);
  const firstParts = nullable(node) ? null : firstSets(node);
  const firstSet = firstParts === null ? null : unionSet(firstParts);
  const top = node.t === 'seq' ? node.items[0] : node;
  const shape = cost(node);
  // scanning inside quantifiers and backreferences is itself up to n per way of matching
  const degree = shape.degree + (hasRepeat(node) ? 1 : 0);
  return {
    code: Int32Array.from(c.code),
    sets: c.sets,
    loops: Int32Array.from(c.loops),
    slots: 2 * (groups + 1),
    registers: c.registers,
    icase,
    anchored: top?.t === 'bol' && !flags.includes('m'),
    first: firstSet === null ? null : new CompiledSet(firstSet, icase),
    groupNames: parser.names,
    weight: Math.min(shape.weight * (countNodes(node) + 1), MAX_WEIGHT),
    degree,
    repeatsEmpty: repeatsEmpty(node),
  };
}

/**
 * An upper bound on the instructions a backtracking engine spends on `length` characters: one start position
 * when `sticky`, else every one (which adds one to the degree).
 */
export function worstCaseWork(p: RegexProgram, length: number, sticky: boolean): number {
  const degree = p.degree + (sticky || p.anchored ? 0 : 1);
  if (degree === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return p.weight * (length + 1) ** degree;
}

// ---------------------------------------------------------------------------------------------- execution

let stack = new Int32Array(4096);
let caps = new Int32Array(32);
let regs = new Int32Array(16);
let work = 0;
let input = '';
let prog: RegexProgram;
/** The frame count after a lookaround body matched (run leaves the body's frames on the stack). */
let sp = 0;

/** Charges the whole steps of work done; the rest carries over to the next match, so many small ones add up. */
function flushWork(): void {
  const steps = Math.floor(work / UNITS_PER_STEP);
  work -= steps * UNITS_PER_STEP;
  if (steps > 0) charge(steps);
}

function grow(): void {
  if (stack.length >= MAX_FRAMES * 4)
    throw limitFault(
      `the regular expression needs more than ${MAX_FRAMES} backtracking positions on this input; simplify it`,
      'memory',
    );
  const bigger = new Int32Array(stack.length * 2);
  bigger.set(stack);
  stack = bigger;
}

function push(kind: number, a: number, b: number, c: number): void {
  if (sp + 4 > stack.length) grow();
  stack[sp] = kind;
  stack[sp + 1] = a;
  stack[sp + 2] = b;
  stack[sp + 3] = c;
  sp += 4;
}

function setCap(slot: number, v: number): void {
  push(BT_CAP, slot, caps[slot] as number, 0);
  caps[slot] = v;
}

function setReg(r: number, v: number): void {
  push(BT_REG, r, regs[r] as number, 0);
  regs[r] = v;
}

function atomAt(op: number, arg: number, c: number): boolean {
  switch (op) {
    case OP_CHAR:
      return c === arg;
    case OP_CHARI:
      return (caseTables().canon[c] as number) === arg;
    case OP_SET:
      return (prog.sets[arg] as CompiledSet).has(c);
    case OP_ANY:
      return true;
    default:
      return !isLineTerminator(c);
  }
}

/** How many characters from `pos` (leftwards when `back`) match the atom, up to `max`. */
function scan(op: number, arg: number, pos: number, max: number, back: boolean): number {
  const n = input.length;
  const avail = back ? pos : n - pos;
  const limit = Math.min(max, avail);
  let k = 0;
  if (back) {
    while (k < limit && atomAt(op, arg, input.charCodeAt(pos - 1 - k))) k++;
  } else if (op === OP_ANY) {
    k = limit;
  } else if (op === OP_CHAR) {
    while (k < limit && input.charCodeAt(pos + k) === arg) k++;
  } else if (op === OP_SET) {
    const set = prog.sets[arg] as CompiledSet;
    while (k < limit && set.has(input.charCodeAt(pos + k))) k++;
  } else {
    while (k < limit && atomAt(op, arg, input.charCodeAt(pos + k))) k++;
  }
  work += k;
  return k;
}

/** Undoes the frames above `base` without resuming any of them. */
function unwind(base: number): void {
  while (sp > base) {
    sp -= 4;
    const kind = stack[sp] as number;
    if (kind === BT_CAP) caps[stack[sp + 1] as number] = stack[sp + 2] as number;
    else if (kind === BT_REG) regs[stack[sp + 1] as number] = stack[sp + 2] as number;
  }
}

/** After a lookaround matched: drops its choice points above `base`, keeps its undo records. */
function keepUndo(base: number): void {
  let out = base;
  for (let i = base; i < sp; i += 4) {
    const kind = stack[i] as number;
    if (kind !== BT_CAP && kind !== BT_REG) continue;
    if (out !== i) {
      stack[out] = kind;
      stack[out + 1] = stack[i + 1] as number;
      stack[out + 2] = stack[i + 2] as number;
    }
    out += 4;
  }
  sp = out;
}

/**
 * Runs the program from `startPc` at `startPos` with the frames above `base` as its backtrack stack. Returns the
 * end position of the match (the frames it left stay above base) or -1 (the stack is back at base).
 */
function run(startPc: number, startPos: number, base: number): number {
  const code = prog.code;
  const loops = prog.loops;
  const canon = prog.icase ? caseTables().canon : null;
  const n = input.length;
  let pc = startPc;
  let pos = startPos;
  for (;;) {
    if (++work >= WORK_SLICE) flushWork();
    let ok = false;
    switch (code[pc]) {
      case OP_CHAR:
        if (pos < n && input.charCodeAt(pos) === code[pc + 1]) {
          pos++;
          pc += 2;
          ok = true;
        }
        break;
      case OP_CHARI:
        if (pos < n && (canon as Uint16Array)[input.charCodeAt(pos)] === code[pc + 1]) {
          pos++;
          pc += 2;
          ok = true;
        }
        break;
      case OP_SET:
        if (pos < n && (prog.sets[code[pc + 1] as number] as CompiledSet).has(input.charCodeAt(pos))) {
          pos++;
          pc += 2;
          ok = true;
        }
        break;
      case OP_ANY:
        if (pos < n) {
          pos++;
          pc += 2;
          ok = true;
        }
        break;
      case OP_ANYNL:
        if (pos < n && !isLineTerminator(input.charCodeAt(pos))) {
          pos++;
          pc += 2;
          ok = true;
        }
        break;
      case OP_CHAR_B:
      case OP_CHARI_B:
      case OP_SET_B:
      case OP_ANY_B:
      case OP_ANYNL_B:
        if (pos > 0 && atomAt((code[pc] as number) - 5, code[pc + 1] as number, input.charCodeAt(pos - 1))) {
          pos--;
          pc += 2;
          ok = true;
        }
        break;
      case OP_SPLIT:
        push(BT_BRANCH, code[pc + 2] as number, pos, 0);
        pc = code[pc + 1] as number;
        ok = true;
        break;
      case OP_JMP:
        pc = code[pc + 1] as number;
        ok = true;
        break;
      case OP_SAVE:
        setCap(code[pc + 1] as number, pos);
        pc += 2;
        ok = true;
        break;
      case OP_BOL:
        ok = pos === 0;
        pc++;
        break;
      case OP_BOL_M:
        ok = pos === 0 || isLineTerminator(input.charCodeAt(pos - 1));
        pc++;
        break;
      case OP_EOL:
        ok = pos === n;
        pc++;
        break;
      case OP_EOL_M:
        ok = pos === n || isLineTerminator(input.charCodeAt(pos));
        pc++;
        break;
      case OP_WORDB:
      case OP_NWORDB: {
        const a = pos > 0 && isWordChar(input.charCodeAt(pos - 1));
        const b = pos < n && isWordChar(input.charCodeAt(pos));
        ok = (a !== b) === (code[pc] === OP_WORDB);
        pc++;
        break;
      }
      case OP_BACKREF:
      case OP_BACKREF_B: {
        const g = code[pc + 1] as number;
        const s = caps[2 * g] as number;
        const e = caps[2 * g + 1] as number;
        pc += 2;
        if (s < 0 || e < 0) {
          ok = true;
          break;
        }
        const len = e - s;
        const at = code[pc - 2] === OP_BACKREF ? pos : pos - len;
        if (at < 0 || at + len > n) break;
        work += len;
        ok = true;
        if (canon !== null) {
          for (let k = 0; k < len && ok; k++) ok = canon[input.charCodeAt(s + k)] === canon[input.charCodeAt(at + k)];
        } else {
          for (let k = 0; k < len && ok; k++) ok = input.charCodeAt(s + k) === input.charCodeAt(at + k);
        }
        if (ok) pos = code[pc - 2] === OP_BACKREF ? pos + len : pos - len;
        break;
      }
      case OP_LOOK: {
        const flags = code[pc + 1] as number;
        const from = sp;
        const matched = run(pc + 3, pos, from) >= 0;
        if (flags & 1) {
          if (matched) unwind(from);
          ok = !matched;
        } else {
          if (matched) keepUndo(from);
          ok = matched;
        }
        pc = code[pc + 2] as number;
        break;
      }
      case OP_LOOP_INIT: {
        const row = (code[pc + 1] as number) * LOOP_STRIDE;
        setReg(loops[row + L_COUNT] as number, 0);
        pc += 2;
        ok = true;
        break;
      }
      case OP_LOOP: {
        const row = (code[pc + 1] as number) * LOOP_STRIDE;
        const count = regs[loops[row + L_COUNT] as number] as number;
        ok = true;
        if (count < (loops[row + L_MIN] as number)) pc = loops[row + L_BODY] as number;
        else if (count >= (loops[row + L_MAX] as number)) pc = loops[row + L_EXIT] as number;
        else if (loops[row + L_GREEDY] === 1) {
          push(BT_BRANCH, loops[row + L_EXIT] as number, pos, 0);
          pc = loops[row + L_BODY] as number;
        } else {
          push(BT_BRANCH, loops[row + L_BODY] as number, pos, 0);
          pc = loops[row + L_EXIT] as number;
        }
        break;
      }
      case OP_LOOP_BODY: {
        const row = (code[pc + 1] as number) * LOOP_STRIDE;
        setReg(loops[row + L_START] as number, pos);
        for (let s = loops[row + L_CAP_FROM] as number, end = loops[row + L_CAP_TO] as number; s < end; s++)
          if ((caps[s] as number) !== -1) setCap(s, -1);
        pc += 2;
        ok = true;
        break;
      }
      case OP_LOOP_END: {
        const row = (code[pc + 1] as number) * LOOP_STRIDE;
        const countReg = loops[row + L_COUNT] as number;
        const count = regs[countReg] as number;
        // an iteration past the minimum that consumed nothing fails (ECMA-262 RepeatMatcher step 2.b)
        if (count >= (loops[row + L_MIN] as number) && pos === regs[loops[row + L_START] as number]) break;
        setReg(countReg, count + 1);
        pc = loops[row + L_HEAD] as number;
        ok = true;
        break;
      }
      case OP_STAR: {
        const row = (code[pc + 1] as number) * LOOP_STRIDE;
        const min = loops[row + L_MIN] as number;
        const max = loops[row + L_MAX] as number;
        const back = loops[row + L_BACKWARD] === 1;
        const op = loops[row + L_ATOM] as number;
        const arg = loops[row + L_ARG] as number;
        const exit = loops[row + L_EXIT] as number;
        if (loops[row + L_GREEDY] === 1) {
          const k = scan(op, arg, pos, max, back);
          if (k < min) break;
          const lo = back ? pos - min : pos + min;
          pos = back ? pos - k : pos + k;
          if (k > min) push(BT_GREEDY, row, lo, pos);
        } else {
          if (min > 0) {
            const k = scan(op, arg, pos, min, back);
            if (k < min) break;
            pos = back ? pos - k : pos + k;
          }
          if (max > min) push(BT_LAZY, row, pos, min);
        }
        pc = exit;
        ok = true;
        break;
      }
      case OP_MATCH:
        return pos;
    }
    if (ok) continue;
    // failure: resume at the most recent choice point, undoing what was done since
    for (;;) {
      if (sp <= base) return -1;
      const kind = stack[sp - 4] as number;
      if (kind === BT_CAP) {
        sp -= 4;
        caps[stack[sp + 1] as number] = stack[sp + 2] as number;
        continue;
      }
      if (kind === BT_REG) {
        sp -= 4;
        regs[stack[sp + 1] as number] = stack[sp + 2] as number;
        continue;
      }
      if (kind === BT_BRANCH) {
        sp -= 4;
        pc = stack[sp + 1] as number;
        pos = stack[sp + 2] as number;
        break;
      }
      const row = stack[sp - 3] as number;
      const back = loops[row + L_BACKWARD] === 1;
      pc = loops[row + L_EXIT] as number;
      if (kind === BT_GREEDY) {
        // give one character back
        const lo = stack[sp - 2] as number;
        const cur = (stack[sp - 1] as number) + (back ? 1 : -1);
        pos = cur;
        if (cur === lo) sp -= 4;
        else stack[sp - 1] = cur;
        work++;
        break;
      }
      // BT_LAZY: take one character more
      const cur = stack[sp - 2] as number;
      const count = stack[sp - 1] as number;
      const c = back ? (cur > 0 ? input.charCodeAt(cur - 1) : -1) : cur < n ? input.charCodeAt(cur) : -1;
      work++;
      if (c < 0 || !atomAt(loops[row + L_ATOM] as number, loops[row + L_ARG] as number, c)) {
        sp -= 4;
        continue;
      }
      pos = back ? cur - 1 : cur + 1;
      if (count + 1 >= (loops[row + L_MAX] as number)) sp -= 4;
      else {
        stack[sp - 2] = pos;
        stack[sp - 1] = count + 1;
      }
      break;
    }
  }
}

/**
 * The first match at or after `from` (only at `from` when `sticky`), as capture slots: [start, end] of the match
 * and of each group, -1 for a group that took no part. Charges the work done; may throw a limit fault.
 */
export function execRegex(p: RegexProgram, text: string, from: number, sticky: boolean): Int32Array | null {
  prog = p;
  input = text;
  if (caps.length < p.slots) caps = new Int32Array(p.slots * 2);
  if (regs.length < p.registers) regs = new Int32Array(p.registers * 2);
  const n = text.length;
  const last = sticky ? from : p.anchored ? Math.min(from, 0) : n;
  let result: Int32Array | null = null;
  try {
    for (let start = from; start <= last; start++) {
      if (p.first !== null && !sticky) {
        const first = p.first;
        const skipFrom = start;
        while (start < n && !first.has(text.charCodeAt(start))) start++;
        work += (start - skipFrom) >> 2;
        if (start >= n || start > last) break;
      }
      caps.fill(-1, 0, p.slots);
      sp = 0;
      const end = run(0, start, 0);
      if (end >= 0) {
        caps[0] = start;
        caps[1] = end;
        result = caps.slice(0, p.slots);
        break;
      }
    }
  } finally {
    sp = 0;
    input = '';
    flushWork();
  }
  return result;
}
