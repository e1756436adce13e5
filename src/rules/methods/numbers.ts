/** Methods on Integer, Long and BigDecimal. */
import {
  checkScale,
  decimalToPlainString,
  GDecimal,
  GLong,
  isNumber,
  setScaleHalfUp,
  stripZeros,
  toBigInt,
  toDecimal,
  toInt,
  type GNumber,
} from '../numbers.ts';
import { asType, divide, intdiv, minus, mod, multiply, plus, power } from '../ops.ts';
import { scriptError } from '../runtime.ts';
import { compareNumbers, groovyEquals, groovyToString, type Value } from '../values.ts';
import { arity, closureArg, intArg, type Method } from './args.ts';

function owner(n: GNumber): string {
  return typeof n === 'number' ? 'Integer' : n instanceof GLong ? 'Long' : 'BigDecimal';
}

/** BigDecimal.setScale(n, mode) for the rounding modes people use; mode is a RoundingMode name or legacy int. */
export function setScale(d: GDecimal, scale: number, mode: Value): GDecimal {
  const legacy = ['UP', 'DOWN', 'CEILING', 'FLOOR', 'HALF_UP', 'HALF_DOWN', 'HALF_EVEN', 'UNNECESSARY'];
  const name = typeof mode === 'number' ? legacy[mode] : mode === null ? 'UNNECESSARY' : groovyToString(mode);
  checkScale(scale);
  if (scale >= d.s) return new GDecimal(d.u * 10n ** BigInt(scale - d.s), scale);
  if (name === 'HALF_UP') return setScaleHalfUp(d, scale);
  const div = 10n ** BigInt(d.s - scale);
  const neg = d.u < 0n;
  const abs = neg ? -d.u : d.u;
  let q = abs / div;
  const r = abs % div;
  let up = false;
  switch (name) {
    case 'UP':
      up = r !== 0n;
      break;
    case 'DOWN':
      break;
    case 'CEILING':
      up = r !== 0n && !neg;
      break;
    case 'FLOOR':
      up = r !== 0n && neg;
      break;
    case 'HALF_DOWN':
      up = r * 2n > div;
      break;
    case 'HALF_EVEN':
      up = r * 2n > div || (r * 2n === div && q % 2n === 1n);
      break;
    case 'UNNECESSARY':
      if (r !== 0n) throw scriptError('Rounding necessary', 'arithmetic', 'ArithmeticException');
      break;
    default:
      throw scriptError(`unknown rounding mode ${name}`, 'runtime', 'IllegalArgumentException');
  }
  if (up) q += 1n;
  return new GDecimal(neg ? -q : q, scale);
}

export const numberMethods = new Map<string, Method<GNumber>>([
  ['intValue', (n, a) => (arity(owner(n), 'intValue', a, 0), toInt(n))],
  ['toInteger', (n, a) => (arity(owner(n), 'toInteger', a, 0), toInt(n))],
  ['longValue', (n, a) => (arity(owner(n), 'longValue', a, 0), asType(n, 'Long'))],
  ['toLong', (n, a) => (arity(owner(n), 'toLong', a, 0), asType(n, 'Long'))],
  ['toBigDecimal', (n, a) => (arity(owner(n), 'toBigDecimal', a, 0), toDecimal(n))],
  [
    'abs',
    (n, a) => {
      arity(owner(n), 'abs', a, 0);
      if (typeof n === 'number') return Math.abs(n) | 0;
      if (n instanceof GLong) return new GLong(n.v < 0n ? BigInt.asIntN(64, -n.v) : n.v);
      return new GDecimal(n.u < 0n ? -n.u : n.u, n.s);
    },
  ],
  ['intdiv', (n, a) => (arity(owner(n), 'intdiv', a, 1), intdiv(n, a[0] as Value))],
  ['plus', (n, a) => (arity(owner(n), 'plus', a, 1), plus(n, a[0] as Value))],
  ['minus', (n, a) => (arity(owner(n), 'minus', a, 1), minus(n, a[0] as Value))],
  ['multiply', (n, a) => (arity(owner(n), 'multiply', a, 1), multiply(n, a[0] as Value))],
  ['div', (n, a) => (arity(owner(n), 'div', a, 1), divide(n, a[0] as Value))],
  ['mod', (n, a) => (arity(owner(n), 'mod', a, 1), mod(n, a[0] as Value))],
  ['power', (n, a) => (arity(owner(n), 'power', a, 1), power(n, a[0] as Value))],
  [
    'compareTo',
    (n, a) => {
      arity(owner(n), 'compareTo', a, 1);
      const o = a[0] as Value;
      if (!isNumber(o))
        throw scriptError(`cannot compare a number with ${groovyToString(o)}`, 'type_error', 'ClassCastException');
      return compareNumbers(n, o);
    },
  ],
  [
    'equals',
    (n, a) => {
      arity(owner(n), 'equals', a, 1);
      const o = a[0] as Value;
      // Java equals: same type, and for BigDecimal the same scale (1.0 != 1.00).
      if (typeof n === 'number') return typeof o === 'number' && o === n;
      if (n instanceof GLong) return o instanceof GLong && o.v === n.v;
      return o instanceof GDecimal && o.u === n.u && o.s === n.s;
    },
  ],
  [
    'times',
    (n, a) => {
      arity(owner(n), 'times', a, 1);
      const c = closureArg(owner(n), 'times', a, 0);
      const count = toInt(n);
      for (let i = 0; i < count; i++) c.call([i]);
      return null;
    },
  ],
  [
    'upto',
    (n, a) => {
      arity(owner(n), 'upto', a, 2);
      const c = closureArg(owner(n), 'upto', a, 1);
      const to = intArg(owner(n), 'upto', a, 0);
      for (let i = toInt(n); i <= to; i++) c.call([i]);
      return null;
    },
  ],
  [
    'downto',
    (n, a) => {
      arity(owner(n), 'downto', a, 2);
      const c = closureArg(owner(n), 'downto', a, 1);
      const to = intArg(owner(n), 'downto', a, 0);
      for (let i = toInt(n); i >= to; i--) c.call([i]);
      return null;
    },
  ],
  [
    'setScale',
    (n, a) => {
      arity(owner(n), 'setScale', a, 1, 2);
      return setScale(toDecimal(n), intArg(owner(n), 'setScale', a, 0), a.length === 2 ? (a[1] as Value) : null);
    },
  ],
  ['scale', (n, a) => (arity(owner(n), 'scale', a, 0), toDecimal(n).s)],
  [
    'signum',
    (n, a) => (
      arity(owner(n), 'signum', a, 0),
      Number(
        toBigInt(n) > 0n || (n instanceof GDecimal && n.u > 0n)
          ? 1
          : n instanceof GDecimal
            ? n.u < 0n
              ? -1
              : 0
            : toBigInt(n) < 0n
              ? -1
              : 0,
      )
    ),
  ],
  ['negate', (n, a) => (arity(owner(n), 'negate', a, 0), minus(0, n))],
  [
    'stripTrailingZeros',
    (n, a) => {
      arity(owner(n), 'stripTrailingZeros', a, 0);
      const d = toDecimal(n);
      if (d.u === 0n) return new GDecimal(0n, 0);
      const [u, s] = stripZeros(d.u, d.s);
      return new GDecimal(u, s);
    },
  ],
  ['toPlainString', (n, a) => (arity(owner(n), 'toPlainString', a, 0), decimalToPlainString(toDecimal(n)))],
  [
    'round',
    (n, a) => {
      arity(owner(n), 'round', a, 0, 1);
      if (!(n instanceof GDecimal)) return n;
      return setScaleHalfUp(n, a.length === 1 ? intArg('BigDecimal', 'round', a, 0) : 0);
    },
  ],
  [
    'max',
    (n, a) => (
      arity(owner(n), 'max', a, 1),
      isNumber(a[0] as Value) && compareNumbers(n, a[0] as GNumber) < 0 ? (a[0] as Value) : n
    ),
  ],
  [
    'min',
    (n, a) => (
      arity(owner(n), 'min', a, 1),
      isNumber(a[0] as Value) && compareNumbers(n, a[0] as GNumber) > 0 ? (a[0] as Value) : n
    ),
  ],
  ['asBoolean', (n) => !groovyEquals(n, 0)],
]);
