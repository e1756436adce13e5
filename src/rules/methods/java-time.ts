/**
 * java.time (LocalDate, LocalDateTime, Instant, ZonedDateTime, Duration, DateTimeFormatter) and java.sql.Timestamp,
 * as values of GTime. Every zone is UTC: the node runs scripts in UTC, so "the system default zone" of a script is
 * UTC, and now() reads the run's clock (RunOptions.now), never the wall clock. Dates are kept within the range of a
 * JavaScript Date (years -271821 to 275760) and Durations within ±2^53 milliseconds; going past either is a script
 * error (DateTimeException / ArithmeticException), never a crash.
 */
import { GLong } from '../numbers.ts';
import { currentRun, scriptError } from '../runtime.ts';
import { GTime, groovyToString, type Value } from '../values.ts';
import { arity, signatureError, stringArg, type Method } from './args.ts';
import { formatDate, parseDate } from './dates.ts';

const DAY = 86_400_000;
const MAX_MS = 8.64e15;
const monthNames = 'JANUARY FEBRUARY MARCH APRIL MAY JUNE JULY AUGUST SEPTEMBER OCTOBER NOVEMBER DECEMBER'.split(' ');
const dayNames = 'SUNDAY MONDAY TUESDAY WEDNESDAY THURSDAY FRIDAY SATURDAY'.split(' ');

function dateTimeError(message: string, type = 'DateTimeException'): Error {
  return scriptError(message, 'runtime', type);
}

function overflow(): Error {
  return scriptError(
    'long overflow: a Duration in sync rules must stay within ±9007199254740991 milliseconds',
    'runtime',
    'ArithmeticException',
  );
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function yearText(y: number): string {
  if (Math.abs(y) < 10000) return y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
  return y > 0 ? `+${y}` : String(y);
}

function dateText(ms: number): string {
  const d = new Date(ms);
  return `${yearText(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** LocalTime#toString: HH:mm, then :ss and the fraction in groups of three digits when not zero. */
function timeText(ms: number, ns: number, seconds: boolean): string {
  const d = new Date(ms);
  const nano = d.getUTCMilliseconds() * 1_000_000 + ns;
  let out = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}`;
  if (seconds || nano > 0 || d.getUTCSeconds() > 0) out += `:${pad(d.getUTCSeconds(), 2)}`;
  if (nano > 0) {
    const digits = pad(nano, 9);
    out += `.${nano % 1_000_000 === 0 ? digits.slice(0, 3) : nano % 1000 === 0 ? digits.slice(0, 6) : digits}`;
  }
  return out;
}

function durationText(ms: number, ns: number): string {
  if (ms === 0 && ns === 0) return 'PT0S';
  // Java's Duration#toString over (seconds, nanos) with 0 <= nanos < 1e9.
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000 + ns;
  const total = seconds < 0 && nanos > 0 ? seconds + 1 : seconds;
  const hours = Math.trunc(total / 3600);
  const minutes = Math.trunc((total % 3600) / 60);
  const secs = total % 60;
  let out = 'PT';
  if (hours !== 0) out += `${hours}H`;
  if (minutes !== 0) out += `${minutes}M`;
  if (secs === 0 && nanos === 0 && out.length > 2) return out;
  out += seconds < 0 && nanos > 0 && secs === 0 ? '-0' : String(secs);
  if (nanos > 0) {
    const frac = String(seconds < 0 ? 2_000_000_000 - nanos : nanos + 1_000_000_000).replace(/0+$/, '');
    out += `.${frac.slice(1)}`;
  }
  return `${out}S`;
}

function make(kind: string, ms: number, ns = 0, extra = ''): GTime {
  if (kind === 'Duration') {
    if (!(Math.abs(ms) <= Number.MAX_SAFE_INTEGER)) throw overflow();
    return new GTime(kind, ms, ns, extra, durationText(ms, ns));
  }
  if (!(Math.abs(ms) <= MAX_MS))
    throw dateTimeError(`Invalid value: the date is outside the years -271821 to 275760 that sync rules support`);
  switch (kind) {
    case 'LocalDate':
      return new GTime(kind, ms, 0, '', dateText(ms));
    case 'LocalDateTime':
      return new GTime(kind, ms, ns, '', `${dateText(ms)}T${timeText(ms, ns, false)}`);
    case 'Instant':
      return new GTime(kind, ms, ns, '', `${dateText(ms)}T${timeText(ms, ns, true)}Z`);
    case 'ZonedDateTime': {
      const local = ms + offsetOf(extra) * 60_000;
      return new GTime(kind, ms, ns, extra, `${dateText(local)}T${timeText(local, ns, false)}${extra}`);
    }
    default: {
      // java.sql.Timestamp#toString, in the node's zone (UTC): yyyy-mm-dd hh:mm:ss.f with trailing zeros dropped.
      const d = new Date(ms);
      const nano = d.getUTCMilliseconds() * 1_000_000 + ns;
      const frac = nano === 0 ? '0' : pad(nano, 9).replace(/0+$/, '');
      return new GTime(kind, ms, ns, '', `${dateText(ms)} ${timeText(ms - d.getUTCMilliseconds(), 0, true)}.${frac}`);
    }
  }
}

/** Minutes east of UTC in a zone text: Z, Z[UTC], +02:00. */
function offsetOf(zone: string): number {
  const m = /^([+-])(\d{2}):(\d{2})/.exec(zone);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function longArg(owner: string, name: string, args: Value[], i: number): number {
  const v = args[i];
  if (typeof v === 'number') return v;
  if (v instanceof GLong) return Number(v.v);
  throw signatureError(owner, name, args);
}

function timeArg(owner: string, name: string, args: Value[], i: number, kinds: string[]): GTime {
  const v = args[i];
  if (v instanceof GTime && kinds.includes(v.kind)) return v;
  throw signatureError(owner, name, args);
}

function field(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw dateTimeError(`Invalid value for ${name} (valid values ${min} - ${max}): ${value}`);
  return value;
}

function civil(y: number, m: number, d: number): number {
  field('Year', y, -271821, 275759);
  field('MonthOfYear', m, 1, 12);
  field('DayOfMonth', d, 1, 31);
  const ms = Date.UTC(2000, m - 1, d);
  const date = new Date(ms);
  date.setUTCFullYear(y, m - 1, d);
  if (date.getUTCDate() !== d)
    throw dateTimeError(
      d === 29 ? `Invalid date 'February 29' as '${y}' is not a leap year` : `Invalid date '${monthNames[m - 1]} ${d}'`,
    );
  return date.getTime();
}

function clock(h: number, min: number, s: number, nano: number): number {
  field('HourOfDay', h, 0, 23);
  field('MinuteOfHour', min, 0, 59);
  field('SecondOfMinute', s, 0, 59);
  field('NanoOfSecond', nano, 0, 999_999_999);
  return h * 3_600_000 + min * 60_000 + s * 1000;
}

function parseFailure(text: string): Error {
  return dateTimeError(`Text '${text}' could not be parsed`, 'DateTimeParseException');
}

const datePart = '([+-]?\\d{4,9})-(\\d{2})-(\\d{2})';
const timePart = '(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?';
const isoDate = new RegExp(`^${datePart}$`);
const isoDateTime = new RegExp(`^${datePart}T${timePart}$`);
const isoZoned = new RegExp(`^${datePart}T${timePart}(Z|[+-]\\d{2}:\\d{2})(\\[[A-Za-z/_]+\\])?$`);

/** Epoch ms (UTC reading) and sub-millisecond nanos of an ISO local date-time match starting at group 1. */
function fromGroups(text: string, m: RegExpExecArray, withTime: boolean): [number, number] {
  try {
    const day = civil(Number(m[1]), Number(m[2]), Number(m[3]));
    if (!withTime) return [day, 0];
    const frac = Number((m[7] ?? '').padEnd(9, '0'));
    const ms = day + clock(Number(m[4]), Number(m[5]), Number(m[6] ?? 0), frac) + Math.floor(frac / 1_000_000);
    return [ms, frac % 1_000_000];
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^.*?: /, '') : '';
    throw dateTimeError(`Text '${text}' could not be parsed: ${why}`, 'DateTimeParseException');
  }
}

function parseIso(kind: string, text: string): GTime {
  if (kind === 'LocalDate') {
    const m = isoDate.exec(text);
    if (!m) throw parseFailure(text);
    return make(kind, fromGroups(text, m, false)[0]);
  }
  if (kind === 'LocalDateTime') {
    const m = isoDateTime.exec(text);
    if (!m) throw parseFailure(text);
    const [ms, ns] = fromGroups(text, m, true);
    return make(kind, ms, ns);
  }
  const m = isoZoned.exec(text);
  if (!m) throw parseFailure(text);
  if (kind === 'Instant' && m[9]) throw parseFailure(text);
  const zone = m[9] ?? '';
  if (zone !== '' && !/^\[(UTC|GMT|Etc\/UTC|Z)\]$/.test(zone))
    throw dateTimeError(
      `Text '${text}': sync rules know only the UTC zone and fixed offsets`,
      'DateTimeParseException',
    );
  const [local, ns] = fromGroups(text, m, true);
  const offset = m[8] === 'Z' ? 0 : offsetOf(m[8] as string);
  return make(kind, local - offset * 60_000, ns, kind === 'Instant' ? '' : `${m[8]}${zone}`);
}

const letterFields: Record<string, string> = {
  G: 'Era',
  y: 'YearOfEra',
  u: 'Year',
  M: 'MonthOfYear',
  L: 'MonthOfYear',
  d: 'DayOfMonth',
  D: 'DayOfYear',
  E: 'DayOfWeek',
  a: 'AmPmOfDay',
  H: 'HourOfDay',
  k: 'ClockHourOfDay',
  K: 'HourOfAmPm',
  h: 'ClockHourOfAmPm',
  m: 'MinuteOfHour',
  s: 'SecondOfMinute',
  S: 'NanoOfSecond',
  X: 'OffsetSeconds',
  Z: 'OffsetSeconds',
  z: 'ZoneId',
};

/** The pattern letters outside quotes, checked against what DateTimeFormatter.ofPattern accepts here. */
function patternLetters(pattern: string): string[] {
  const letters: string[] = [];
  let quoted = false;
  for (const c of pattern) {
    if (c === "'") quoted = !quoted;
    else if (!quoted && /[a-zA-Z]/.test(c)) {
      if (!Object.hasOwn(letterFields, c))
        throw scriptError(
          /[QqwWeecFnNAVvOxpB]/.test(c)
            ? `Pattern letter '${c}' is not supported in sync rules (use y u M d D E a H h k K m s S X Z z)`
            : `Unknown pattern letter: ${c}`,
          'runtime',
          'IllegalArgumentException',
        );
      if (!letters.includes(c)) letters.push(c);
    }
  }
  if (quoted)
    throw scriptError(
      `Pattern ends with an incomplete string literal: ${pattern}`,
      'runtime',
      'IllegalArgumentException',
    );
  return letters;
}

const dateLetters = new Set(['G', 'y', 'u', 'M', 'L', 'd', 'D', 'E']);

function formatWith(f: GTime, t: GTime): string {
  if (f.extra === 'ISO_LOCAL_DATE') {
    if (t.kind === 'Instant') throw dateTimeError('Unsupported field: Year', 'UnsupportedTemporalTypeException');
    return dateText(t.kind === 'ZonedDateTime' ? t.ms + offsetOf(t.extra) * 60_000 : t.ms);
  }
  if (f.extra === 'ISO_INSTANT') {
    if (t.kind === 'Instant') return t.text;
    if (t.kind === 'ZonedDateTime') return make('Instant', t.ms, t.ns).text;
    throw dateTimeError('Unsupported field: InstantSeconds', 'UnsupportedTemporalTypeException');
  }
  if (f.extra === 'ISO_LOCAL_DATE_TIME') {
    if (t.kind === 'LocalDateTime') return t.text;
    if (t.kind === 'ZonedDateTime') return t.text.slice(0, t.text.length - t.extra.length);
    throw dateTimeError('Unsupported field: HourOfDay', 'UnsupportedTemporalTypeException');
  }
  for (const c of patternLetters(f.extra)) {
    const unsupported =
      t.kind === 'Instant' ||
      (t.kind === 'LocalDate' && !dateLetters.has(c)) ||
      (t.kind === 'LocalDateTime' && (c === 'X' || c === 'Z' || c === 'z'));
    if (unsupported) throw dateTimeError(`Unsupported field: ${letterFields[c]}`, 'UnsupportedTemporalTypeException');
    if (t.kind === 'ZonedDateTime' && offsetOf(t.extra) !== 0 && (c === 'X' || c === 'Z' || c === 'z'))
      throw dateTimeError('sync rules format offsets only for UTC times', 'UnsupportedTemporalTypeException');
  }
  return formatDate(t.kind === 'ZonedDateTime' ? t.ms + offsetOf(t.extra) * 60_000 : t.ms, f.extra);
}

function parseWith(kind: string, text: string, f: GTime): GTime {
  if (f.extra.startsWith('ISO_')) return parseIso(kind, text);
  patternLetters(f.extra);
  let ms: number;
  try {
    ms = parseDate(text, f.extra);
  } catch {
    throw parseFailure(text);
  }
  if (Number.isNaN(ms)) throw parseFailure(text);
  return make(kind, kind === 'LocalDate' ? Math.floor(ms / DAY) * DAY : ms);
}

const part = (t: GTime) => new Date(t.kind === 'ZonedDateTime' ? t.ms + offsetOf(t.extra) * 60_000 : t.ms);

function plus(t: GTime, ms: number, ns = 0): GTime {
  let total = t.ms + ms;
  let sub = t.ns + ns;
  if (sub >= 1_000_000) {
    sub -= 1_000_000;
    total += 1;
  } else if (sub < 0) {
    sub += 1_000_000;
    total -= 1;
  }
  return make(t.kind, total, sub, t.extra);
}

function plusMonths(t: GTime, months: number): GTime {
  const d = part(t);
  const target = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  if (!(Math.abs(target) <= 3_400_000)) return make(t.kind, Number.POSITIVE_INFINITY);
  const y = Math.floor(target / 12);
  const m = target - y * 12;
  const last = new Date(Date.UTC(2000, m + 1, 0));
  last.setUTCFullYear(y, m + 1, 0);
  const day = Math.min(d.getUTCDate(), last.getUTCDate());
  const start = new Date(0);
  start.setUTCFullYear(y, m, day);
  return make(
    t.kind,
    t.ms + (start.getTime() - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())),
    t.ns,
    t.extra,
  );
}

const temporalKinds = ['LocalDateTime', 'Instant', 'ZonedDateTime'];

/** Methods shared by the temporal kinds, each listing where it applies. */
function unitAdder(unit: number, sign: number, kinds: string[]): [Method<GTime>, string[]] {
  return [(t, a) => (arity(t.kind, 'plus', a, 1), plus(t, sign * unit * longArg(t.kind, 'plus', a, 0))), kinds];
}

const dated = ['LocalDate', 'LocalDateTime', 'ZonedDateTime'];
const timed = ['LocalDateTime', 'ZonedDateTime'];
const ordered = ['LocalDate', 'LocalDateTime', 'Instant', 'ZonedDateTime'];

const getter =
  (read: (d: Date, t: GTime) => Value): Method<GTime> =>
  (t, a) => (arity(t.kind, 'get', a, 0), read(part(t), t));

const compareWith =
  (test: (c: number) => Value): Method<GTime> =>
  (t, a) => {
    const o = timeArg(t.kind, 'compare', a, 0, [t.kind]);
    return test(Math.sign(t.ms - o.ms || t.ns - o.ns));
  };

const instanceMethods = new Map<string, [Method<GTime>, string[]]>([
  ['plusDays', unitAdder(DAY, 1, dated)],
  ['minusDays', unitAdder(DAY, -1, dated)],
  ['plusWeeks', unitAdder(7 * DAY, 1, dated)],
  ['minusWeeks', unitAdder(7 * DAY, -1, dated)],
  ['plusHours', unitAdder(3_600_000, 1, temporalKinds)],
  ['minusHours', unitAdder(3_600_000, -1, temporalKinds)],
  ['plusMinutes', unitAdder(60_000, 1, temporalKinds)],
  ['minusMinutes', unitAdder(60_000, -1, temporalKinds)],
  ['plusSeconds', unitAdder(1000, 1, temporalKinds)],
  ['minusSeconds', unitAdder(1000, -1, temporalKinds)],
  ['plusMillis', unitAdder(1, 1, ['Instant'])],
  ['minusMillis', unitAdder(1, -1, ['Instant'])],
  [
    'plusMonths',
    [(t, a) => (arity(t.kind, 'plusMonths', a, 1), plusMonths(t, longArg(t.kind, 'plusMonths', a, 0))), dated],
  ],
  [
    'minusMonths',
    [(t, a) => (arity(t.kind, 'minusMonths', a, 1), plusMonths(t, -longArg(t.kind, 'minusMonths', a, 0))), dated],
  ],
  [
    'plusYears',
    [(t, a) => (arity(t.kind, 'plusYears', a, 1), plusMonths(t, 12 * longArg(t.kind, 'plusYears', a, 0))), dated],
  ],
  [
    'minusYears',
    [(t, a) => (arity(t.kind, 'minusYears', a, 1), plusMonths(t, -12 * longArg(t.kind, 'minusYears', a, 0))), dated],
  ],
  [
    'plus',
    [
      (t, a) => {
        const d = timeArg(t.kind, 'plus', a, 0, ['Duration']);
        return plus(t, d.ms, d.ns);
      },
      [...temporalKinds, 'Duration'],
    ],
  ],
  [
    'minus',
    [
      (t, a) => {
        const d = timeArg(t.kind, 'minus', a, 0, ['Duration']);
        return plus(t, -d.ms, -d.ns);
      },
      [...temporalKinds, 'Duration'],
    ],
  ],
  ['getYear', [getter((d) => d.getUTCFullYear()), dated]],
  ['getMonthValue', [getter((d) => d.getUTCMonth() + 1), dated]],
  ['getMonth', [getter((d) => monthNames[d.getUTCMonth()] as string), dated]],
  ['getDayOfMonth', [getter((d) => d.getUTCDate()), dated]],
  ['getDayOfWeek', [getter((d) => dayNames[d.getUTCDay()] as string), dated]],
  [
    'getDayOfYear',
    [getter((d) => Math.floor((d.getTime() - new Date(0).setUTCFullYear(d.getUTCFullYear(), 0, 1)) / DAY) + 1), dated],
  ],
  ['getHour', [getter((d) => d.getUTCHours()), timed]],
  ['getMinute', [getter((d) => d.getUTCMinutes()), timed]],
  ['getSecond', [getter((d) => d.getUTCSeconds()), timed]],
  ['getNano', [getter((d, t) => d.getUTCMilliseconds() * 1_000_000 + t.ns), [...timed, 'Instant']]],
  ['getNanos', [getter((d, t) => d.getUTCMilliseconds() * 1_000_000 + t.ns), ['Timestamp']]],
  [
    'withNano',
    [
      (t, a) => {
        arity(t.kind, 'withNano', a, 1);
        const n = field('NanoOfSecond', longArg(t.kind, 'withNano', a, 0), 0, 999_999_999);
        const second = t.ms - (((t.ms % 1000) + 1000) % 1000);
        return make(t.kind, second + Math.floor(n / 1_000_000), n % 1_000_000, t.extra);
      },
      timed,
    ],
  ],
  ['isBefore', [compareWith((c) => c < 0), ordered]],
  ['isAfter', [compareWith((c) => c > 0), ordered]],
  ['isEqual', [compareWith((c) => c === 0), ordered]],
  ['before', [compareWith((c) => c < 0), ['Timestamp']]],
  ['after', [compareWith((c) => c > 0), ['Timestamp']]],
  ['compareTo', [compareWith((c) => c), [...ordered, 'Duration', 'Timestamp']]],
  [
    'format',
    [
      (t, a) => {
        arity(t.kind, 'format', a, 1);
        if (t.kind === 'Timestamp') return formatDate(t.ms, stringArg('Timestamp', 'format', a, 0));
        if (t.kind === 'DateTimeFormatter') return formatWith(t, timeArg(t.kind, 'format', a, 0, ordered));
        return formatWith(timeArg(t.kind, 'format', a, 0, ['DateTimeFormatter']), t);
      },
      [...dated, 'Timestamp', 'DateTimeFormatter'],
    ],
  ],
  ['atStartOfDay', [(t, a) => (arity(t.kind, 'atStartOfDay', a, 0), make('LocalDateTime', t.ms)), ['LocalDate']]],
  [
    'toLocalDate',
    [
      (t, a) => (arity(t.kind, 'toLocalDate', a, 0), make('LocalDate', Math.floor(part(t).getTime() / DAY) * DAY)),
      timed,
    ],
  ],
  [
    'toLocalDateTime',
    [
      (t, a) => (arity(t.kind, 'toLocalDateTime', a, 0), make('LocalDateTime', part(t).getTime(), t.ns)),
      ['ZonedDateTime', 'Timestamp'],
    ],
  ],
  [
    'toInstant',
    [(t, a) => (arity(t.kind, 'toInstant', a, 0), make('Instant', t.ms, t.ns)), ['ZonedDateTime', 'Timestamp']],
  ],
  ['toEpochMilli', [(t, a) => (arity(t.kind, 'toEpochMilli', a, 0), new GLong(BigInt(t.ms))), ['Instant']]],
  ['getTime', [(t, a) => (arity(t.kind, 'getTime', a, 0), new GLong(BigInt(t.ms))), ['Timestamp']]],
  [
    'getEpochSecond',
    [(t, a) => (arity(t.kind, 'getEpochSecond', a, 0), new GLong(BigInt(Math.floor(t.ms / 1000)))), ['Instant']],
  ],
  [
    'toEpochSecond',
    [(t, a) => (arity(t.kind, 'toEpochSecond', a, 0), new GLong(BigInt(Math.floor(t.ms / 1000)))), ['ZonedDateTime']],
  ],
  ['toEpochDay', [(t, a) => (arity(t.kind, 'toEpochDay', a, 0), new GLong(BigInt(t.ms / DAY))), ['LocalDate']]],
  ['toDays', [durationIn(DAY), ['Duration']]],
  ['toHours', [durationIn(3_600_000), ['Duration']]],
  ['toMinutes', [durationIn(60_000), ['Duration']]],
  ['getSeconds', [durationIn(1000), ['Duration']]],
  ['toMillis', [(t, a) => (arity(t.kind, 'toMillis', a, 0), new GLong(BigInt(t.ms))), ['Duration']]],
  ['isNegative', [(t, a) => (arity(t.kind, 'isNegative', a, 0), t.ms < 0), ['Duration']]],
  ['isZero', [(t, a) => (arity(t.kind, 'isZero', a, 0), t.ms === 0 && t.ns === 0), ['Duration']]],
  ['negated', [(t, a) => (arity(t.kind, 'negated', a, 0), plus(make('Duration', 0), -t.ms, -t.ns)), ['Duration']]],
  [
    'withZone',
    [
      (t, a) => {
        arity(t.kind, 'withZone', a, 1);
        const z = stringArg(t.kind, 'withZone', a, 0);
        if (!isUtc(z)) throw dateTimeError(`sync rules know only the UTC zone, not ${z}`);
        return t;
      },
      ['DateTimeFormatter'],
    ],
  ],
]);

/** Duration#toDays / toHours / toMinutes / getSeconds: whole units of (floor) seconds, truncated like Java. */
function durationIn(unit: number): Method<GTime> {
  return (t, a) => {
    arity(t.kind, 'to', a, 0);
    const seconds = Math.floor(t.ms / 1000);
    return new GLong(BigInt(Math.trunc(seconds / (unit / 1000))));
  };
}

const isUtc = (z: string) => /^(UTC|GMT|Z|Etc\/UTC|\+00:00)$/.test(z);

/** A method of a java.time value; undefined when it has none by that name (the caller reports it). */
export function timeMethod(t: GTime, name: string, args: Value[]): Value | undefined {
  const entry = instanceMethods.get(name);
  if (!entry?.[1].includes(t.kind)) return undefined;
  return entry[0](t, args);
}

export function timeMethodNames(t: GTime): string[] {
  return [...instanceMethods].filter(([, [, kinds]]) => kinds.includes(t.kind)).map(([n]) => n);
}

/** d.year, d.monthValue, duration.negative...: the getter of that name. */
export function timeProperty(t: GTime, name: string): Value | undefined {
  const cap = name.charAt(0).toUpperCase() + name.slice(1);
  return timeMethod(t, `get${cap}`, []) ?? timeMethod(t, `is${cap}`, []);
}

const now =
  (kind: string): Method<null> =>
  (_s, a) => {
    if (a.length === 1 && !isUtc(groovyToString(a[0] as Value)))
      throw dateTimeError(`sync rules know only the UTC zone, not ${groovyToString(a[0] as Value)}`);
    arity(kind, 'now', a, 0, 1);
    const ms = currentRun().now();
    if (kind === 'LocalDate') return make(kind, Math.floor(ms / DAY) * DAY);
    return make(kind, ms, 0, kind === 'ZonedDateTime' ? 'Z[UTC]' : '');
  };

const parser =
  (kind: string): Method<null> =>
  (_s, a) => {
    arity(kind, 'parse', a, 1, 2);
    const text = stringArg(kind, 'parse', a, 0);
    return a.length === 2
      ? parseWith(kind, text, timeArg(kind, 'parse', a, 1, ['DateTimeFormatter']))
      : parseIso(kind, text);
  };

const durationOf =
  (unit: number, name: string): Method<null> =>
  (_s, a) => {
    arity('Duration', name, a, 1);
    const n = longArg('Duration', name, a, 0);
    if (!(Math.abs(n * unit) <= Number.MAX_SAFE_INTEGER)) throw overflow();
    return make('Duration', n * unit);
  };

function ofLocal(kind: string, a: Value[]): GTime {
  const n = (i: number) => longArg(kind, 'of', a, i);
  if (kind === 'LocalDate') {
    arity(kind, 'of', a, 3);
    return make(kind, civil(n(0), n(1), n(2)));
  }
  arity(kind, 'of', a, 5, 7);
  const nano = a.length === 7 ? n(6) : 0;
  const ms = civil(n(0), n(1), n(2)) + clock(n(3), n(4), a.length >= 6 ? n(5) : 0, nano);
  return make(kind, ms + Math.floor(nano / 1_000_000), nano % 1_000_000);
}

function timestampOf(a: Value[]): GTime {
  arity('Timestamp', 'valueOf', a, 1);
  const v = a[0] as Value;
  if (v instanceof GTime && v.kind === 'LocalDateTime') return make('Timestamp', v.ms, v.ns);
  const text = stringArg('Timestamp', 'valueOf', a, 0);
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m)
    throw scriptError(
      'Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff]',
      'runtime',
      'IllegalArgumentException',
    );
  const frac = Number((m[7] ?? '').padEnd(9, '0'));
  const ms = civil(Number(m[1]), Number(m[2]), Number(m[3])) + clock(Number(m[4]), Number(m[5]), Number(m[6]), frac);
  return make('Timestamp', ms + Math.floor(frac / 1_000_000), frac % 1_000_000);
}

const epochMilli =
  (kind: string): Method<null> =>
  (_s, a) => (arity(kind, 'ofEpochMilli', a, 1), make(kind, longArg(kind, 'ofEpochMilli', a, 0)));

/** Static methods, by class: merged into the interpreter's table of static helpers. */
export const timeStatics: Record<string, Record<string, Method<null>>> = {
  LocalDate: {
    now: now('LocalDate'),
    of: (_s, a) => ofLocal('LocalDate', a),
    parse: parser('LocalDate'),
    ofEpochDay: (_s, a) => (
      arity('LocalDate', 'ofEpochDay', a, 1), make('LocalDate', longArg('LocalDate', 'ofEpochDay', a, 0) * DAY)
    ),
  },
  LocalDateTime: {
    now: now('LocalDateTime'),
    of: (_s, a) => ofLocal('LocalDateTime', a),
    parse: parser('LocalDateTime'),
  },
  Instant: {
    now: now('Instant'),
    parse: parser('Instant'),
    ofEpochMilli: epochMilli('Instant'),
    ofEpochSecond: (_s, a) => (
      arity('Instant', 'ofEpochSecond', a, 1), make('Instant', longArg('Instant', 'ofEpochSecond', a, 0) * 1000)
    ),
  },
  ZonedDateTime: {
    now: now('ZonedDateTime'),
    parse: parser('ZonedDateTime'),
  },
  Duration: {
    ofDays: durationOf(DAY, 'ofDays'),
    ofHours: durationOf(3_600_000, 'ofHours'),
    ofMinutes: durationOf(60_000, 'ofMinutes'),
    ofSeconds: durationOf(1000, 'ofSeconds'),
    ofMillis: durationOf(1, 'ofMillis'),
    between: (_s, a) => {
      arity('Duration', 'between', a, 2);
      const x = timeArg('Duration', 'between', a, 0, [...temporalKinds, 'LocalDate']);
      const y = timeArg('Duration', 'between', a, 1, [...temporalKinds, 'LocalDate']);
      const local = (t: GTime) => t.kind === 'LocalDateTime';
      if (x.kind === 'LocalDate' || y.kind === 'LocalDate' || local(x) !== local(y))
        throw dateTimeError(
          x.kind === 'LocalDate' ? 'Unsupported unit: Seconds' : `Unable to obtain ${x.kind} from ${y.kind}`,
          'UnsupportedTemporalTypeException',
        );
      return plus(make('Duration', y.ms - x.ms), 0, y.ns - x.ns);
    },
  },
  DateTimeFormatter: {
    ofPattern: (_s, a) => {
      arity('DateTimeFormatter', 'ofPattern', a, 1);
      const p = stringArg('DateTimeFormatter', 'ofPattern', a, 0);
      patternLetters(p);
      return new GTime('DateTimeFormatter', 0, 0, p, p);
    },
  },
  ZoneId: {
    of: (_s, a) => zone(a),
    systemDefault: (_s, a) => (arity('ZoneId', 'systemDefault', a, 0), 'UTC'),
  },
  Timestamp: {
    valueOf: (_s: null, a: Value[]) => timestampOf(a),
    from: (_s: null, a: Value[]) => {
      arity('Timestamp', 'from', a, 1);
      const i = timeArg('Timestamp', 'from', a, 0, ['Instant']);
      return make('Timestamp', i.ms, i.ns);
    },
  },
};

function zone(a: Value[]): Value {
  arity('ZoneId', 'of', a, 1);
  const z = stringArg('ZoneId', 'of', a, 0);
  if (!isUtc(z)) throw dateTimeError(`sync rules know only the UTC zone (the node runs in UTC), not ${z}`);
  return z;
}

const isoFormatters = ['ISO_LOCAL_DATE', 'ISO_LOCAL_DATE_TIME', 'ISO_INSTANT'];

/** DateTimeFormatter.ISO_LOCAL_DATE, Duration.ZERO, ZoneOffset.UTC; undefined for other names. */
export function timeStaticProperty(cls: string, name: string): Value | undefined {
  if (cls === 'DateTimeFormatter' && isoFormatters.includes(name)) return new GTime(cls, 0, 0, name, name);
  if (cls === 'Duration' && name === 'ZERO') return make('Duration', 0);
  if (cls === 'ZoneOffset' && name === 'UTC') return 'Z';
  return undefined;
}

/** new Timestamp(millis). */
export function newTimestamp(args: Value[]): GTime {
  arity('Timestamp', '<init>', args, 1);
  return make('Timestamp', longArg('Timestamp', '<init>', args, 0));
}

/** The full Java name of each class, for the class names a script may mention (compiler/known-names.ts). */
export const timeClassNames: [string, string][] = [
  ['LocalDate', 'java.time.LocalDate'],
  ['LocalDateTime', 'java.time.LocalDateTime'],
  ['Instant', 'java.time.Instant'],
  ['ZonedDateTime', 'java.time.ZonedDateTime'],
  ['Duration', 'java.time.Duration'],
  ['ZoneId', 'java.time.ZoneId'],
  ['ZoneOffset', 'java.time.ZoneOffset'],
  ['DateTimeFormatter', 'java.time.format.DateTimeFormatter'],
  ['Timestamp', 'java.sql.Timestamp'],
];
