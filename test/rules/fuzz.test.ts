import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { runIncoming, runOutgoing, runPlain } from '../../src/rules/index.ts';
import { loadCorpus } from './corpus-support.ts';
import { sampleEntity } from './support/entities.ts';

/** mulberry32: a tiny seeded generator, so every run fuzzes the same inputs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const vocabulary = [
  'def',
  'x',
  'y',
  'it',
  'entity',
  'replica',
  '.',
  '?.',
  '*.',
  'summary',
  'comments',
  'status',
  'name',
  '=',
  '==',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<<',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '->',
  ',',
  ':',
  '?',
  '?:',
  '\n',
  ';',
  '1',
  '0',
  '2.5',
  '"s"',
  "'t'",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Groovy GString token for the fuzzer, not a template.
  '"${x}"',
  '/r+/',
  'if',
  'else',
  'for',
  'in',
  'while',
  'switch',
  'case',
  'default',
  'break',
  'continue',
  'return',
  'try',
  'catch',
  'finally',
  'throw',
  'new',
  'Exception',
  'null',
  'true',
  '!',
  '&&',
  '||',
  '..',
  '..<',
  'each',
  'collect',
  'findAll',
  'inject',
  'sort',
  'size()',
  'println',
  'as',
  'String',
  'Integer',
  'instanceof',
  '=~',
  '==~',
  '<=>',
  'commentHelper',
  'mergeComments',
  'nodeHelper',
  'getStatus',
  '"Open"',
  '++',
  '--',
  '+=',
];

const limits = {
  maxSteps: 20_000,
  maxMillis: 200,
  maxCallDepth: 50,
  maxCollectionSize: 5_000,
  maxStringLength: 20_000,
};

function acceptable(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (e) {
    if (!(e instanceof DomainError))
      return `non-domain error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    if (!['script_error', 'limit_exceeded', 'invalid_input'].includes(e.code)) return `unexpected code ${e.code}`;
    const details = (e.details ?? {}) as { kind?: string; line?: number };
    if (details.kind === 'internal') return `internal error: ${e.message}`;
    if (e.message.trim() === '') return 'empty message';
    return null;
  }
}

describe('fuzz: random and mutated scripts end in a result or a clear error', () => {
  const random = rng(20260121);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const corpus = loadCorpus().map((s) => s.code);

  function randomScript(): string {
    const n = 1 + Math.floor(random() * 40);
    return Array.from({ length: n }, () => pick(vocabulary)).join(' ');
  }

  function mutate(code: string): string {
    let s = code;
    const edits = 1 + Math.floor(random() * 4);
    for (let i = 0; i < edits; i++) {
      const at = Math.floor(random() * (s.length + 1));
      const kind = random();
      if (kind < 0.3) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(random() * 5));
      else if (kind < 0.6) s = s.slice(0, at) + pick(vocabulary) + s.slice(at);
      else if (kind < 0.8)
        s = s.slice(0, at) + pick(['(', ')', '{', '}', '[', ']', '"', "'", '/', '$', '\\', '\n']) + s.slice(at);
      else {
        const other = pick(corpus);
        const from = Math.floor(random() * other.length);
        s = s.slice(0, at) + other.slice(from, from + 30) + s.slice(at);
      }
    }
    return s;
  }

  it('1200 inputs, none crashes or hangs', () => {
    const started = Date.now();
    const problems: string[] = [];
    let succeeded = 0;
    const entity = sampleEntity('freshdesk');
    for (let i = 0; i < 1200; i++) {
      const script = i % 3 === 0 ? randomScript() : mutate(pick(corpus));
      const mode = i % 4;
      const problem =
        mode === 0
          ? acceptable(() => runPlain(script, { limits }))
          : mode === 1
            ? acceptable(() => runOutgoing({ script, entity, limits }))
            : acceptable(() =>
                runIncoming({
                  script,
                  entity: mode === 2 ? entity : null,
                  replica: { summary: 's', comments: [] },
                  platform: 'xurrent',
                  firstSync: mode === 3,
                  limits,
                }),
              );
      if (problem === null) succeeded++;
      if (problem) problems.push(`${problem}\n--- script ---\n${script}`);
    }
    expect(problems.slice(0, 3)).toEqual([]);
    expect(succeeded).toBe(1200);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
