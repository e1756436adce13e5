/**
 * The language model AI Assist asks for sync rules (AppDeps.assist): one chat-completions call, messages in, the
 * answer's text out. The service's is adapters/ai/openai-model.ts (any OpenAI-compatible endpoint); every failure is a
 * DomainError with a message an admin can act on (code `ai_unavailable`, `ai_refused`, `ai_timeout`,
 * `ai_rate_limited` or `ai_malformed`).
 */

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface AssistModel {
  /** The model's name as the endpoint knows it (recorded in the audit log). */
  readonly model: string;
  complete(turns: readonly ChatTurn[]): Promise<string>;
}

/** What AppDeps carries when AI Assist is configured (AI_BASE_URL and AI_MODEL set). */
export interface AssistSettings {
  model: AssistModel;
  /** AI_SEND_ENTITY_DATA: the fields of the entities an admin picks may be sent. */
  sendEntityData: boolean;
  /** AI_REQUESTS_PER_HOUR: assist calls per person per hour. */
  requestsPerHour: number;
}
