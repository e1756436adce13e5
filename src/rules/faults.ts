import { DomainError } from '../domain/errors.ts';

/**
 * The ways a script run can fail, before they become DomainErrors at the API boundary. Only `ScriptException`s
 * can be caught by a script's try/catch: sandbox and limit faults must always end the run, or a script could
 * swallow them and keep going.
 */
export type FaultKind =
  | 'syntax'
  | 'missing_property'
  | 'missing_method'
  | 'null_pointer'
  | 'type_error'
  | 'number_format'
  | 'index_out_of_bounds'
  | 'arithmetic'
  | 'unknown_status'
  | 'unknown_priority'
  | 'assertion'
  | 'thrown'
  | 'debug'
  | 'runtime'
  | 'forbidden'
  | 'steps'
  | 'time'
  | 'string_size'
  | 'collection_size'
  | 'call_depth'
  | 'nesting'
  /** A BigDecimal with more digits (or a larger scale) than the limit. */
  | 'number_size'
  /** The run's memory budget: string bytes kept in collections, a regular expression's backtracking positions. */
  | 'memory'
  /** httpClient: too many calls in a run, a body or an answer too large. */
  | 'http_limit';

const limitKinds: ReadonlySet<FaultKind> = new Set([
  'steps',
  'time',
  'string_size',
  'collection_size',
  'call_depth',
  'nesting',
  'number_size',
  'memory',
  'http_limit',
]);

export class ScriptFault extends Error {
  constructor(
    message: string,
    readonly kind: FaultKind,
    public line: number,
    public col: number,
    readonly suggestions: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A Groovy-level exception: what `throw` raises and what `catch (Exception e)` sees. */
export class ScriptException extends ScriptFault {
  constructor(
    message: string,
    kind: FaultKind,
    /** The Java class name scripts match in catch clauses (NumberFormatException, IssueTrackerException, ...). */
    readonly javaType: string,
    line: number,
    col: number,
    suggestions: readonly string[] = [],
  ) {
    super(message, kind, line, col, suggestions);
  }
}

export function isLimitKind(kind: FaultKind): boolean {
  return limitKinds.has(kind);
}

/** The source line with a caret under the column, the way compilers show it. */
export function caretSnippet(source: string, line: number, col: number): string {
  const text = (source.split(/\r?\n/)[line - 1] ?? '').replace(/\t/g, ' ');
  const gutter = `${line} | `;
  return `${gutter}${text}\n${' '.repeat(gutter.length - 2)}| ${' '.repeat(Math.max(0, col - 1))}^`;
}

export function faultToDomainError(fault: ScriptFault, source: string): DomainError {
  const where = `line ${fault.line}:${fault.col}`;
  const hint = fault.suggestions.length > 0 ? ` (did you mean ${fault.suggestions.join(' or ')}?)` : '';
  const snippet = fault.line > 0 ? caretSnippet(source, fault.line, fault.col) : '';
  // What went wrong without where: a caller that says the line and column itself (the rules editor) shows this.
  const reason = `${fault.message}${hint}`;
  const oneLine = `${where}: ${reason}`;
  if (fault.kind === 'syntax') {
    return new DomainError('script_error', `Syntax error at ${oneLine.slice(5)}\n${snippet}`, {
      line: fault.line,
      column: fault.col,
      kind: fault.kind,
      summary: `Syntax error at ${oneLine.slice(5)}`,
      reason,
      snippet,
    });
  }
  const code = isLimitKind(fault.kind) ? 'limit_exceeded' : 'script_error';
  const label = code === 'limit_exceeded' ? 'Script stopped' : 'Script error';
  const summary = `${label} at ${oneLine.slice(5)}`;
  return new DomainError(code, summary, {
    line: fault.line,
    column: fault.col,
    kind: fault.kind,
    summary,
    reason,
    snippet,
    ...(fault instanceof ScriptException ? { exception: fault.javaType } : {}),
    ...(fault.suggestions.length > 0 ? { suggestions: [...fault.suggestions] } : {}),
  });
}
