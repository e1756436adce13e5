/**
 * Sync rules: Exalate-style Groovy scripts, run by our own sandboxed interpreter (no JVM, no JS eval).
 *
 * API
 * - `checkScript(source, { warnings?, platform? })` -> `ScriptProblem[]` (empty when the script parses and
 *   compiles; each problem has severity, line, column, kind, a one-line `summary` and the source line with a caret
 *   in `snippet`). With `warnings`, a script that compiles also gets one warning per unknown global, unknown helper
 *   method and unknown literal status or priority name (see surfaceWarnings in exalate.ts).
 * - `compileScript(source)` -> `CompiledScript`; throws a DomainError ('script_error', or 'limit_exceeded' when the
 *   script is nested too deeply) with details { line, column, kind, summary, snippet }.
 * - `runOutgoing({ script, entity, platform?, previous?, ... })` -> the Replica (JSON) the outgoing script built.
 * - `runIncoming({ script, entity | null, replica, previous?, firstSync, platform, lookups?, ... })` -> a new
 *   Entity (the input entity is never mutated; comments and attachments with an empty id are to be created).
 * - A script given as text is compiled for that run. The service runs scripts in the rule pool (./pool), whose
 *   workers keep the compiled scripts they ran by key (a published version: `<connection>:<version>:<direction>`,
 *   see src/sync/context.ts): that is the one cache of compiled scripts.
 * - `defaultScripts(platform)`: the Basic-mode scripts (not editable), also the Script-mode starting point.
 * Runtime errors are DomainErrors: 'script_error' (details.kind: missing_property, missing_method, null_pointer,
 * unknown_status, thrown, debug, forbidden, ...) or 'limit_exceeded' (steps, time, string_size, collection_size,
 * call_depth, nesting), always with details.line and details.column.
 */
import type { Entity, Replica } from '../domain/entity.ts';
import { DomainError } from '../domain/errors.ts';
import type { Platform } from '../domain/instance.ts';
import { caretSnippet, faultToDomainError, ScriptFault } from './faults.ts';
import { currentOptions, makeHelpers, type LogSink, type NodeLookups } from './helpers.ts';
import { compileProgram, runProgram, type CompiledProgram } from './compiler/index.ts';
import { desugarExalate, hostNames, surfaceWarnings } from './exalate.ts';
import type { ScriptHttp } from './http-client.ts';
import { blankEntity, entityFromRecord, entityRecord, entityType, replicaFromRecord, replicaRecord } from './model.ts';
import { parseProgram } from './parser.ts';
import { defaultLimits, newRunState, type ScriptLimits } from './runtime.ts';
import type { GRecord, Value } from './values.ts';

export { defaultScripts, type DefaultScripts } from './defaults/index.ts';
export { defaultLimits, type ScriptLimits } from './runtime.ts';
export type { NodeLookups, LogLevel, LogSink } from './helpers.ts';
export { blankEntity } from './model.ts';

export interface CompiledScript {
  readonly source: string;
  readonly program: CompiledProgram;
}

export interface ScriptProblem {
  /** Errors stop the script from running; warnings name what a run will not find (an unknown global, ...). */
  severity: 'error' | 'warning';
  line: number;
  column: number;
  kind: string;
  message: string;
  summary: string;
  /** The summary without its position (`'{' is never closed ...`), for callers that say the line and column. */
  reason: string;
  snippet: string;
}

export interface RunOptions {
  limits?: Partial<ScriptLimits>;
  /** Where println/print output goes (the CLI prints it; the service ignores it). */
  print?: (text: string) => void;
  log?: LogSink;
  /** The clock `new Date()` reads; tests fix it. */
  now?: () => number;
  /** Performs httpClient calls on the entity's own helpdesk; without it a call says httpClient is not available. */
  http?: ScriptHttp;
}

function internalError(e: unknown): DomainError {
  const message = e instanceof Error ? e.message : String(e);
  return new DomainError('script_error', `Script error: internal interpreter error (${message})`, {
    line: 0,
    column: 0,
    kind: 'internal',
    summary: message,
  });
}

function toDomainError(e: unknown, source: string): DomainError {
  if (e instanceof DomainError) return e;
  if (e instanceof ScriptFault) return faultToDomainError(e, source);
  // A native stack overflow can only come from something the depth counters did not see; it still ends cleanly.
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new DomainError('limit_exceeded', 'Script stopped: calls or values are nested too deeply', {
      line: 0,
      column: 0,
      kind: 'call_depth',
      summary: 'calls or values are nested too deeply',
    });
  }
  return internalError(e);
}

export function compileScript(source: string): CompiledScript {
  try {
    return { source, program: compileProgram(desugarExalate(parseProgram(source)), hostNames()) };
  } catch (e) {
    throw toDomainError(e, source);
  }
}

export interface CheckOptions {
  /** Also report what the static pass finds in a script that compiles (as warnings). */
  warnings?: boolean;
  /** The platform the script runs on, for status and priority names; without it, names no platform has. */
  platform?: Platform;
}

function warningProblems(source: string, platform: Platform | undefined): ScriptProblem[] {
  return surfaceWarnings(desugarExalate(parseProgram(source)), platform).map((w) => {
    const reason = `${w.message}${w.suggestions.length > 0 ? ` (did you mean ${w.suggestions.join(' or ')}?)` : ''}`;
    const summary = `Warning at ${w.line}:${w.column}: ${reason}`;
    const snippet = caretSnippet(source, w.line, w.column);
    return {
      severity: 'warning',
      line: w.line,
      column: w.column,
      kind: w.kind,
      message: `${summary}\n${snippet}`,
      summary,
      reason,
      snippet,
    };
  });
}

/**
 * Parses and compiles; returns the problems with line and column: at most one error (the first), or with
 * `warnings` the static pass's warnings when there is none.
 */
export function checkScript(source: string, options: CheckOptions = {}): ScriptProblem[] {
  try {
    compileScript(source);
    return options.warnings ? warningProblems(source, options.platform) : [];
  } catch (e) {
    const d = e instanceof DomainError ? e : toDomainError(e, source);
    const details = (d.details ?? {}) as {
      line?: number;
      column?: number;
      kind?: string;
      summary?: string;
      reason?: string;
      snippet?: string;
    };
    return [
      {
        severity: 'error',
        line: details.line ?? 0,
        column: details.column ?? 0,
        kind: details.kind ?? 'syntax',
        message: d.message,
        summary: details.summary ?? d.message,
        reason: details.reason ?? details.summary ?? d.message,
        snippet: details.snippet ?? '',
      },
    ];
  }
}

/** FNV-1a (64-bit) of the source plus its length: names a script (test runs are kept by it); no security hash. */
export function sourceKey(source: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < source.length; i++) {
    h ^= BigInt(source.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `src:${source.length}:${h.toString(16)}`;
}

function compiled(script: string | CompiledScript): CompiledScript {
  return typeof script === 'string' ? compileScript(script) : script;
}

function runCompiled(
  script: CompiledScript,
  globals: Map<string, Value>,
  options: RunOptions,
  host: unknown = null,
): void {
  const limits = options.limits ? { ...defaultLimits, ...options.limits } : defaultLimits;
  const state = newRunState(limits, globals, options.print ?? (() => {}), options.now ?? (() => Date.now()));
  state.host = host;
  try {
    runProgram(script.program, state);
  } catch (e) {
    throw toDomainError(e, script.source);
  }
}

/** Runs a script with no sync context (println only): the corpus tests and `rules run` without an entity use it. */
export function runPlain(script: string | CompiledScript, options: RunOptions = {}): void {
  runCompiled(compiled(script), new Map(), options);
}

export interface OutgoingInput extends RunOptions {
  script: string | CompiledScript;
  entity: Entity;
  platform?: Platform;
  /** The replica sent last time, or null/absent on the first sync. */
  previous?: Replica | null;
  lookups?: NodeLookups;
}

export function runOutgoing(input: OutgoingInput): Replica {
  const script = compiled(input.script);
  const platform = input.platform ?? input.entity.platform;
  const helpers = makeHelpers(platform, input.lookups ?? {}, input.log ?? (() => {}), input.http);
  let replica: GRecord;
  let result: Replica | null = null;
  const globals = new Map<string, Value>(helpers.globals);
  try {
    const previous = input.previous ? replicaRecord(input.previous) : null;
    replica = replicaRecord(null, previous);
    const entity = entityRecord(
      input.entity.platform === platform ? input.entity : { ...input.entity, platform },
      entityType(platform, currentOptions),
    );
    globals.set('entity', entity);
    globals.set('issue', entity);
    globals.set('replica', replica);
    globals.set('previous', previous);
    globals.set('firstSync', !input.previous);
  } catch (e) {
    throw toDomainError(e, script.source);
  }
  runCompiled(script, globals, input, helpers.host);
  try {
    result = replicaFromRecord(replica);
  } catch (e) {
    throw toDomainError(e, script.source);
  }
  return result;
}

export interface IncomingInput extends RunOptions {
  script: string | CompiledScript;
  /** The local entity, or null when this sync creates it (then firstSync must be true). */
  entity: Entity | null;
  replica: Replica;
  previous?: Replica | null;
  firstSync: boolean;
  platform: Platform;
  lookups?: NodeLookups;
}

export function runIncoming(input: IncomingInput): Entity {
  const script = compiled(input.script);
  if (input.entity === null && !input.firstSync) {
    throw new DomainError(
      'invalid_input',
      'runIncoming needs the local entity unless this is the first sync (firstSync: true)',
    );
  }
  const platform = input.platform;
  const helpers = makeHelpers(platform, input.lookups ?? {}, input.log ?? (() => {}), input.http);
  const globals = new Map<string, Value>(helpers.globals);
  let entity: GRecord;
  try {
    entity = entityRecord(
      input.entity
        ? input.entity.platform === platform
          ? input.entity
          : { ...input.entity, platform }
        : blankEntity(platform),
      entityType(platform, currentOptions),
    );
    globals.set('entity', entity);
    globals.set('issue', entity);
    const previous = input.previous ? replicaRecord(input.previous) : null;
    globals.set('replica', replicaRecord(input.replica, previous));
    globals.set('previous', previous);
    globals.set('firstSync', input.firstSync);
  } catch (e) {
    throw toDomainError(e, script.source);
  }
  runCompiled(script, globals, input, helpers.host);
  try {
    return entityFromRecord(entity, platform);
  } catch (e) {
    throw toDomainError(e, script.source);
  }
}
