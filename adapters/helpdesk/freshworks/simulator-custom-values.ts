import type { FreshworksFieldError } from './wire.ts';

/**
 * Values of dropdown custom fields, checked as both APIs check them: a value outside the field's choices is refused
 * with 400 `invalid_value` and the list of choices (Freshdesk's error catalogue: "It should be one of these values").
 * Freshservice documents the same error body (api.freshservice.com, "Error codes"); its exact message is unconfirmed.
 */
export function dropdownErrors(
  values: Record<string, unknown>,
  choices: ReadonlyMap<string, readonly string[]>,
): FreshworksFieldError[] {
  const errors: FreshworksFieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    const allowed = choices.get(name);
    if (!allowed || value === null) continue;
    if (typeof value !== 'string' || !allowed.includes(value))
      errors.push({
        field: name,
        message: `It should be one of these values: '${allowed.join(',')}'`,
        code: 'invalid_value',
      });
  }
  return errors;
}
