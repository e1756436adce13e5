/**
 * Property, index and method access on runtime values. Every lookup goes through an explicit table per type;
 * nothing is ever looked up on a JS object by name, which is what keeps prototypes and host objects out of reach.
 */
import {
  GDecimal,
  GLong,
  INTEGER_MAX,
  INTEGER_MIN,
  isNumber,
  LONG_MAX_VALUE,
  LONG_MIN_VALUE,
  parseDecimal,
  parseInteger,
  parseLong,
  NumberFormatFault,
  toDecimal,
  type GNumber,
} from '../numbers.ts';
import { asType, fullMatch, isCase, pattern, toList } from '../ops.ts';
import { checkSize, forbidden, retain, scriptError } from '../runtime.ts';
import { suggest } from '../../domain/suggest.ts';
import { forbiddenMemberMessage, forbiddenMembers } from '../sandbox.ts';
import {
  GClassRef,
  GClosure,
  GDate,
  GDateFormat,
  GEntry,
  GException,
  GHelper,
  GMap,
  GMatcher,
  GObject,
  GPattern,
  GRange,
  GRecord,
  GSet,
  GTime,
  groovyEquals,
  groovyToString,
  javaExceptionName,
  joinValues,
  rangeToList,
  truthy,
  typeName,
  type Value,
} from '../values.ts';
import { arity, intArg as intArgOf, signatureError, stringArg, type Method } from './args.ts';
import { listMethods, rangeMethod, setMethods } from './collections.ts';
import { dateFormatMethods, dateMethods } from './dates.ts';
import { javaFormat } from './format.ts';
import {
  newTimestamp,
  timeMethod,
  timeMethodNames,
  timeProperty,
  timeStaticProperty,
  timeStatics,
} from './java-time.ts';
import { parseJson, prettyPrint, toJson } from './json.ts';
import { mapMethods } from './maps.ts';
import { matcherAt, matcherIteration, matcherMethods } from './matcher.ts';
import { numberMethods } from './numbers.ts';
import { stringAt, stringMethods } from './strings.ts';

const call = (c: GClosure, args: Value[]): Value => c.call(args);

function nullProperty(name: string): Error {
  return scriptError(`Cannot get property '${name}' on null object`, 'null_pointer', 'NullPointerException');
}

function missingProperty(name: string, owner: string, candidates: Iterable<string>): Error {
  return scriptError(
    `No such property: ${name} for ${owner}`,
    'missing_property',
    'MissingPropertyException',
    suggest(name, candidates),
  );
}

export function getProp(o: Value, name: string): Value {
  if (o === null) throw nullProperty(name);
  if (o instanceof GMap) return o.get(name);
  if (o instanceof GRecord) {
    const v = o.f.get(name);
    if (v !== undefined) return v;
    if (o.type.derive) {
      const d = o.type.derive(o, name);
      if (d !== undefined) return d;
    }
    if (o.type.props.includes(name)) return null;
    throw missingProperty(name, o.type.name, [...o.type.props, ...o.f.keys()]);
  }
  if (Array.isArray(o) || o instanceof GSet || o instanceof GRange) {
    if (name === 'empty') return (toList(o) as Value[]).length === 0;
    if (o instanceof GRange && (name === 'from' || name === 'to'))
      return name === 'from' ? o.from : o.exclusive ? o.bounds().last : o.to;
    // Groovy spreads a property over a list: issues.summary is issues.collect { it.summary }.
    const list = toList(o) as Value[];
    return list.map((x) => (x === null ? null : getProp(x, name)));
  }
  if (typeof o === 'string') {
    if (name === 'empty') return o.length === 0;
    if (name === 'blank') return o.trim().length === 0;
    if (name === 'number') return stringMethods.get('isNumber')?.(o, []) ?? false;
    // Labels are plain strings here; Exalate's Label objects carry the text in .label (docs.exalate.com/docs/getlabel).
    if (name === 'label') return o;
    throw missingProperty(
      name,
      'String',
      [...stringMethods.keys()].map((m) => `${m}()`),
    );
  }
  if (o instanceof GEntry) {
    if (name === 'key') return o.key;
    if (name === 'value') return o.value;
    throw missingProperty(name, 'Map.Entry', ['key', 'value']);
  }
  if (o instanceof GException) {
    if (name === 'message' || name === 'localizedMessage') return o.message;
    throw missingProperty(name, o.type, ['message']);
  }
  if (o instanceof GDate && name === 'time') return new GLong(BigInt(o.ms));
  if (o instanceof GTime) {
    const v = timeProperty(o, name);
    if (v !== undefined) return v;
    throw missingProperty(name, o.kind, timeMethodNames(o));
  }
  if (o instanceof GMatcher && (name === 'count' || name === 'groupCount'))
    return (matcherMethods.get(name === 'count' ? 'getCount' : name) as Method<GMatcher>)(o, []);
  if (o instanceof GClassRef) return staticProperty(o, name);
  if (o instanceof GObject) return o.cls.getProp(o, name);
  if (o instanceof GHelper)
    throw missingProperty(
      name,
      o.name,
      [...o.methods.keys()].map((m) => `${m}()`),
    );
  throw missingProperty(name, typeName(o), []);
}

export function setProp(o: Value, name: string, v: Value): void {
  if (o === null)
    throw scriptError(`Cannot set property '${name}' on null object`, 'null_pointer', 'NullPointerException');
  if (o instanceof GMap) {
    o.set(name, v);
    checkSize(o.size);
    retain(v);
    return;
  }
  if (o instanceof GRecord) {
    if (!o.type.open && !o.type.props.includes(name)) throw missingProperty(name, o.type.name, o.type.props);
    o.f.set(name, o.type.coerce ? o.type.coerce(name, v) : v);
    return;
  }
  if (o instanceof GEntry && name === 'value') {
    o.value = v;
    if (o.owner) o.owner.set(o.key, v);
    return;
  }
  if (o instanceof GObject) {
    o.cls.setProp(o, name, v);
    return;
  }
  if (o instanceof GClassRef && o.script) {
    o.script.staticSet(name, v);
    return;
  }
  throw scriptError(
    `Cannot set property '${name}' on a ${typeName(o)}`,
    'missing_property',
    'ReadOnlyPropertyException',
  );
}

function listIndex(list: readonly Value[], index: Value): Value {
  if (typeof index === 'number') {
    const i = index < 0 ? list.length + index : index;
    return i >= 0 && i < list.length ? (list[i] as Value) : null;
  }
  if (index instanceof GLong) return listIndex(list, Number(index.v));
  if (index instanceof GRange) {
    const { first, last, size } = index.bounds();
    if (size === 0) return [];
    const a = first < 0 ? list.length + first : first;
    const b = last < 0 ? list.length + last : last;
    if (a < 0 || b < 0 || a >= list.length || b >= list.length) {
      throw scriptError(
        `range ${first}..${last} is out of bounds for a list of size ${list.length}`,
        'index_out_of_bounds',
        'IndexOutOfBoundsException',
      );
    }
    return a <= b ? list.slice(a, b + 1) : list.slice(b, a + 1).reverse();
  }
  if (Array.isArray(index)) return index.map((i) => listIndex(list, i));
  throw scriptError(
    `a list index must be an integer or a range, not ${typeName(index)}`,
    'type_error',
    'MissingMethodException',
  );
}

export function getIndex(o: Value, index: Value): Value {
  if (o === null)
    throw scriptError('Cannot invoke method getAt() on null object', 'null_pointer', 'NullPointerException');
  if (Array.isArray(o)) return listIndex(o, index);
  if (o instanceof GMap) return o.get(index);
  if (o instanceof GRecord) return getProp(o, groovyToString(index));
  if (typeof o === 'string') return stringAt(o, index);
  if (o instanceof GSet) return listIndex(o.toList(), index);
  if (o instanceof GRange) {
    checkSize(o.bounds().size);
    return listIndex(rangeToList(o), index);
  }
  if (o instanceof GMatcher) return matcherAt(o, index);
  if (o instanceof GEntry || o instanceof GObject) return getProp(o, groovyToString(index));
  throw scriptError(`a ${typeName(o)} cannot be indexed with [ ]`, 'missing_method', 'MissingMethodException');
}

export function setIndex(o: Value, index: Value, v: Value): void {
  if (o === null)
    throw scriptError('Cannot invoke method putAt() on null object', 'null_pointer', 'NullPointerException');
  if (Array.isArray(o)) {
    if (typeof index !== 'number')
      throw scriptError(
        `a list index must be an integer, not ${typeName(index)}`,
        'type_error',
        'MissingMethodException',
      );
    const i = index < 0 ? o.length + index : index;
    if (i < 0)
      throw scriptError(
        `Negative array index [${index}] too large for array size ${o.length}`,
        'index_out_of_bounds',
        'ArrayIndexOutOfBoundsException',
      );
    checkSize(i + 1);
    retain(v);
    while (o.length < i) o.push(null);
    o[i] = v;
    return;
  }
  if (o instanceof GMap) {
    o.set(index, v);
    checkSize(o.size);
    retain(v);
    return;
  }
  if (o instanceof GRecord || o instanceof GObject) {
    const name = groovyToString(index);
    if (forbiddenMembers.has(name)) throw forbidden(forbiddenMemberMessage(name));
    setProp(o, name, v);
    return;
  }
  throw scriptError(`a ${typeName(o)} cannot be changed with [ ] =`, 'missing_method', 'MissingMethodException');
}

function missingMethod(owner: string, name: string, args: Value[], names: Iterable<string>): Error {
  const types = args.map((a) => typeName(a)).join(', ');
  return scriptError(
    `No signature of method: ${owner}.${name}() is applicable for argument types: (${types})`,
    'missing_method',
    'MissingMethodException',
    suggest(name, names),
  );
}

/** Methods every value has. */
function universal(o: Value, name: string, args: Value[]): Value | undefined {
  switch (name) {
    case 'toString':
      arity(typeName(o), 'toString', args, 0);
      return groovyToString(o);
    case 'equals':
      arity(typeName(o), 'equals', args, 1);
      return groovyEquals(o, args[0] as Value);
    case 'is':
      arity(typeName(o), 'is', args, 1);
      return o === args[0];
    case 'asBoolean':
      return truthy(o);
    case 'asType':
      arity(typeName(o), 'asType', args, 1);
      if (!(args[0] instanceof GClassRef)) throw signatureError(typeName(o), 'asType', args);
      return asType(o, args[0].name);
    case 'isCase':
      arity(typeName(o), 'isCase', args, 1);
      return isCase(o, args[0] as Value, call);
    case 'inspect':
      return typeof o === 'string' ? `'${o}'` : groovyToString(o);
    case 'hashCode':
      return 0;
    case 'with': {
      const c = args[0];
      if (!(c instanceof GClosure)) throw signatureError(typeName(o), 'with', args);
      return c.call([o]);
    }
  }
  return undefined;
}

const universalNames = ['toString', 'equals', 'is', 'asBoolean', 'asType', 'isCase', 'inspect', 'with'];

export function callMethod(o: Value, name: string, args: Value[]): Value {
  if (o === null) {
    if (name === 'toString') return 'null';
    if (name === 'equals') return args[0] === null;
    if (name === 'is') return args[0] === null;
    if (name === 'asBoolean') return false;
    throw scriptError(`Cannot invoke method ${name}() on null object`, 'null_pointer', 'NullPointerException');
  }
  let table: ReadonlyMap<string, Method<never>> | null = null;
  if (typeof o === 'string') table = stringMethods;
  else if (Array.isArray(o)) table = listMethods;
  else if (typeof o === 'number' || o instanceof GLong || o instanceof GDecimal) table = numberMethods;
  else if (o instanceof GMap) table = mapMethods;
  if (table !== null) {
    const m = table.get(name) as Method<Value> | undefined;
    if (m) return m(o, args);
  }
  if (o instanceof GSet) {
    const m = setMethods.get(name);
    if (m) return m(o, args);
    const lm = listMethods.get(name);
    if (lm) {
      const result = lm(o.toList(), args);
      return name === 'unique' ? o : result;
    }
  } else if (o instanceof GRange) {
    const r = rangeMethod(o, name, args);
    if (r !== undefined) return r;
  } else if (o instanceof GRecord) {
    const getter = /^(get|is)([A-Z]\w*)$/.exec(name);
    if (getter && args.length === 0) {
      const prop = (getter[2] as string).charAt(0).toLowerCase() + (getter[2] as string).slice(1);
      if (o.type.props.includes(prop) || o.f.has(prop)) return getProp(o, prop);
    }
    const setter = /^set([A-Z]\w*)$/.exec(name);
    if (setter && args.length === 1) {
      setProp(o, (setter[1] as string).charAt(0).toLowerCase() + (setter[1] as string).slice(1), args[0] as Value);
      return null;
    }
  } else if (o instanceof GHelper) {
    const m = o.methods.get(name);
    if (m) return m(args);
    throw missingMethod(o.name, name, args, o.methods.keys());
  } else if (o instanceof GClosure) {
    if (name === 'call' || name === 'doCall') return o.call(args);
    if (name === 'curry')
      return new GClosure(Math.max(0, o.arity - args.length), false, (more) => o.call([...args, ...more]));
    if (name === 'getMaximumNumberOfParameters') return o.arity;
  } else if (o instanceof GEntry) {
    if (name === 'getKey') return o.key;
    if (name === 'getValue') return o.value;
    if (name === 'setValue') {
      setProp(o, 'value', args[0] as Value);
      return null;
    }
  } else if (o instanceof GDate) {
    const m = dateMethods.get(name);
    if (m) return m(o, args);
  } else if (o instanceof GDateFormat) {
    const m = dateFormatMethods.get(name);
    if (m) return m(o, args);
  } else if (o instanceof GTime) {
    const r = timeMethod(o, name, args);
    if (r !== undefined) return r;
  } else if (o instanceof GException) {
    if (name === 'getMessage' || name === 'getLocalizedMessage') return o.message;
    if (name === 'toString')
      return o.message === null ? javaExceptionName(o.type) : `${javaExceptionName(o.type)}: ${o.message}`;
  } else if (o instanceof GMatcher) {
    const it = matcherIteration(o, name, args);
    if (it !== undefined) return it;
    const m = matcherMethods.get(name);
    if (m) return m(o, args);
  } else if (o instanceof GPattern) {
    if (name === 'matcher') return new GMatcher(groovyToString(args[0] as Value), o.regex, o.source);
    if (name === 'pattern') return o.source;
  } else if (o instanceof GClassRef) {
    return staticMethod(o, name, args);
  } else if (o instanceof GObject) {
    const r = o.cls.invoke(o, name, args);
    if (r !== undefined) return r;
  }
  // A closure stored in a map is callable like a method: handlers.onCreate(x).
  if (o instanceof GMap && o.get(name) instanceof GClosure) return (o.get(name) as GClosure).call(args);
  const u = universal(o, name, args);
  if (u !== undefined) return u;
  const names = [...(table?.keys() ?? []), ...universalNames];
  if (o instanceof GSet) names.push(...setMethods.keys(), ...listMethods.keys());
  if (o instanceof GRange) names.push(...listMethods.keys());
  if (o instanceof GMatcher) names.push(...matcherMethods.keys());
  if (o instanceof GTime) names.push(...timeMethodNames(o));
  if (o instanceof GRecord) names.push(...o.type.props);
  if (o instanceof GObject) names.push(...o.cls.methodNames());
  throw missingMethod(typeName(o), name, args, names);
}

function numberFromText(text: string, parse: (t: string) => Value): Value {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof NumberFormatFault) throw scriptError(e.message, 'number_format', 'NumberFormatException');
    throw e;
  }
}

const roundingModes = ['UP', 'DOWN', 'CEILING', 'FLOOR', 'HALF_UP', 'HALF_DOWN', 'HALF_EVEN', 'UNNECESSARY'];

function staticProperty(c: GClassRef, name: string): Value {
  if (c.script) return c.script.staticGet(name);
  switch (`${c.name}.${name}`) {
    case 'Integer.MAX_VALUE':
      return INTEGER_MAX;
    case 'Integer.MIN_VALUE':
      return INTEGER_MIN;
    case 'Long.MAX_VALUE':
      return new GLong(LONG_MAX_VALUE);
    case 'Long.MIN_VALUE':
      return new GLong(LONG_MIN_VALUE);
    case 'BigDecimal.ZERO':
      return new GDecimal(0n, 0);
    case 'BigDecimal.ONE':
      return new GDecimal(1n, 0);
    case 'BigDecimal.TEN':
      return new GDecimal(10n, 0);
  }
  const time = timeStaticProperty(c.name, name);
  if (time !== undefined) return time;
  if (c.name === 'Pattern' && Object.hasOwn(patternFlags, name)) return patternFlags[name] as number;
  if (c.name === 'RoundingMode' && roundingModes.includes(name)) return name;
  if (c.name === 'BigDecimal' && name.startsWith('ROUND_') && roundingModes.includes(name.slice(6)))
    return roundingModes.indexOf(name.slice(6));
  if (name === 'name') return c.full;
  if (name === 'simpleName') return c.name;
  throw missingProperty(name, `class ${c.full}`, [
    'MAX_VALUE',
    'MIN_VALUE',
    'ZERO',
    'ONE',
    'TEN',
    'HALF_UP',
    'name',
    'simpleName',
  ]);
}

const staticMethods: Record<string, Record<string, Method<null>>> = {
  ...timeStatics,
  String: {
    format: (_s: null, a: Value[]) => {
      if (a.length === 0) throw signatureError('String', 'format', a);
      return javaFormat(stringArg('String', 'format', a, 0), a.slice(1));
    },
    valueOf: (_s: null, a: Value[]) => (arity('String', 'valueOf', a, 1), groovyToString(a[0] as Value)),
    join: (_s: null, a: Value[]) => {
      if (a.length < 1) throw signatureError('String', 'join', a);
      const sep = groovyToString(a[0] as Value);
      const items = a.length === 2 ? (toList(a[1] as Value) ?? [a[1] as Value]) : a.slice(1);
      return joinValues(items, sep);
    },
  },
  Integer: {
    parseInt: (_s: null, a: Value[]) => (
      arity('Integer', 'parseInt', a, 1), numberFromText(stringArg('Integer', 'parseInt', a, 0), parseInteger)
    ),
    valueOf: (_s: null, a: Value[]) => (
      arity('Integer', 'valueOf', a, 1),
      typeof a[0] === 'number' ? a[0] : numberFromText(stringArg('Integer', 'valueOf', a, 0), parseInteger)
    ),
    toString: (_s: null, a: Value[]) => (arity('Integer', 'toString', a, 1), groovyToString(a[0] as Value)),
    max: (_s: null, a: Value[]) => (arity('Integer', 'max', a, 2), Math.max(a[0] as number, a[1] as number)),
    min: (_s: null, a: Value[]) => (arity('Integer', 'min', a, 2), Math.min(a[0] as number, a[1] as number)),
  },
  Long: {
    parseLong: (_s: null, a: Value[]) => (
      arity('Long', 'parseLong', a, 1), numberFromText(stringArg('Long', 'parseLong', a, 0), parseLong)
    ),
    valueOf: (_s: null, a: Value[]) => (
      arity('Long', 'valueOf', a, 1),
      isNumber(a[0] as Value)
        ? asType(a[0] as Value, 'Long')
        : numberFromText(stringArg('Long', 'valueOf', a, 0), parseLong)
    ),
  },
  BigDecimal: {
    valueOf: (_s: null, a: Value[]) => (
      arity('BigDecimal', 'valueOf', a, 1),
      isNumber(a[0] as Value)
        ? toDecimal(a[0] as GNumber)
        : numberFromText(stringArg('BigDecimal', 'valueOf', a, 0), parseDecimal)
    ),
  },
  Boolean: {
    parseBoolean: (_s: null, a: Value[]) => (
      arity('Boolean', 'parseBoolean', a, 1), typeof a[0] === 'string' && a[0].toLowerCase() === 'true'
    ),
    valueOf: (_s: null, a: Value[]) => (
      arity('Boolean', 'valueOf', a, 1),
      typeof a[0] === 'boolean' ? a[0] : typeof a[0] === 'string' && a[0].toLowerCase() === 'true'
    ),
  },
  Pattern: {
    compile: (_s: null, a: Value[]) => {
      arity('Pattern', 'compile', a, 1, 2);
      return compilePattern(
        stringArg('Pattern', 'compile', a, 0),
        a.length === 2 ? intArgOf('Pattern', 'compile', a, 1) : 0,
      );
    },
    matches: (_s: null, a: Value[]) => (
      arity('Pattern', 'matches', a, 2), fullMatch(groovyToString(a[1] as Value), stringArg('Pattern', 'matches', a, 0))
    ),
    quote: (_s: null, a: Value[]) => (arity('Pattern', 'quote', a, 1), `\\Q${stringArg('Pattern', 'quote', a, 0)}\\E`),
  },
  JsonOutput: {
    toJson: (_s: null, a: Value[]) => (arity('JsonOutput', 'toJson', a, 1), toJson(a[0] as Value)),
    prettyPrint: (_s: null, a: Value[]) => (
      arity('JsonOutput', 'prettyPrint', a, 1), prettyPrint(stringArg('JsonOutput', 'prettyPrint', a, 0))
    ),
  },
  Math: {
    max: (_s: null, a: Value[]) => (arity('Math', 'max', a, 2), isCompare(a, 1) ? (a[1] as Value) : (a[0] as Value)),
    min: (_s: null, a: Value[]) => (arity('Math', 'min', a, 2), isCompare(a, -1) ? (a[1] as Value) : (a[0] as Value)),
    abs: (_s: null, a: Value[]) => (arity('Math', 'abs', a, 1), callMethod(a[0] as Value, 'abs', [])),
  },
};

const patternFlags: Record<string, number> = { CASE_INSENSITIVE: 2, MULTILINE: 8, DOTALL: 32 };

/** Pattern.compile(regex, flags): the flags this interpreter knows become inline flags (i, m, s). */
function compilePattern(source: string, flags: number): GPattern {
  let inline = '';
  if (flags & 2) inline += 'i';
  if (flags & 8) inline += 'm';
  if (flags & 32) inline += 's';
  if (flags & ~(2 | 8 | 32))
    throw scriptError(`Pattern flag ${flags} is not supported (use CASE_INSENSITIVE, MULTILINE, DOTALL)`);
  if (inline === '') return pattern(source);
  const m = /^\(\?([imsux]+)\)/.exec(source);
  return pattern(m ? `(?${m[1]}${inline})${source.slice(m[0].length)}` : `(?${inline})${source}`);
}

/** `new X()` for the classes this module implements (JsonSlurper, Timestamp); undefined for the others. */
export function constructBuiltin(kind: string, args: Value[]): Value | undefined {
  if (kind === 'Timestamp') return newTimestamp(args);
  if (kind !== 'JsonSlurper') return undefined;
  arity('JsonSlurper', '<init>', args, 0);
  return jsonSlurper;
}

const jsonSlurper = new GHelper(
  'JsonSlurper',
  new Map([
    [
      'parseText',
      (a: Value[]) => (arity('JsonSlurper', 'parseText', a, 1), parseJson(stringArg('JsonSlurper', 'parseText', a, 0))),
    ],
  ]),
);

function isCompare(a: Value[], sign: number): boolean {
  const x = a[0] as Value;
  const y = a[1] as Value;
  if (!isNumber(x) || !isNumber(y)) throw signatureError('Math', sign > 0 ? 'max' : 'min', a);
  return Math.sign(Number(callMethod(y, 'compareTo', [x]))) === sign;
}

function staticMethod(c: GClassRef, name: string, args: Value[]): Value {
  if (forbiddenMembers.has(name)) throw forbidden(forbiddenMemberMessage(name));
  if (c.script) return c.script.invokeStatic(name, args);
  // Own properties only: the tables are plain objects and must never hand out Object.prototype members.
  const table = Object.hasOwn(staticMethods, c.name) ? staticMethods[c.name] : undefined;
  const m = table && Object.hasOwn(table, name) ? table[name] : undefined;
  if (m) return m(null, args);
  const u = universal(c, name, args);
  if (u !== undefined) return u;
  throw missingMethod(`class ${c.full}`, name, args, Object.keys(table ?? {}));
}

export { parseDecimal };
