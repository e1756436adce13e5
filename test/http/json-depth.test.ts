import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/domain/errors.ts';
import { jsonNestingDepth, MAX_JSON_DEPTH, parseJsonText } from '../../src/http/json-depth.ts';

/** Issue 18, finding 13: nesting is measured in one pass, before parsing, at any depth. */
describe('jsonNestingDepth', () => {
  it('counts arrays and objects, not brackets inside strings or after escaped quotes', () => {
    expect(jsonNestingDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonNestingDepth('{"text":"[[[[{{{{"}')).toBe(1);
    expect(jsonNestingDepth('{"text":"a \\" [[[[ \\\\","x":[[]]}')).toBe(3);
    expect(jsonNestingDepth('42')).toBe(0);
  });

  it('measures 200,000 levels without recursion, stopping early past a limit', () => {
    const text = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(jsonNestingDepth(text)).toBe(200_000);
    expect(jsonNestingDepth(text, 256)).toBe(257);
  });
});

describe('parseJsonText', () => {
  const refusalOf = (text: string) => {
    try {
      parseJsonText(text, 'The request body');
    } catch (error) {
      if (isDomainError(error)) return { code: error.code, status: error.httpStatus, message: error.message };
      throw error;
    }
    return null;
  };

  it('reads JSON up to the limit and refuses deeper or broken JSON as a 400', () => {
    const atLimit = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(() => JSON.stringify(parseJsonText(atLimit, 'The request body'))).not.toThrow();
    expect(refusalOf(`[${atLimit}]`)).toEqual({
      code: 'invalid_input',
      status: 400,
      message: 'The request body is nested more than 256 levels deep; DeskBridge does not read JSON that deep.',
    });
    expect(refusalOf('{"a":')).toEqual({
      code: 'invalid_input',
      status: 400,
      message: 'The request body is not valid JSON.',
    });
  });
});
