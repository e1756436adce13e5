/** String methods: Java's plus the GDK ones (capitalize, tokenize, padLeft, toInteger, isNumber, take, ...). */
import { isIntegerText, NumberFormatFault, parseDecimal, parseInteger, parseLong } from '../numbers.ts';
import { minus, multiply, plus, pattern } from '../ops.ts';
import { javaRegex, javaReplace, javaSplit, replaceWith } from '../regex.ts';
import { charge, chargeText, checkSize, checkString, checkStringLength, scriptError } from '../runtime.ts';
import {
  GClosure,
  GMatcher,
  GPattern,
  GRange,
  compareStrings,
  groovyToString,
  joinValues,
  rangeToList,
  truthy,
  type Value,
} from '../values.ts';
import { arity, closureArg, intArg, optionalClosure, stringArg, type Method } from './args.ts';

function numberFormat(e: unknown): never {
  if (e instanceof NumberFormatFault) throw scriptError(e.message, 'number_format', 'NumberFormatException');
  throw e;
}

function outOfRange(message: string): Error {
  return scriptError(message, 'index_out_of_bounds', 'StringIndexOutOfBoundsException');
}

function matcherOf(s: string, v: Value): GMatcher {
  const p = pattern(v);
  return new GMatcher(s, p.regex, p.source);
}

/** replaceAll/replaceFirst: a replacement string (Java's $1 syntax) or a closure given the match's groups. */
function replace(s: string, name: string, a: Value[], all: boolean): string {
  arity('String', name, a, 2);
  const source = regexSource(a[0] as Value);
  const r = a[1];
  if (r instanceof GClosure)
    return replaceWith(s, source, (g) => groovyToString(r.call(g.length > 1 ? [g] : [g[0] ?? null])), all);
  return javaReplace(s, source, groovyToString(r as Value), all);
}

function regexSource(v: Value): string {
  return v instanceof GPattern ? v.source : groovyToString(v);
}

/** s[i], s[-1], s[1..3]: Groovy's String.getAt. */
export function stringAt(s: string, index: Value): Value {
  if (typeof index === 'number') {
    const i = index < 0 ? s.length + index : index;
    if (i < 0 || i >= s.length) throw outOfRange(`index ${index} is out of range for a string of length ${s.length}`);
    return s.charAt(i);
  }
  if (index instanceof GRange) {
    const { first, last, size } = index.bounds();
    if (size === 0) return '';
    const a = first < 0 ? s.length + first : first;
    const b = last < 0 ? s.length + last : last;
    if (a < 0 || b < 0 || a >= s.length || b >= s.length)
      throw outOfRange(`range ${first}..${last} is out of range for a string of length ${s.length}`);
    return a <= b ? s.slice(a, b + 1) : reverseText(s.slice(b, a + 1));
  }
  if (Array.isArray(index))
    return joinValues(
      index.map((i) => stringAt(s, i)),
      '',
    );
  throw scriptError(
    `a string index must be an integer or a range, not ${groovyToString(index)}`,
    'type_error',
    'MissingMethodException',
  );
}

/**
 * Groovy's String.reverse (StringBuilder.reverse: a surrogate pair keeps its order), one pass into a buffer rather
 * than an array of a million one-character strings.
 */
function reverseText(s: string): string {
  const n = s.length;
  chargeText(2 * n);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[n - 2 - i] = c;
        out[n - 1 - i] = d;
        i++;
        continue;
      }
    }
    out[n - 1 - i] = c;
  }
  const parts: string[] = [];
  for (let k = 0; k < n; k += 8192) parts.push(String.fromCharCode(...out.subarray(k, k + 8192)));
  return parts.join('');
}

function tokenize(s: string, delims: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of s) {
    if (delims.includes(ch)) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

function pad(s: string, args: Value[], name: string, left: boolean): string {
  arity('String', name, args, 1, 2);
  const n = intArg('String', name, args, 0);
  const padding = args.length === 2 ? groovyToString(args[1] as Value) : ' ';
  if (n <= s.length || padding === '') return s;
  checkStringLength(n);
  chargeText(n);
  const fill = padding.repeat(Math.ceil((n - s.length) / padding.length)).slice(0, n - s.length);
  return left ? fill + s : s + fill;
}

const whitespace = ' \t\n\r\f';

export const stringMethods = new Map<string, Method<string>>([
  ['length', (s, a) => (arity('String', 'length', a, 0), s.length)],
  ['size', (s, a) => (arity('String', 'size', a, 0), s.length)],
  ['isEmpty', (s, a) => (arity('String', 'isEmpty', a, 0), s.length === 0)],
  ['isBlank', (s, a) => (arity('String', 'isBlank', a, 0), s.trim().length === 0)],
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Java's String.trim removes every character up to U+0020.
  ['trim', (s, a) => (arity('String', 'trim', a, 0), s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, ''))],
  ['strip', (s, a) => (arity('String', 'strip', a, 0), s.trim())],
  // 'ß'.toUpperCase() is 'SS': a conversion can grow the text, and is checked
  ['toLowerCase', (s, a) => (arity('String', 'toLowerCase', a, 0), checkString(s.toLowerCase()))],
  ['toUpperCase', (s, a) => (arity('String', 'toUpperCase', a, 0), checkString(s.toUpperCase()))],
  ['capitalize', (s, a) => (arity('String', 'capitalize', a, 0), s.charAt(0).toUpperCase() + s.slice(1))],
  ['uncapitalize', (s, a) => (arity('String', 'uncapitalize', a, 0), s.charAt(0).toLowerCase() + s.slice(1))],
  [
    'startsWith',
    (s, a) => (arity('String', 'startsWith', a, 1), s.startsWith(stringArg('String', 'startsWith', a, 0))),
  ],
  ['endsWith', (s, a) => (arity('String', 'endsWith', a, 1), s.endsWith(stringArg('String', 'endsWith', a, 0)))],
  ['contains', (s, a) => (arity('String', 'contains', a, 1), s.includes(stringArg('String', 'contains', a, 0)))],
  ['equals', (s, a) => (arity('String', 'equals', a, 1), typeof a[0] === 'string' && a[0] === s)],
  [
    'equalsIgnoreCase',
    (s, a) => (
      arity('String', 'equalsIgnoreCase', a, 1), typeof a[0] === 'string' && a[0].toLowerCase() === s.toLowerCase()
    ),
  ],
  [
    'compareTo',
    (s, a) => (arity('String', 'compareTo', a, 1), compareStrings(s, stringArg('String', 'compareTo', a, 0))),
  ],
  [
    'compareToIgnoreCase',
    (s, a) => (
      arity('String', 'compareToIgnoreCase', a, 1),
      compareStrings(s.toLowerCase(), stringArg('String', 'compareToIgnoreCase', a, 0).toLowerCase())
    ),
  ],
  [
    'replace',
    (s, a) => {
      arity('String', 'replace', a, 2);
      const from = groovyToString(a[0] as Value);
      const to = groovyToString(a[1] as Value);
      if (from === '') {
        checkStringLength(s.length + (s.length + 1) * to.length);
        return to + [...s].join(to) + to;
      }
      const count = s.split(from).length - 1;
      checkStringLength(s.length + count * (to.length - from.length));
      return s.split(from).join(to);
    },
  ],
  ['replaceAll', (s, a) => replace(s, 'replaceAll', a, true)],
  ['replaceFirst', (s, a) => replace(s, 'replaceFirst', a, false)],
  [
    'split',
    (s, a) => {
      arity('String', 'split', a, 0, 1);
      const parts = a.length === 0 ? tokenize(s, whitespace) : javaSplit(s, regexSource(a[0] as Value));
      checkSize(parts.length);
      return parts;
    },
  ],
  [
    'tokenize',
    (s, a) => {
      arity('String', 'tokenize', a, 0, 1);
      const parts = tokenize(s, a.length === 0 ? whitespace : groovyToString(a[0] as Value));
      checkSize(parts.length);
      return parts;
    },
  ],
  [
    'readLines',
    (s, a) => (
      arity('String', 'readLines', a, 0),
      s === '' ? [] : s.split(/\r?\n/).filter((l, i, all) => !(i === all.length - 1 && l === ''))
    ),
  ],
  [
    'substring',
    (s, a) => {
      arity('String', 'substring', a, 1, 2);
      const from = intArg('String', 'substring', a, 0);
      const to = a.length === 2 ? intArg('String', 'substring', a, 1) : s.length;
      if (from < 0 || to > s.length || from > to) throw outOfRange(`begin ${from}, end ${to}, length ${s.length}`);
      return s.slice(from, to);
    },
  ],
  [
    'charAt',
    (s, a) => {
      arity('String', 'charAt', a, 1);
      const i = intArg('String', 'charAt', a, 0);
      if (i < 0 || i >= s.length) throw outOfRange(`index ${i}, length ${s.length}`);
      return s.charAt(i);
    },
  ],
  [
    'indexOf',
    (s, a) => (
      arity('String', 'indexOf', a, 1, 2),
      s.indexOf(stringArg('String', 'indexOf', a, 0), a.length === 2 ? intArg('String', 'indexOf', a, 1) : 0)
    ),
  ],
  [
    'lastIndexOf',
    (s, a) => (arity('String', 'lastIndexOf', a, 1), s.lastIndexOf(stringArg('String', 'lastIndexOf', a, 0))),
  ],
  [
    'toInteger',
    (s, a) => {
      arity('String', 'toInteger', a, 0);
      try {
        return parseInteger(s);
      } catch (e) {
        return numberFormat(e);
      }
    },
  ],
  [
    'toLong',
    (s, a) => {
      arity('String', 'toLong', a, 0);
      try {
        return parseLong(s);
      } catch (e) {
        return numberFormat(e);
      }
    },
  ],
  [
    'toBigDecimal',
    (s, a) => {
      arity('String', 'toBigDecimal', a, 0);
      try {
        return parseDecimal(s.trim());
      } catch (e) {
        return numberFormat(e);
      }
    },
  ],
  ['toBoolean', (s, a) => (arity('String', 'toBoolean', a, 0), ['true', 'y', '1'].includes(s.trim().toLowerCase()))],
  [
    'isInteger',
    (s, a) => {
      arity('String', 'isInteger', a, 0);
      try {
        parseInteger(s);
        return true;
      } catch {
        return false;
      }
    },
  ],
  ['isLong', (s, a) => (arity('String', 'isLong', a, 0), isIntegerText(s.trim()))],
  ['isNumber', (s, a) => (arity('String', 'isNumber', a, 0), isDecimalText(s))],
  ['isBigDecimal', (s, a) => (arity('String', 'isBigDecimal', a, 0), isDecimalText(s))],
  ['take', (s, a) => (arity('String', 'take', a, 1), s.slice(0, Math.max(0, intArg('String', 'take', a, 0))))],
  ['drop', (s, a) => (arity('String', 'drop', a, 1), s.slice(Math.max(0, intArg('String', 'drop', a, 0))))],
  ['padLeft', (s, a) => pad(s, a, 'padLeft', true)],
  ['padRight', (s, a) => pad(s, a, 'padRight', false)],
  [
    'center',
    (s, a) => {
      arity('String', 'center', a, 1, 2);
      const n = intArg('String', 'center', a, 0);
      if (n <= s.length) return s;
      checkStringLength(n);
      const p = a.length === 2 ? groovyToString(a[1] as Value) : ' ';
      const left = Math.floor((n - s.length) / 2);
      return pad(pad(s, [s.length + left, p], 'padLeft', true), [n, p], 'padRight', false);
    },
  ],
  ['reverse', (s, a) => (arity('String', 'reverse', a, 0), reverseText(s))],
  [
    'matches',
    (s, a) => {
      arity('String', 'matches', a, 1);
      return javaRegex(regexSource(a[0] as Value)).matchesWhole(s);
    },
  ],
  [
    'find',
    (s, a) => {
      arity('String', 'find', a, 1, 2);
      const m = pattern(a[0] as Value).regex.exec(s, 0);
      if (!m) return null;
      const c = optionalClosure(a, 1);
      return c ? c.call(m.length > 1 ? [...m].map((x) => x ?? null) : [m[0]]) : m[0];
    },
  ],
  [
    'findAll',
    (s, a) => {
      arity('String', 'findAll', a, 1, 2);
      const matches = pattern(a[0] as Value).regex.all(s);
      const c = optionalClosure(a, 1);
      return matches.map((m) => (c ? c.call(m.length > 1 ? [...m].map((x) => x ?? null) : [m[0]]) : m[0]));
    },
  ],
  [
    'eachMatch',
    (s, a) => {
      arity('String', 'eachMatch', a, 2);
      const c = closureArg('String', 'eachMatch', a, 1);
      const matches = pattern(a[0] as Value).regex.all(s);
      for (const m of matches) c.call(m.length > 1 ? [[...m].map((x) => x ?? null)] : [m[0]]);
      return s;
    },
  ],
  [
    'count',
    (s, a) => {
      arity('String', 'count', a, 1);
      const sub = stringArg('String', 'count', a, 0);
      if (sub === '') return s.length + 1;
      let n = 0;
      for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
      return n;
    },
  ],
  ['toList', (s, a) => (arity('String', 'toList', a, 0), checkSize(s.length), [...s])],
  ['toCharArray', (s, a) => (arity('String', 'toCharArray', a, 0), checkSize(s.length), [...s])],
  [
    'each',
    (s, a) => {
      arity('String', 'each', a, 1);
      const c = closureArg('String', 'each', a, 0);
      for (const ch of s) c.call([ch]);
      return s;
    },
  ],
  [
    'collect',
    (s, a) => {
      arity('String', 'collect', a, 1);
      const c = closureArg('String', 'collect', a, 0);
      charge(s.length);
      return [...s].map((ch) => c.call([ch]));
    },
  ],
  [
    'any',
    (s, a) => {
      const c = closureArg('String', 'any', a, 0);
      return [...s].some((ch) => truthy(c.call([ch])));
    },
  ],
  [
    'every',
    (s, a) => {
      const c = closureArg('String', 'every', a, 0);
      return [...s].every((ch) => truthy(c.call([ch])));
    },
  ],
  ['getAt', (s, a) => (arity('String', 'getAt', a, 1), stringAt(s, a[0] as Value))],
  ['plus', (s, a) => (arity('String', 'plus', a, 1), plus(s, a[0] as Value))],
  ['minus', (s, a) => (arity('String', 'minus', a, 1), minus(s, a[0] as Value))],
  ['multiply', (s, a) => (arity('String', 'multiply', a, 1), multiply(s, a[0] as Value))],
  ['concat', (s, a) => (arity('String', 'concat', a, 1), plus(s, stringArg('String', 'concat', a, 0)))],
  ['normalize', (s, a) => (arity('String', 'normalize', a, 0), s.replace(/\r\n?/g, '\n'))],
  [
    'stripIndent',
    (s, a) => {
      arity('String', 'stripIndent', a, 0);
      const lines = s.split('\n');
      const indents = lines.filter((l) => l.trim() !== '').map((l) => (/^[ \t]*/.exec(l) as RegExpExecArray)[0].length);
      const n = indents.length ? Math.min(...indents) : 0;
      return lines.map((l) => l.slice(Math.min(n, (/^[ \t]*/.exec(l) as RegExpExecArray)[0].length))).join('\n');
    },
  ],
  ['asBoolean', (s, a) => (arity('String', 'asBoolean', a, 0), s.length > 0)],
  ['matcher', (s, a) => (arity('String', 'matcher', a, 1), matcherOf(s, a[0] as Value))],
]);

/** Methods that read, search or copy the whole string: each charges its length (chargeText) first. */
const wholeText = [
  'isBlank',
  'trim',
  'strip',
  'toLowerCase',
  'toUpperCase',
  'contains',
  'equalsIgnoreCase',
  'compareTo',
  'compareToIgnoreCase',
  'replace',
  'split',
  'tokenize',
  'readLines',
  'indexOf',
  'lastIndexOf',
  'isNumber',
  'isBigDecimal',
  'toBigDecimal',
  'count',
  'toList',
  'toCharArray',
  'each',
  'any',
  'every',
  'normalize',
  'stripIndent',
];
for (const name of wholeText) {
  const m = stringMethods.get(name) as Method<string>;
  stringMethods.set(name, (s, a) => {
    chargeText(s.length);
    return m(s, a);
  });
}

function isDecimalText(s: string): boolean {
  try {
    parseDecimal(s.trim());
    return s.trim() !== '';
  } catch {
    return false;
  }
}

export { rangeToList };
