/**
 * groovy.json: JsonSlurper().parseText and JsonOutput.toJson / prettyPrint, with Groovy 2.4's output. The parser
 * is iterative in cost (every character charged) and bounded in depth, so hostile input costs a clear fault.
 */
import { GDecimal, GLong, integerValue, NumberFormatFault, parseDecimal } from '../numbers.ts';
import {
  charge,
  chargeText,
  checkSize,
  checkString,
  checkStringLength,
  currentRun,
  limitFault,
  scriptError,
} from '../runtime.ts';
import { GDate, GEntry, GMap, GRecord, GSet, groovyToString, type Value } from '../values.ts';

const MAX_DEPTH = 200;

function jsonError(message: string): Error {
  return scriptError(message, 'runtime', 'JsonException');
}

const numberText = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** JsonSlurper.parseText: objects become maps (in order), integers Integer or Long, other numbers BigDecimal. */
export function parseJson(text: string): Value {
  charge(text.length >> 4);
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const fail = (what: string): never => {
    throw jsonError(
      i >= text.length
        ? `JSON text ended where ${what} was expected`
        : `expected ${what} at character ${i + 1} of the JSON text, found '${text.charAt(i)}'`,
    );
  };
  const str = (): string => {
    i++;
    let out = '';
    for (;;) {
      const end = text.indexOf('"', i);
      const esc = text.indexOf('\\', i);
      if (end < 0) fail('a closing "');
      if (esc < 0 || esc > end) {
        out += text.slice(i, end);
        i = end + 1;
        return out;
      }
      out += text.slice(i, esc);
      const c = text.charAt(esc + 1);
      i = esc + 2;
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (c === 'u') {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('four hex digits');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else if (Object.hasOwn(simple, c)) {
        out += simple[c];
      } else {
        i = esc;
        fail('an escape such as \\n');
      }
    }
  };
  const value = (depth: number): Value => {
    if (depth > MAX_DEPTH) throw limitFault(`JSON nested more than ${MAX_DEPTH} levels deep`, 'nesting');
    ws();
    const c = text.charAt(i);
    if (c === '{') {
      i++;
      const map = new GMap();
      ws();
      if (text.charAt(i) === '}') {
        i++;
        return map;
      }
      for (;;) {
        ws();
        if (text.charAt(i) !== '"') fail('a "key"');
        const k = str();
        ws();
        if (text.charAt(i) !== ':') fail("':'");
        i++;
        map.set(k, value(depth + 1));
        checkSize(map.size);
        ws();
        if (text.charAt(i) === ',') {
          i++;
          continue;
        }
        if (text.charAt(i) === '}') {
          i++;
          return map;
        }
        fail("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const list: Value[] = [];
      ws();
      if (text.charAt(i) === ']') {
        i++;
        return list;
      }
      for (;;) {
        list.push(value(depth + 1));
        checkSize(list.length);
        ws();
        if (text.charAt(i) === ',') {
          i++;
          continue;
        }
        if (text.charAt(i) === ']') {
          i++;
          return list;
        }
        fail("',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    numberText.lastIndex = i;
    const m = numberText.exec(text);
    if (!m) return fail('a JSON value');
    i += m[0].length;
    try {
      return /[.eE]/.test(m[0]) ? parseDecimal(m[0]) : integerValue(BigInt(m[0]));
    } catch (e) {
      if (e instanceof NumberFormatFault) return parseDecimal(m[0]);
      throw e;
    }
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('the end of the JSON text');
  return v;
}

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s.charAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Characters the toJson in progress may still produce (its output is counted as it is built). */
let jsonLeft = Number.POSITIVE_INFINITY;

function spend(n: number): void {
  jsonLeft -= n;
  if (jsonLeft < 0) checkStringLength(currentRun().maxString - jsonLeft);
}

function leaf(text: string): string {
  spend(text.length);
  return text;
}

/** JsonOutput.toJson: Groovy 2.4's compact form (non-ASCII characters escaped as \\uXXXX). */
export function toJson(v: Value): string {
  jsonLeft = currentRun().maxString;
  try {
    const text = jsonOf(v, 0);
    chargeText(text.length);
    return text;
  } finally {
    jsonLeft = Number.POSITIVE_INFINITY;
  }
}

function jsonOf(v: Value, depth: number): string {
  if (depth > MAX_DEPTH) throw limitFault(`values are nested too deeply (more than ${MAX_DEPTH} levels)`, 'nesting');
  charge(1);
  if (v === null) return leaf('null');
  if (typeof v === 'boolean' || typeof v === 'number' || v instanceof GLong || v instanceof GDecimal)
    return leaf(groovyToString(v));
  if (typeof v === 'string') return leaf(quote(v));
  if (Array.isArray(v) || v instanceof GSet) {
    const items = Array.isArray(v) ? v : v.toList();
    spend(items.length + 1);
    return `[${items.map((x) => jsonOf(x, depth + 1)).join(',')}]`;
  }
  if (v instanceof GMap || v instanceof GRecord) {
    const parts: string[] = [];
    if (v instanceof GMap) {
      const keys = v.keys();
      let n = 0;
      for (const [, x] of v.m) parts.push(`${leaf(quote(groovyToString(keys[n++] as Value)))}:${jsonOf(x, depth + 1)}`);
    } else {
      for (const [k, x] of v.f) parts.push(`${leaf(quote(k))}:${jsonOf(x, depth + 1)}`);
    }
    spend(2 * parts.length + 1);
    return `{${parts.join(',')}}`;
  }
  if (v instanceof GEntry) return `{${leaf(quote(groovyToString(v.key)))}:${jsonOf(v.value, depth + 1)}}`;
  if (v instanceof GDate) return leaf(quote(new Date(v.ms).toISOString().replace(/\.\d{3}Z$/, '+0000')));
  return leaf(quote(groovyToString(v)));
}

/** JsonOutput.prettyPrint: four-space indentation, as Groovy 2.4 lays it out (empty {} and [] keep a blank line). */
export function prettyPrint(text: string): string {
  charge(text.length >> 4);
  let out = '';
  let indent = 0;
  const pad = (): string => ' '.repeat(4 * indent);
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text.charAt(j) !== '"') j += text.charAt(j) === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '{' || c === '[') {
      indent++;
      if (indent > MAX_DEPTH) throw limitFault(`JSON nested more than ${MAX_DEPTH} levels deep`, 'nesting');
      out += `${c}\n${pad()}`;
    } else if (c === '}' || c === ']') {
      indent = Math.max(0, indent - 1);
      out += `\n${pad()}${c}`;
    } else if (c === ',') {
      out += `,\n${pad()}`;
    } else if (c === ':') {
      out += ': ';
    } else if (!' \t\n\r'.includes(c)) {
      out += c;
    }
    if (out.length > currentRun().maxString) checkString(out);
  }
  return checkString(out);
}
