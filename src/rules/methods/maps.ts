/** Groovy's Map methods. Closures get (key, value) when they declare two parameters, else the entry. */
import { minus, plus, toList } from '../ops.ts';
import { chargeItems, checkSize, retain, scriptError } from '../runtime.ts';
import {
  type GClosure,
  GEntry,
  GMap,
  GSet,
  groovyEquals,
  keyValue,
  truthy,
  type MapKey,
  type Value,
} from '../values.ts';
import { arity, closureArg, intArg, optionalClosure, type Method } from './args.ts';
import { addEntryResult, comparatorOf } from './collections.ts';

function entries(m: GMap): [MapKey, Value][] {
  return [...m.m.entries()];
}

/** Calls a closure with an entry, or with key and value when it takes two parameters. */
export function callWithEntry(c: GClosure, m: GMap, k: MapKey, v: Value, extra?: Value): Value {
  if (c.arity >= 2 && !c.implicitIt && (extra === undefined || c.arity >= 3)) {
    return extra === undefined ? c.call([keyValue(k), v]) : c.call([keyValue(k), v, extra]);
  }
  const e = new GEntry(keyValue(k), v, m);
  return extra === undefined ? c.call([e]) : c.call([e, extra]);
}

function entryOf(m: GMap, k: MapKey, v: Value): GEntry {
  return new GEntry(keyValue(k), v, m);
}

export const mapMethods = new Map<string, Method<GMap>>([
  ['size', (m, a) => (arity('Map', 'size', a, 0), m.size)],
  ['isEmpty', (m, a) => (arity('Map', 'isEmpty', a, 0), m.size === 0)],
  [
    'get',
    (m, a) => {
      arity('Map', 'get', a, 1, 2);
      const k = a[0] as Value;
      if (a.length === 2 && !m.has(k)) {
        // Groovy's get(key, default) stores the default.
        m.set(k, a[1] as Value);
        checkSize(m.size);
      }
      return m.get(k);
    },
  ],
  [
    'getOrDefault',
    (m, a) => (arity('Map', 'getOrDefault', a, 2), m.has(a[0] as Value) ? m.get(a[0] as Value) : (a[1] as Value)),
  ],
  ['getAt', (m, a) => (arity('Map', 'getAt', a, 1), m.get(a[0] as Value))],
  ['containsKey', (m, a) => (arity('Map', 'containsKey', a, 1), m.has(a[0] as Value))],
  [
    'containsValue',
    (m, a) => (
      arity('Map', 'containsValue', a, 1),
      chargeItems(m.size),
      [...m.m.values()].some((v) => groovyEquals(v, a[0] as Value))
    ),
  ],
  [
    'put',
    (m, a) => {
      arity('Map', 'put', a, 2);
      const old = m.get(a[0] as Value);
      m.set(a[0] as Value, a[1] as Value);
      checkSize(m.size);
      retain(a[1] as Value);
      return old;
    },
  ],
  [
    'putAt',
    (m, a) => {
      arity('Map', 'putAt', a, 2);
      m.set(a[0] as Value, a[1] as Value);
      checkSize(m.size);
      retain(a[1] as Value);
      return a[1] as Value;
    },
  ],
  [
    'putAll',
    (m, a) => {
      arity('Map', 'putAll', a, 1);
      const other = a[0];
      if (!(other instanceof GMap)) throw scriptError('putAll needs a map', 'type_error', 'MissingMethodException');
      chargeItems(other.size);
      for (const [k, v] of other.m) {
        retain(v);
        m.m.set(k, v);
      }
      checkSize(m.size);
      return null;
    },
  ],
  ['remove', (m, a) => (arity('Map', 'remove', a, 1), m.delete(a[0] as Value))],
  [
    'clear',
    (m, a) => {
      arity('Map', 'clear', a, 0);
      m.m.clear();
      return null;
    },
  ],
  [
    'keySet',
    (m, a) => {
      arity('Map', 'keySet', a, 0);
      const s = new GSet();
      for (const k of m.m.keys()) s.add(keyValue(k));
      return s;
    },
  ],
  ['values', (m, a) => (arity('Map', 'values', a, 0), chargeItems(m.size), [...m.m.values()])],
  [
    'entrySet',
    (m, a) => {
      arity('Map', 'entrySet', a, 0);
      const s = new GSet();
      for (const [k, v] of m.m) s.add(entryOf(m, k, v));
      return s;
    },
  ],
  [
    'each',
    (m, a) => {
      arity('Map', 'each', a, 1);
      const c = closureArg('Map', 'each', a, 0);
      for (const [k, v] of entries(m)) callWithEntry(c, m, k, v);
      return m;
    },
  ],
  [
    'eachWithIndex',
    (m, a) => {
      arity('Map', 'eachWithIndex', a, 1);
      const c = closureArg('Map', 'eachWithIndex', a, 0);
      entries(m).forEach(([k, v], i) => {
        callWithEntry(c, m, k, v, i);
      });
      return m;
    },
  ],
  [
    'collect',
    (m, a) => {
      arity('Map', 'collect', a, 1);
      const c = closureArg('Map', 'collect', a, 0);
      return entries(m).map(([k, v]) => callWithEntry(c, m, k, v));
    },
  ],
  [
    'collectEntries',
    (m, a) => {
      arity('Map', 'collectEntries', a, 0, 1);
      const c = optionalClosure(a, 0);
      const out = new GMap();
      for (const [k, v] of entries(m)) {
        if (c) addEntryResult(out, callWithEntry(c, m, k, v));
        else out.m.set(k, v);
      }
      return out;
    },
  ],
  [
    'collectMany',
    (m, a) => {
      arity('Map', 'collectMany', a, 1);
      const c = closureArg('Map', 'collectMany', a, 0);
      const out: Value[] = [];
      for (const [k, v] of entries(m)) {
        const more = toList(callWithEntry(c, m, k, v)) ?? [];
        checkSize(out.length + more.length);
        out.push(...more);
      }
      return out;
    },
  ],
  [
    'find',
    (m, a) => {
      arity('Map', 'find', a, 1);
      const c = closureArg('Map', 'find', a, 0);
      for (const [k, v] of entries(m)) if (truthy(callWithEntry(c, m, k, v))) return entryOf(m, k, v);
      return null;
    },
  ],
  [
    'findAll',
    (m, a) => {
      arity('Map', 'findAll', a, 1);
      const c = closureArg('Map', 'findAll', a, 0);
      const out = new GMap();
      for (const [k, v] of entries(m)) if (truthy(callWithEntry(c, m, k, v))) out.m.set(k, v);
      return out;
    },
  ],
  [
    'findResult',
    (m, a) => {
      arity('Map', 'findResult', a, 1);
      const c = closureArg('Map', 'findResult', a, 0);
      for (const [k, v] of entries(m)) {
        const r = callWithEntry(c, m, k, v);
        if (r !== null) return r;
      }
      return null;
    },
  ],
  [
    'any',
    (m, a) => {
      arity('Map', 'any', a, 1);
      const c = closureArg('Map', 'any', a, 0);
      for (const [k, v] of entries(m)) if (truthy(callWithEntry(c, m, k, v))) return true;
      return false;
    },
  ],
  [
    'every',
    (m, a) => {
      arity('Map', 'every', a, 1);
      const c = closureArg('Map', 'every', a, 0);
      for (const [k, v] of entries(m)) if (!truthy(callWithEntry(c, m, k, v))) return false;
      return true;
    },
  ],
  [
    'count',
    (m, a) => {
      arity('Map', 'count', a, 1);
      const c = closureArg('Map', 'count', a, 0);
      let n = 0;
      for (const [k, v] of entries(m)) if (truthy(callWithEntry(c, m, k, v))) n++;
      return n;
    },
  ],
  [
    'inject',
    (m, a) => {
      arity('Map', 'inject', a, 2);
      const c = closureArg('Map', 'inject', a, 1);
      let acc = a[0] as Value;
      for (const [k, v] of entries(m)) {
        acc = c.arity >= 3 ? c.call([acc, keyValue(k), v]) : c.call([acc, entryOf(m, k, v)]);
      }
      return acc;
    },
  ],
  [
    'max',
    (m, a) => {
      arity('Map', 'max', a, 1);
      const cmp = comparatorOf(closureArg('Map', 'max', a, 0));
      let best: GEntry | null = null;
      for (const [k, v] of entries(m)) {
        const e = entryOf(m, k, v);
        if (best === null || cmp(e, best) > 0) best = e;
      }
      return best;
    },
  ],
  [
    'min',
    (m, a) => {
      arity('Map', 'min', a, 1);
      const cmp = comparatorOf(closureArg('Map', 'min', a, 0));
      let best: GEntry | null = null;
      for (const [k, v] of entries(m)) {
        const e = entryOf(m, k, v);
        if (best === null || cmp(e, best) < 0) best = e;
      }
      return best;
    },
  ],
  [
    'sort',
    (m, a) => {
      arity('Map', 'sort', a, 0, 1);
      const c = optionalClosure(a, 0);
      const list = entries(m).map(([k, v]) => entryOf(m, k, v));
      const cmp = c
        ? comparatorOf(c)
        : (x: Value, y: Value) => comparatorOf(null)((x as GEntry).key, (y as GEntry).key);
      list.sort(cmp);
      const out = new GMap();
      for (const e of list) out.set(e.key, e.value);
      return out;
    },
  ],
  [
    'groupBy',
    (m, a) => {
      arity('Map', 'groupBy', a, 1);
      const c = closureArg('Map', 'groupBy', a, 0);
      const out = new GMap();
      for (const [k, v] of entries(m)) {
        const g = callWithEntry(c, m, k, v);
        let group = out.get(g);
        if (!(group instanceof GMap)) {
          group = new GMap();
          out.set(g, group);
        }
        group.m.set(k, v);
      }
      return out;
    },
  ],
  [
    'subMap',
    (m, a) => {
      arity('Map', 'subMap', a, 1);
      const keys = toList(a[0] as Value) ?? [];
      const out = new GMap();
      for (const k of keys) if (m.has(k)) out.set(k, m.get(k));
      return out;
    },
  ],
  [
    'take',
    (m, a) => {
      arity('Map', 'take', a, 1);
      const n = intArg('Map', 'take', a, 0);
      return new GMap(new Map(entries(m).slice(0, Math.max(0, n))));
    },
  ],
  [
    'drop',
    (m, a) => {
      arity('Map', 'drop', a, 1);
      const n = intArg('Map', 'drop', a, 0);
      return new GMap(new Map(entries(m).slice(Math.max(0, n))));
    },
  ],
  ['plus', (m, a) => (arity('Map', 'plus', a, 1), plus(m, a[0] as Value))],
  ['minus', (m, a) => (arity('Map', 'minus', a, 1), minus(m, a[0] as Value))],
  ['asImmutable', (m) => m],
]);
