import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isDomainError } from '../domain/errors.ts';
import type { Message } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';

/** A short private message. */
export function notice(text: string): Message {
  return { kind: 'message', text, items: [{ kind: 'markdown', text }] };
}

/** What a closed form leaves where something must still be shown (a modal, a dialog, a card in place). */
export function doneNotice(): Message {
  return notice('Done.');
}

/**
 * What a person sees when something fails: a DomainError's own message (it is written for them), otherwise a short
 * apology with an error id that points at the logged details.
 */
export function failureMessage(error: unknown, logger: Logger): Message {
  if (isDomainError(error)) return notice(error.message);
  const errorId = randomUUID().slice(0, 8);
  logger.error({ err: error, errorId }, 'chat flow failed');
  return notice(`Sorry, something went wrong on our side (error id ${errorId}).`);
}

/**
 * The one guard between a chat surface and a flow: any failure becomes a private message (the DomainError's own
 * words, or an apology with an error id) instead of a stack trace. Every adapter runs its flows through it.
 */
export async function guarded(logger: Logger, step: () => FlowResult | Promise<FlowResult>): Promise<FlowResult> {
  try {
    return await step();
  } catch (error) {
    return reply({ kind: 'private-message', message: failureMessage(error, logger) });
  }
}

/**
 * A failure while submitting a form, shown next to the field it is about: the DomainError's own field(s) when the
 * form has them, otherwise `fallbackField`.
 */
export function fieldErrors(
  error: unknown,
  logger: Logger,
  formFields: string[],
  fallbackField: string,
): Record<string, string> {
  if (isDomainError(error)) {
    const fields = error.details?.['fields'];
    if (fields && typeof fields === 'object') {
      const mapped = Object.entries(fields as Record<string, string>).filter(([id]) => formFields.includes(id));
      if (mapped.length > 0) return Object.fromEntries(mapped);
    }
    const field = error.details?.['field'];
    if (typeof field === 'string' && formFields.includes(field)) return { [field]: error.message };
    return { [fallbackField]: error.message };
  }
  return { [fallbackField]: failureMessage(error, logger).text };
}

export function formatDate(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}
