/** Groovy's List, Set and Range methods (the GDK ones sync rules use), with Groovy's results and mutations. */
import { isNumber, toInt } from '../numbers.ts';
import { minus, plus, toList, isCase } from '../ops.ts';
import { charge, chargeItems, checkSize, retain, retainAll, scriptError } from '../runtime.ts';
import {
  type GClosure,
  GEntry,
  GMap,
  GRange,
  GSet,
  groovyCompare,
  groovyEquals,
  groovyToString,
  hashKey,
  joinValues,
  rangeToList,
  truthy,
  type Value,
} from '../values.ts';
import { arity, closureArg, intArg, optionalClosure, signatureError, type Method } from './args.ts';

const call = (c: GClosure, args: Value[]): Value => c.call(args);

/** Adds what a collectEntries closure returned: a [key, value] pair, a map or a map entry. */
export function addEntryResult(out: GMap, r: Value): void {
  if (r instanceof GMap) {
    for (const [k, v] of r.m) out.m.set(k, v);
  } else if (Array.isArray(r) && r.length === 2) {
    out.set(r[0] as Value, r[1] as Value);
  } else if (r instanceof GEntry) {
    out.set(r.key, r.value);
  } else {
    throw scriptError(
      'collectEntries needs the closure to return [key, value] or a map',
      'type_error',
      'IllegalArgumentException',
    );
  }
  checkSize(out.size);
}

/** The comparator a sort/max/min closure stands for: one parameter is a key, two parameters compare. */
export function comparatorOf(c: GClosure | null): (a: Value, b: Value) => number {
  if (c === null) return groovyCompare;
  if (c.arity >= 2 && !c.implicitIt) {
    return (a, b) => {
      const r = c.call([a, b]);
      if (!isNumber(r))
        throw scriptError('a comparator closure must return a number (use <=>)', 'type_error', 'ClassCastException');
      return Math.sign(toInt(r));
    };
  }
  return (a, b) => groovyCompare(c.call([a]), c.call([b]));
}

function sortList(list: Value[], cmp: (a: Value, b: Value) => number): void {
  charge(Math.ceil(list.length * Math.log2(list.length + 1)));
  list.sort(cmp);
}

function uniqueInPlace(list: Value[], c: GClosure | null): Value[] {
  const kept: Value[] = [];
  if (c !== null && c.arity >= 2 && !c.implicitIt) {
    const cmp = comparatorOf(c);
    for (const x of list) if (!kept.some((k) => cmp(k, x) === 0)) kept.push(x);
  } else {
    const seen = new Set<string>();
    for (const x of list) {
      const k = hashKey(c ? c.call([x]) : x);
      if (!seen.has(k)) {
        seen.add(k);
        kept.push(x);
      }
    }
  }
  charge(list.length);
  list.length = 0;
  list.push(...kept);
  return list;
}

function emptyError(name: string): Error {
  return scriptError(
    `Cannot access ${name}() element from an empty List`,
    'index_out_of_bounds',
    'NoSuchElementException',
  );
}

function flattenInto(out: Value[], list: readonly Value[], depth: number): void {
  if (depth > 200) throw scriptError('lists are nested too deeply to flatten', 'runtime', 'IllegalStateException');
  for (const x of list) {
    const inner = Array.isArray(x) || x instanceof GSet || x instanceof GRange ? toList(x) : null;
    if (inner) flattenInto(out, inner, depth + 1);
    else out.push(x);
    if (out.length > 0 && (out.length & 1023) === 0) checkSize(out.length);
  }
}

function sumOf(values: Value[], init: Value | undefined): Value {
  if (values.length === 0) return init === undefined ? null : init;
  let acc: Value = init === undefined ? (values[0] as Value) : init;
  for (let i = init === undefined ? 1 : 0; i < values.length; i++) acc = plus(acc, values[i] as Value);
  return acc;
}

function indexError(index: number, size: number): Error {
  return scriptError(
    `Index ${index} out of bounds for length ${size}`,
    'index_out_of_bounds',
    'IndexOutOfBoundsException',
  );
}

export const listMethods = new Map<string, Method<Value[]>>([
  ['size', (s, a) => (arity('List', 'size', a, 0), s.length)],
  ['isEmpty', (s, a) => (arity('List', 'isEmpty', a, 0), s.length === 0)],
  [
    'contains',
    (s, a) => (arity('List', 'contains', a, 1), charge(s.length), s.some((x) => groovyEquals(x, a[0] as Value))),
  ],
  [
    'containsAll',
    (s, a) => {
      arity('List', 'containsAll', a, 1);
      const other = toList(a[0] as Value) ?? [];
      chargeItems(s.length * other.length);
      return other.every((y) => s.some((x) => groovyEquals(x, y)));
    },
  ],
  [
    'indexOf',
    (s, a) => (arity('List', 'indexOf', a, 1), charge(s.length), s.findIndex((x) => groovyEquals(x, a[0] as Value))),
  ],
  [
    'lastIndexOf',
    (s, a) => {
      arity('List', 'lastIndexOf', a, 1);
      chargeItems(s.length);
      for (let i = s.length - 1; i >= 0; i--) if (groovyEquals(s[i] as Value, a[0] as Value)) return i;
      return -1;
    },
  ],
  [
    'get',
    (s, a) => {
      arity('List', 'get', a, 1);
      const i = intArg('List', 'get', a, 0);
      if (i < 0 || i >= s.length) throw indexError(i, s.length);
      return s[i] as Value;
    },
  ],
  [
    'getAt',
    (s, a) => {
      arity('List', 'getAt', a, 1);
      const i = intArg('List', 'getAt', a, 0);
      const j = i < 0 ? s.length + i : i;
      return j >= 0 && j < s.length ? (s[j] as Value) : null;
    },
  ],
  [
    'set',
    (s, a) => {
      arity('List', 'set', a, 2);
      const i = intArg('List', 'set', a, 0);
      if (i < 0 || i >= s.length) throw indexError(i, s.length);
      const old = s[i] as Value;
      s[i] = a[1] as Value;
      return old;
    },
  ],
  [
    'add',
    (s, a) => {
      arity('List', 'add', a, 1, 2);
      checkSize(s.length + 1);
      retain(a[a.length - 1] as Value);
      if (a.length === 2) {
        const i = intArg('List', 'add', a, 0);
        if (i < 0 || i > s.length) throw indexError(i, s.length);
        s.splice(i, 0, a[1] as Value);
        return null;
      }
      s.push(a[0] as Value);
      return true;
    },
  ],
  [
    'addAll',
    (s, a) => {
      arity('List', 'addAll', a, 1);
      const more = toList(a[0] as Value);
      if (!more) throw signatureError('List', 'addAll', a);
      checkSize(s.length + more.length);
      retainAll(more);
      chargeItems(more.length);
      s.push(...more);
      return more.length > 0;
    },
  ],
  [
    'remove',
    (s, a) => {
      arity('List', 'remove', a, 1);
      const v = a[0] as Value;
      // List.remove(int) removes by index, like Java; anything else removes the first equal element.
      if (typeof v === 'number') {
        if (v < 0 || v >= s.length) throw indexError(v, s.length);
        return s.splice(v, 1)[0] as Value;
      }
      const i = s.findIndex((x) => groovyEquals(x, v));
      if (i < 0) return false;
      s.splice(i, 1);
      return true;
    },
  ],
  [
    'removeAll',
    (s, a) => {
      arity('List', 'removeAll', a, 1);
      const c = optionalClosure(a, 0);
      const other = c ? null : (toList(a[0] as Value) ?? []);
      chargeItems(s.length * (other ? other.length : 1));
      const kept = s.filter((x) => (c ? !truthy(call(c, [x])) : !(other as Value[]).some((y) => groovyEquals(x, y))));
      const changed = kept.length !== s.length;
      s.length = 0;
      s.push(...kept);
      return changed;
    },
  ],
  [
    'retainAll',
    (s, a) => {
      arity('List', 'retainAll', a, 1);
      const c = optionalClosure(a, 0);
      const other = c ? null : (toList(a[0] as Value) ?? []);
      chargeItems(s.length * (other ? other.length : 1));
      const kept = s.filter((x) => (c ? truthy(call(c, [x])) : (other as Value[]).some((y) => groovyEquals(x, y))));
      const changed = kept.length !== s.length;
      s.length = 0;
      s.push(...kept);
      return changed;
    },
  ],
  [
    'clear',
    (s, a) => {
      arity('List', 'clear', a, 0);
      s.length = 0;
      return null;
    },
  ],
  [
    'each',
    (s, a) => {
      arity('List', 'each', a, 1);
      const c = closureArg('List', 'each', a, 0);
      for (let i = 0; i < s.length; i++) c.call([s[i] as Value]);
      return s;
    },
  ],
  [
    'eachWithIndex',
    (s, a) => {
      arity('List', 'eachWithIndex', a, 1);
      const c = closureArg('List', 'eachWithIndex', a, 0);
      for (let i = 0; i < s.length; i++) c.call([s[i] as Value, i]);
      return s;
    },
  ],
  [
    'collect',
    (s, a) => {
      arity('List', 'collect', a, 0, 1);
      const c = optionalClosure(a, 0);
      const out = new Array<Value>(s.length);
      for (let i = 0; i < s.length; i++) out[i] = c ? c.call([s[i] as Value]) : (s[i] as Value);
      chargeItems(s.length);
      retainAll(out);
      return out;
    },
  ],
  [
    'collectMany',
    (s, a) => {
      arity('List', 'collectMany', a, 1);
      const c = closureArg('List', 'collectMany', a, 0);
      const out: Value[] = [];
      for (const x of s) {
        const r = c.call([x]);
        const l = toList(r);
        if (!l) throw scriptError('collectMany needs the closure to return a list', 'type_error', 'ClassCastException');
        checkSize(out.length + l.length);
        retainAll(l);
        out.push(...l);
      }
      return out;
    },
  ],
  [
    'collectEntries',
    (s, a) => {
      arity('List', 'collectEntries', a, 0, 1);
      const c = optionalClosure(a, 0);
      const out = new GMap();
      for (const x of s) addEntryResult(out, c ? c.call([x]) : x);
      return out;
    },
  ],
  [
    'find',
    (s, a) => {
      arity('List', 'find', a, 0, 1);
      const c = optionalClosure(a, 0);
      for (const x of s) if (truthy(c ? c.call([x]) : x)) return x;
      return null;
    },
  ],
  [
    'findAll',
    (s, a) => {
      arity('List', 'findAll', a, 0, 1);
      const c = optionalClosure(a, 0);
      chargeItems(s.length);
      return s.filter((x) => truthy(c ? c.call([x]) : x));
    },
  ],
  [
    'findIndexOf',
    (s, a) => {
      arity('List', 'findIndexOf', a, 1);
      const c = closureArg('List', 'findIndexOf', a, 0);
      for (let i = 0; i < s.length; i++) if (truthy(c.call([s[i] as Value]))) return i;
      return -1;
    },
  ],
  [
    'findResult',
    (s, a) => {
      arity('List', 'findResult', a, 1);
      const c = closureArg('List', 'findResult', a, 0);
      for (const x of s) {
        const r = c.call([x]);
        if (r !== null) return r;
      }
      return null;
    },
  ],
  [
    'grep',
    (s, a) => {
      arity('List', 'grep', a, 0, 1);
      chargeItems(s.length);
      if (a.length === 0) return s.filter((x) => truthy(x));
      return s.filter((x) => isCase(a[0] as Value, x, call));
    },
  ],
  [
    'any',
    (s, a) => {
      arity('List', 'any', a, 0, 1);
      const c = optionalClosure(a, 0);
      for (const x of s) if (truthy(c ? c.call([x]) : x)) return true;
      return false;
    },
  ],
  [
    'every',
    (s, a) => {
      arity('List', 'every', a, 0, 1);
      const c = optionalClosure(a, 0);
      for (const x of s) if (!truthy(c ? c.call([x]) : x)) return false;
      return true;
    },
  ],
  [
    'inject',
    (s, a) => {
      arity('List', 'inject', a, 1, 2);
      const c = closureArg('List', 'inject', a, a.length - 1);
      let acc: Value;
      let start = 0;
      if (a.length === 2) {
        acc = a[0] as Value;
      } else {
        if (s.length === 0)
          throw scriptError(
            'Cannot call inject() on an empty collection without passing an initial value',
            'index_out_of_bounds',
            'NoSuchElementException',
          );
        acc = s[0] as Value;
        start = 1;
      }
      for (let i = start; i < s.length; i++) acc = c.call([acc, s[i] as Value]);
      return acc;
    },
  ],
  [
    'sum',
    (s, a) => {
      arity('List', 'sum', a, 0, 2);
      charge(s.length);
      const c = optionalClosure(a, a.length - 1);
      const values = c ? s.map((x) => c.call([x])) : s;
      const init = a.length === 2 || (a.length === 1 && !c) ? (a[0] as Value) : undefined;
      return sumOf(values, init);
    },
  ],
  [
    'max',
    (s, a) => {
      arity('List', 'max', a, 0, 1);
      chargeItems(s.length);
      const cmp = comparatorOf(optionalClosure(a, 0));
      let best: Value = null;
      s.forEach((x, i) => {
        if (i === 0 || cmp(x, best) > 0) best = x;
      });
      return best;
    },
  ],
  [
    'min',
    (s, a) => {
      arity('List', 'min', a, 0, 1);
      chargeItems(s.length);
      const cmp = comparatorOf(optionalClosure(a, 0));
      let best: Value = null;
      s.forEach((x, i) => {
        if (i === 0 || cmp(x, best) < 0) best = x;
      });
      return best;
    },
  ],
  [
    'count',
    (s, a) => {
      arity('List', 'count', a, 1);
      chargeItems(s.length);
      const c = optionalClosure(a, 0);
      let n = 0;
      for (const x of s) if (c ? truthy(c.call([x])) : groovyEquals(x, a[0] as Value)) n++;
      return n;
    },
  ],
  [
    'countBy',
    (s, a) => {
      arity('List', 'countBy', a, 1);
      const c = closureArg('List', 'countBy', a, 0);
      const out = new GMap();
      for (const x of s) {
        const k = c.call([x]);
        out.set(k, ((out.get(k) as number | null) ?? 0) + 1);
      }
      return out;
    },
  ],
  [
    'join',
    (s, a) => {
      arity('List', 'join', a, 0, 1);
      const sep = a.length === 0 ? '' : groovyToString(a[0] as Value);
      charge(s.length >> 4);
      return joinValues(s, sep);
    },
  ],
  [
    'sort',
    (s, a) => {
      arity('List', 'sort', a, 0, 2);
      let mutate = true;
      let rest = a;
      if (typeof a[0] === 'boolean') {
        mutate = a[0];
        rest = a.slice(1);
      }
      const target = mutate ? s : [...s];
      sortList(target, comparatorOf(optionalClosure(rest, 0)));
      return target;
    },
  ],
  [
    'toSorted',
    (s, a) => {
      arity('List', 'toSorted', a, 0, 1);
      const target = [...s];
      sortList(target, comparatorOf(optionalClosure(a, 0)));
      return target;
    },
  ],
  [
    'unique',
    (s, a) => {
      arity('List', 'unique', a, 0, 2);
      let mutate = true;
      let rest = a;
      if (typeof a[0] === 'boolean') {
        mutate = a[0];
        rest = a.slice(1);
      }
      return uniqueInPlace(mutate ? s : [...s], optionalClosure(rest, 0));
    },
  ],
  ['toUnique', (s, a) => (arity('List', 'toUnique', a, 0, 1), uniqueInPlace([...s], optionalClosure(a, 0)))],
  [
    'reverse',
    (s, a) => {
      arity('List', 'reverse', a, 0, 1);
      chargeItems(s.length);
      if (a[0] === true) return s.reverse();
      return [...s].reverse();
    },
  ],
  [
    'first',
    (s, a) => {
      arity('List', 'first', a, 0);
      if (s.length === 0) throw emptyError('first');
      return s[0] as Value;
    },
  ],
  [
    'head',
    (s, a) => {
      arity('List', 'head', a, 0);
      if (s.length === 0) throw emptyError('head');
      return s[0] as Value;
    },
  ],
  [
    'last',
    (s, a) => {
      arity('List', 'last', a, 0);
      if (s.length === 0) throw emptyError('last');
      return s[s.length - 1] as Value;
    },
  ],
  [
    'tail',
    (s, a) => {
      arity('List', 'tail', a, 0);
      if (s.length === 0) throw emptyError('tail');
      chargeItems(s.length);
      return s.slice(1);
    },
  ],
  [
    'init',
    (s, a) => {
      arity('List', 'init', a, 0);
      if (s.length === 0) throw emptyError('init');
      chargeItems(s.length);
      return s.slice(0, -1);
    },
  ],
  [
    'take',
    (s, a) => (
      arity('List', 'take', a, 1), chargeItems(s.length), s.slice(0, Math.max(0, intArg('List', 'take', a, 0)))
    ),
  ],
  [
    'drop',
    (s, a) => (arity('List', 'drop', a, 1), chargeItems(s.length), s.slice(Math.max(0, intArg('List', 'drop', a, 0)))),
  ],
  [
    'takeWhile',
    (s, a) => {
      arity('List', 'takeWhile', a, 1);
      const c = closureArg('List', 'takeWhile', a, 0);
      const out: Value[] = [];
      for (const x of s) {
        if (!truthy(c.call([x]))) break;
        out.push(x);
      }
      return out;
    },
  ],
  [
    'dropWhile',
    (s, a) => {
      arity('List', 'dropWhile', a, 1);
      const c = closureArg('List', 'dropWhile', a, 0);
      let i = 0;
      while (i < s.length && truthy(c.call([s[i] as Value]))) i++;
      return s.slice(i);
    },
  ],
  [
    'subList',
    (s, a) => {
      arity('List', 'subList', a, 2);
      const from = intArg('List', 'subList', a, 0);
      const to = intArg('List', 'subList', a, 1);
      if (from < 0 || to > s.length || from > to)
        throw scriptError(
          `fromIndex ${from}, toIndex ${to}, size ${s.length}`,
          'index_out_of_bounds',
          'IndexOutOfBoundsException',
        );
      return s.slice(from, to);
    },
  ],
  ['plus', (s, a) => (arity('List', 'plus', a, 1), plus(s, a[0] as Value))],
  ['minus', (s, a) => (arity('List', 'minus', a, 1), minus(s, a[0] as Value))],
  [
    'flatten',
    (s, a) => {
      arity('List', 'flatten', a, 0);
      const out: Value[] = [];
      flattenInto(out, s, 0);
      checkSize(out.length);
      return out;
    },
  ],
  [
    'groupBy',
    (s, a) => {
      arity('List', 'groupBy', a, 1);
      const c = closureArg('List', 'groupBy', a, 0);
      const out = new GMap();
      for (const x of s) {
        const k = c.call([x]);
        const group = out.get(k);
        if (Array.isArray(group)) group.push(x);
        else out.set(k, [x]);
      }
      return out;
    },
  ],
  [
    'intersect',
    (s, a) => {
      arity('List', 'intersect', a, 1);
      const other = toList(a[0] as Value) ?? [];
      chargeItems(s.length * other.length);
      const out: Value[] = [];
      for (const x of s) if (other.some((y) => groovyEquals(x, y)) && !out.some((y) => groovyEquals(x, y))) out.push(x);
      return out;
    },
  ],
  [
    'disjoint',
    (s, a) => {
      arity('List', 'disjoint', a, 1);
      const other = toList(a[0] as Value) ?? [];
      chargeItems(s.length * other.length);
      return !s.some((x) => other.some((y) => groovyEquals(x, y)));
    },
  ],
  [
    'toSet',
    (s, a) => {
      arity('List', 'toSet', a, 0);
      chargeItems(s.length);
      const out = new GSet();
      for (const x of s) out.add(x);
      return out;
    },
  ],
  ['toList', (s, a) => (arity('List', 'toList', a, 0), chargeItems(s.length), [...s])],
  ['asImmutable', (s, a) => (arity('List', 'asImmutable', a, 0), s)],
  [
    'isCase',
    (s, a) => (arity('List', 'isCase', a, 1), chargeItems(s.length), s.some((x) => groovyEquals(x, a[0] as Value))),
  ],
  ['withIndex', (s, a) => (arity('List', 'withIndex', a, 0), chargeItems(s.length), s.map((x, i) => [x, i]))],
  [
    'collate',
    (s, a) => {
      arity('List', 'collate', a, 1);
      const n = intArg('List', 'collate', a, 0);
      if (n <= 0) throw scriptError('collate needs a size above 0', 'runtime', 'IllegalArgumentException');
      chargeItems(s.length);
      const out: Value[] = [];
      for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
      return out;
    },
  ],
]);

/** Set methods: the mutators work on the set, the rest reuse the list versions on a copy. */
export const setMethods = new Map<string, Method<GSet>>([
  [
    'add',
    (s, a) => {
      arity('Set', 'add', a, 1);
      const added = s.add(a[0] as Value);
      checkSize(s.size);
      if (added) retain(a[0] as Value);
      return added;
    },
  ],
  [
    'addAll',
    (s, a) => {
      arity('Set', 'addAll', a, 1);
      const more = toList(a[0] as Value);
      if (!more) throw signatureError('Set', 'addAll', a);
      chargeItems(more.length);
      retainAll(more);
      let changed = false;
      for (const x of more) changed = s.add(x) || changed;
      checkSize(s.size);
      return changed;
    },
  ],
  ['remove', (s, a) => (arity('Set', 'remove', a, 1), s.delete(a[0] as Value))],
  [
    'contains',
    (s, a) => (
      arity('Set', 'contains', a, 1), s.has(a[0] as Value) || s.toList().some((x) => groovyEquals(x, a[0] as Value))
    ),
  ],
  ['size', (s, a) => (arity('Set', 'size', a, 0), s.size)],
  ['isEmpty', (s, a) => (arity('Set', 'isEmpty', a, 0), s.size === 0)],
  [
    'clear',
    (s, a) => {
      arity('Set', 'clear', a, 0);
      s.items.clear();
      return null;
    },
  ],
  [
    'each',
    (s, a) => {
      arity('Set', 'each', a, 1);
      const c = closureArg('Set', 'each', a, 0);
      for (const x of s.toList()) c.call([x]);
      return s;
    },
  ],
  [
    'findAll',
    (s, a) => {
      arity('Set', 'findAll', a, 0, 1);
      const c = optionalClosure(a, 0);
      const out = new GSet();
      for (const x of s.toList()) if (truthy(c ? c.call([x]) : x)) out.add(x);
      return out;
    },
  ],
  ['unique', (s) => s],
  ['toSet', (s) => s],
]);

export function rangeMethod(r: GRange, name: string, args: Value[]): Value | undefined {
  switch (name) {
    case 'size':
      arity('Range', 'size', args, 0);
      return r.bounds().size;
    case 'getFrom':
      return r.from;
    case 'getTo':
      return r.exclusive ? r.bounds().last : r.to;
    case 'contains':
      arity('Range', 'contains', args, 1);
      return isCase(r, args[0] as Value, call);
    case 'each': {
      arity('Range', 'each', args, 1);
      const c = closureArg('Range', 'each', args, 0);
      const { first, step, size } = r.bounds();
      for (let i = 0, x = first; i < size; i++, x += step) c.call([x]);
      return r;
    }
  }
  const m = listMethods.get(name);
  if (!m) return undefined;
  checkSize(r.bounds().size);
  return m(rangeToList(r), args);
}
