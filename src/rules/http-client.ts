/**
 * `httpClient`: a script's calls to its own helpdesk's REST API, as Exalate scripts make them
 * (`httpClient.get("/api/v2/agents/${it.author?.key}")?.contact`, ChristopheDeBeule/snippets FreshDesk/Add comment
 * author; `httpClient.put(path, JsonOutput.toJson(body))`, `httpClient.post(path, body, null, headers) { req, res -> }`,
 * `httpClient.get(path, [jql: q])`, same repository). Exalate's documentation shows the calls but not the rules
 * around them; where it is silent the stricter reading is taken:
 * - get/put/post/delete(path[, body for put/post][, queryParams][, headers]) and http(method, path, body, queryParams,
 *   headers), each with an optional closure `{ req, res -> }` that receives the answer (`res.code`, `res.body`) and
 *   whose result the call returns;
 * - without a closure, a 2xx answer is returned parsed as JSON (maps and lists, null for an empty body); any other
 *   status raises an IssueTrackerException the script may catch (a 404 is an exception too, not null);
 * - the path is relative to the instance's API (`/api/v2/...` on Freshdesk and Freshservice, `/v1/...` on Xurrent);
 *   a URL is refused even when it names the instance's own host, and so are `..`, `//`, backslashes, `@`, control
 *   characters and encoded forms of them (scriptPathProblem);
 * - headers cannot be set: the connector sends the instance's credentials and JSON; only a Content-Type or Accept of
 *   application/json is accepted (and changes nothing);
 * - at most 20 calls a run, a body of at most 256 KiB, an answer of at most 1 MiB; each call is bounded by the host
 *   (10 s), and the wait is not the script's time (the rule pool moves the run's deadline by it).
 * Refusals end the run (a script cannot catch them and try another path). The call itself is synchronous: the host
 * hands the run a ScriptHttp (RunOptions.http) that performs it; without one, a call says httpClient is not available.
 */
import { DomainError } from '../domain/errors.ts';
import type { Platform } from '../domain/instance.ts';
import {
  encodeScriptPath,
  scriptHttpLimits,
  scriptHttpMethods,
  scriptPathProblem,
  type ScriptHttpMethod,
  type ScriptHttpRequest,
  type ScriptHttpResponse,
} from '../domain/script-api.ts';
import { ScriptException, ScriptFault } from './faults.ts';
import { parseJson, toJson } from './methods/json.ts';
import { checkString, forbidden, currentRun, scriptError } from './runtime.ts';
import { GClosure, GHelper, GMap, GRecord, GSet, groovyToString, type HelperMethod, type Value } from './values.ts';

export type { ScriptHttpRequest, ScriptHttpResponse } from '../domain/script-api.ts';

/** Synchronous from the script's point of view. Throws a DomainError when the request is refused. */
export type ScriptHttp = (request: ScriptHttpRequest) => ScriptHttpResponse;

/** One run's httpClient: who performs the calls (none in checks and plain tests) and how many were made. */
export interface HttpRun {
  readonly http: ScriptHttp | undefined;
  readonly platform: Platform;
  calls: number;
}

export function newHttpRun(http: ScriptHttp | undefined, platform: Platform): HttpRun {
  return { http, platform, calls: 0 };
}

/** What the helpers' host context carries for httpClient (helpers.ts puts it there for each run). */
interface HttpHost {
  readonly http: HttpRun;
}

function run(): HttpRun {
  return (currentRun().host as HttpHost).http;
}

function shown(path: string): string {
  return path.length > 80 ? `${path.slice(0, 77)}...` : path;
}

function limitFault(message: string): ScriptFault {
  const { line, col } = currentRun();
  return new ScriptFault(message, 'http_limit', line, col);
}

function queryString(v: Value, verb: string): string {
  if (v === null) return '';
  if (!(v instanceof GMap))
    throw scriptError(`httpClient.${verb}: the query parameters must be a map`, 'type_error', 'ClassCastException');
  const parts: string[] = [];
  for (const [key, value] of v.m) {
    const name = encodeURIComponent(groovyToString(key as Value));
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) if (item !== null) parts.push(`${name}=${encodeURIComponent(groovyToString(item))}`);
  }
  return parts.join('&');
}

/** Headers are the connector's: a script may only restate that it speaks JSON. */
function checkHeaders(v: Value, verb: string): void {
  if (v === null) return;
  if (!(v instanceof GMap))
    throw scriptError(`httpClient.${verb}: the headers must be a map`, 'type_error', 'ClassCastException');
  for (const [key, value] of v.m) {
    const name = groovyToString(key as Value);
    const values = (Array.isArray(value) ? value : [value]).map((x) => groovyToString(x));
    const json = values.every((x) => /^application\/json\b/i.test(x.trim()));
    if (!/^(content-type|accept)$/i.test(name) || !json)
      throw forbidden(
        `httpClient.${verb}: a script cannot set the header '${name.slice(0, 40)}'; httpClient sends the helpdesk's own headers (its credentials and JSON)`,
      );
  }
}

function bodyText(v: Value, verb: string): string | undefined {
  if (v === null) return undefined;
  let text: string;
  if (typeof v === 'string') text = v;
  else if (v instanceof GMap || v instanceof GRecord || v instanceof GSet || Array.isArray(v)) text = toJson(v);
  else
    throw scriptError(
      `httpClient.${verb}: the body must be JSON text, a map or a list`,
      'type_error',
      'ClassCastException',
    );
  if (text.length > scriptHttpLimits.maxBodyChars)
    throw limitFault(
      `httpClient.${verb}: the body is ${text.length} characters, more than the limit of ${scriptHttpLimits.maxBodyChars}`,
    );
  return text;
}

function parseAnswer(text: string, verb: string): Value {
  if (text.trim() === '') return null;
  try {
    return parseJson(text);
  } catch (e) {
    if (!(e instanceof ScriptException)) throw e;
    throw scriptError(
      `httpClient.${verb}: the helpdesk's answer is not JSON (${e.message})`,
      'runtime',
      'JsonException',
    );
  }
}

function checkTime(verb: string): void {
  const { deadline, maxMillis, line, col } = currentRun();
  if (Date.now() > deadline)
    throw new ScriptFault(
      `the script ran longer than ${maxMillis} ms and was stopped (at httpClient.${verb})`,
      'time',
      line,
      col,
    );
}

function send(verb: string, method: ScriptHttpMethod, path: string, body: string | undefined): ScriptHttpResponse {
  const state = run();
  if (!state.http)
    throw forbidden(
      `httpClient.${verb} is not available in this run: httpClient calls the helpdesk's API only when DeskBridge runs the script for a connection (a sync, or a test run against the instance), and this run was given no helpdesk`,
    );
  if (state.calls >= scriptHttpLimits.maxCallsPerRun)
    throw limitFault(`the script made more than ${scriptHttpLimits.maxCallsPerRun} httpClient calls in one run`);
  state.calls++;
  checkTime(verb);
  // The wait for the helpdesk is not the script's time (the pool moves the deadline by it); each call has its own
  // bound, scriptHttpLimits.timeoutMs, applied by the host.
  let response: ScriptHttpResponse;
  try {
    response = state.http({ method, path, ...(body === undefined ? {} : { body }) });
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    // The helpdesk being down or throttling is the sync's to retry: it stays that error, with where the script was.
    const { line, col } = currentRun();
    if (e.code.startsWith('helpdesk_'))
      throw new DomainError(e.code, `${e.message} (httpClient.${verb} at line ${line}:${col})`, {
        ...e.details,
        line,
        column: col,
      });
    const message = `httpClient.${verb}('${shown(path)}'): ${e.message}`;
    throw e.code === 'limit_exceeded' ? limitFault(message) : forbidden(message);
  }
  checkTime(verb);
  if (response.body.length > scriptHttpLimits.maxResponseBytes)
    throw limitFault(
      `httpClient.${verb}: the answer is longer than the limit of ${scriptHttpLimits.maxResponseBytes} characters`,
    );
  checkString(response.body);
  return response;
}

/** get / delete take (path[, queryParams[, headers]]); put / post (path, body[, queryParams[, headers]]). */
function verbCall(verb: string, method: ScriptHttpMethod, withBody: boolean): HelperMethod {
  return (args) => {
    const all = [...args];
    const closure = all[all.length - 1] instanceof GClosure ? (all.pop() as GClosure) : null;
    const min = withBody ? 2 : 1;
    if (all.length < min || all.length > min + 2)
      throw scriptError(
        `httpClient.${verb}(path${withBody ? ', body' : ''}[, queryParams[, headers]]) takes ${min} to ${min + 2} arguments`,
        'missing_method',
        'MissingMethodException',
      );
    const body = withBody ? (all[1] as Value) : null;
    return call(
      verb,
      method,
      all[0] as Value,
      body,
      (all[min] ?? null) as Value,
      (all[min + 1] ?? null) as Value,
      closure,
    );
  };
}

function call(
  verb: string,
  method: ScriptHttpMethod,
  pathArg: Value,
  bodyArg: Value,
  query: Value,
  headers: Value,
  closure: GClosure | null,
): Value {
  if (typeof pathArg !== 'string')
    throw scriptError(`httpClient.${verb}: the path must be a string`, 'type_error', 'ClassCastException');
  const extra = queryString(query, verb);
  const encoded = encodeScriptPath(pathArg);
  const path = extra === '' ? encoded : `${encoded}${encoded.includes('?') ? '&' : '?'}${extra}`;
  const problem = scriptPathProblem(path, run().platform);
  if (problem) throw forbidden(`httpClient.${verb}('${shown(pathArg)}') refused: ${problem}`);
  checkHeaders(headers, verb);
  const body = bodyText(bodyArg, verb);
  if (body !== undefined && (method === 'GET' || method === 'DELETE'))
    throw scriptError(`httpClient.${verb}: a ${method} request has no body`, 'type_error', 'IllegalArgumentException');
  const response = send(verb, method, path, body);
  const ok = response.status >= 200 && response.status < 300;
  if (closure) {
    let answer: Value;
    try {
      answer = parseAnswer(response.body, verb);
    } catch (e) {
      if (!(e instanceof ScriptException)) throw e;
      answer = response.body;
    }
    const req = new GMap();
    req.set('method', method);
    req.set('path', path);
    req.set('body', body ?? null);
    const res = new GMap();
    res.set('code', response.status);
    res.set('body', answer);
    return closure.call(closure.arity >= 2 ? [req, res] : [res]);
  }
  if (!ok) {
    const said = response.body.trim().slice(0, 200);
    throw scriptError(
      `httpClient.${verb}('${shown(path)}'): the helpdesk answered ${response.status}${said ? `: ${said}` : ''}`,
      'runtime',
      'IssueTrackerException',
    );
  }
  return parseAnswer(response.body, verb);
}

function httpCall(args: Value[]): Value {
  const all = [...args];
  const closure = all[all.length - 1] instanceof GClosure ? (all.pop() as GClosure) : null;
  if (all.length < 2 || all.length > 5)
    throw scriptError(
      'httpClient.http(method, path[, body[, queryParams[, headers]]]) takes 2 to 5 arguments',
      'missing_method',
      'MissingMethodException',
    );
  const method = typeof all[0] === 'string' ? all[0].toUpperCase() : '';
  if (!scriptHttpMethods.includes(method as ScriptHttpMethod))
    throw scriptError(
      `httpClient.http: the method must be one of ${scriptHttpMethods.join(', ')}`,
      'type_error',
      'IllegalArgumentException',
    );
  return call(
    'http',
    method as ScriptHttpMethod,
    all[1] as Value,
    (all[2] ?? null) as Value,
    (all[3] ?? null) as Value,
    (all[4] ?? null) as Value,
    closure,
  );
}

export const httpClientHelper = new GHelper(
  'httpClient',
  new Map<string, HelperMethod>([
    ['get', verbCall('get', 'GET', false)],
    ['delete', verbCall('delete', 'DELETE', false)],
    ['put', verbCall('put', 'PUT', true)],
    ['post', verbCall('post', 'POST', true)],
    ['http', httpCall],
  ]),
);
