/**
 * Groovy's operators on runtime values (compiler/operators.ts inlines the Integer fast paths and calls these for the
 * rest), and the conversions behind `as`, typed variables, `instanceof`, `in` and switch cases.
 */
import {
  ArithmeticFault,
  decimalAdd,
  decimalMul,
  decimalRemainder,
  decimalSub,
  GDecimal,
  GLong,
  groovyDivide,
  isNumber,
  longOf,
  NumberFormatFault,
  parseDecimal,
  parseInteger,
  parseLong,
  toBigInt,
  toDecimal,
  toInt,
  type GNumber,
} from './numbers.ts';
import { ScriptException } from './faults.ts';
import { timeStatics } from './methods/java-time.ts';
import { javaRegex } from './regex.ts';
import {
  charge,
  chargeItems,
  chargeText,
  checkSize,
  checkString,
  checkStringLength,
  numberTooLarge,
  currentRun,
  retain,
  retainAll,
  scriptError,
} from './runtime.ts';
import {
  GClassRef,
  GClosure,
  GDate,
  GEntry,
  GException,
  GMap,
  GMatcher,
  GObject,
  GPattern,
  GRange,
  GRecord,
  GSet,
  GTime,
  groovyCompare,
  groovyEquals,
  groovyToString,
  javaTypeName,
  rangeToList,
  truthy,
  typeName,
  type Value,
} from './values.ts';

function noOperator(op: string, a: Value, b: Value): never {
  throw scriptError(
    `No signature of method: ${typeName(a)}.${op}() is applicable for argument types: (${typeName(b)}) values: [${groovyToString(b)}]`,
    'missing_method',
    'MissingMethodException',
  );
}

function arithmetic(
  a: GNumber,
  b: GNumber,
  intOp: (x: number, y: number) => number,
  longOp: (x: bigint, y: bigint) => bigint,
  decOp: (x: GDecimal, y: GDecimal) => GDecimal,
): GNumber {
  if (typeof a === 'number' && typeof b === 'number') return intOp(a, b);
  if (a instanceof GDecimal || b instanceof GDecimal) return decOp(toDecimal(a), toDecimal(b));
  return longOf(longOp(toBigInt(a), toBigInt(b)));
}

export function toList(v: Value): Value[] | null {
  if (Array.isArray(v)) return v;
  if (v instanceof GSet) return v.toList();
  if (v instanceof GRange) {
    checkSize(v.bounds().size);
    return rangeToList(v);
  }
  return null;
}

export function plus(a: Value, b: Value): Value {
  if (typeof a === 'string') return checkString(a + groovyToString(b));
  if (isNumber(a)) {
    if (isNumber(b))
      return arithmetic(
        a,
        b,
        (x, y) => (x + y) | 0,
        (x, y) => x + y,
        decimalAdd,
      );
    if (typeof b === 'string') return checkString(groovyToString(a) + b);
    noOperator('plus', a, b);
  }
  if (Array.isArray(a) || a instanceof GRange) {
    const base = toList(a) as Value[];
    const more = toList(b);
    checkSize(base.length + (more ? more.length : 1));
    chargeItems(base.length + (more ? more.length : 1));
    if (more) retainAll(more);
    else retain(b);
    return more ? base.concat(more) : [...base, b];
  }
  if (a instanceof GSet) {
    const out = new GSet();
    for (const x of a.items.values()) out.add(x);
    const more = toList(b);
    if (more) for (const x of more) out.add(x);
    else out.add(b);
    checkSize(out.size);
    return out;
  }
  if (a instanceof GMap) {
    if (!(b instanceof GMap)) noOperator('plus', a, b);
    const out = new GMap(new Map(a.m));
    for (const [k, v] of b.m) out.m.set(k, v);
    checkSize(out.size);
    return out;
  }
  if (a === null && typeof b === 'string') return checkString(`null${b}`);
  if (a instanceof GDate && typeof b === 'number') return new GDate(a.ms + b * 86_400_000);
  if (a === null) throw scriptError(`Cannot execute null+${groovyToString(b)}`, 'null_pointer', 'NullPointerException');
  noOperator('plus', a, b);
}

export function minus(a: Value, b: Value): Value {
  if (isNumber(a) && isNumber(b))
    return arithmetic(
      a,
      b,
      (x, y) => (x - y) | 0,
      (x, y) => x - y,
      decimalSub,
    );
  if (typeof a === 'string') {
    const s = b instanceof GPattern ? null : groovyToString(b);
    if (s === null) {
      const m = (b as GPattern).regex.exec(a, 0);
      return m ? a.slice(0, m.index) + a.slice(m.index + m[0].length) : a;
    }
    const i = a.indexOf(s);
    return i < 0 ? a : a.slice(0, i) + a.slice(i + s.length);
  }
  if (Array.isArray(a) || a instanceof GRange || a instanceof GSet) {
    const base = toList(a) as Value[];
    const more = toList(b);
    chargeItems(base.length * (more ? more.length : 1));
    const drop = (x: Value): boolean => (more ? more.some((y) => groovyEquals(x, y)) : groovyEquals(x, b));
    const kept = base.filter((x) => !drop(x));
    if (a instanceof GSet) {
      const out = new GSet();
      for (const x of kept) out.add(x);
      return out;
    }
    return kept;
  }
  if (a instanceof GMap && b instanceof GMap) {
    const out = new GMap(new Map(a.m));
    for (const [k, v] of b.m) if (out.m.has(k) && groovyEquals(out.m.get(k) as Value, v)) out.m.delete(k);
    return out;
  }
  if (a instanceof GDate && typeof b === 'number') return new GDate(a.ms - b * 86_400_000);
  if (a === null) throw scriptError(`Cannot execute null-${groovyToString(b)}`, 'null_pointer', 'NullPointerException');
  noOperator('minus', a, b);
}

export function multiply(a: Value, b: Value): Value {
  if (isNumber(a) && isNumber(b)) return arithmetic(a, b, Math.imul, (x, y) => x * y, decimalMul);
  if (typeof a === 'string' && isNumber(b)) {
    const n = toInt(b);
    if (n < 0) throw scriptError(`count is negative: ${n}`, 'runtime', 'IllegalArgumentException');
    checkStringLength(a.length * n);
    chargeText(a.length * n);
    return a.repeat(n);
  }
  if ((Array.isArray(a) || a instanceof GRange) && isNumber(b)) {
    const base = toList(a) as Value[];
    const n = toInt(b);
    checkSize(base.length * n);
    chargeItems(base.length * n);
    for (let i = 1; i < n; i++) retainAll(base);
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(...base);
    return out;
  }
  if (a === null) throw scriptError(`Cannot execute null*${groovyToString(b)}`, 'null_pointer', 'NullPointerException');
  noOperator('multiply', a, b);
}

export function divide(a: Value, b: Value): Value {
  if (isNumber(a) && isNumber(b)) {
    try {
      return groovyDivide(toDecimal(a), toDecimal(b));
    } catch (e) {
      if (e instanceof ArithmeticFault) throw scriptError(e.message, 'arithmetic', 'ArithmeticException');
      throw e;
    }
  }
  noOperator('div', a, b);
}

export function intdiv(a: Value, b: Value): Value {
  if (!isNumber(a) || !isNumber(b) || a instanceof GDecimal || b instanceof GDecimal) noOperator('intdiv', a, b);
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) throw scriptError('/ by zero', 'arithmetic', 'ArithmeticException');
    return Math.trunc(a / b) | 0;
  }
  const y = toBigInt(b);
  if (y === 0n) throw scriptError('/ by zero', 'arithmetic', 'ArithmeticException');
  return longOf(toBigInt(a) / y);
}

export function mod(a: Value, b: Value): Value {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'number' && typeof b === 'number') {
      if (b === 0) throw scriptError('/ by zero', 'arithmetic', 'ArithmeticException');
      return (a % b) | 0;
    }
    if (a instanceof GDecimal || b instanceof GDecimal) {
      try {
        return decimalRemainder(toDecimal(a), toDecimal(b));
      } catch (e) {
        if (e instanceof ArithmeticFault) throw scriptError(e.message, 'arithmetic', 'ArithmeticException');
        throw e;
      }
    }
    const y = toBigInt(b);
    if (y === 0n) throw scriptError('/ by zero', 'arithmetic', 'ArithmeticException');
    return longOf(toBigInt(a) % y);
  }
  noOperator('mod', a, b);
}

export function power(a: Value, b: Value): Value {
  if (!isNumber(a) || !isNumber(b)) noOperator('power', a, b);
  if (b instanceof GDecimal)
    throw scriptError('decimal exponents are not supported in sync rules', 'runtime', 'ArithmeticException');
  const e = toBigInt(b);
  if (e < 0n)
    throw scriptError(
      'negative exponents are not supported in sync rules (they give a double)',
      'runtime',
      'ArithmeticException',
    );
  const base = a instanceof GDecimal ? a.u : toBigInt(a);
  const magnitude = base < 0n ? -base : base;
  // at least (bits - 1) * log10(2) digits a factor: refused before 2G ** 100000 is computed
  if (magnitude > 1n) {
    const digits = Math.floor((magnitude.toString(2).length - 1) * Math.LOG10E * Math.LN2 * Number(e));
    if (digits > currentRun().maxDigits) throw numberTooLarge(`${digits} digits`);
  }
  if (e > 10_000n && magnitude <= 1n && !(a instanceof GDecimal && a.s !== 0)) {
    // 0, 1 and -1 to a huge power: no work and no growth
    const r = magnitude === 0n ? 0n : base > 0n || e % 2n === 0n ? 1n : -1n;
    return typeof a === 'number' ? Number(r) : a instanceof GLong ? new GLong(r) : new GDecimal(r, 0);
  }
  if (e > 10_000n) throw numberTooLarge(`an exponent of ${e}`);
  charge(Number(e));
  if (a instanceof GDecimal) return new GDecimal(a.u ** e, a.s * Number(e));
  const r = toBigInt(a) ** e;
  if (typeof a === 'number') {
    if (r >= -2147483648n && r <= 2147483647n) return Number(r);
    if (r >= -(2n ** 63n) && r < 2n ** 63n) return new GLong(r);
    return new GDecimal(r, 0);
  }
  return longOf(r);
}

export function negate(a: Value): Value {
  if (typeof a === 'number') return -a | 0;
  if (a instanceof GLong) return longOf(-a.v);
  if (a instanceof GDecimal) return new GDecimal(-a.u, a.s);
  if (Array.isArray(a)) return a.map((x) => negate(x));
  throw scriptError(
    `No signature of method: ${typeName(a)}.negative() is applicable`,
    'missing_method',
    'MissingMethodException',
  );
}

export function bitOp(op: string, a: Value, b: Value): Value {
  if (typeof a === 'boolean' && typeof b === 'boolean') {
    if (op === '&') return a && b;
    if (op === '|') return a || b;
    return a !== b;
  }
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '&':
        return a & b;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '<<':
        return a << b;
      case '>>':
        return a >> b;
      default:
        return a >>> b;
    }
  }
  if ((a instanceof GLong || typeof a === 'number') && (b instanceof GLong || typeof b === 'number')) {
    const x = toBigInt(a);
    const y = toBigInt(b);
    switch (op) {
      case '&':
        return longOf(x & y);
      case '|':
        return longOf(x | y);
      case '^':
        return longOf(x ^ y);
      case '<<':
        return longOf(x << (y & 63n));
      case '>>':
        return longOf(x >> (y & 63n));
    }
  }
  noOperator(op, a, b);
}

/** `<<`: append to a list or set, merge into a map, or shift an integer. */
export function leftShift(a: Value, b: Value): Value {
  if (Array.isArray(a)) {
    checkSize(a.length + 1);
    retain(b);
    a.push(b);
    return a;
  }
  if (a instanceof GSet) {
    if (a.add(b)) retain(b);
    checkSize(a.size);
    return a;
  }
  if (a instanceof GMap) {
    if (b instanceof GMap) {
      chargeItems(b.size);
      for (const [k, v] of b.m) {
        retain(v);
        a.m.set(k, v);
      }
    } else if (b instanceof GEntry) {
      retain(b.value);
      a.set(b.key, b.value);
    } else noOperator('leftShift', a, b);
    checkSize(a.size);
    return a;
  }
  if (typeof a === 'string') return checkString(a + groovyToString(b));
  if (a === null)
    throw scriptError('Cannot invoke method leftShift() on null object', 'null_pointer', 'NullPointerException');
  return bitOp('<<', a, b);
}

export function compare(op: string, a: Value, b: Value): boolean {
  if (op === '==') return groovyEquals(a, b);
  if (op === '!=') return !groovyEquals(a, b);
  // Groovy: null is smaller than anything, and two nulls are equal.
  if (a === null || b === null) {
    if (op === '<') return a === null && b !== null;
    if (op === '>') return a !== null && b === null;
    if (op === '<=') return a === null;
    return b === null;
  }
  const c = groovyCompare(a, b);
  if (op === '<') return c < 0;
  if (op === '<=') return c <= 0;
  if (op === '>') return c > 0;
  return c >= 0;
}

export function spaceship(a: Value, b: Value): number {
  const c = groovyCompare(a, b);
  if (typeof a === 'string' && typeof b === 'string') return c;
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

export function pattern(v: Value): GPattern {
  if (v instanceof GPattern) return v;
  const source = groovyToString(v);
  return new GPattern(source, javaRegex(source));
}

export function findMatcher(a: Value, b: Value): GMatcher {
  if (a === null)
    throw scriptError('Cannot invoke method matcher() on null object', 'null_pointer', 'NullPointerException');
  const p = pattern(b);
  return new GMatcher(groovyToString(a), p.regex, p.source);
}

export function fullMatch(a: Value, b: Value): boolean {
  if (a === null) return false;
  return pattern(b).regex.matchesWhole(groovyToString(a));
}

const collectionTypes = new Set(['List', 'ArrayList', 'Collection', 'Iterable', 'LinkedList', 'AbstractList']);
const setTypes = new Set(['Set', 'HashSet', 'LinkedHashSet', 'SortedSet', 'TreeSet']);
const mapTypes = new Set(['Map', 'HashMap', 'LinkedHashMap', 'TreeMap', 'SortedMap']);
const recordTypeAliases: Record<string, string> = {
  BasicHubComment: 'comment',
  HubComment: 'comment',
  Comment: 'comment',
  BasicHubAttachment: 'attachment',
  HubAttachment: 'attachment',
  Attachment: 'attachment',
  BasicHubUser: 'user',
  HubUser: 'user',
  User: 'user',
};

export function instanceOf(v: Value, type: string): boolean {
  if (v === null) return false;
  switch (type) {
    case 'Object':
    case 'def':
      return true;
    case 'String':
    case 'CharSequence':
    case 'GString':
      return typeof v === 'string';
    case 'Integer':
    case 'int':
      return typeof v === 'number';
    case 'Long':
    case 'long':
      return v instanceof GLong;
    case 'BigDecimal':
      return v instanceof GDecimal;
    case 'Number':
      return isNumber(v);
    case 'Boolean':
    case 'boolean':
      return typeof v === 'boolean';
    case 'Closure':
      return v instanceof GClosure;
    case 'Date':
      return v instanceof GDate;
    case 'Range':
    case 'IntRange':
      return v instanceof GRange;
    case 'Exception':
    case 'Throwable':
    case 'RuntimeException':
      return v instanceof GException;
    case 'Map.Entry':
    case 'Entry':
      return v instanceof GEntry;
  }
  if (collectionTypes.has(type))
    return (
      Array.isArray(v) || v instanceof GRange || ((type === 'Collection' || type === 'Iterable') && v instanceof GSet)
    );
  if (setTypes.has(type)) return v instanceof GSet;
  if (mapTypes.has(type)) return v instanceof GMap;
  if (v instanceof GException) return v.type === type;
  if (v instanceof GTime) return v.kind === type;
  const record = recordTypeAliases[type];
  if (record) return v instanceof GRecord && v.type.name === record;
  return false;
}

function castFailure(v: Value, type: string): never {
  throw scriptError(
    `Cannot cast object '${groovyToString(v)}' with class '${javaTypeName(v)}' to class '${type}'`,
    'type_error',
    'GroovyCastException',
  );
}

function numberFromText(text: string, type: string, parse: (t: string) => Value): Value {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof NumberFormatFault)
      throw scriptError(`${e.message}${type ? '' : ''}`, 'number_format', 'NumberFormatException');
    throw e;
  }
}

/** `value as Type`. */
export function asType(v: Value, type: string): Value {
  if (v === null) return type === 'boolean' || type === 'Boolean' ? false : null;
  switch (type) {
    case 'String':
      return groovyToString(v);
    case 'Integer':
    case 'int':
      if (isNumber(v)) return toInt(v);
      if (typeof v === 'string') return numberFromText(v, type, parseInteger);
      return castFailure(v, 'java.lang.Integer');
    case 'Long':
    case 'long':
      if (isNumber(v)) return new GLong(BigInt.asIntN(64, toBigInt(v)));
      if (typeof v === 'string') return numberFromText(v, type, parseLong);
      return castFailure(v, 'java.lang.Long');
    case 'BigDecimal':
    case 'Number':
      if (isNumber(v)) return type === 'Number' ? v : toDecimal(v);
      if (typeof v === 'string') return numberFromText(v.trim(), type, parseDecimal);
      return castFailure(v, 'java.math.BigDecimal');
    case 'Boolean':
    case 'boolean':
      return truthy(v);
    case 'Object':
    case 'def':
      return v;
  }
  if (collectionTypes.has(type)) {
    if (Array.isArray(v)) return v;
    const list = toList(v);
    if (list) return [...list];
    if (typeof v === 'string') return [...v];
    if (v instanceof GMap) return [...v.m.entries()].map(([k, x]) => new GEntry(k as Value, x, v));
    return [v];
  }
  if (setTypes.has(type)) {
    if (v instanceof GSet) return v;
    const list = toList(v) ?? (typeof v === 'string' ? [...v] : [v]);
    const out = new GSet();
    for (const x of list) out.add(x);
    return out;
  }
  if (mapTypes.has(type)) {
    if (v instanceof GMap) return v;
    return castFailure(v, 'java.util.Map');
  }
  if (instanceOf(v, type)) return v;
  return castFailure(v, type);
}

/**
 * A replica travels as JSON, so a date the other side sent (a Timestamp custom field in Exalate) arrives as text: the
 * Timestamp's own form (`2025-10-25 00:00:00.0`, what a Timestamp becomes in a replica), an ISO instant
 * (`2025-10-25T04:00:00Z`, what the helpdesk APIs give) or a date. A Timestamp parameter or variable takes it back;
 * Groovy itself only casts a Timestamp, and other text is refused as Groovy refuses it.
 */
function timestampFromText(text: string): Value {
  const t = text.trim();
  try {
    if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/.test(t)) return timeStatic('Timestamp', 'valueOf', [t]);
    if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return timeStatic('Timestamp', 'valueOf', [`${t} 00:00:00`]);
    if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(t))
      return timeStatic('Timestamp', 'from', [timeStatic('Instant', 'parse', [t])]);
  } catch (e) {
    if (!(e instanceof ScriptException)) throw e;
  }
  return castFailure(text, 'java.sql.Timestamp');
}

function timeStatic(cls: string, name: string, args: Value[]): Value {
  const table = Object.hasOwn(timeStatics, cls) ? timeStatics[cls] : undefined;
  const method = table && Object.hasOwn(table, name) ? table[name] : undefined;
  if (!method) throw new Error(`${cls}.${name} is missing from the java.time statics`);
  return method(null, args);
}

/** Assignment to a typed variable or parameter: Groovy converts less eagerly than `as` (no text to number). */
export function castAssign(v: Value, type: string): Value {
  if (v === null) {
    if (['int', 'long', 'boolean', 'double', 'float', 'short', 'byte', 'char'].includes(type)) castFailure(v, type);
    return null;
  }
  switch (type) {
    case 'String':
      return typeof v === 'string' ? v : groovyToString(v);
    case 'int':
    case 'Integer':
      if (typeof v === 'number') return v;
      if (type === 'int' && isNumber(v)) return toInt(v);
      return castFailure(v, type === 'int' ? 'int' : 'java.lang.Integer');
    case 'long':
    case 'Long':
      if (typeof v === 'number' || v instanceof GLong) return asType(v, 'Long');
      if (type === 'long' && v instanceof GDecimal) return asType(v, 'Long');
      return castFailure(v, type === 'long' ? 'long' : 'java.lang.Long');
    case 'BigDecimal':
      if (isNumber(v)) return toDecimal(v);
      return castFailure(v, 'java.math.BigDecimal');
    case 'boolean':
    case 'Boolean':
      return typeof v === 'boolean' ? v : type === 'boolean' ? truthy(v) : castFailure(v, 'java.lang.Boolean');
    case 'double':
    case 'float':
    case 'Double':
    case 'Float':
      throw scriptError(`${type} is not supported in sync rules: use BigDecimal`, 'type_error', 'GroovyCastException');
    case 'Timestamp':
      if (typeof v === 'string') return timestampFromText(v);
  }
  if (setTypes.has(type) && !(v instanceof GSet)) {
    const list = toList(v);
    if (!list) castFailure(v, 'java.util.Set');
    return asType(list, 'Set');
  }
  if (collectionTypes.has(type)) {
    if (Array.isArray(v) || v instanceof GRange) return v;
    if (v instanceof GSet && (type === 'Collection' || type === 'Iterable')) return v;
    castFailure(v, 'java.util.List');
  }
  if (mapTypes.has(type) && !(v instanceof GMap)) castFailure(v, 'java.util.Map');
  return v;
}

/** `case X:` and `x in X`: Groovy's isCase. */
export function isCase(caseValue: Value, v: Value, call: (c: GClosure, args: Value[]) => Value): boolean {
  if (caseValue === null) return v === null;
  if (caseValue instanceof GClassRef)
    return caseValue.script ? v instanceof GObject && v.cls === caseValue.script : instanceOf(v, caseValue.name);
  if (Array.isArray(caseValue)) {
    charge(caseValue.length);
    return caseValue.some((x) => groovyEquals(x, v));
  }
  if (caseValue instanceof GSet) return caseValue.has(v) || caseValue.toList().some((x) => groovyEquals(x, v));
  if (caseValue instanceof GRange) {
    if (!isNumber(v)) return false;
    const { first, last } = caseValue.bounds();
    if (caseValue.bounds().size === 0) return false;
    const lo = Math.min(first, last);
    const hi = Math.max(first, last);
    return groovyCompare(v, lo) >= 0 && groovyCompare(v, hi) <= 0;
  }
  if (caseValue instanceof GMap) return caseValue.has(v) && truthy(caseValue.get(v));
  if (caseValue instanceof GClosure) return truthy(call(caseValue, [v]));
  if (caseValue instanceof GPattern) return v !== null && fullMatch(v, caseValue);
  if (typeof caseValue === 'string') return v !== null && groovyToString(v) === caseValue;
  return groovyEquals(caseValue, v);
}

/** `a in b`. */
export function inOperator(a: Value, b: Value, call: (c: GClosure, args: Value[]) => Value): boolean {
  return isCase(b, a, call);
}

export { typeName, toInt };
