import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import type { AiConfig } from '../../src/config.ts';
import type { AssistModel, ChatTurn } from '../../src/domain/assist-model.ts';
import { DomainError } from '../../src/domain/errors.ts';

/**
 * AI Assist's model over an OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp
 * server), through the official `openai` package: POST {AI_BASE_URL}/chat/completions with `model` and `messages`
 * (platform.openai.com/docs/api-reference/chat/create). The package's own retries are off: it would retry a timeout
 * and wait however long a Retry-After says. Here a 429 or 5xx is retried once, after the Retry-After the endpoint
 * gives (at most MAX_RETRY_AFTER_MS; longer, and the admin is told when to try again), and a timeout is not retried.
 */

export const MAX_RETRY_AFTER_MS = 30_000;
/** Without a Retry-After, the one retry waits this long. */
const DEFAULT_RETRY_MS = 1000;

type Settings = Pick<AiConfig, 'apiKey' | 'timeoutMs'> & { baseUrl: string; model: string };

export interface OpenAiModelOptions {
  /** How the retry waits (tests: no change, real time). */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After in ms: seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
function retryAfterMs(headers: Headers | undefined): number | null {
  const value = headers?.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function endpointMessage(error: APIError): string {
  const text =
    typeof error.error === 'object' && error.error !== null ? (error.error as { message?: unknown }).message : null;
  return typeof text === 'string' && text.trim() ? `: ${text.trim().slice(0, 300)}` : '';
}

function failure(error: unknown, settings: Settings): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return new DomainError(
      'ai_timeout',
      `The AI endpoint did not answer within ${Math.round(settings.timeoutMs / 1000)} s (AI_TIMEOUT_MS); try again, or with a shorter request.`,
    );
  }
  if (error instanceof APIError && error.status !== undefined) {
    const status = error.status;
    if (status === 401 || status === 403)
      return new DomainError(
        'ai_refused',
        `The AI endpoint refused the request (HTTP ${status}${endpointMessage(error)}): check AI_API_KEY.`,
      );
    if (status === 404)
      return new DomainError(
        'ai_refused',
        `The AI endpoint has no model "${settings.model}" or no /chat/completions (HTTP 404): check AI_MODEL and AI_BASE_URL.`,
      );
    if (status === 429) {
      const wait = retryAfterMs(error.headers);
      return new DomainError(
        'ai_rate_limited',
        `The AI endpoint is rate limiting requests (HTTP 429)${wait ? `; try again in ${Math.ceil(wait / 1000)} s` : '; try again later'}.`,
      );
    }
    if (status >= 500)
      return new DomainError('ai_unavailable', `The AI endpoint failed (HTTP ${status}) twice; try again later.`);
    return new DomainError(
      'ai_refused',
      `The AI endpoint refused the request (HTTP ${status}${endpointMessage(error)}).`,
    );
  }
  if (error instanceof APIError) {
    // No status: the connection failed (refused, reset, DNS).
    return new DomainError(
      'ai_unavailable',
      `The AI endpoint at ${settings.baseUrl} cannot be reached: check AI_BASE_URL.`,
    );
  }
  // The package could not read the answer (not JSON).
  return new DomainError('ai_malformed', 'The AI endpoint sent an answer that is not a chat completion (not JSON).');
}

/** The text of the first choice; anything else (no choices, a refusal, no content) is a clear failure. */
function answerText(completion: unknown): string {
  const choice = (completion as { choices?: unknown })?.choices;
  const first = Array.isArray(choice) ? (choice[0] as Record<string, unknown> | undefined) : undefined;
  const message = first?.['message'] as Record<string, unknown> | undefined;
  if (!message) throw new DomainError('ai_malformed', 'The AI endpoint sent an answer with no message in it.');
  const refusal = message['refusal'];
  if (typeof refusal === 'string' && refusal.trim())
    throw new DomainError('ai_refused', `The model refused: ${refusal.trim().slice(0, 300)}`);
  if (first?.['finish_reason'] === 'content_filter')
    throw new DomainError('ai_refused', "The model's answer was withheld by the endpoint's content filter.");
  const content = message['content'];
  if (typeof content !== 'string' || content.trim() === '')
    throw new DomainError('ai_malformed', 'The AI endpoint sent an answer with no text in it.');
  return content;
}

function retriable(error: unknown): error is APIError {
  return error instanceof APIError && error.status !== undefined && (error.status === 429 || error.status >= 500);
}

export function openAiModel(settings: Settings, options: OpenAiModelOptions = {}): AssistModel {
  const sleep = options.sleep ?? realSleep;
  const client = new OpenAI({
    baseURL: settings.baseUrl,
    // Local endpoints (Ollama, llama.cpp) want no key: the header is then left out rather than sent with a dummy.
    apiKey: settings.apiKey ?? 'unused',
    ...(settings.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    timeout: settings.timeoutMs,
    maxRetries: 0,
  });
  const once = async (turns: readonly ChatTurn[]) =>
    answerText(
      await client.chat.completions.create({
        model: settings.model,
        messages: turns.map((t) => ({ role: t.role, content: t.content })),
        temperature: 0.2,
      }),
    );
  return {
    model: settings.model,
    async complete(turns) {
      try {
        try {
          return await once(turns);
        } catch (error) {
          if (!retriable(error)) throw error;
          const wait = retryAfterMs(error.headers) ?? DEFAULT_RETRY_MS;
          if (wait > MAX_RETRY_AFTER_MS) throw error;
          await sleep(wait);
          return await once(turns);
        }
      } catch (error) {
        throw failure(error, settings);
      }
    },
  };
}
