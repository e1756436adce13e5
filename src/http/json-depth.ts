import { DomainError } from '../domain/errors.ts';

/**
 * How deeply JSON that arrives from outside (node protocol bodies and answers, webhooks) may nest. JSON.parse itself
 * copes with any depth, but everything after it that walks a value (JSON.stringify when the inbox stores a payload,
 * String() of an array, zod, the rules runtime) recurses, and a 20,000-deep array overflows the stack there. A replica
 * holds rule values nested up to 200 levels (src/rules/values.ts) inside a few levels of message envelope.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * The deepest nesting of `[` and `{` in a JSON text, counted by one pass over the characters (no recursion, so any
 * depth is measured safely); it stops counting once past `limit`. Brackets inside strings do not count.
 */
export function jsonNestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Refuses (400) JSON from outside nested deeper than MAX_JSON_DEPTH; `what` starts the message ("The request body"). */
export function assertJsonDepth(text: string, what: string): void {
  if (jsonNestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw new DomainError(
      'invalid_input',
      `${what} is nested more than ${MAX_JSON_DEPTH} levels deep; DeskBridge does not read JSON that deep.`,
    );
}

/** Parses JSON from outside: not JSON, or nested deeper than MAX_JSON_DEPTH, is a 400 naming `what`. */
export function parseJsonText(text: string, what: string): unknown {
  assertJsonDepth(text, what);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('invalid_input', `${what} is not valid JSON.`);
  }
}
