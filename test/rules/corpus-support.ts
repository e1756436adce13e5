/** Reads the corpus: snippets.groovy split at `// === name` lines, and the outputs real Groovy gave for them. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

export interface Snippet {
  name: string;
  code: string;
  expected: string;
}

export function loadCorpus(): Snippet[] {
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, string>;
  const snippets: Snippet[] = [];
  let current: { name: string; lines: string[] } | null = null;
  const flush = () => {
    if (current)
      snippets.push({
        name: current.name,
        code: current.lines.join('\n'),
        expected: expected[current.name] ?? '<missing in expected.json>',
      });
  };
  for (const line of readFileSync(join(dir, 'snippets.groovy'), 'utf8').split('\n')) {
    const m = /^\/\/ === (.+)$/.exec(line);
    if (m) {
      flush();
      current = { name: (m[1] as string).trim(), lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return snippets;
}
