import { DomainError } from '../../src/domain/errors.ts';
import type { Platform } from '../../src/domain/instance.ts';
import {
  scriptApiPrefix,
  scriptHttpLimits,
  scriptHttpMethods,
  scriptPathProblem,
  type ScriptHttpRequest,
  type ScriptHttpResponse,
} from '../../src/domain/script-api.ts';
import type { HelpdeskTransport } from './transport.ts';

/**
 * Helpdesk.scriptRequest for every connector: the request is checked again (whoever carried it from the script), the
 * platform's API prefix is mapped onto the connector's API root, and the answer's text has the instance's secrets
 * blanked out in case the helpdesk echoes them: a script sees the status and the body, never a credential.
 */
export async function performScriptRequest(
  transport: HelpdeskTransport,
  platform: Platform,
  request: ScriptHttpRequest,
  secrets: readonly string[],
): Promise<ScriptHttpResponse> {
  if (!scriptHttpMethods.includes(request.method))
    throw new DomainError('invalid_input', `httpClient cannot send ${String(request.method).slice(0, 20)} requests.`);
  const problem = scriptPathProblem(request.path, platform);
  if (problem) throw new DomainError('forbidden', `httpClient refused the path: ${problem}.`);
  if (request.body !== undefined && request.body.length > scriptHttpLimits.maxBodyChars)
    throw new DomainError(
      'limit_exceeded',
      `httpClient refused the request: its body is ${request.body.length} characters, more than ${scriptHttpLimits.maxBodyChars}.`,
    );
  const timeoutMs = Math.max(1, Math.min(scriptHttpLimits.timeoutMs, request.timeoutMs ?? scriptHttpLimits.timeoutMs));
  const { status, bytes } = await transport.scriptCall(
    {
      method: request.method,
      // '/api/v2/agents/9' -> '/agents/9' under the connector's API root, which is where '/api/v2' lives.
      path: request.path.slice(scriptApiPrefix[platform].length - 1),
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    { timeoutMs, maxBytes: scriptHttpLimits.maxResponseBytes },
  );
  let body = Buffer.from(bytes).toString('utf8');
  for (const secret of secrets) if (secret.length >= 4) body = body.split(secret).join('[redacted]');
  return { status, body };
}
