import type { z } from 'zod';
import { DomainError } from '../domain/errors.ts';

/** Validates a use-case input; the first problem becomes a DomainError naming the field. */
export function validateInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  throw new DomainError('invalid_input', field ? `${field}: ${issue.message}` : issue.message, { field });
}
