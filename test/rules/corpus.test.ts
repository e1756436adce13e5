import { describe, expect, it } from 'vitest';
import { runPlain } from '../../src/rules/index.ts';
import { loadCorpus } from './corpus-support.ts';

const corpus = loadCorpus();

function run(code: string): string {
  let out = '';
  try {
    runPlain(code, { print: (text) => (out += text) });
  } catch (e) {
    out += `!! ${(e as Error).message}\n`;
  }
  return out;
}

describe('Groovy corpus: every snippet prints what real Groovy 2.4 printed', () => {
  it('has at least 150 snippets, all with a recorded Groovy output', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    for (const s of corpus) expect(s.expected, s.name).not.toContain('<missing');
    for (const s of corpus) expect(s.expected, s.name).not.toContain('!! ');
  });

  it.each(corpus.map((s) => [s.name, s] as const))('%s', (_name, snippet) => {
    expect(run(snippet.code)).toBe(snippet.expected);
  });
});
