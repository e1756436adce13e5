/**
 * Runtime values of the script language and Groovy's rules for them: truth, equality (`==` compares numbers by
 * value and collections element by element), ordering, and the text `println` and "${...}" produce.
 *
 * Representation, chosen for speed: Integer is a JS number, String a JS string, Boolean a JS boolean, List a JS
 * array; everything else is one of the small classes below. `undefined` never appears.
 */
import { ScriptException, ScriptFault } from './faults.ts';
import {
  decimalCompare,
  decimalToString,
  GDecimal,
  GLong,
  isNumber,
  stripZeros,
  toDecimal,
  type GNumber,
} from './numbers.ts';
import type { JavaRegex } from './regex.ts';
import { charge, chargeText, checkSize, checkStringLength, currentRun } from './runtime.ts';

export { GDecimal, GLong } from './numbers.ts';

export type Value =
  | null
  | boolean
  | number
  | string
  | GLong
  | GDecimal
  | Value[]
  | GSet
  | GMap
  | GRecord
  | GClosure
  | GRange
  | GEntry
  | GMatcher
  | GPattern
  | GDate
  | GDateFormat
  | GTime
  | GException
  | GClassRef
  | GHelper
  | GObject;

export type MapKey = string | number | boolean | bigint | null | object;

/** LinkedHashMap: insertion order, keys compared like Java (1 and "1" differ). */
export class GMap {
  readonly m: Map<MapKey, Value>;
  constructor(m?: Map<MapKey, Value>) {
    this.m = m ?? new Map();
  }
  get(key: Value): Value {
    const v = this.m.get(mapKey(key));
    return v === undefined ? null : v;
  }
  set(key: Value, value: Value): void {
    this.m.set(mapKey(key), value);
  }
  has(key: Value): boolean {
    return this.m.has(mapKey(key));
  }
  delete(key: Value): Value {
    const k = mapKey(key);
    const v = this.m.get(k);
    this.m.delete(k);
    return v === undefined ? null : v;
  }
  get size(): number {
    return this.m.size;
  }
  keys(): Value[] {
    const out: Value[] = [];
    for (const k of this.m.keys()) out.push(keyValue(k));
    return out;
  }
}

export function mapKey(v: Value): MapKey {
  if (v instanceof GLong) return v.v;
  return v;
}

export function keyValue(k: MapKey): Value {
  if (typeof k === 'bigint') return new GLong(k);
  return k as Value;
}

/** LinkedHashSet: insertion order, one element per equal value. */
export class GSet {
  readonly items = new Map<string | object, Value>();
  add(v: Value): boolean {
    const k = hashKey(v);
    if (this.items.has(k)) return false;
    this.items.set(k, v);
    return true;
  }
  has(v: Value): boolean {
    return this.items.has(hashKey(v));
  }
  delete(v: Value): boolean {
    return this.items.delete(hashKey(v));
  }
  toList(): Value[] {
    return [...this.items.values()];
  }
  get size(): number {
    return this.items.size;
  }
}

export interface RecordType {
  /** What error messages call it: "entity", "replica", "comment", ... */
  readonly name: string;
  /** Properties a script may read; reading anything else is an error that suggests the closest of these. */
  readonly props: readonly string[];
  /** Whether writing a property outside `props` is allowed (the replica carries any custom keys). */
  readonly open: boolean;
  /** Validates or converts a value written to a property; throws a ScriptException when it cannot be stored. */
  readonly coerce?: (name: string, value: Value) => Value;
  /**
   * A property the record does not store (an alias such as a user's username, a computed list such as
   * replica.addedComments); only consulted when the stored map has no entry, so stored reads stay one lookup.
   * undefined means "not derived here".
   */
  readonly derive?: (record: GRecord, name: string) => Value | undefined;
}

/** A hub object (entity, replica, comment, user, status...): named properties, typos are errors. */
export class GRecord {
  constructor(
    readonly type: RecordType,
    readonly f: Map<string, Value>,
  ) {}
}

export class GClosure {
  constructor(
    /** Declared parameters; a closure without `->` takes one implicit `it`. */
    readonly arity: number,
    readonly implicitIt: boolean,
    readonly call: (args: Value[]) => Value,
  ) {}
}

export class GRange {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly exclusive: boolean,
  ) {}
  /** The last element actually reached, and the direction; empty when an exclusive range has equal bounds. */
  bounds(): { first: number; last: number; step: number; size: number } {
    const step = this.to >= this.from ? 1 : -1;
    if (this.exclusive && this.from === this.to) return { first: this.from, last: this.from, step, size: 0 };
    const last = this.exclusive ? this.to - step : this.to;
    return { first: this.from, last, step, size: Math.abs(last - this.from) + 1 };
  }
}

export class GEntry {
  constructor(
    readonly key: Value,
    public value: Value,
    readonly owner: GMap | null,
  ) {}
}

/**
 * java.util.regex.Matcher with Java's state: find() advances past the current match, group() reads it, and
 * getAt/size/each (Groovy's) reset and scan again.
 */
export class GMatcher {
  private found: RegExpExecArray[] | null = null;
  /** The current match: null before the first find and after a failed one. */
  current: RegExpExecArray | null = null;
  /** Start of the current match (-1 when none) and where the next find starts, as Java's first and last. */
  first = -1;
  last = 0;
  constructor(
    readonly input: string,
    readonly regex: JavaRegex,
    readonly source: string = regex.source,
  ) {}
  /** Every match from the start, as Groovy's iterator sees them (computed once: input and pattern never change). */
  all(): RegExpExecArray[] {
    if (this.found === null) this.found = this.regex.all(this.input);
    return this.found;
  }
  reset(): void {
    this.current = null;
    this.first = -1;
    this.last = 0;
  }
  /** Java's find(): the next match after the current one (an empty match moves on by one). */
  find(): boolean {
    let from = this.last;
    if (from === this.first) from++;
    if (from > this.input.length) {
      this.current = null;
      return false;
    }
    return this.searchFrom(from);
  }
  searchFrom(from: number): boolean {
    const m = this.regex.exec(this.input, from);
    if (!m) {
      this.current = null;
      this.first = -1;
      return false;
    }
    this.select(m);
    return true;
  }
  select(m: RegExpExecArray): void {
    this.current = m;
    this.first = m.index;
    this.last = m.index + m[0].length;
  }
}

/** What `~/regex/` gives: a compiled pattern, used in switch cases and with =~ / ==~. */
export class GPattern {
  constructor(
    readonly source: string,
    readonly regex: JavaRegex,
  ) {}
}

export class GDate {
  constructor(readonly ms: number) {}
}

export class GDateFormat {
  constructor(readonly pattern: string) {}
}

/**
 * A java.time value (LocalDate, LocalDateTime, Instant, ZonedDateTime, Duration, DateTimeFormatter) or a
 * java.sql.Timestamp, built and given its methods by methods/java-time.ts. `ms` is epoch milliseconds (a local date or
 * time: its UTC reading; a Duration: its length), `ns` the nanoseconds past that millisecond (0..999999), `extra` the
 * zone of a ZonedDateTime or the pattern of a formatter, `text` Java's toString.
 */
export class GTime {
  constructor(
    readonly kind: string,
    readonly ms: number,
    readonly ns: number,
    readonly extra: string,
    readonly text: string,
  ) {}
}

export class GException {
  constructor(
    readonly type: string,
    readonly message: string | null,
  ) {}
}

export class GClassRef {
  constructor(
    readonly name: string,
    readonly full: string,
    /** Set for a class the script defines (`Mapper.of(x)`, `Mapper.LIMIT`). */
    readonly script: ScriptClass | null = null,
  ) {}
}

/**
 * A class the script defines, as the values below see it (script-classes.ts implements it): its instances' properties
 * and methods, and the text and equality Groovy gives them (toString() and equals() when the class defines them).
 */
export interface ScriptClass {
  readonly name: string;
  getProp(o: GObject, name: string): Value;
  setProp(o: GObject, name: string, v: Value): void;
  /** undefined when the class has no such method (the caller tries the methods every value has). */
  invoke(o: GObject, name: string, args: Value[]): Value | undefined;
  methodNames(): string[];
  /** `Name.method(...)` and `Name.FIELD` on the class itself. */
  invokeStatic(name: string, args: Value[]): Value;
  staticGet(name: string): Value;
  staticSet(name: string, v: Value): void;
  toText(o: GObject): string;
  equals(o: GObject, other: Value): boolean;
}

/** An instance of a class the script defines: its fields by name. */
export class GObject {
  constructor(
    readonly cls: ScriptClass,
    readonly f: Map<string, Value>,
  ) {}
}

export type HelperMethod = (args: Value[]) => Value;

/** A host object handed to scripts (commentHelper, nodeHelper, log...): only the listed methods exist. */
export class GHelper {
  constructor(
    readonly name: string,
    readonly methods: ReadonlyMap<string, HelperMethod>,
  ) {}
}

const MAX_NESTING = 200;

function nestingFault(): ScriptFault {
  return new ScriptFault('values are nested too deeply (more than 200 levels)', 'nesting', 0, 0);
}

let identityCounter = 0;
const identities = new WeakMap<object, string>();

/**
 * Characters left for the text of the collection being turned into a string (groovyToString, hashKey, join);
 * Infinity when none is. Every leaf's text is counted as it is produced, so a list of a hundred 1 MB strings (or
 * `l = [l, l]` doubled forty times) is refused at the string limit instead of being joined into gigabytes.
 */
let textLeft = Number.POSITIVE_INFINITY;

function spend(n: number): void {
  textLeft -= n;
  if (textLeft < 0) checkStringLength(currentRun().maxString - textLeft);
}

/** Builds the text of a collection within the string limit, and charges its length. */
function collectionText(build: () => string): string {
  if (textLeft !== Number.POSITIVE_INFINITY) return build();
  textLeft = currentRun().maxString;
  try {
    const text = build();
    chargeText(text.length);
    return text;
  } finally {
    textLeft = Number.POSITIVE_INFINITY;
  }
}

/** Values whose text is built from others' (their leaves are counted, not their own text again). */
function isComposite(v: Value): boolean {
  return (
    Array.isArray(v) ||
    v instanceof GMap ||
    v instanceof GSet ||
    v instanceof GRange ||
    v instanceof GRecord ||
    v instanceof GEntry
  );
}

/** One element's text inside a collection's: a leaf's length counts against the budget. */
function partText(x: Value, depth: number): string {
  const t = groovyToString(x, depth);
  if (!isComposite(x)) spend(t.length);
  return t;
}

function partKey(x: Value, depth: number): string {
  const k = hashKey(x, depth);
  if (!isComposite(x)) spend(k.length + 1);
  return k;
}

/** A key under which equal values collide, for sets and unique(); numbers compare by value (1 == 1.0). */
export function hashKey(v: Value, depth = 0): string {
  if (depth > MAX_NESTING) throw nestingFault();
  if (v === null) return 'n';
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'number':
      return `d${v}`;
    case 'boolean':
      return v ? 'T' : 'F';
  }
  if (v instanceof GLong) return `d${v.v.toString()}`;
  if (v instanceof GDecimal) return `d${canonicalDecimal(v)}`;
  if (Array.isArray(v) || v instanceof GRange) {
    const items = Array.isArray(v) ? v : rangeToList(v);
    return collectionText(() => `L[${items.map((x) => partKey(x, depth + 1)).join(',')}]`);
  }
  if (v instanceof GMap) {
    return collectionText(() => {
      const parts: string[] = [];
      for (const [k, x] of v.m) parts.push(`${partKey(keyValue(k), depth + 1)}:${partKey(x, depth + 1)}`);
      return `M[${parts.join(',')}]`;
    });
  }
  if (v instanceof GRecord) {
    return collectionText(() => {
      const parts: string[] = [];
      for (const [k, x] of v.f) {
        spend(k.length + 1);
        parts.push(`${k}:${partKey(x, depth + 1)}`);
      }
      return `R${v.type.name}[${parts.join(',')}]`;
    });
  }
  let id = identities.get(v);
  if (id === undefined) {
    id = `o${++identityCounter}`;
    identities.set(v, id);
  }
  return id;
}

function canonicalDecimal(d: GDecimal): string {
  if (d.u === 0n) return '0';
  const [u, s] = stripZeros(d.u, d.s);
  return s === 0 ? u.toString() : `${u}e${-s}`;
}

export function rangeToList(r: GRange): number[] {
  const { first, step, size } = r.bounds();
  checkSize(size);
  const out = new Array<number>(size);
  for (let i = 0, v = first; i < size; i++, v += step) out[i] = v;
  return out;
}

export function truthy(v: Value): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GMap) return v.size > 0;
  if (v instanceof GSet) return v.size > 0;
  if (v instanceof GDecimal) return v.u !== 0n;
  if (v instanceof GLong) return v.v !== 0n;
  if (v instanceof GRange) return v.bounds().size > 0;
  // Groovy's asBoolean(Matcher) is find(): `if (m)` moves the matcher to its next match.
  if (v instanceof GMatcher) return v.find();
  return true;
}

export function compareNumbers(a: GNumber, b: GNumber): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof GDecimal || b instanceof GDecimal) return decimalCompare(toDecimal(a), toDecimal(b));
  const x = typeof a === 'number' ? BigInt(a) : a.v;
  const y = typeof b === 'number' ? BigInt(b) : (b as GLong).v;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Groovy's `==`. */
export function groovyEquals(a: Value, b: Value, depth = 0): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a === 'string' || typeof b === 'string' || typeof a === 'boolean' || typeof b === 'boolean') return false;
  if (isNumber(a)) return isNumber(b) && compareNumbers(a, b) === 0;
  if (depth > MAX_NESTING) throw nestingFault();
  if (Array.isArray(a) || a instanceof GRange) {
    if (!(Array.isArray(b) || b instanceof GRange)) return false;
    const x = Array.isArray(a) ? a : rangeToList(a);
    const y = Array.isArray(b) ? b : rangeToList(b);
    if (x.length !== y.length) return false;
    // shared sublists (l = [l, l] doubled) make the walk exponential: each list compared costs
    charge(1 + (x.length >> 4));
    for (let i = 0; i < x.length; i++) if (!groovyEquals(x[i] as Value, y[i] as Value, depth + 1)) return false;
    return true;
  }
  if (a instanceof GMap) {
    if (!(b instanceof GMap) || a.size !== b.size) return false;
    charge(1 + (a.size >> 4));
    for (const [k, v] of a.m) {
      if (!b.m.has(k)) return false;
      if (!groovyEquals(v, b.m.get(k) as Value, depth + 1)) return false;
    }
    return true;
  }
  if (a instanceof GSet) {
    if (!(b instanceof GSet) || a.size !== b.size) return false;
    for (const k of a.items.keys()) if (!b.items.has(k)) return false;
    return true;
  }
  if (a instanceof GRecord) {
    if (!(b instanceof GRecord) || a.type.name !== b.type.name) return false;
    charge(1);
    const keys = new Set([...a.f.keys(), ...b.f.keys()]);
    for (const k of keys) if (!groovyEquals(a.f.get(k) ?? null, b.f.get(k) ?? null, depth + 1)) return false;
    return true;
  }
  if (a instanceof GEntry)
    return b instanceof GEntry && groovyEquals(a.key, b.key, depth + 1) && groovyEquals(a.value, b.value, depth + 1);
  if (a instanceof GDate) return b instanceof GDate && a.ms === b.ms;
  if (a instanceof GTime)
    return b instanceof GTime && a.kind === b.kind && a.ms === b.ms && a.ns === b.ns && a.extra === b.extra;
  if (a instanceof GClassRef) return b instanceof GClassRef && a.full === b.full && a.script === b.script;
  if (a instanceof GObject) return a.cls.equals(a, b);
  return false;
}

/** Java's String.compareTo: the difference of the first differing UTF-16 units, else of the lengths. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Groovy's `<=>` and the order of sort(): null first, numbers by value, strings like Java. */
export function groovyCompare(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof GDate && b instanceof GDate) return a.ms < b.ms ? -1 : a.ms > b.ms ? 1 : 0;
  if (a instanceof GTime && b instanceof GTime && a.kind === b.kind && a.kind !== 'DateTimeFormatter')
    return Math.sign(a.ms - b.ms || a.ns - b.ns);
  if (groovyEquals(a, b)) return 0;
  throw new ScriptException(
    `Cannot compare ${javaTypeName(a)} with value '${groovyToString(a)}' and ${javaTypeName(b)} with value '${groovyToString(b)}'`,
    'type_error',
    'IllegalArgumentException',
    0,
    0,
  );
}

/** The short type name people see in messages. */
export function typeName(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'String';
    case 'number':
      return 'Integer';
    case 'boolean':
      return 'Boolean';
  }
  if (Array.isArray(v)) return 'List';
  if (v instanceof GMap) return 'Map';
  if (v instanceof GSet) return 'Set';
  if (v instanceof GDecimal) return 'BigDecimal';
  if (v instanceof GLong) return 'Long';
  if (v instanceof GRecord) return v.type.name;
  if (v instanceof GClosure) return 'Closure';
  if (v instanceof GRange) return 'Range';
  if (v instanceof GEntry) return 'Map.Entry';
  if (v instanceof GMatcher) return 'Matcher';
  if (v instanceof GPattern) return 'Pattern';
  if (v instanceof GDate) return 'Date';
  if (v instanceof GDateFormat) return 'SimpleDateFormat';
  if (v instanceof GTime) return v.kind;
  if (v instanceof GException) return v.type;
  if (v instanceof GClassRef) return 'Class';
  if (v instanceof GObject) return v.cls.name;
  return v.name;
}

export function javaTypeName(v: Value): string {
  const name = typeName(v);
  const javaNames: Record<string, string> = {
    String: 'java.lang.String',
    Integer: 'java.lang.Integer',
    Long: 'java.lang.Long',
    Boolean: 'java.lang.Boolean',
    BigDecimal: 'java.math.BigDecimal',
    List: 'java.util.ArrayList',
    Map: 'java.util.LinkedHashMap',
    Set: 'java.util.LinkedHashSet',
  };
  return javaNames[name] ?? name;
}

/** What println and string interpolation show: Groovy's InvokerHelper.toString. */
export function groovyToString(v: Value, depth = 0): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof GDecimal) return decimalToString(v);
  if (v instanceof GLong) return v.v.toString();
  if (depth > MAX_NESTING) throw nestingFault();
  if (Array.isArray(v)) return listToString(v, v, depth);
  if (v instanceof GRange) return listToString(rangeToList(v), v, depth);
  if (v instanceof GSet) return listToString(v.toList(), v, depth);
  if (v instanceof GMap) {
    if (v.size === 0) return '[:]';
    return collectionText(() => {
      const parts: string[] = [];
      for (const [k, x] of v.m) {
        const key = keyValue(k);
        spend(3);
        parts.push(
          `${key === v ? '(this Map)' : partText(key, depth + 1)}:${x === v ? '(this Map)' : partText(x, depth + 1)}`,
        );
      }
      return `[${parts.join(', ')}]`;
    });
  }
  if (v instanceof GRecord) {
    return collectionText(() => {
      const parts: string[] = [];
      for (const [k, x] of v.f) {
        spend(k.length + 3);
        parts.push(`${k}:${x === v ? '(this)' : partText(x, depth + 1)}`);
      }
      return parts.length === 0 ? '[:]' : `[${parts.join(', ')}]`;
    });
  }
  if (v instanceof GEntry) return collectionText(() => `${partText(v.key, depth + 1)}=${partText(v.value, depth + 1)}`);
  if (v instanceof GClosure) return 'groovy.lang.Closure';
  if (v instanceof GDate) return dateToString(v);
  if (v instanceof GDateFormat) return 'java.text.SimpleDateFormat';
  if (v instanceof GTime) return v.text;
  if (v instanceof GException)
    return v.message === null ? javaExceptionName(v.type) : `${javaExceptionName(v.type)}: ${v.message}`;
  if (v instanceof GClassRef) return `class ${v.full}`;
  if (v instanceof GMatcher)
    return `java.util.regex.Matcher[pattern=${v.source} region=0,${v.input.length} lastmatch=${v.current ? v.current[0] : ''}]`;
  if (v instanceof GPattern) return v.source;
  if (v instanceof GObject) return v.cls.toText(v);
  return v.name;
}

function listToString(items: readonly Value[], self: object, depth: number): string {
  return collectionText(() => {
    const parts = new Array<string>(items.length);
    spend(2 * items.length);
    for (let i = 0; i < items.length; i++) {
      const x = items[i] as Value;
      parts[i] = x === self ? '(this Collection)' : partText(x, depth + 1);
    }
    return `[${parts.join(', ')}]`;
  });
}

/** The texts of `items` joined by `sep` (List.join, String.join), refused before it passes the string limit. */
export function joinValues(items: readonly Value[], sep: string): string {
  return collectionText(() => {
    spend(sep.length * Math.max(0, items.length - 1));
    const parts = new Array<string>(items.length);
    for (let i = 0; i < items.length; i++) parts[i] = partText(items[i] as Value, 0);
    return parts.join(sep);
  });
}

export function javaExceptionName(type: string): string {
  if (type === 'IssueTrackerException') return 'com.exalate.api.exception.IssueTrackerException';
  if (type.includes('.')) return type;
  return `java.lang.${type}`;
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date#toString, in UTC (the service runs in UTC). */
function dateToString(d: GDate): string {
  const t = new Date(d.ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[t.getUTCDay()]} ${months[t.getUTCMonth()]} ${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} UTC ${t.getUTCFullYear()}`;
}
