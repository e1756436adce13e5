/**
 * The Freshdesk/Freshservice filter language (`/search/tickets`, `/tickets/filter`): `field:value`, `:>` (>=) and
 * `:<` (<=), AND binds tighter than OR, parentheses, single-quoted strings and dates, `null`. The simulators parse
 * and evaluate it; the connectors only ever build it.
 */
export type FilterValue = number | string | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'cmp'; field: string; op: 'eq' | 'gte' | 'lte'; value: FilterValue };

export class FilterQueryError extends Error {}

export const MAX_QUERY_LENGTH = 512;

/** Strips the mandatory double quotes and checks the length, as the helpdesks do before parsing. */
export function unwrapQueryParam(raw: string | null): string {
  if (raw === null || raw === '') throw new FilterQueryError('query is required');
  if (raw.length < 2 || !raw.startsWith('"') || !raw.endsWith('"'))
    throw new FilterQueryError('The query should be enclosed in double quotes');
  const inner = raw.slice(1, -1);
  if (inner.length > MAX_QUERY_LENGTH)
    throw new FilterQueryError(`The query must be at most ${MAX_QUERY_LENGTH} characters`);
  if (inner.trim() === '') throw new FilterQueryError('The query must not be empty');
  return inner;
}

type Token =
  | { t: '(' | ')' | 'AND' | 'OR' }
  | { t: 'cmp'; field: string; op: 'eq' | 'gte' | 'lte'; value: FilterValue };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ t: c });
      i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!word) throw new FilterQueryError(`Unexpected '${c}' at position ${i + 1}`);
    const name = word[0];
    i += name.length;
    if (name === 'AND' || name === 'OR') {
      tokens.push({ t: name });
      continue;
    }
    if (text[i] !== ':') throw new FilterQueryError(`Expected ':' after ${name}`);
    i++;
    let op: 'eq' | 'gte' | 'lte' = 'eq';
    if (text[i] === '>' || text[i] === '<') {
      op = text[i] === '>' ? 'gte' : 'lte';
      i++;
    }
    while (text[i] === ' ') i++;
    let value: FilterValue;
    if (text[i] === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new FilterQueryError(`Unterminated string after ${name}`);
      value = text.slice(i + 1, end);
      i = end + 1;
    } else {
      const literal = /^[^\s()]+/.exec(text.slice(i))?.[0];
      if (!literal) throw new FilterQueryError(`Missing value for ${name}`);
      i += literal.length;
      if (literal === 'null') value = null;
      else if (literal === 'true' || literal === 'false') value = literal === 'true';
      else if (/^-?\d+$/.test(literal)) value = Number(literal);
      else throw new FilterQueryError(`Invalid value '${literal}' for ${name}: strings must be in single quotes`);
    }
    tokens.push({ t: 'cmp', field: name, op, value });
  }
  return tokens;
}

export function parseFilterQuery(text: string): FilterNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  function parseOr(): FilterNode {
    let left = parseAnd();
    while (peek()?.t === 'OR') {
      pos++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): FilterNode {
    let left = parseAtom();
    while (peek()?.t === 'AND') {
      pos++;
      left = { kind: 'and', left, right: parseAtom() };
    }
    return left;
  }
  function parseAtom(): FilterNode {
    const token = tokens[pos++];
    if (!token) throw new FilterQueryError('The query ends too early');
    if (token.t === '(') {
      const inner = parseOr();
      if (tokens[pos++]?.t !== ')') throw new FilterQueryError("Missing ')'");
      return inner;
    }
    if (token.t === 'cmp') return { kind: 'cmp', field: token.field, op: token.op, value: token.value };
    throw new FilterQueryError(`Unexpected ${token.t}`);
  }
  const node = parseOr();
  if (pos < tokens.length)
    throw new FilterQueryError(`Unexpected ${tokens[pos]!.t} at the end; join conditions with AND or OR`);
  return node;
}

/** Reads a filter field from a ticket; undefined means the field is not filterable. */
export type FieldReader = (field: string) => { value: unknown } | undefined;

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

export function evaluateFilter(node: FilterNode, read: FieldReader): boolean {
  if (node.kind !== 'cmp') {
    const left = evaluateFilter(node.left, read);
    return node.kind === 'and' ? left && evaluateFilter(node.right, read) : left || evaluateFilter(node.right, read);
  }
  const found = read(node.field);
  if (!found) throw new FilterQueryError(`Invalid field: ${node.field}`);
  const actual = found.value;
  const values = Array.isArray(actual) ? actual : [actual];
  if (node.value === null)
    return node.op === 'eq' && (values.length === 0 || values.every((v) => v === null || v === undefined || v === ''));
  return values.some((v) => compare(v, node.op, node.value));
}

function compare(actual: unknown, op: 'eq' | 'gte' | 'lte', expected: FilterValue): boolean {
  if (actual === null || actual === undefined) return false;
  if (
    typeof expected === 'string' &&
    isoDate.test(expected) &&
    typeof actual === 'string' &&
    /^\d{4}-\d{2}-\d{2}T/.test(actual)
  ) {
    const day = actual.slice(0, 10);
    return op === 'eq' ? day === expected : op === 'gte' ? day >= expected : day <= expected;
  }
  if (typeof expected === 'number') {
    const n = Number(actual);
    return op === 'eq' ? n === expected : op === 'gte' ? n >= expected : n <= expected;
  }
  if (op !== 'eq') throw new FilterQueryError(`:> and :< need a number or a date`);
  return String(actual).toLowerCase() === String(expected).toLowerCase();
}

export function fieldsOf(node: FilterNode): string[] {
  return node.kind === 'cmp' ? [node.field] : [...fieldsOf(node.left), ...fieldsOf(node.right)];
}
