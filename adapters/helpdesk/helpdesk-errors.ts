import { DomainError, isDomainError } from '../../src/domain/errors.ts';

export interface FieldError {
  field: string;
  message: string;
  code?: string;
}

/** What a helpdesk said when it refused a request, in a platform-neutral form. */
export interface HelpdeskFailure {
  status: number;
  message: string | null;
  fieldErrors: FieldError[];
  retryAfterSeconds?: number | null;
}

/** What the request was about, so messages can say "ticket 42" rather than "the resource". */
export interface FailureContext {
  label: string;
  what?: string;
}

function describeFields(fieldErrors: FieldError[]): string {
  return fieldErrors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
}

/** Turns a helpdesk's refusal into an error a person can act on. */
export function helpdeskError(failure: HelpdeskFailure, context: FailureContext): DomainError {
  const { label } = context;
  const said = failure.message ? ` (${label} said: ${failure.message})` : '';
  const details = { status: failure.status, fieldErrors: failure.fieldErrors, helpdeskMessage: failure.message };
  switch (failure.status) {
    case 401:
      return new DomainError(
        'helpdesk_credentials',
        `${label} rejected the credentials${said}. Check the API key or token (and the account) stored for this instance and update it.`,
        details,
      );
    case 403:
      return new DomainError(
        'helpdesk_permissions',
        `${label} refused access${context.what ? ` to ${context.what}` : ''}${said}. The user behind these credentials lacks the role or permission for this; grant it or use another user's credentials.`,
        details,
      );
    case 404:
      return new DomainError(
        'helpdesk_not_found',
        `${label} has no ${context.what ?? 'such record'}: it may have been deleted, or these credentials cannot see it.`,
        details,
      );
    case 429:
      return new DomainError(
        'helpdesk_throttled',
        `${label} is throttling requests (its API rate limit is used up)${failure.retryAfterSeconds ? `; it asks to wait ${failure.retryAfterSeconds} s` : ''}. The change will be retried; if this persists, lower the sync load or raise the plan's limit.`,
        details,
      );
    default:
      break;
  }
  if (failure.status >= 500) {
    return new DomainError(
      'helpdesk_unavailable',
      `${label} is not working right now (HTTP ${failure.status})${said}. DeskBridge retried; it will try again later.`,
      details,
    );
  }
  if (
    failure.fieldErrors.length > 0 ||
    failure.status === 400 ||
    failure.status === 422 ||
    failure.status === 409 ||
    failure.status === 413
  ) {
    const fields = failure.fieldErrors.length > 0 ? `: ${describeFields(failure.fieldErrors)}` : said;
    return new DomainError(
      'helpdesk_validation',
      `${label} rejected the data for ${context.what ?? 'the request'}${fields}. Fix these fields (in the sync rules or the entity) and try again.`,
      details,
    );
  }
  return new DomainError('helpdesk_unavailable', `${label} answered HTTP ${failure.status}${said}.`, details);
}

export function unreachableError(label: string, reason: string, mayHaveHappened: boolean): DomainError {
  return new DomainError(
    'helpdesk_unavailable',
    `${label} could not be reached (${reason}).${mayHaveHappened ? ' The change may or may not have been made there: check before repeating it.' : ' DeskBridge retried; it will try again later.'}`,
    { reason },
  );
}

/** What a failed helpdesk call says to a person: a DomainError's message, else the error's own. */
export function refusal(error: unknown): string {
  return isDomainError(error) ? error.message : error instanceof Error ? error.message : String(error);
}
