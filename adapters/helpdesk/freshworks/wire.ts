import type { SimResponse } from '../simulator-kit/server.ts';

/** Freshdesk and Freshservice error bodies, as both platforms send them. */
export interface FreshworksFieldError {
  field: string;
  message: string;
  code: string;
}

export function validationFailed(errors: FreshworksFieldError[], status = 400): SimResponse {
  return { status, json: { description: 'Validation failed', errors } };
}

/** 401/403 carry a top-level code and message instead of a field list. */
export function freshworksAuthError(status: 401 | 403): SimResponse {
  return status === 401
    ? { status, json: { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' } }
    : { status, json: { code: 'access_denied', message: 'You are not authorized to perform this action.' } };
}

/** Freshworks answer "not found" with an empty body. */
export const freshworksNotFound: SimResponse = { status: 404 };

export function freshworksServerError(status: number): SimResponse {
  return {
    status,
    json: { code: 'internal_error', message: 'We are facing some issues. Please try again after some time.' },
  };
}

export function freshworksThrottled(retryAfterSeconds: number): SimResponse {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    json: {
      code: 'rate_limit_exceeded',
      message: `You have exceeded the limit of requests per minute. Retry after ${retryAfterSeconds} seconds.`,
    },
  };
}
