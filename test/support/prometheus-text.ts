/**
 * A small reader of the Prometheus text exposition format, written from its specification, "Exposition formats" >
 * "Text-based format" (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): lines
 * separated by \n; `# HELP name text` and `# TYPE name counter|gauge|histogram|summary|untyped`; other `#` lines
 * are comments; a sample is `name{label="value",...} value [timestamp]`, where a label value escapes `\\`, `\"` and
 * `\n`, and a value is a float as Go's ParseFloat reads it (`NaN`, `+Inf`, `-Inf` included, any case). It refuses whatever does not follow those rules,
 * so a test that parses a scrape also checks its format.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** A float as Go's strconv.ParseFloat reads it: decimal or exponent forms, and NaN, Inf, Infinity in any case. */
function parseValue(text: string, line: string): number {
  const special = /^([+-]?)(nan|inf|infinity)$/i.exec(text);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
    throw new Error(`not a sample value: ${JSON.stringify(line)}`);
  return Number(text);
}

/** The label set `{a="x",b="y"}` at the start of `rest`; returns the labels and what follows the closing brace. */
function parseLabels(rest: string, line: string): { labels: Record<string, string>; after: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  const fail = (why: string) => new Error(`${why} in ${JSON.stringify(line)}`);
  for (;;) {
    if (rest[i] === '}') return { labels, after: rest.slice(i + 1) };
    const name = LABEL_NAME.exec(rest.slice(i));
    if (!name) throw fail('a label name expected');
    i += name[0].length;
    if (rest[i] !== '=' || rest[i + 1] !== '"') throw fail('=" expected after a label name');
    i += 2;
    let value = '';
    for (;;) {
      const c = rest[i];
      if (c === undefined) throw fail('an unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = rest[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw fail('an unknown escape');
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    i += 1;
    if (name[0] in labels) throw fail(`label ${name[0]} twice`);
    labels[name[0]] = value;
    if (rest[i] === ',') i += 1;
    else if (rest[i] !== '}') throw fail(', or } expected');
  }
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (!meta) continue;
      if (meta[1] === 'TYPE') {
        if (!TYPES.has(meta[3]!)) throw new Error(`unknown type: ${JSON.stringify(line)}`);
        if (types.has(meta[2]!)) throw new Error(`a second TYPE line for ${meta[2]}`);
        types.set(meta[2]!, meta[3]!);
      } else help.set(meta[2]!, meta[3]!);
      continue;
    }
    const name = NAME.exec(line);
    if (!name) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    let rest = line.slice(name[0].length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest, line);
      labels = parsed.labels;
      rest = parsed.after;
    }
    const fields = rest.trim().split(/ +/);
    if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2)
      throw new Error(`a value (and an optional timestamp) expected: ${JSON.stringify(line)}`);
    samples.push({ name: name[0], labels, value: parseValue(fields[0]!, line) });
  }
  return { samples, types, help };
}

/** The samples of one metric whose labels include `labels`. */
export function samplesOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
}

/** The sum of the values of those samples (0 when there is none). */
export function sumOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(exposition, name, labels).reduce((sum, s) => sum + s.value, 0);
}
