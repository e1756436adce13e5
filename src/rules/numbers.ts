/**
 * Groovy's number tower, as far as sync rules meet it: Integer (a JS number that always holds an int32), Long
 * (64-bit, wraps like Java) and BigDecimal (unscaled bigint + scale, so 1.50 keeps its trailing zero and 1/3 gives
 * 0.3333333333 like Groovy). There are no doubles: sync rules do money-like arithmetic and BigDecimal is what a
 * Groovy literal such as 1.5 is.
 */
import { charge, numberTooLarge, currentRun } from './runtime.ts';

export class GLong {
  constructor(readonly v: bigint) {}
}

export class GDecimal {
  constructor(
    readonly u: bigint,
    readonly s: number,
  ) {
    if (s > 18 || s < -18 || u >= SMALL || u <= -SMALL) checkDecimal(u, s);
  }
}

/** Below this every unscaled value is cheap and far from the digit limit: the constructor checks nothing more. */
const SMALL = 10n ** 18n;
let boundDigits = -1;
let bound = 0n;

/** Digits of |u| (u > 0) from its bit length: the exact count or one more. */
export function approxDigits(abs: bigint): number {
  return Math.floor(abs.toString(16).length * 1.2041199826559248) + 1;
}

/**
 * The size limit of every BigDecimal (ScriptLimits.maxNumberDigits digits, and a scale no larger either way), and
 * the cost of a big one: multiplying numbers of d digits takes time in d², so a result of d digits charges
 * d² / 100,000 steps (1,000 steps at 10,000 digits) and a loop of big arithmetic meets the step limit.
 */
function checkDecimal(u: bigint, s: number): void {
  const max = currentRun().maxDigits;
  if (s > max || s < -max) throw numberTooLarge(`a scale of ${s}`);
  const abs = u < 0n ? -u : u;
  if (abs < SMALL) return;
  if (boundDigits !== max) {
    boundDigits = max;
    bound = 10n ** BigInt(max);
  }
  const digits = approxDigits(abs);
  if (abs >= bound) throw numberTooLarge(`about ${digits} digits`);
  charge(Math.floor((digits * digits) / 100_000));
}

/** Refuses a scale beyond the limit before anything is computed with it (setScale(2000000000) would be 10^2e9). */
export function checkScale(scale: number): void {
  const max = currentRun().maxDigits;
  if (scale > max || scale < -max) throw numberTooLarge(`a scale of ${scale}`);
}

export type GNumber = number | GLong | GDecimal;

export class ArithmeticFault extends Error {}
export class NumberFormatFault extends Error {}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

export function isNumber(v: unknown): v is GNumber {
  return typeof v === 'number' || v instanceof GLong || v instanceof GDecimal;
}

export function longOf(v: bigint): GLong {
  return new GLong(BigInt.asIntN(64, v));
}

/** The Groovy type a literal or parsed integer gets: Integer when it fits, Long otherwise. */
export function integerValue(v: bigint): number | GLong {
  if (v >= BigInt(INT_MIN) && v <= BigInt(INT_MAX)) return Number(v);
  if (v < LONG_MIN || v > LONG_MAX) throw new NumberFormatFault(`number ${v} is too large for a Long`);
  return new GLong(v);
}

const decimalPattern = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(text: string): GDecimal {
  const m = decimalPattern.exec(text);
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) throw new NumberFormatFault(`For input string: "${text}"`);
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  const exp = m[4] ? parseInt(m[4], 10) : 0;
  // refused before BigInt reads a million digits
  const max = currentRun().maxDigits;
  if (intPart.length + frac.length > max && (intPart + frac).replace(/^0+/, '').length > max)
    throw numberTooLarge(`${(intPart + frac).replace(/^0+/, '').length} digits`);
  let u = BigInt(intPart + frac || '0');
  if (m[1] === '-') u = -u;
  return new GDecimal(u, frac.length - exp);
}

export function toDecimal(v: GNumber): GDecimal {
  if (typeof v === 'number') return new GDecimal(BigInt(v), 0);
  if (v instanceof GLong) return new GDecimal(v.v, 0);
  return v;
}

export function toBigInt(v: GNumber): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (v instanceof GLong) return v.v;
  return truncate(v);
}

function truncate(d: GDecimal): bigint {
  if (d.s <= 0) return d.u * 10n ** BigInt(-d.s);
  return d.u / 10n ** BigInt(d.s);
}

/** Java's intValue(): truncates and wraps to 32 bits. */
export function toInt(v: GNumber): number {
  if (typeof v === 'number') return v;
  return Number(BigInt.asIntN(32, toBigInt(v)));
}

function digitCount(u: bigint): number {
  const abs = u < 0n ? -u : u;
  return abs === 0n ? 1 : abs.toString().length;
}

/** Java's BigDecimal.toString: plain unless the exponent is small or the scale negative. */
export function decimalToString(d: GDecimal): string {
  const neg = d.u < 0n;
  const digits = (neg ? -d.u : d.u).toString();
  const adjusted = -d.s + (digits.length - 1);
  let out: string;
  if (d.s >= 0 && adjusted >= -6) {
    if (d.s === 0) out = digits;
    else if (digits.length > d.s) out = `${digits.slice(0, digits.length - d.s)}.${digits.slice(digits.length - d.s)}`;
    else out = `0.${'0'.repeat(d.s - digits.length)}${digits}`;
  } else {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = `${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }
  return neg ? `-${out}` : out;
}

/** Java's toPlainString, for String.format and conversions to text without exponent. */
export function decimalToPlainString(d: GDecimal): string {
  const neg = d.u < 0n;
  const digits = (neg ? -d.u : d.u).toString();
  let out: string;
  if (d.s <= 0) out = digits === '0' ? '0' : digits + '0'.repeat(-d.s);
  else if (digits.length > d.s) out = `${digits.slice(0, digits.length - d.s)}.${digits.slice(digits.length - d.s)}`;
  else out = `0.${'0'.repeat(d.s - digits.length)}${digits}`;
  return neg ? `-${out}` : out;
}

function align(a: GDecimal, b: GDecimal): [bigint, bigint, number] {
  if (a.s === b.s) return [a.u, b.u, a.s];
  if (a.s > b.s) return [a.u, b.u * 10n ** BigInt(a.s - b.s), a.s];
  return [a.u * 10n ** BigInt(b.s - a.s), b.u, b.s];
}

export function decimalAdd(a: GDecimal, b: GDecimal): GDecimal {
  const [x, y, s] = align(a, b);
  return new GDecimal(x + y, s);
}

export function decimalSub(a: GDecimal, b: GDecimal): GDecimal {
  const [x, y, s] = align(a, b);
  return new GDecimal(x - y, s);
}

export function decimalMul(a: GDecimal, b: GDecimal): GDecimal {
  return new GDecimal(a.u * b.u, a.s + b.s);
}

export function decimalCompare(a: GDecimal, b: GDecimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Rounds to `scale` digits after the point, half up (away from zero on a tie), like RoundingMode.HALF_UP. */
export function setScaleHalfUp(d: GDecimal, scale: number): GDecimal {
  checkScale(scale);
  if (scale >= d.s) return new GDecimal(d.u * 10n ** BigInt(scale - d.s), scale);
  const div = 10n ** BigInt(d.s - scale);
  const neg = d.u < 0n;
  const abs = neg ? -d.u : d.u;
  let q = abs / div;
  if ((abs % div) * 2n >= div) q += 1n;
  return new GDecimal(neg ? -q : q, scale);
}

function roundToPrecision(num: bigint, den: bigint, precision: number): GDecimal {
  // Find the scale that yields `precision` significant digits, then round half up.
  const neg = num < 0n !== den < 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  const intDigits = n / d === 0n ? 0 : (n / d).toString().length;
  let scale = precision - intDigits;
  if (intDigits === 0) {
    // Leading zeros after the point do not count as significant digits.
    let probe = n * 10n;
    while (probe < d) {
      probe *= 10n;
      scale++;
    }
  }
  const scaled = scale >= 0 ? n * 10n ** BigInt(scale) : n / 10n ** BigInt(-scale);
  let q = scaled / d;
  if ((scaled % d) * 2n >= d) q += 1n;
  if (digitCount(q) > precision) {
    q = (q + 5n) / 10n;
    scale--;
  }
  return new GDecimal(neg ? -q : q, scale);
}

function stripToScale(u: bigint, s: number, preferred: number): GDecimal {
  if (u === 0n) return new GDecimal(0n, preferred);
  const [v, t] = stripZeros(u, s, preferred);
  return new GDecimal(v, t);
}

/**
 * Drops trailing zeros of u (lowering the scale s by one for each) while s stays above `floor`; one pass over the
 * digits, not one division a zero (10,000 of them took 20 ms).
 */
export function stripZeros(u: bigint, s: number, floor = Number.NEGATIVE_INFINITY): [bigint, number] {
  if (u === 0n || u % 10n !== 0n || s <= floor) return [u, s];
  const text = u.toString();
  let end = text.length;
  while (end > 1 && text.charCodeAt(end - 1) === 48 && s - (text.length - end) > floor) end--;
  return [BigInt(text.slice(0, end)), s - (text.length - end)];
}

function precisionOf(d: GDecimal): number {
  return digitCount(d.u);
}

/** Groovy's `/`: an exact quotient when one exists, else 10 more digits of precision and at most 10 decimals. */
export function groovyDivide(a: GDecimal, b: GDecimal): GDecimal {
  if (b.u === 0n) throw new ArithmeticFault(a.u === 0n ? 'Division undefined' : 'Division by zero');
  const preferred = a.s - b.s;
  // a/b = (a.u / b.u) * 10^-(a.s-b.s); the quotient of the unscaled values terminates iff b.u/gcd has only 2s and 5s.
  let den = b.u < 0n ? -b.u : b.u;
  const g = gcd(a.u < 0n ? -a.u : a.u, den);
  den /= g;
  let twos = 0;
  let fives = 0;
  while (den % 2n === 0n) {
    den /= 2n;
    twos++;
  }
  while (den % 5n === 0n) {
    den /= 5n;
    fives++;
  }
  if (den === 1n) {
    const extra = Math.max(twos, fives);
    const u = (a.u * 10n ** BigInt(extra)) / b.u;
    return stripToScale(u, preferred + extra, preferred);
  }
  const precision = Math.max(precisionOf(a), precisionOf(b)) + 10;
  const num = a.u;
  const denom = b.u;
  // Value = num/denom * 10^-(preferred); compute with that exponent folded in.
  const shift = preferred;
  const rounded =
    shift >= 0
      ? roundToPrecision(num, denom * 10n ** BigInt(shift), precision)
      : roundToPrecision(num * 10n ** BigInt(-shift), denom, precision);
  let scale = Math.max(rounded.s, a.s, b.s);
  if (scale > 10) scale = 10;
  return setScaleHalfUp(rounded, scale);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

export function decimalRemainder(a: GDecimal, b: GDecimal): GDecimal {
  if (b.u === 0n) throw new ArithmeticFault('Division by zero');
  const [x, y, s] = align(a, b);
  return new GDecimal(x % y, s);
}

export function isIntegerText(text: string): boolean {
  return /^[+-]?\d+$/.test(text);
}

/** More digits than any Long has (leading zeros aside): refused before BigInt reads them all. */
function tooLongForLong(t: string): boolean {
  return t.length > 20 && t.replace(/^[+-]?0*/, '').length > 19;
}

export function parseInteger(text: string): number {
  const t = text.trim();
  if (!isIntegerText(t) || tooLongForLong(t)) throw new NumberFormatFault(`For input string: "${text}"`);
  const v = BigInt(t);
  if (v < BigInt(INT_MIN) || v > BigInt(INT_MAX)) throw new NumberFormatFault(`For input string: "${text}"`);
  return Number(v);
}

export function parseLong(text: string): GLong {
  const t = text.trim();
  if (!isIntegerText(t) || tooLongForLong(t)) throw new NumberFormatFault(`For input string: "${text}"`);
  const v = BigInt(t);
  if (v < LONG_MIN || v > LONG_MAX) throw new NumberFormatFault(`For input string: "${text}"`);
  return new GLong(v);
}

export const INTEGER_MAX = INT_MAX;
export const INTEGER_MIN = INT_MIN;
export const LONG_MAX_VALUE = LONG_MAX;
export const LONG_MIN_VALUE = LONG_MIN;
