/**
 * The Exalate surface at compile time: two spellings Exalate scripts use for values that are plain here, and the
 * static check `rules check` runs for names a script uses that no run will offer.
 */
import type { Platform } from '../domain/instance.ts';
import { platforms } from '../domain/instance.ts';
import { findOption, type NamedCode, priorityTable, statusTable } from '../domain/status-priority.ts';
import { suggest } from '../domain/suggest.ts';
import type { Expr, Program } from './ast.ts';
import { helperMethodNames } from './helpers.ts';

/** The names every run binds besides the helpers (see runOutgoing / runIncoming). */
const runGlobals = ['entity', 'issue', 'replica', 'previous', 'firstSync'];
const hubObjects = new Set(['entity', 'issue', 'replica', 'previous']);

type Node = { k?: unknown; [key: string]: unknown };

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function propName(e: Node): string | null {
  if (e.k === 'prop' && typeof e.name === 'string') return e.name;
  if (e.k === 'index' && isNode(e.index) && e.index.k === 'lit' && typeof e.index.v === 'string') return e.index.v;
  return null;
}

/**
 * `x.customFields."Name".value` reads and writes the field's value, and `replica.type.name` the type's name
 * (docs.exalate.com/docs/getremoteissuelinks: `issue.customFields."Remote Issue Links".value = ...`; Freshdesk's
 * Type field, docs.exalate.com/docs/freshdesk-supported-entities-fields). Custom field values and the ticket type
 * are plain values here, which today's scripts use directly (`entity.customFields.cf_amount * 100`), so the
 * trailing `.value` / `.name` is dropped when the parse tree shows that shape: no wrapper object on the hot path.
 */
function unwrap(e: Node): Node {
  if (e.k !== 'prop' || !isNode(e.obj)) return e;
  const inner = e.obj;
  if (e.name === 'value' && (inner.k === 'prop' || inner.k === 'index') && isNode(inner.obj)) {
    if (propName(inner.obj) === 'customFields') return inner;
  }
  if (e.name === 'name' && inner.k === 'prop' && inner.name === 'type' && isNode(inner.obj)) {
    const owner = inner.obj;
    if (owner.k === 'name' && typeof owner.name === 'string' && hubObjects.has(owner.name)) return inner;
  }
  return e;
}

function rewrite(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = rewrite(v[i]);
    return v;
  }
  if (!isNode(v)) return v;
  for (const key of Object.keys(v)) {
    const child = v[key];
    if (typeof child === 'object' && child !== null) v[key] = rewrite(child);
  }
  return unwrap(v);
}

/** Applies the Exalate spellings above to a parsed program, in place. */
export function desugarExalate(program: Program): Program {
  rewrite(program.body);
  for (const m of program.methods) rewrite(m.body);
  return program;
}

export interface SurfaceWarning {
  line: number;
  column: number;
  kind: 'unknown_global' | 'unknown_helper_method' | 'unknown_status' | 'unknown_priority';
  message: string;
  suggestions: string[];
}

/** Every name the script declares anywhere (variables, parameters, methods, catch variables, plain assignments). */
function declaredNames(program: Program): Set<string> {
  const names = new Set<string>(['it', 'this']);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v)) return;
    // Name-carrying nodes that are not uses: decl, forIn, params, catch clauses, methods, classes.
    if (typeof v.name === 'string' && !['name', 'call', 'mcall', 'prop'].includes(String(v.k)) && !('full' in v))
      names.add(v.name);
    if (Array.isArray(v.names)) for (const n of v.names) if (typeof n === 'string') names.add(n);
    if (v.k === 'assign' && isNode(v.target) && v.target.k === 'name' && typeof v.target.name === 'string')
      names.add(v.target.name);
    for (const key of Object.keys(v)) {
      const child = v[key];
      if (typeof child === 'object' && child !== null) visit(child);
    }
  };
  visit(program.body);
  visit(program.methods);
  return names;
}

function knownOptions(kind: 'status' | 'priority', platform: Platform | undefined): readonly NamedCode[] {
  const table = kind === 'status' ? statusTable : priorityTable;
  return (platform ? [platform] : platforms).flatMap((p) => table[p]);
}

/**
 * Names a run will not offer: top-level names that are neither declared by the script nor bound by the sync
 * (`httpClient` today), helper methods that do not exist, and literal status or priority names the platform does
 * not have (with no platform, a name no platform has). Flow-insensitive, so a name declared anywhere counts.
 */
export function surfaceWarnings(program: Program, platform?: Platform): SurfaceWarning[] {
  const helpers = helperMethodNames();
  const declared = declaredNames(program);
  const globals = [...runGlobals, ...helpers.keys()];
  const known = new Set(globals);
  const warnings: SurfaceWarning[] = [];
  const seen = new Set<string>();
  const warn = (w: SurfaceWarning) => {
    const key = `${w.line}:${w.column}:${w.kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    warnings.push(w);
  };
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v)) return;
    const e = v as unknown as Expr;
    if (e.k === 'name' && !declared.has(e.name) && !known.has(e.name) && !/^[A-Z]/.test(e.name)) {
      warn({
        line: e.line,
        column: e.col,
        kind: 'unknown_global',
        message: `${e.name} is not available to sync scripts here`,
        suggestions: suggest(e.name, [...globals, ...declared]),
      });
    }
    if (e.k === 'mcall' && e.obj.k === 'name' && !declared.has(e.obj.name)) {
      const methods = helpers.get(e.obj.name);
      if (methods && !methods.includes(e.name)) {
        warn({
          line: e.line,
          column: e.col,
          kind: 'unknown_helper_method',
          message: `${e.obj.name} has no method ${e.name}()`,
          suggestions: suggest(e.name, methods),
        });
      }
      const first = e.args[0];
      if (
        e.obj.name === 'nodeHelper' &&
        (e.name === 'getStatus' || e.name === 'getPriority') &&
        first?.k === 'lit' &&
        typeof first.v === 'string'
      ) {
        const kind = e.name === 'getStatus' ? 'status' : 'priority';
        const options = knownOptions(kind, platform);
        const names = [...new Set(options.map((o) => o.name))];
        if (!findOption(options, first.v)) {
          warn({
            line: first.line,
            column: first.col,
            kind: kind === 'status' ? 'unknown_status' : 'unknown_priority',
            message: `unknown ${kind} '${first.v}'${platform ? ` for ${platform}` : ''}; nodeHelper.${e.name} returns null for it. Known: ${names.join(', ')}`,
            suggestions: suggest(first.v, names),
          });
        }
      }
    }
    for (const key of Object.keys(v)) {
      const child = v[key];
      if (typeof child === 'object' && child !== null) visit(child);
    }
  };
  visit(program.body);
  visit(program.methods);
  return warnings.sort((a, b) => a.line - b.line || a.column - b.column);
}
