/**
 * java.util.regex.Matcher as Groovy scripts use it: Java's stateful find()/group()/start()/end()/matches(), and
 * Groovy's additions, which reset the matcher and scan from the start: m[i], size()/getCount(), each, collect, ...
 */
import { javaReplace } from '../regex.ts';
import { charge, checkSize, scriptError } from '../runtime.ts';
import { type GMatcher, groovyToString, type Value } from '../values.ts';
import { arity, intArg, type Method } from './args.ts';
import { listMethods } from './collections.ts';

/** What Groovy's iterator gives for one match: the groups as a list when the pattern has any, else the text. */
function item(m: RegExpExecArray, groups: boolean): Value {
  return groups ? Array.from(m, (g) => g ?? null) : m[0];
}

/** Every match as Groovy's iterator gives it; the matcher is left after its last match, as Groovy leaves it. */
export function matcherItems(o: GMatcher): Value[] {
  const all = o.all();
  checkSize(all.length);
  charge(all.length + (o.input.length >> 6));
  const groups = o.regex.groupCount > 0;
  o.reset();
  for (const m of all) o.select(m);
  o.current = null;
  return all.map((m) => item(m, groups));
}

/** m[i]: Groovy's getAt(Matcher, int), which leaves the matcher on that match. */
export function matcherAt(o: GMatcher, index: Value): Value {
  const all = o.all();
  charge(all.length + (o.input.length >> 6));
  if (typeof index !== 'number')
    throw scriptError(
      `a Matcher index must be an integer, not ${groovyToString(index)}`,
      'type_error',
      'MissingMethodException',
    );
  const count = all.length;
  if (index < -count || index >= count)
    throw scriptError(
      `index is out of range ${-count}..${count - 1} (index = ${index})`,
      'index_out_of_bounds',
      'IndexOutOfBoundsException',
    );
  const m = all[index < 0 ? count + index : index] as RegExpExecArray;
  o.select(m);
  return item(m, o.regex.groupCount > 0);
}

function current(o: GMatcher): RegExpExecArray {
  if (!o.current) throw scriptError('No match found', 'runtime', 'IllegalStateException');
  return o.current;
}

function groupIndex(o: GMatcher, name: string, args: Value[]): number | string {
  arity('Matcher', name, args, 0, 1);
  if (args.length === 0) return 0;
  const g = args[0];
  if (typeof g === 'string') {
    if (!o.current) current(o);
    if (!o.current?.groups || !(g in o.current.groups))
      throw scriptError(`No group with name <${g}>`, 'runtime', 'IllegalArgumentException');
    return g;
  }
  const i = intArg('Matcher', name, args, 0);
  if (i < 0 || i > o.regex.groupCount)
    throw scriptError(`No group ${i}`, 'index_out_of_bounds', 'IndexOutOfBoundsException');
  return i;
}

function groupText(m: RegExpExecArray, g: number | string): string | null {
  return (typeof g === 'number' ? m[g] : m.groups?.[g]) ?? null;
}

/** Where group g of the current match starts and ends; [-1, -1] when the group took no part. */
function groupSpan(o: GMatcher, m: RegExpExecArray, g: number | string): [number, number] {
  if (g !== 0 && groupText(m, g) === null) return [-1, -1];
  return o.regex.span(o.input, m, g);
}

const iterating = new Set(['each', 'eachWithIndex', 'collect', 'findAll', 'any', 'every', 'inject']);

export const matcherMethods = new Map<string, Method<GMatcher>>([
  [
    'find',
    (o, a) => {
      arity('Matcher', 'find', a, 0, 1);
      charge(1 + (o.input.length >> 8));
      if (a.length === 0) return o.find();
      const from = intArg('Matcher', 'find', a, 0);
      if (from < 0 || from > o.input.length)
        throw scriptError(`Illegal start index`, 'index_out_of_bounds', 'IndexOutOfBoundsException');
      o.reset();
      return o.searchFrom(from);
    },
  ],
  [
    'matches',
    (o, a) => {
      arity('Matcher', 'matches', a, 0);
      const m = o.regex.matchWhole(o.input);
      if (!m) {
        o.current = null;
        o.first = -1;
        return false;
      }
      o.select(m);
      return true;
    },
  ],
  [
    'lookingAt',
    (o, a) => {
      arity('Matcher', 'lookingAt', a, 0);
      o.reset();
      return o.searchFrom(0) && o.first === 0;
    },
  ],
  ['group', (o, a) => groupText(current(o), groupIndex(o, 'group', a))],
  ['start', (o, a) => groupSpan(o, current(o), groupIndex(o, 'start', a))[0]],
  ['end', (o, a) => groupSpan(o, current(o), groupIndex(o, 'end', a))[1]],
  ['groupCount', (o, a) => (arity('Matcher', 'groupCount', a, 0), o.regex.groupCount)],
  ['hasGroup', (o, a) => (arity('Matcher', 'hasGroup', a, 0), o.regex.groupCount > 0)],
  ['size', (o, a) => (arity('Matcher', 'size', a, 0), matcherItems(o).length)],
  ['getCount', (o, a) => (arity('Matcher', 'getCount', a, 0), matcherItems(o).length)],
  ['reset', (o, a) => (arity('Matcher', 'reset', a, 0), o.reset(), o)],
  [
    'replaceAll',
    (o, a) => (
      arity('Matcher', 'replaceAll', a, 1), javaReplace(o.input, o.source, groovyToString(a[0] as Value), true)
    ),
  ],
  [
    'replaceFirst',
    (o, a) => (
      arity('Matcher', 'replaceFirst', a, 1), javaReplace(o.input, o.source, groovyToString(a[0] as Value), false)
    ),
  ],
  ['getAt', (o, a) => (arity('Matcher', 'getAt', a, 1), matcherAt(o, a[0] as Value))],
]);

/** Groovy's iteration methods on a Matcher, over its matches; undefined when `name` is not one of them. */
export function matcherIteration(o: GMatcher, name: string, args: Value[]): Value | undefined {
  if (!iterating.has(name) && !(name === 'find' && args.length === 1 && typeof args[0] !== 'number')) return undefined;
  const m = listMethods.get(name);
  if (!m) return undefined;
  const r = m(matcherItems(o), args);
  return name === 'each' || name === 'eachWithIndex' ? o : r;
}
