/**
 * The Exalate surface at compile time: two spellings Exalate scripts use for values that are plain here, and the
 * static check `rules check` runs for names a script uses that no run will offer.
 */
import type { Platform } from '../domain/instance.ts';
import { platforms } from '../domain/instance.ts';
import { findOption, type NamedCode, priorityTable, statusTable } from '../domain/status-priority.ts';
import { encodeScriptPath, scriptPathProblem } from '../domain/script-api.ts';
import { suggest } from '../domain/suggest.ts';
import type { Expr, Program } from './ast.ts';
import { helperMethodNames } from './helpers.ts';
import { qualifiedClassName } from './sandbox.ts';

/** The names every run binds besides the helpers (see runOutgoing / runIncoming). */
const runGlobals = ['entity', 'issue', 'replica', 'previous', 'firstSync', 'issueUrl'];

let hostNameSet: ReadonlySet<string> | null = null;

/** Every name a run binds (the sync's objects and the helpers): a script's class may not take one. */
export function hostNames(): ReadonlySet<string> {
  hostNameSet ??= new Set([...runGlobals, ...helperMethodNames().keys()]);
  return hostNameSet;
}
const hubObjects = new Set(['entity', 'issue', 'replica', 'previous']);

type Node = { k?: unknown; [key: string]: unknown };

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function propName(e: Node): string | null {
  if (e.k === 'property' && typeof e.name === 'string') return e.name;
  if (e.k === 'index' && isNode(e.index) && e.index.k === 'literal' && typeof e.index.v === 'string') return e.index.v;
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
  if (e.k !== 'property' || !isNode(e.obj)) return e;
  const inner = e.obj;
  if (e.name === 'value' && (inner.k === 'property' || inner.k === 'index') && isNode(inner.obj)) {
    if (propName(inner.obj) === 'customFields') return inner;
  }
  if (e.name === 'name' && inner.k === 'property' && inner.name === 'type' && isNode(inner.obj)) {
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

/** `entity.customFields."Name"` (or `replica.customFields.name`, `issue.customFields["Name"]`). */
function isCustomFieldPath(e: unknown): e is Node {
  if (!isNode(e) || (e.k !== 'property' && e.k !== 'index') || e.spread === true || propName(e) === null) return false;
  const fields = e.obj;
  if (!isNode(fields) || fields.k !== 'property' || fields.name !== 'customFields' || fields.spread === true)
    return false;
  const owner = fields.obj;
  return isNode(owner) && owner.k === 'name' && typeof owner.name === 'string' && hubObjects.has(owner.name);
}

/** A copy of a custom field path (name, property and literal index nodes only) at another position. */
function clonePath(e: Node, at: Node): Node {
  const copy: Node = { ...e, line: at.line, col: at.col };
  if (isNode(e.obj)) copy.obj = clonePath(e.obj, at);
  if (isNode(e.index)) copy.index = { ...e.index };
  return copy;
}

/**
 * `def cf = replica.customFields."Demo Date"` then `cf?.value` (and `cf.value = v`): in Exalate cf is the field object,
 * so each `.value` reads (or writes) the field as it is at that moment. Here the value is plain, so `cf.value` becomes
 * the field's path again. Only for a variable declared once, from such a path, and never assigned: anything else keeps
 * its ordinary meaning.
 */
function customFieldVariables(program: Program): void {
  const bindings = new Map<string, number>();
  const origins = new Map<string, Node>();
  const written = new Set<string>();
  const bind = (name: unknown) => {
    if (typeof name === 'string') bindings.set(name, (bindings.get(name) ?? 0) + 1);
  };
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) collect(x);
      return;
    }
    if (!isNode(v)) return;
    if (v.k === 'declaration') {
      bind(v.name);
      if (isCustomFieldPath(v.init) && typeof v.name === 'string') origins.set(v.name, v.init);
    } else if (v.k === 'forIn' || (v.k === undefined && typeof v.name === 'string' && !('full' in v))) bind(v.name);
    if (Array.isArray(v.names)) for (const n of v.names) bind(n);
    if ((v.k === 'assign' || v.k === 'incrementDecrement') && isNode(v.target) && v.target.k === 'name')
      written.add(String(v.target.name));
    for (const key of Object.keys(v)) {
      const child = v[key];
      if (typeof child === 'object' && child !== null) collect(child);
    }
  };
  const parts = [program.body, program.methods, program.classes];
  collect(parts);
  for (const name of [...origins.keys()]) if (bindings.get(name) !== 1 || written.has(name)) origins.delete(name);
  if (origins.size === 0) return;
  const replace = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = replace(v[i]);
      return v;
    }
    if (!isNode(v)) return v;
    if (v.k === 'property' && v.name === 'value' && v.spread !== true && isNode(v.obj) && v.obj.k === 'name') {
      const origin = origins.get(String(v.obj.name));
      if (origin) return clonePath(origin, v);
    }
    for (const key of Object.keys(v)) {
      const child = v[key];
      if (typeof child === 'object' && child !== null) v[key] = replace(child);
    }
    return v;
  };
  replace(parts);
}

/** Applies the Exalate spellings above to a parsed program, in place. */
export function desugarExalate(program: Program): Program {
  customFieldVariables(program);
  rewrite(program.body);
  for (const m of program.methods) rewrite(m.body);
  rewrite(program.classes);
  return program;
}

export interface SurfaceWarning {
  line: number;
  column: number;
  kind: 'unknown_global' | 'unknown_helper_method' | 'unknown_status' | 'unknown_priority' | 'http_path';
  message: string;
  suggestions: string[];
}

/** Every name declared anywhere in these parts of a script (variables, parameters, methods, catch variables, fields, classes, plain assignments). */
function declaredNames(...parts: unknown[]): Set<string> {
  const names = new Set<string>(['it', 'this']);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v)) return;
    // Name-carrying nodes that are not uses: declaration, forIn, params, catch clauses, methods, classes.
    if (
      typeof v.name === 'string' &&
      !['name', 'call', 'methodCall', 'property'].includes(String(v.k)) &&
      !('full' in v)
    )
      names.add(v.name);
    if (Array.isArray(v.names)) for (const n of v.names) if (typeof n === 'string') names.add(n);
    if (v.k === 'assign' && isNode(v.target) && v.target.k === 'name' && typeof v.target.name === 'string')
      names.add(v.target.name);
    for (const key of Object.keys(v)) {
      const child = v[key];
      if (typeof child === 'object' && child !== null) visit(child);
    }
  };
  visit(parts);
  return names;
}

function knownOptions(kind: 'status' | 'priority', platform: Platform | undefined): readonly NamedCode[] {
  const table = kind === 'status' ? statusTable : priorityTable;
  return (platform ? [platform] : platforms).flatMap((p) => table[p]);
}

/**
 * Names a run will not offer: top-level names that are neither declared by the script nor bound by the sync, helper
 * methods that do not exist, literal status or priority names the platform does not have (with no platform, a name
 * no platform has), and literal httpClient paths a run would refuse. Flow-insensitive, so a name declared anywhere
 * counts.
 */
export function surfaceWarnings(program: Program, platform?: Platform): SurfaceWarning[] {
  const helpers = helperMethodNames();
  const declared = declaredNames(program.body, program.methods, program.classes);
  const classNames = program.classes.map((c) => c.name);
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
  // Inside a class only its own names are visible (as in Groovy, not the script's variables or the sync's objects).
  let inClass: { name: string; declared: Set<string> } | null = null;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v)) return;
    const e = v as unknown as Expr;
    // java.time.LocalDate written out in full is a class, not the unknown name `java` (a refused one fails to compile).
    if (e.k === 'property' && qualifiedClassName(e)) return;
    if (e.k === 'name' && inClass && !inClass.declared.has(e.name) && !/^[A-Z]/.test(e.name)) {
      const outside = known.has(e.name) || declared.has(e.name);
      warn({
        line: e.line,
        column: e.col,
        kind: 'unknown_global',
        message: outside
          ? `${e.name} is not visible inside class ${inClass.name}: pass it to its constructor or to the method`
          : `${e.name} is not available to sync scripts here`,
        suggestions: outside ? [] : suggest(e.name, [...inClass.declared]),
      });
    } else if (e.k === 'name' && !inClass && !declared.has(e.name) && !known.has(e.name) && !/^[A-Z]/.test(e.name)) {
      warn({
        line: e.line,
        column: e.col,
        kind: 'unknown_global',
        message: `${e.name} is not available to sync scripts here`,
        suggestions: suggest(e.name, [...globals, ...declared]),
      });
    }
    if (e.k === 'methodCall' && e.obj.k === 'name' && !declared.has(e.obj.name)) {
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
      const pathArg = e.obj.name === 'httpClient' ? e.args[e.name === 'http' ? 1 : 0] : undefined;
      if (methods?.includes(e.name) && pathArg?.k === 'literal' && typeof pathArg.v === 'string') {
        const problem = scriptPathProblem(encodeScriptPath(pathArg.v), platform);
        if (problem)
          warn({
            line: pathArg.line,
            column: pathArg.col,
            kind: 'http_path',
            message: `httpClient.${e.name} will refuse this path: ${problem}`,
            suggestions: [],
          });
      }
      if (
        e.obj.name === 'nodeHelper' &&
        (e.name === 'getStatus' || e.name === 'getPriority') &&
        first?.k === 'literal' &&
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
  for (const c of program.classes) {
    inClass = { name: c.name, declared: declaredNames(c, classNames) };
    for (const n of classNames) inClass.declared.add(n);
    visit([c.fields, c.constructors, c.methods]);
  }
  return warnings.sort((a, b) => a.line - b.line || a.column - b.column);
}
