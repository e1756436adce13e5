import type { SimResponse } from '../simulator-kit/server.ts';

/** Xurrent's error bodies, as the simulator sends them: `{message}`, and `errors` as `[field, message]` pairs. */
export function xurrentError(status: number, message: string, errors?: Array<[string, string]>): SimResponse {
  return { status, json: errors ? { message, errors } : { message } };
}

/** A refused write: 422 "Validation Failed" with every field that was wrong. */
export function xurrentValidationFailed(errors: Array<[string, string]>): SimResponse {
  return xurrentError(422, 'Validation Failed', errors);
}

export const xurrentNotFound: SimResponse = { status: 404, json: {} };
