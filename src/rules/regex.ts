/**
 * Java regular expressions, run on the JS engine. Most Java syntax means the same in JS; the differences sync
 * rules meet (inline flags, POSIX classes, \A \Z, possessive quantifiers, $1 in replacements) are translated.
 * A JS regex cannot be interrupted, so patterns that can backtrack exponentially (nested repetition such as
 * (a+)+, or repeated alternatives that overlap such as (a|ab)*) are refused up front.
 */
import { charge, checkString, scriptError } from './runtime.ts';

const cache = new Map<string, RegExp>();
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

export function javaRegex(pattern: string, global = true): RegExp {
  const key = (global ? 'g' : 'n') + pattern;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  const { source, flags } = translate(pattern);
  checkBacktracking(source, pattern);
  let re: RegExp;
  try {
    re = new RegExp(source, flags + (global ? 'g' : ''));
  } catch (e) {
    throw scriptError(
      `invalid regular expression /${pattern}/: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
      'runtime',
      'PatternSyntaxException',
    );
  }
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(key, re);
  return re;
}

/** Java's replacement syntax: $1 and ${name} refer to groups, a backslash quotes the next character. */
export function javaReplace(input: string, pattern: string, replacement: string, all: boolean): string {
  const re = javaRegex(pattern, true);
  charge(input.length >> 6);
  let count = 0;
  const out = input.replace(re, (...m: unknown[]) => {
    if (!all && count++ > 0) return m[0] as string;
    const groups = m.slice(0, -2).filter((_, i, arr) => !(i === arr.length - 1 && typeof arr[i] === 'object'));
    const named = (typeof m[m.length - 1] === 'object' ? m[m.length - 1] : undefined) as
      | Record<string, string>
      | undefined;
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
            Number(replacement.slice(i + 1, j + 1)) < groups.length
          )
            j++;
          if (j === i + 1)
            throw scriptError('Illegal group reference in replacement', 'runtime', 'IllegalArgumentException');
          res += (groups[Number(replacement.slice(i + 1, j))] as string | undefined) ?? '';
          i = j - 1;
        }
      } else {
        res += c;
      }
    }
    return res;
  });
  return checkString(out);
}

/** Java's String.split(regex): no leading empty part for a zero-width match, trailing empty parts removed. */
export function javaSplit(input: string, pattern: string): string[] {
  if (input === '') return [''];
  const re = javaRegex(pattern, true);
  charge(input.length >> 6);
  const out: string[] = [];
  let last = 0;
  for (const m of input.matchAll(re)) {
    const i = m.index ?? 0;
    const len = m[0].length;
    if (len === 0 && (i === 0 || i >= input.length)) continue;
    out.push(input.slice(last, i));
    last = i + len;
  }
  out.push(input.slice(last));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

const wholeCache = new Map<RegExp, RegExp>();

/**
 * The pattern matching the whole input only (Java's matches()): sticky at 0 and followed by the true end, so
 * alternatives are still tried in order and the m flag does not let $ stop at a line end.
 */
export function wholeRegex(re: RegExp): RegExp {
  let w = wholeCache.get(re);
  if (!w) {
    w = new RegExp(`(?:${re.source})(?![\\s\\S])`, `${re.flags.replace('g', '')}y`);
    if (wholeCache.size >= MAX_CACHE) wholeCache.clear();
    wholeCache.set(re, w);
  }
  w.lastIndex = 0;
  return w;
}

const groupCounts = new Map<RegExp, number>();

/** How many capturing groups the pattern has (Java's groupCount()). */
export function groupCount(re: RegExp): number {
  let n = groupCounts.get(re);
  if (n === undefined) {
    n = (new RegExp(`${re.source}|`, re.flags.replace(/[gy]/g, '')).exec('')?.length ?? 1) - 1;
    if (groupCounts.size >= MAX_CACHE) groupCounts.clear();
    groupCounts.set(re, n);
  }
  return n;
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
  const re = javaRegex(pattern, true);
  charge(input.length >> 6);
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (;;) {
    const m = re.exec(input);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    const groups = Array.from(m, (g) => g ?? null);
    const r = replace(groups);
    // the closure may have run this same pattern itself: resume from this match, not from its lastIndex
    out = checkString(out + input.slice(last, start) + r);
    last = end;
    if (!all) break;
    re.lastIndex = end === start ? end + 1 : end;
    if (re.lastIndex > input.length) break;
  }
  return checkString(out + input.slice(last));
}
