/**
 * An error a person caused or can act on. Its message is shown as is, in chat, in the CLI and in node-protocol
 * responses, so it must say what went wrong and what to do; it never carries a secret.
 */
export type DomainErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'invitation_invalid'
  | 'invitation_expired'
  | 'invitation_used'
  | 'invitation_wrong_destination'
  | 'mode_not_allowed'
  | 'remote_unreachable'
  | 'remote_error'
  | 'helpdesk_credentials'
  | 'helpdesk_permissions'
  | 'helpdesk_not_found'
  | 'helpdesk_validation'
  | 'helpdesk_throttled'
  | 'helpdesk_unavailable'
  | 'script_error'
  | 'limit_exceeded'
  | 'rate_limited'
  | 'ai_not_configured'
  | 'ai_unavailable'
  | 'ai_refused'
  | 'ai_timeout'
  | 'ai_rate_limited'
  | 'ai_malformed'
  | 'ai_gave_up'
  /** The service is shutting down: the caller sends again later (503 with Retry-After). */
  | 'shutting_down';

const httpStatusByCode: Record<DomainErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthorized: 401,
  invitation_invalid: 400,
  invitation_expired: 410,
  invitation_used: 409,
  invitation_wrong_destination: 403,
  mode_not_allowed: 403,
  remote_unreachable: 502,
  remote_error: 502,
  helpdesk_credentials: 502,
  helpdesk_permissions: 502,
  helpdesk_not_found: 404,
  helpdesk_validation: 422,
  helpdesk_throttled: 503,
  helpdesk_unavailable: 503,
  script_error: 422,
  limit_exceeded: 422,
  rate_limited: 429,
  ai_not_configured: 503,
  ai_unavailable: 502,
  ai_refused: 502,
  ai_timeout: 504,
  ai_rate_limited: 503,
  ai_malformed: 502,
  ai_gave_up: 422,
  shutting_down: 503,
};

export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return httpStatusByCode[this.code];
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

export function isDomainErrorCode(code: string): code is DomainErrorCode {
  return code in httpStatusByCode;
}
