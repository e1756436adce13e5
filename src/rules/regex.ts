/**
 * Java regular expressions, with JavaScript's regex semantics. Most Java syntax means the same in JS; the
 * differences sync rules meet (inline flags, POSIX classes, \A \Z, possessive quantifiers, $1 in replacements) are
 * translated.
 *
 * Limits: a JS regex cannot be interrupted, so a match runs on V8 only when the pattern's worst case on that input
 * is small (FAST_WORK instructions, well under a millisecond); otherwise it runs on the bounded engine of
 * regex-engine.ts, which charges its work to the step limit and watches the clock, so `a*a*a*b` on 500 characters
 * or `\s+$` on 100,000 spaces ends with a limit error instead of stalling the node. Patterns that are exponential
 * by construction are refused up front with a message that says why: a repeated group that itself repeats or has
 * overlapping alternatives ((a+)+, (a|ab)*), or that can match the empty string ((a?a?)+, (a|)*).
 */
import { compileRegexProgram, execRegex, type RegexProgram, worstCaseWork } from './regex-engine.ts';
import { ScriptFault } from './faults.ts';
import {
  checkClock,
  checkSize,
  checkStringLength,
  chargeText,
  limitFault,
  currentRun,
  scriptError,
} from './runtime.ts';

const cache = new Map<string, JavaRegex>();
const MAX_CACHE = 256;

const posixClasses: Record<string, string> = {
  Alpha: 'A-Za-z',
  Digit: '0-9',
  Alnum: 'A-Za-z0-9',
  Upper: 'A-Z',
  Lower: 'a-z',
  Punct: '!-\\/:-@\\[-`{-~',
  Space: ' \\t\\n\\x0B\\f\\r',
  XDigit: '0-9a-fA-F',
  Blank: ' \\t',
  L: 'A-Za-z\\u00C0-\\u024F',
  IsAlphabetic: 'A-Za-z\\u00C0-\\u024F',
  IsLatin: 'A-Za-z\\u00C0-\\u024F',
};

function translate(pattern: string): { source: string; flags: string } {
  let flags = '';
  let p = pattern;
  const inline = /^\(\?([imsux]+)\)/.exec(p);
  if (inline) {
    for (const f of inline[1] ?? '') {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      if (f === 'x') throw scriptError('the (?x) regex flag is not supported', 'runtime', 'PatternSyntaxException');
    }
    p = p.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charAt(i);
    if (c === '\\') {
      const n = p.charAt(i + 1);
      if (n === 'p' || n === 'P') {
        const m = /^\{(\w+)\}/.exec(p.slice(i + 2));
        const body = m ? posixClasses[m[1] ?? ''] : undefined;
        if (!m || body === undefined)
          throw scriptError(`unsupported regex class \\${n}${m ? m[0] : ''}`, 'runtime', 'PatternSyntaxException');
        out += inClass ? (n === 'p' ? body : '') : n === 'p' ? `[${body}]` : `[^${body}]`;
        i += 1 + m[0].length;
        continue;
      }
      if (n === 'A' && !inClass) {
        out += '^';
        i++;
        continue;
      }
      if ((n === 'Z' || n === 'z') && !inClass) {
        out += '$';
        i++;
        continue;
      }
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = p.slice(i + 2, end < 0 ? p.length : end);
        out += lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
        i = end < 0 ? p.length : end + 1;
        continue;
      }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (p.charAt(i + 1) === '^') {
        out += '^';
        i++;
      }
      if (p.charAt(i + 1) === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && p.charAt(i + 1) === '+') {
      // Possessive quantifier: JS has none; the greedy form matches the same strings in sync-rule patterns.
      out += c;
      i++;
      continue;
    }
    out += c;
  }
  return { source: out, flags };
}

interface GroupInfo {
  innerRepeat: boolean;
  alternatives: string[];
  current: string;
  firstSeen: boolean;
}

/** Refuses patterns whose backtracking can explode: repetition of something that itself repeats or overlaps. */
function checkBacktracking(p: string, original: string): void {
  const stack: GroupInfo[] = [];
  const top = (): GroupInfo | undefined => stack[stack.length - 1];
  const noteFirst = (token: string): void => {
    const g = top();
    if (g && !g.firstSeen) {
      g.current = token;
      g.firstSeen = true;
    }
  };
  const isRepeat = (i: number): boolean => {
    const q = p.charAt(i);
    if (q === '*' || q === '+') return true;
    if (q === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i));
      return !!m && (m[2] === ',' ? m[3] === '' || Number(m[3]) > 1 : Number(m[1]) > 1);
    }
    return false;
  };
  const markRepeat = (): void => {
    const g = top();
    if (g) g.innerRepeat = true;
  };
  for (let i = 0; i < p.length; i++) {
    const c = p.charAt(i);
    if (c === '\\') {
      noteFirst(`\\${p.charAt(i + 1)}`);
      i++;
      if (isRepeat(i + 1)) markRepeat();
      continue;
    }
    if (c === '[') {
      let j = i + 1;
      if (p.charAt(j) === '^') j++;
      if (p.charAt(j) === ']') j++;
      while (j < p.length && p.charAt(j) !== ']') j += p.charAt(j) === '\\' ? 2 : 1;
      noteFirst('[class]');
      i = j;
      if (isRepeat(i + 1)) markRepeat();
      continue;
    }
    if (c === '(') {
      noteFirst('(group)');
      stack.push({ innerRepeat: false, alternatives: [], current: '', firstSeen: false });
      if (p.charAt(i + 1) === '?') {
        const m = /^\?(?:<[A-Za-z]\w*>|[:=!]|<[=!])/.exec(p.slice(i + 1));
        if (m) i += m[0].length;
      }
      continue;
    }
    if (c === '|') {
      const g = top();
      if (g) {
        g.alternatives.push(g.current);
        g.current = '';
        g.firstSeen = false;
      }
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      if (!g) continue;
      g.alternatives.push(g.current);
      if (isRepeat(i + 1)) {
        const overlapping =
          g.alternatives.length > 1 &&
          (g.alternatives.some((a) => a === '' || (a.length !== 1 && !a.startsWith('\\'))) ||
            new Set(g.alternatives).size < g.alternatives.length ||
            g.alternatives.some((a) => a.startsWith('\\') || a === '.'));
        if (g.innerRepeat || overlapping) {
          throw scriptError(
            `the regular expression /${original}/ repeats a group that itself repeats or has overlapping alternatives, which can take exponential time; simplify it`,
            'runtime',
            'PatternSyntaxException',
          );
        }
        markRepeat();
      } else if (g.innerRepeat) {
        markRepeat();
      }
      continue;
    }
    noteFirst(c === '.' ? '.' : c);
    if (isRepeat(i + 1)) markRepeat();
  }
}

/** The worst case (in engine instructions) below which a match may run on V8: about a millisecond at most. */
const FAST_WORK = 1_000_000;
/** Worst-case instructions of V8 matches between two looks at the clock. */
const CLOCK_WORK = 10_000_000;
let sinceClock = 0;

/** Where the bounded engine keeps a match's capture slots, for start(g)/end(g). */
const SLOTS = Symbol('slots');
type EngineMatch = RegExpExecArray & { [SLOTS]?: Int32Array };

function exponential(original: string, why: string): Error {
  return scriptError(
    `the regular expression /${original}/ repeats a group that ${why}, which can take exponential time; simplify it`,
    'runtime',
    'PatternSyntaxException',
  );
}

/**
 * A compiled Java pattern. Every match goes through exec/execAt, which choose V8 or the bounded engine for the input
 * at hand; both find the same matches.
 */
export class JavaRegex {
  /** V8's form of the pattern (global: lastIndex says where a search starts). */
  private readonly v8: RegExp;
  private stickyV8: RegExp | null = null;
  private whole: JavaRegex | null = null;
  readonly groupCount: number;

  constructor(
    /** The Java pattern as the script wrote it. */
    readonly source: string,
    private readonly jsSource: string,
    private readonly flags: string,
    private readonly program: RegexProgram,
  ) {
    this.v8 = new RegExp(jsSource, `${flags}g`);
    this.groupCount = program.slots / 2 - 1;
  }

  private onV8(length: number, sticky: boolean): boolean {
    const worst = worstCaseWork(this.program, length, sticky);
    if (worst > FAST_WORK) return false;
    sinceClock += worst;
    if (sinceClock > CLOCK_WORK) {
      sinceClock = 0;
      checkClock();
    }
    return true;
  }

  /** Java's find(): the first match at or after `from`. */
  exec(input: string, from: number): RegExpExecArray | null {
    if (from > input.length) return null;
    if (this.onV8(input.length, false)) {
      this.v8.lastIndex = from;
      const m = this.v8.exec(input);
      this.v8.lastIndex = 0;
      chargeText((m ? m.index + m[0].length : input.length) - from);
      return m;
    }
    return this.toMatch(input, this.bounded(input, from, false));
  }

  /** The bounded engine, with a limit fault that names the pattern (a script only sees its own line otherwise). */
  private bounded(input: string, from: number, sticky: boolean): Int32Array | null {
    try {
      return execRegex(this.program, input, from, sticky);
    } catch (e) {
      if (!(e instanceof ScriptFault) || (e.kind !== 'steps' && e.kind !== 'time')) throw e;
      const { maxSteps, maxMillis } = currentRun();
      const limit = e.kind === 'steps' ? `the step limit (${maxSteps} steps)` : `the time limit (${maxMillis} ms)`;
      throw limitFault(
        `the regular expression /${this.source}/ reached ${limit} on a text of ${input.length} characters and was stopped: it backtracks too much on this text; simplify it`,
        e.kind,
      );
    }
  }

  /** A match that starts exactly at `from`. */
  execAt(input: string, from: number): RegExpExecArray | null {
    if (from > input.length) return null;
    if (this.onV8(input.length, true)) {
      if (this.stickyV8 === null) this.stickyV8 = new RegExp(this.jsSource, `${this.flags}dy`);
      this.stickyV8.lastIndex = from;
      const m = this.stickyV8.exec(input);
      this.stickyV8.lastIndex = 0;
      chargeText(m ? m[0].length : 0);
      return m;
    }
    return this.toMatch(input, this.bounded(input, from, true));
  }

  /** Java's matches(): a match of the whole input (alternatives still tried in order until one reaches the end). */
  matchWhole(input: string): RegExpExecArray | null {
    if (this.whole === null) this.whole = compileJava(this.source, `(?:${this.jsSource})(?![\\s\\S])`, this.flags);
    return this.whole.execAt(input, 0);
  }

  matchesWhole(input: string): boolean {
    return this.matchWhole(input) !== null;
  }

  /**
   * Every match from the start, as String.prototype.matchAll finds them (an empty match moves on by one), checked
   * against the collection limit as they are found.
   */
  all(input: string): RegExpExecArray[] {
    const out: RegExpExecArray[] = [];
    for (let from = 0; from <= input.length; ) {
      const m = this.exec(input, from);
      if (!m) break;
      out.push(m);
      if ((out.length & 1023) === 0) checkSize(out.length);
      const end = m.index + m[0].length;
      from = end === m.index ? end + 1 : end;
    }
    checkSize(out.length);
    return out;
  }

  /** Where group g (a number or a name) of match m starts and ends; [-1, -1] when the group took no part. */
  span(input: string, m: RegExpExecArray, g: number | string): [number, number] {
    if (g === 0) return [m.index, m.index + m[0].length];
    const index = typeof g === 'number' ? g : this.program.groupNames.get(g);
    if (index === undefined) return [-1, -1];
    let slots = (m as EngineMatch)[SLOTS];
    if (slots === undefined) {
      // a V8 match: the same pattern once more at this match, with its group offsets
      const again = this.execAt(input, m.index);
      const d = again?.indices;
      if (d) return (d[index] as [number, number] | undefined) ?? [-1, -1];
      slots = again ? (again as EngineMatch)[SLOTS] : undefined;
    }
    if (slots === undefined) return [-1, -1];
    return [slots[2 * index] as number, slots[2 * index + 1] as number];
  }

  /** The bounded engine's capture slots as V8 would have returned the match. */
  private toMatch(input: string, slots: Int32Array | null): RegExpExecArray | null {
    if (slots === null) return null;
    const parts = new Array<string | undefined>(slots.length / 2);
    for (let g = 0; g < parts.length; g++) {
      const s = slots[2 * g] as number;
      const e = slots[2 * g + 1] as number;
      parts[g] = s < 0 || e < 0 ? undefined : input.slice(s, e);
    }
    let groups: Record<string, string | undefined> | undefined;
    if (this.program.groupNames.size > 0) {
      groups = Object.create(null) as Record<string, string | undefined>;
      for (const [name, i] of this.program.groupNames) groups[name] = parts[i];
    }
    return Object.assign(parts, { index: slots[0] as number, input, groups, [SLOTS]: slots }) as unknown as EngineMatch;
  }
}

function compileJava(original: string, source: string, flags: string): JavaRegex {
  let program: RegexProgram;
  try {
    new RegExp(source, flags);
    program = compileRegexProgram(source, flags);
  } catch (e) {
    throw scriptError(
      `invalid regular expression /${original}/: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
      'runtime',
      'PatternSyntaxException',
    );
  }
  if (program.repeatsEmpty) throw exponential(original, 'can match the empty string');
  return new JavaRegex(original, source, flags, program);
}

export function javaRegex(pattern: string): JavaRegex {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const { source, flags } = translate(pattern);
  checkBacktracking(source, pattern);
  const re = compileJava(pattern, source, flags);
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Calls `visit` for each match left to right (an empty match moves on by one); `all` false stops after the first. */
function eachMatch(
  re: JavaRegex,
  input: string,
  all: boolean,
  visit: (m: RegExpExecArray, start: number, end: number) => void,
): void {
  for (let from = 0; from <= input.length; ) {
    const m = re.exec(input, from);
    if (!m) return;
    const end = m.index + m[0].length;
    visit(m, m.index, end);
    if (!all) return;
    from = end === m.index ? end + 1 : end;
  }
}

/** Text put together piece by piece, refused before it passes the string limit. */
class TextBuilder {
  private parts: string[] = [];
  length = 0;
  add(s: string): void {
    checkStringLength(this.length + s.length);
    this.length += s.length;
    this.parts.push(s);
  }
  toString(): string {
    chargeText(this.length);
    return this.parts.join('');
  }
}

/** Java's replacement syntax: $1 and ${name} refer to groups, a backslash quotes the next character. */
function expandReplacement(m: RegExpExecArray, replacement: string): string {
  const named = m.groups;
  let res = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement.charAt(i);
    if (c === '\\') {
      res += replacement.charAt(++i);
    } else if (c === '$') {
      if (replacement.charAt(i + 1) === '{') {
        const end = replacement.indexOf('}', i);
        const name = replacement.slice(i + 2, end);
        if (!named || !(name in named))
          throw scriptError(`No group with name {${name}}`, 'runtime', 'IllegalArgumentException');
        res += named[name] ?? '';
        i = end;
      } else {
        let j = i + 1;
        while (
          j < replacement.length &&
          /\d/.test(replacement.charAt(j)) &&
          Number(replacement.slice(i + 1, j + 1)) < m.length
        )
          j++;
        if (j === i + 1)
          throw scriptError('Illegal group reference in replacement', 'runtime', 'IllegalArgumentException');
        res += m[Number(replacement.slice(i + 1, j))] ?? '';
        i = j - 1;
      }
    } else {
      res += c;
    }
  }
  return res;
}

/** String.replaceAll/replaceFirst(regex, replacement) with Java's replacement syntax. */
export function javaReplace(input: string, pattern: string, replacement: string, all: boolean): string {
  const re = javaRegex(pattern);
  const out = new TextBuilder();
  let last = 0;
  let any = false;
  eachMatch(re, input, all, (m, start, end) => {
    out.add(input.slice(last, start));
    out.add(expandReplacement(m, replacement));
    last = end;
    any = true;
  });
  if (!any) return input;
  out.add(input.slice(last));
  return out.toString();
}

/** Java's String.split(regex): no leading empty part for a zero-width match, trailing empty parts removed. */
export function javaSplit(input: string, pattern: string): string[] {
  if (input === '') return [''];
  const re = javaRegex(pattern);
  const out: string[] = [];
  let last = 0;
  eachMatch(re, input, true, (_m, start, end) => {
    if (end === start && (start === 0 || start >= input.length)) return;
    out.push(input.slice(last, start));
    if ((out.length & 1023) === 0) checkSize(out.length);
    last = end;
  });
  out.push(input.slice(last));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  checkSize(out.length);
  return out;
}

/**
 * Groovy's replaceAll/replaceFirst(regex) { ... }: each match is replaced by what `replace` returns for its
 * groups (the whole match first, null for a group that did not take part).
 */
export function replaceWith(
  input: string,
  pattern: string,
  replace: (groups: (string | null)[]) => string,
  all: boolean,
): string {
  const re = javaRegex(pattern);
  const out = new TextBuilder();
  let last = 0;
  let any = false;
  eachMatch(re, input, all, (m, start, end) => {
    // the closure may run this same pattern itself: each search starts from the position eachMatch keeps
    const r = replace(Array.from(m, (g) => g ?? null));
    out.add(input.slice(last, start));
    out.add(r);
    last = end;
    any = true;
  });
  if (!any) return input;
  out.add(input.slice(last));
  return out.toString();
}
