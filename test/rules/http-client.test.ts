/**
 * httpClient in sync rules, at the interpreter: what a script's calls turn into (the requests a fake synchronous
 * host records), what comes back, and everything refused before a request leaves the run. The call shapes are the
 * ones real Exalate scripts use (ChristopheDeBeule/snippets@c9058a4: FreshDesk "Add comment author",
 * Salesforce "Add User Mentions", Jira Cloud "Sync over Sub-Tasks"); Exalate's documentation shows no rules around
 * them, so where it is silent the stricter reading is tested and named as such.
 */
import { describe, expect, it } from 'vitest';
import type { Entity, Replica } from '../../src/domain/entity.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { Platform } from '../../src/domain/instance.ts';
import { scriptHttpLimits, testRunRefusal } from '../../src/domain/script-api.ts';
import type { ScriptHttp, ScriptHttpRequest, ScriptHttpResponse } from '../../src/rules/http-client.ts';
import { checkScript, defaultScripts, runIncoming, runOutgoing, type ScriptLimits } from '../../src/rules/index.ts';
import { sampleEntity } from './support/entities.ts';

const now = () => Date.UTC(2026, 0, 15, 12, 0, 0);

function fakeHttp(answer: (request: ScriptHttpRequest) => ScriptHttpResponse = () => ({ status: 200, body: '{}' })) {
  const requests: ScriptHttpRequest[] = [];
  const http: ScriptHttp = (request) => {
    requests.push(request);
    return answer(request);
  };
  return { http, requests };
}

function outgoing(
  script: string,
  http?: ScriptHttp,
  options: { platform?: Platform; limits?: Partial<ScriptLimits> } = {},
): Replica {
  const platform = options.platform ?? 'freshdesk';
  return runOutgoing({
    script,
    entity: sampleEntity(platform),
    platform,
    now,
    ...(http ? { http } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
}

function failure(run: () => unknown): DomainError {
  try {
    run();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('the run did not fail');
}

function remoteReplica(): Replica {
  const replica = runOutgoing({
    script: defaultScripts('freshdesk').outgoing,
    entity: sampleEntity('freshdesk', {
      comments: [
        {
          id: 'c1',
          body: 'Still broken',
          author: { id: '1001', email: null, displayName: null },
          internal: false,
          created: '2026-01-02T10:00:00Z',
          updated: null,
          remoteId: null,
        },
      ],
    }),
    now,
  });
  return replica;
}

describe('httpClient calls and answers', () => {
  it('runs the Freshdesk corpus script (54): get parses the JSON answer and the script reads it like a map', () => {
    // The script as published (ChristopheDeBeule/snippets FreshDesk/Add comment author to comment object/incoming).
    const script = `replica.comments = replica.comments.collect{
    def res = httpClient.get("/api/v2/agents/\${it.author?.key}")?.contact
    if(res){
        it.author.displayName = res.name
        it.author.email = res.email
    }
    it
}
entity.comments = commentHelper.mergeComments(entity, replica)`;
    // Freshdesk's View an Agent answer (developers.freshdesk.com/api/#view_agent): the person is under `contact`.
    const { http, requests } = fakeHttp(() => ({
      status: 200,
      body: JSON.stringify({ id: 1001, available: true, contact: { name: 'Ann Agent', email: 'ann@acme.example' } }),
    }));
    const entity: Entity = runIncoming({
      script,
      entity: sampleEntity('freshdesk', { comments: [] }),
      replica: remoteReplica(),
      firstSync: false,
      platform: 'freshdesk',
      now,
      http,
    });
    expect(requests).toEqual([{ method: 'GET', path: '/api/v2/agents/1001' }]);
    expect(entity.comments.map((c) => c.body)).toEqual(['Ann Agent commented: \nStill broken']);
  });

  it('adds query parameters and encodes what a URL cannot carry (a Freshdesk search query in quotes)', () => {
    const { http, requests } = fakeHttp(() => ({ status: 200, body: '{"total":0,"results":[]}' }));
    const replica = outgoing(
      `def found = httpClient.get('/api/v2/search/tickets?query="priority:3 AND status:2"')
def agents = httpClient.get("/api/v2/agents", [email: "ann+1@acme.example", page: 2])
replica.summary = "" + found.total + "/" + agents`,
      http,
    );
    expect(requests.map((r) => r.path)).toEqual([
      '/api/v2/search/tickets?query=%22priority:3%20AND%20status:2%22',
      '/api/v2/agents?email=ann%2B1%40acme.example&page=2',
    ]);
    expect(replica.summary).toBe('0/[total:0, results:[]]');
  });

  it('put and post send maps and lists as JSON and text as it is; an empty answer is null', () => {
    const { http, requests } = fakeHttp((r) =>
      r.method === 'PUT' ? { status: 204, body: '' } : { status: 201, body: '{"id":77}' },
    );
    const replica = outgoing(
      `import groovy.json.JsonOutput
def none = httpClient.put("/api/v2/tickets/1234", [priority: 4, tags: ["vip"]])
def note = httpClient.post("/api/v2/tickets/1234/notes", JsonOutput.toJson([body: "Synced", "private": true]))
replica.summary = "" + none + " " + note.id`,
      http,
    );
    expect(requests.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'PUT', path: '/api/v2/tickets/1234', body: '{"priority":4,"tags":["vip"]}' },
      { method: 'POST', path: '/api/v2/tickets/1234/notes', body: '{"body":"Synced","private":true}' },
    ]);
    expect(replica.summary).toBe('null 77');
  });

  it('a status other than 2xx raises an IssueTrackerException the script can catch (also a 404: stricter than null)', () => {
    const { http } = fakeHttp(() => ({ status: 404, body: '' }));
    const caught = outgoing(
      `try { httpClient.get("/api/v2/agents/9") } catch (IssueTrackerException e) { replica.summary = e.message }`,
      http,
    );
    expect(caught.summary).toBe("httpClient.get('/api/v2/agents/9'): the helpdesk answered 404");
    const error = failure(() =>
      outgoing(
        'def x = 1\nhttpClient.delete("/api/v2/tickets/1234")',
        fakeHttp(() => ({ status: 403, body: '{"code":"access_denied"}' })).http,
      ),
    );
    expect(error.code).toBe('script_error');
    expect(error.details).toMatchObject({ line: 2, exception: 'IssueTrackerException' });
    expect(error.message).toContain('the helpdesk answered 403: {"code":"access_denied"}');
  });

  it('with a closure, the script handles any status itself: the closure gets req and res (code, parsed body)', () => {
    const { http, requests } = fakeHttp(() => ({ status: 400, body: '{"description":"Validation failed"}' }));
    const replica = outgoing(
      `def outcome = httpClient.post("/api/v2/tickets/1234/notes", [body: "x"], null, ["Content-Type": ["application/json"]]) { req, res ->
  res.code == 201 ? "created" : req.method + " " + res.code + " " + res.body.description
}
replica.summary = outcome`,
      http,
    );
    expect(replica.summary).toBe('POST 400 Validation failed');
    expect(requests).toHaveLength(1);
  });

  it('an answer that is not JSON is an error, not text handed on', () => {
    const error = failure(() =>
      outgoing(
        'httpClient.get("/api/v2/tickets/1")',
        fakeHttp(() => ({ status: 200, body: '<html>login</html>' })).http,
      ),
    );
    expect(error.details).toMatchObject({ exception: 'JsonException', line: 1 });
    expect(error.message).toContain("httpClient.get: the helpdesk's answer is not JSON");
  });

  it('works the same on Xurrent, whose API is under /v1/', () => {
    const { http, requests } = fakeHttp(() => ({ status: 200, body: '{"id":70001,"subject":"Printer"}' }));
    const replica = outgoing('replica.summary = httpClient.get("/v1/requests/70001").subject', http, {
      platform: 'xurrent',
    });
    expect(replica.summary).toBe('Printer');
    expect(requests[0]?.path).toBe('/v1/requests/70001');
  });
});

describe('httpClient refuses before anything leaves the run', () => {
  const refused: [string, string][] = [
    ['http://169.254.169.254/latest/meta-data/', 'is a URL'],
    ['https://acme.freshdesk.com/api/v2/tickets/1', 'never a URL, not even to the same host'],
    ['javascript:alert(1)', 'is a URL'],
    ['//evil.example/api/v2/tickets', 'is a URL'],
    ['@evil.example/api/v2/tickets', "must start with '/'"],
    ['api/v2/tickets', "must start with '/'"],
    ['/@evil.example/api/v2/tickets', "contains '@'"],
    ['/api/v2/tickets/1@evil.example', "contains '@'"],
    ['/api/v2/%40evil.example', "contains '@'"],
    ['/api/v2/../../admin', "'.' or '..' segment"],
    ['/api/v2/%2e%2e/%2E%2E/admin', "'.' or '..' segment"],
    ['/api/v2/%252e%252e/admin', "'.' or '..' segment"],
    ['/api/v2/tickets/./1', "'.' or '..' segment"],
    ['/api/v2//tickets', "'//'"],
    ['/api/v2\\..\\admin', 'backslash'],
    ['/api/v2/tickets%5c1', 'encoded backslash'],
    ['/api/v2/tickets/1\r\nX-Injected: 1', 'control character'],
    ['/api/v2/tickets/%0d%0aX-Injected:%201', 'encoded control character'],
    ['/api/v2/tickets?q=%00', 'encoded control character'],
    ['/api/v2/tickets/%zz', 'malformed percent-escape'],
    ['/api/v2/tickets/1#x', 'fragment'],
    ['/v1/requests/1', 'paths start with /api/v2/'],
    ['/admin/settings', 'paths start with /api/v2/'],
    [`/api/v2/${'a'.repeat(2100)}`, 'more than 2048'],
  ];

  it.each(
    refused.map(([path, reason]) => [
      path.length > 60 ? `${path.slice(0, 20)}... (${path.length} characters)` : path,
      path,
      reason,
    ]),
  )('%s is refused, even inside try/catch, and nothing is sent', (_label, path, reason) => {
    const { http, requests } = fakeHttp();
    const literal = JSON.stringify(path).replace(/\$/g, '\\$');
    const error = failure(() =>
      outgoing(`try { httpClient.get(${literal}) } catch (Exception e) { replica.summary = "swallowed" }`, http),
    );
    expect(error.code).toBe('script_error');
    expect(error.details).toMatchObject({ kind: 'forbidden', line: 1 });
    expect(error.message).toContain('refused');
    expect(error.message).toContain(reason);
    expect(requests).toEqual([]);
  });

  it('the Freshdesk prefix is refused on Xurrent, whose API is /v1/', () => {
    const { http, requests } = fakeHttp();
    const error = failure(() => outgoing('httpClient.get("/api/v2/tickets/1")', http, { platform: 'xurrent' }));
    expect(error.message).toContain('paths start with /v1/');
    expect(requests).toEqual([]);
  });

  it('a script cannot set headers: the credentials are the connector’s (Content-Type: application/json is accepted)', () => {
    const { http, requests } = fakeHttp();
    const error = failure(() =>
      outgoing('httpClient.get("/api/v2/tickets/1", null, [Authorization: "Basic ZXZpbDpY"])', http),
    );
    expect(error.details).toMatchObject({ kind: 'forbidden' });
    expect(error.message).toContain("a script cannot set the header 'Authorization'");
    expect(
      failure(() => outgoing('httpClient.get("/api/v2/tickets/1", null, [Accept: "text/html"])', http)).message,
    ).toContain("cannot set the header 'Accept'");
    expect(requests).toEqual([]);
    outgoing('httpClient.get("/api/v2/tickets/1", null, ["Content-Type": "application/json"])', http);
    expect(requests).toHaveLength(1);
  });

  it('bad arguments are clear errors: a number as path, a body on GET, an unknown method, a wrong body type', () => {
    const { http, requests } = fakeHttp();
    expect(failure(() => outgoing('httpClient.get(5)', http)).message).toContain('the path must be a string');
    expect(failure(() => outgoing('httpClient.http("GET", "/api/v2/tickets/1", "{}")', http)).message).toContain(
      'a GET request has no body',
    );
    expect(failure(() => outgoing('httpClient.http("PATCH", "/api/v2/tickets/1", "{}")', http)).message).toContain(
      'the method must be one of GET, POST, PUT, DELETE',
    );
    expect(failure(() => outgoing('httpClient.put("/api/v2/tickets/1", 42)', http)).message).toContain(
      'the body must be JSON text, a map or a list',
    );
    expect(failure(() => outgoing('httpClient.post("/api/v2/tickets")', http)).message).toContain(
      'takes 2 to 4 arguments',
    );
    expect(requests).toEqual([]);
  });
});

describe('hostile scripts around httpClient', () => {
  const attempts: [string, string][] = [
    ['httpClient = [get: { p -> [:] }]', 'replace'],
    ['httpClient.metaClass.get = { p -> [:] }', 'not available in sync rules'],
    ['httpClient.getClass()', 'not available in sync rules'],
    ['httpClient.invokeMethod("get", ["http://169.254.169.254/"])', 'not available in sync rules'],
    ['httpClient."get"("http://169.254.169.254/")', 'is a URL'],
    ['def h = httpClient\n[1].each { h.get("//evil.example/x") }', 'is a URL'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Groovy GString in the script, not a JS template
    ['def p = "/api/v2/" + ".." + "/x"\nreplica.summary = "${httpClient.get(p)}"', "'.' or '..' segment"],
  ];

  it.each(attempts)('%s is stopped and sends nothing', (script, reason) => {
    const { http, requests } = fakeHttp();
    const error = failure(() => outgoing(script, http));
    expect(error.code).toBe('script_error');
    expect(error.message).toContain(reason);
    expect(requests).toEqual([]);
  });
});

describe('httpClient limits and availability', () => {
  it('without a helpdesk in the run (tests, rules check, a run that does not allow it) a call says so and why', () => {
    const error = failure(() => outgoing('def agent = httpClient.get("/api/v2/agents/1")'));
    expect(error.code).toBe('script_error');
    expect(error.details).toMatchObject({ kind: 'forbidden', line: 1, column: 24 });
    expect(error.message).toContain('httpClient.get is not available in this run');
    expect((error.details as { reason: string }).reason).toContain('this run was given no helpdesk');
  });

  it(`at most ${scriptHttpLimits.maxCallsPerRun} calls a run: the next one stops the run`, () => {
    const { http, requests } = fakeHttp();
    const error = failure(() => outgoing('for (i in 1..50) { httpClient.get("/api/v2/tickets/" + i) }', http));
    expect(error.code).toBe('limit_exceeded');
    expect(error.details).toMatchObject({ kind: 'http_limit' });
    expect(error.message).toContain('more than 20 httpClient calls in one run');
    expect(requests).toHaveLength(20);
    // The count is per run: the next run starts again at zero.
    outgoing('httpClient.get("/api/v2/tickets/1")', http);
    expect(requests).toHaveLength(21);
  });

  it('a body over 256 KiB is refused before sending; an answer over 1 MiB or the run’s string limit stops the run', () => {
    const { http, requests } = fakeHttp();
    const big = failure(() => outgoing('httpClient.post("/api/v2/tickets", "x" * 300000)', http));
    expect(big.code).toBe('limit_exceeded');
    expect(big.message).toContain('the body is 300000 characters, more than the limit of 262144');
    expect(requests).toEqual([]);
    const huge = fakeHttp(() => ({ status: 200, body: `"${'y'.repeat(scriptHttpLimits.maxResponseBytes)}"` }));
    const answer = failure(() => outgoing('httpClient.get("/api/v2/tickets/1")', huge.http));
    expect(answer.code).toBe('limit_exceeded');
    expect(answer.message).toContain('the answer is longer than the limit of 1048576 characters');
    const long = fakeHttp(() => ({ status: 200, body: `"${'y'.repeat(5000)}"` }));
    const string = failure(() =>
      outgoing('httpClient.get("/api/v2/tickets/1")', long.http, { limits: { maxStringLength: 1000 } }),
    );
    expect(string.details).toMatchObject({ kind: 'string_size' });
  });

  it('a run past its time makes no further call (the wait for the helpdesk itself is bounded by the host, 10 s a call)', () => {
    const quick = fakeHttp(() => ({ status: 200, body: '{}' }));
    const error = failure(() =>
      outgoing(
        'def until = new Date().time + 80\nwhile (new Date().time < until) { }\nhttpClient.get("/api/v2/tickets/1")',
        quick.http,
        { limits: { maxMillis: 40 } },
      ),
    );
    expect(error.code).toBe('limit_exceeded');
    expect(error.details).toMatchObject({ kind: 'time' });
    expect(quick.requests).toEqual([]);
  });

  it('a helpdesk that is down stays that error (the sync retries it), with the line of the call', () => {
    const down: ScriptHttp = () => {
      throw new DomainError('helpdesk_unavailable', 'Freshdesk could not be reached (connection refused).');
    };
    const error = failure(() => outgoing('def a = 1\nhttpClient.get("/api/v2/tickets/1")', down));
    expect(error.code).toBe('helpdesk_unavailable');
    expect(error.details).toMatchObject({ line: 2 });
    expect(error.message).toContain('(httpClient.get at line 2:');
  });

  it('a test run sends only GET: a write is refused with the reason, as a script error at its line', () => {
    const { http, requests } = fakeHttp();
    const readOnly: ScriptHttp = (request) => {
      const refusal = testRunRefusal(request.method);
      if (refusal) throw refusal;
      return http(request);
    };
    const replica = outgoing('replica.summary = httpClient.get("/api/v2/tickets/1").toString()', readOnly);
    expect(replica.summary).toBe('[:]');
    const error = failure(() => outgoing('httpClient.put("/api/v2/tickets/1", [priority: 4])', readOnly));
    expect(error.code).toBe('script_error');
    expect(error.details).toMatchObject({ kind: 'forbidden', line: 1 });
    expect(error.message).toContain('httpClient.put is not available in a test run: a test run changes nothing');
    expect(requests.map((r) => r.method)).toEqual(['GET']);
  });
});

describe('rules check and httpClient', () => {
  it('httpClient is a known helper; a literal path a run would refuse and a misspelt method are warnings', () => {
    const script = `def a = httpClient.get("/api/v2/agents/1")
def b = httpClient.get("https://acme.freshdesk.com/api/v2/agents/1")
httpClient.put("/v1/requests/1", "{}")
httpClient.gett("/api/v2/agents/1")
httpClient.http("DELETE", "/api/v2/../x")`;
    expect(checkScript(script)).toEqual([]);
    const warnings = checkScript(script, { warnings: true, platform: 'freshdesk' });
    expect(warnings.map((w) => [w.line, w.column, w.kind])).toEqual([
      [2, 24, 'http_path'],
      [3, 16, 'http_path'],
      [4, 12, 'unknown_helper_method'],
      [5, 27, 'http_path'],
    ]);
    expect(warnings[0]?.reason).toContain('httpClient.get will refuse this path');
    expect(warnings[1]?.reason).toContain('paths start with /api/v2/');
    expect(warnings[2]?.reason).toContain('httpClient has no method gett() (did you mean get?)');
  });
});
