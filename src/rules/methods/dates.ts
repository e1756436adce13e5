/** java.util.Date and SimpleDateFormat, in UTC (the service's clock and the helpdesks' ISO dates are UTC). */
import { javaRegex } from '../regex.ts';
import { GLong } from '../numbers.ts';
import { scriptError } from '../runtime.ts';
import { GDate, type GDateFormat, groovyToString, type Value } from '../values.ts';
import { arity, stringArg, type Method } from './args.ts';

const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type Part = { lit: string } | { field: string; count: number };

function parsePattern(pattern: string): Part[] {
  const parts: Part[] = [];
  for (let i = 0; i < pattern.length; ) {
    const c = pattern.charAt(i);
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        parts.push({ lit: "'" });
        i += 2;
        continue;
      }
      if (end < 0)
        throw scriptError(`Unterminated quote in date pattern ${pattern}`, 'runtime', 'IllegalArgumentException');
      parts.push({ lit: pattern.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      if (!/[GyYMLdHhmsSEaZzXkKuD]/.test(c))
        throw scriptError(`Illegal pattern character '${c}'`, 'runtime', 'IllegalArgumentException');
      let j = i;
      while (pattern.charAt(j) === c) j++;
      parts.push({ field: c, count: j - i });
      i = j;
      continue;
    }
    parts.push({ lit: c });
    i++;
  }
  return parts;
}

export function formatDate(ms: number, pattern: string): string {
  const d = new Date(ms);
  const num = (v: number, count: number) => String(v).padStart(count, '0');
  let out = '';
  for (const p of parsePattern(pattern)) {
    if ('lit' in p) {
      out += p.lit;
      continue;
    }
    const n = p.count;
    switch (p.field) {
      case 'G':
        out += 'AD';
        break;
      case 'y':
      case 'Y':
      case 'u':
        out += n === 2 ? num(d.getUTCFullYear() % 100, 2) : num(d.getUTCFullYear(), n);
        break;
      case 'M':
      case 'L': {
        const m = d.getUTCMonth();
        const name = monthNames[m] as string;
        out += n >= 4 ? name : n === 3 ? name.slice(0, 3) : num(m + 1, n);
        break;
      }
      case 'd':
        out += num(d.getUTCDate(), n);
        break;
      case 'D': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        out += num(Math.floor((ms - start) / 86_400_000) + 1, n);
        break;
      }
      case 'H':
        out += num(d.getUTCHours(), n);
        break;
      case 'k':
        out += num(d.getUTCHours() || 24, n);
        break;
      case 'h':
        out += num(d.getUTCHours() % 12 || 12, n);
        break;
      case 'K':
        out += num(d.getUTCHours() % 12, n);
        break;
      case 'm':
        out += num(d.getUTCMinutes(), n);
        break;
      case 's':
        out += num(d.getUTCSeconds(), n);
        break;
      case 'S':
        out += num(d.getUTCMilliseconds(), n);
        break;
      case 'E': {
        const name = dayNames[d.getUTCDay()] as string;
        out += n >= 4 ? name : name.slice(0, 3);
        break;
      }
      case 'a':
        out += d.getUTCHours() < 12 ? 'AM' : 'PM';
        break;
      case 'z':
        out += n >= 4 ? 'Coordinated Universal Time' : 'UTC';
        break;
      case 'Z':
        out += '+0000';
        break;
      case 'X':
        out += 'Z';
        break;
    }
  }
  return out;
}

export function parseDate(text: string, pattern: string): number {
  let regex = '^';
  const fields: string[] = [];
  for (const p of parsePattern(pattern)) {
    if ('lit' in p) {
      regex += p.lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    fields.push(p.field);
    if (p.field === 'M' && p.count >= 3) regex += '([A-Za-z]+)';
    else if (p.field === 'E') regex += '[A-Za-z]+';
    else if (p.field === 'a') regex += '(AM|PM|am|pm)';
    else if (p.field === 'X' || p.field === 'Z' || p.field === 'z') regex += '(Z|[+-]\\d{2}:?\\d{2}|UTC|GMT)';
    else regex += p.count > 1 && p.field !== 'y' ? `(\\d{${p.count},})` : '(\\d+)';
    if (p.field === 'E') fields.pop();
  }
  // bounded like any script regex: adjacent (\d+) fields backtrack polynomially on a long run of digits
  const m = javaRegex(regex).exec(text, 0);
  if (!m) throw scriptError(`Unparseable date: "${text}"`, 'runtime', 'ParseException');
  let year = 1970;
  let month = 0;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let milli = 0;
  let pm: boolean | null = null;
  let offsetMinutes = 0;
  fields.forEach((f, i) => {
    const v = m[i + 1] ?? '';
    switch (f) {
      case 'y':
      case 'Y':
      case 'u':
        year = Number(v);
        break;
      case 'M':
      case 'L':
        month = /^\d+$/.test(v)
          ? Number(v) - 1
          : monthNames.findIndex((n) => n.toLowerCase().startsWith(v.toLowerCase()));
        break;
      case 'd':
        day = Number(v);
        break;
      case 'H':
      case 'k':
      case 'h':
      case 'K':
        hour = Number(v);
        break;
      case 'm':
        minute = Number(v);
        break;
      case 's':
        second = Number(v);
        break;
      case 'S':
        milli = Number(v);
        break;
      case 'a':
        pm = v.toUpperCase() === 'PM';
        break;
      case 'X':
      case 'Z':
      case 'z':
        if (v !== 'Z' && v !== 'UTC' && v !== 'GMT') {
          const sign = v.startsWith('-') ? -1 : 1;
          const digits = v.slice(1).replace(':', '');
          offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
        }
        break;
    }
  });
  if (pm !== null) hour = (hour % 12) + (pm ? 12 : 0);
  return Date.UTC(year, month, day, hour, minute, second, milli) - offsetMinutes * 60_000;
}

export const dateMethods = new Map<string, Method<GDate>>([
  ['getTime', (d, a) => (arity('Date', 'getTime', a, 0), new GLong(BigInt(d.ms)))],
  ['format', (d, a) => (arity('Date', 'format', a, 1), formatDate(d.ms, stringArg('Date', 'format', a, 0)))],
  ['before', (d, a) => (arity('Date', 'before', a, 1), a[0] instanceof GDate && d.ms < a[0].ms)],
  ['after', (d, a) => (arity('Date', 'after', a, 1), a[0] instanceof GDate && d.ms > a[0].ms)],
  ['compareTo', (d, a) => (arity('Date', 'compareTo', a, 1), a[0] instanceof GDate ? Math.sign(d.ms - a[0].ms) : 1)],
  ['toInstant', (d, a) => (arity('Date', 'toInstant', a, 0), new Date(d.ms).toISOString())],
]);

export const dateFormatMethods = new Map<string, Method<GDateFormat>>([
  [
    'format',
    (f, a) => {
      arity('SimpleDateFormat', 'format', a, 1);
      const d = a[0] as Value;
      if (!(d instanceof GDate))
        throw scriptError(
          `Cannot format given Object as a Date: ${groovyToString(d)}`,
          'type_error',
          'IllegalArgumentException',
        );
      return formatDate(d.ms, f.pattern);
    },
  ],
  [
    'parse',
    (f, a) => (
      arity('SimpleDateFormat', 'parse', a, 1),
      new GDate(parseDate(stringArg('SimpleDateFormat', 'parse', a, 0), f.pattern))
    ),
  ],
  ['toPattern', (f, a) => (arity('SimpleDateFormat', 'toPattern', a, 0), f.pattern)],
  ['setTimeZone', () => null],
]);
