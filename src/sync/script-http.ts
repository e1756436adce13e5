import type { Helpdesk } from '../domain/helpdesk.ts';
import { type ScriptHttpRequest, type ScriptHttpResponse, testRunRefusal } from '../domain/script-api.ts';

/** The host side of a script's httpClient: the call as the service performs it, asynchronously. */
export type HostScriptHttp = (request: ScriptHttpRequest) => Promise<ScriptHttpResponse>;

export interface ScriptHttpRun {
  /** `rules test` and the chat Test run change nothing in the helpdesk: only GET goes out. */
  testRun: boolean;
}

/**
 * httpClient for runs against one instance, through its connector: the instance's base URL, its stored credentials
 * and the rate budget every sync of the instance shares (pass the connector from helpdeskOfInstance, which is the one
 * per instance). Exalate offers httpClient to outgoing and incoming scripts alike, so both directions get it; a test
 * run gets GET only. The pool bridges this to the synchronous ScriptHttp a run is handed (RunOptions.http).
 */
export function scriptHttpFor(helpdesk: Helpdesk, run: ScriptHttpRun): HostScriptHttp {
  return async (request) => {
    const refusal = run.testRun ? testRunRefusal(request.method) : null;
    if (refusal) throw refusal;
    return helpdesk.scriptRequest(request);
  };
}
