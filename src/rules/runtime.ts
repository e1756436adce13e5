/**
 * The state of the run in progress and the sandbox limits. Runs are synchronous, so the state lives in one module
 * variable that compiled code reads directly (no context argument threaded through every call, which keeps
 * steps cheap). `withRun` saves and restores it, so a host callback may itself run a script.
 */
import type { Pos } from './ast.ts';
import { ScriptException, ScriptFault, type FaultKind } from './faults.ts';
import type { Value } from './values.ts';

export interface ScriptLimits {
  /** Statements, loop iterations, calls, plus work done inside bulk methods (sort, join, ...). */
  maxSteps: number;
  /** Wall time of one run. */
  maxMillis: number;
  maxStringLength: number;
  maxCollectionSize: number;
  /** Nested closure and method calls. */
  maxCallDepth: number;
}

export const defaultLimits: ScriptLimits = Object.freeze({
  maxSteps: 1_000_000,
  maxMillis: 2_000,
  maxStringLength: 1_000_000,
  maxCollectionSize: 100_000,
  maxCallDepth: 100,
});

export const CTL_NONE = 0;
export const CTL_BREAK = 1;
export const CTL_CONTINUE = 2;
export const CTL_RETURN = 3;

export interface ScriptMethodImpl {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly invoke: (args: Value[]) => Value;
}

export interface RunState {
  steps: number;
  /** Next step count at which the slow path checks the step limit and the clock. */
  checkpoint: number;
  maxSteps: number;
  deadline: number;
  maxMillis: number;
  depth: number;
  maxDepth: number;
  maxString: number;
  maxCollection: number;
  ctl: number;
  ret: Value;
  line: number;
  col: number;
  globals: Map<string, Value>;
  /** Context names the script may not reassign (entity, replica, helpers...). */
  readonly protectedGlobals: ReadonlySet<string>;
  methods: Map<string, ScriptMethodImpl>;
  print: (text: string) => void;
  now: () => number;
  /** What the host handed this run (platform, lookups, log sink); the helpers read it. */
  host: unknown;
}

export function newRunState(
  limits: ScriptLimits,
  globals: Map<string, Value>,
  print: (text: string) => void,
  now: () => number,
): RunState {
  return {
    steps: 0,
    checkpoint: Math.min(1024, limits.maxSteps + 1),
    maxSteps: limits.maxSteps,
    deadline: Date.now() + limits.maxMillis,
    maxMillis: limits.maxMillis,
    depth: 0,
    maxDepth: limits.maxCallDepth,
    maxString: limits.maxStringLength,
    maxCollection: limits.maxCollectionSize,
    ctl: CTL_NONE,
    ret: null,
    line: 0,
    col: 0,
    globals,
    protectedGlobals: new Set(globals.keys()),
    methods: new Map(),
    print,
    now,
    host: null,
  };
}

export let R: RunState = newRunState(
  defaultLimits,
  new Map(),
  () => {},
  () => Date.now(),
);

export function withRun<T>(state: RunState, body: () => T): T {
  const saved = R;
  R = state;
  try {
    return body();
  } finally {
    R = saved;
  }
}

/** Called when `++R.steps` reaches the checkpoint: enforces the step and time limits. */
export function checkpoint(): void {
  if (R.steps > R.maxSteps) {
    throw new ScriptFault(
      `the script ran more than ${R.maxSteps} steps and was stopped (an endless loop?)`,
      'steps',
      R.line,
      R.col,
    );
  }
  if (Date.now() > R.deadline) {
    throw new ScriptFault(`the script ran longer than ${R.maxMillis} ms and was stopped`, 'time', R.line, R.col);
  }
  R.checkpoint = Math.min(R.steps + 1024, R.maxSteps + 1);
}

/** Counts bulk work done by a built-in method (sorting, joining, copying) against the step limit. */
export function charge(n: number): void {
  R.steps += n;
  if (R.steps >= R.checkpoint || n >= 1024) checkpoint();
}

export function checkString(s: string): string {
  if (s.length > R.maxString) {
    throw new ScriptFault(
      `a string grew to ${s.length} characters, more than the limit of ${R.maxString}`,
      'string_size',
      R.line,
      R.col,
    );
  }
  return s;
}

export function checkStringLength(n: number): void {
  if (n > R.maxString) {
    throw new ScriptFault(
      `a string would grow to ${n} characters, more than the limit of ${R.maxString}`,
      'string_size',
      R.line,
      R.col,
    );
  }
}

export function checkSize(n: number): void {
  if (n > R.maxCollection) {
    throw new ScriptFault(
      `a collection grew to ${n} elements, more than the limit of ${R.maxCollection}`,
      'collection_size',
      R.line,
      R.col,
    );
  }
}

export function enterCall(): void {
  if (++R.depth > R.maxDepth) {
    R.depth--;
    throw new ScriptFault(
      `calls are nested more than ${R.maxDepth} deep (endless recursion?)`,
      'call_depth',
      R.line,
      R.col,
    );
  }
}

/** Marks where the run is, so errors raised deep inside built-ins point at the right source position. */
export function at(pos: Pos): void {
  R.line = pos.line;
  R.col = pos.col;
}

export function scriptError(
  message: string,
  kind: FaultKind = 'runtime',
  javaType = 'RuntimeException',
  suggestions: readonly string[] = [],
): ScriptException {
  return new ScriptException(message, kind, javaType, R.line, R.col, suggestions);
}

export function forbidden(message: string): ScriptFault {
  return new ScriptFault(message, 'forbidden', R.line, R.col);
}
