/**
 * The state of a run and the sandbox limits. Compiled code is handed its run (every compiled closure takes the frame
 * and the run, see compiler/frames.ts) and counts steps, position and control flow on it directly, which keeps steps
 * cheap. Built-ins (methods, helpers, the regex engine, httpClient) are called without it: they reach the run in
 * progress through the accessors here, reading it with currentRun() and changing it only through the functions of
 * this module (charge, retainText, extendDeadline, enterCall/leaveCall...). Runs are synchronous; `withRun` makes a
 * run the one in progress and restores the previous one after, so a host callback may itself run a script.
 */
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
  /**
   * Bytes of text a run may put into lists, sets and maps (two bytes a character, counted as values are added and
   * never given back): what keeps `list << s.toUpperCase()` in a loop from holding gigabytes.
   */
  maxMemoryBytes: number;
  /** Digits of a BigDecimal (its unscaled value), and the largest scale either way. */
  maxNumberDigits: number;
}

export const defaultLimits: ScriptLimits = Object.freeze({
  maxSteps: 1_000_000,
  maxMillis: 2_000,
  maxStringLength: 1_000_000,
  maxCollectionSize: 100_000,
  maxCallDepth: 100,
  maxMemoryBytes: 32 * 1024 * 1024,
  maxNumberDigits: 10_000,
});

/**
 * Characters a built-in may touch for one step: copying, converting, searching or building text of n characters
 * charges n / CHARS_PER_STEP steps (chargeText), so the step limit stops a run that does a great deal of big work
 * (1,000,000 steps is 16 million characters) while a ticket's own fields cost a handful of steps.
 */
export const CHARS_PER_STEP = 16;

export const CTL_NONE = 0;
export const CTL_BREAK = 1;
export const CTL_CONTINUE = 2;
export const CTL_RETURN = 3;

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
  /** Bytes of text put into collections so far, and the budget (ScriptLimits.maxMemoryBytes). */
  memory: number;
  maxMemory: number;
  maxDigits: number;
  ctl: number;
  ret: Value;
  line: number;
  col: number;
  globals: Map<string, Value>;
  /** Context names the script may not reassign (entity, replica, helpers...). */
  readonly protectedGlobals: ReadonlySet<string>;
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
    memory: 0,
    maxMemory: limits.maxMemoryBytes,
    maxDigits: limits.maxNumberDigits,
    ctl: CTL_NONE,
    ret: null,
    line: 0,
    col: 0,
    globals,
    protectedGlobals: new Set(globals.keys()),
    print,
    now,
    host: null,
  };
}

/** The run in progress; between runs, an idle one with the default limits. */
let active: RunState = newRunState(
  defaultLimits,
  new Map(),
  () => {},
  () => Date.now(),
);

/** Makes `state` the run in progress while `body` runs, then restores the one before. */
export function withRun<T>(state: RunState, body: () => T): T {
  const saved = active;
  active = state;
  try {
    return body();
  } finally {
    active = saved;
  }
}

/** The run in progress, to read: its limits, position, clock and host. */
export function currentRun(): Readonly<RunState> {
  return active;
}

/**
 * The run in progress, to change: only for compiled code a built-in calls back into (a script class's method,
 * constructor or field initializer, reached through getProp, callMethod...), which counts its steps and depth on the
 * run like all compiled code. Closures need none: they keep the run they were created in.
 */
export function runForCallback(): RunState {
  return active;
}

/** Moves the time limit of the run in progress by `ms` (time spent waiting for the host is not the script's). */
export function extendDeadline(ms: number): void {
  active.deadline += ms;
}

/** Enforces the time limit alone (for work that is bounded but not counted in steps). */
export function checkClock(run: Readonly<RunState> = active): void {
  if (Date.now() > run.deadline) {
    throw new ScriptFault(`the script ran longer than ${run.maxMillis} ms and was stopped`, 'time', run.line, run.col);
  }
}

/** Called when `++run.steps` reaches the checkpoint: enforces the step and time limits. */
export function checkpoint(run: RunState): void {
  if (run.steps > run.maxSteps) {
    throw new ScriptFault(
      `the script ran more than ${run.maxSteps} steps and was stopped (an endless loop?)`,
      'steps',
      run.line,
      run.col,
    );
  }
  checkClock(run);
  run.checkpoint = Math.min(run.steps + 1024, run.maxSteps + 1);
}

/**
 * Counts bulk work done by a built-in method (sorting, joining, copying) against the step limit. A big charge (1,024
 * steps or more) checks the step limit and the clock at once, so one slow call cannot outlast the time limit by
 * more than its own duration.
 */
export function charge(n: number): void {
  active.steps += n;
  if (active.steps >= active.checkpoint || n >= 1024) checkpoint(active);
}

/** Charges the work of visiting or copying `items` elements of a collection (as many a step as characters). */
export function chargeItems(items: number): void {
  if (items >= CHARS_PER_STEP) charge(Math.floor(items / CHARS_PER_STEP));
}

/** Charges the work of touching `chars` characters (see CHARS_PER_STEP). */
export function chargeText(chars: number): void {
  if (chars >= CHARS_PER_STEP) charge(Math.floor(chars / CHARS_PER_STEP));
}

/** A limit fault at the current position (limit faults end the run; a script cannot catch them). */
export function limitFault(message: string, kind: FaultKind): ScriptFault {
  return new ScriptFault(message, kind, active.line, active.col);
}

/**
 * Counts `chars` characters of text a collection now holds against the run's memory budget. Strings are shared, so
 * the same text added twice counts twice: the budget is generous enough that only runaway growth reaches it.
 */
export function retainText(chars: number): void {
  active.memory += 2 * chars;
  if (active.memory > active.maxMemory) {
    throw new ScriptFault(
      `the script put more than ${Math.round(active.maxMemory / 1048576)} MB of text into lists and maps (the run's memory limit)`,
      'memory',
      active.line,
      active.col,
    );
  }
}

/** retainText for a value about to be stored in a collection: the characters of a string, nothing otherwise. */
export function retain(v: unknown): void {
  if (typeof v === 'string') retainText(v.length);
}

/** retain for every value of a list about to be stored in a collection. */
export function retainAll(values: readonly unknown[]): void {
  let chars = 0;
  for (const v of values) if (typeof v === 'string') chars += v.length;
  retainText(chars);
}

export function checkString(s: string): string {
  if (s.length > active.maxString) {
    throw new ScriptFault(
      `a string grew to ${s.length} characters, more than the limit of ${active.maxString}`,
      'string_size',
      active.line,
      active.col,
    );
  }
  return s;
}

export function checkStringLength(n: number): void {
  if (n > active.maxString) {
    throw new ScriptFault(
      `a string would grow to ${n} characters, more than the limit of ${active.maxString}`,
      'string_size',
      active.line,
      active.col,
    );
  }
}

/** Faults when a number would have more digits, or a larger scale, than the limit (ScriptLimits.maxNumberDigits). */
export function numberTooLarge(what: string): ScriptFault {
  return new ScriptFault(
    `a number would have ${what}, more than the limit of ${active.maxDigits} digits`,
    'number_size',
    active.line,
    active.col,
  );
}

export function checkSize(n: number): void {
  if (n > active.maxCollection) {
    throw new ScriptFault(
      `a collection grew to ${n} elements, more than the limit of ${active.maxCollection}`,
      'collection_size',
      active.line,
      active.col,
    );
  }
}

/** One call deeper in `run` (the run in progress unless given); faults past the depth limit. Pairs with leaveCall. */
export function enterCall(run: RunState = active): void {
  if (++run.depth > run.maxDepth) {
    run.depth--;
    throw new ScriptFault(
      `calls are nested more than ${run.maxDepth} deep (endless recursion?)`,
      'call_depth',
      run.line,
      run.col,
    );
  }
}

/** The call that enterCall counted has ended. */
export function leaveCall(run: RunState = active): void {
  run.depth--;
}

export function scriptError(
  message: string,
  kind: FaultKind = 'runtime',
  javaType = 'RuntimeException',
  suggestions: readonly string[] = [],
): ScriptException {
  return new ScriptException(message, kind, javaType, active.line, active.col, suggestions);
}

export function forbidden(message: string): ScriptFault {
  return new ScriptFault(message, 'forbidden', active.line, active.col);
}
