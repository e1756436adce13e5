/**
 * `npm run bench`: every benchmark in bench/ (each `*.bench.ts`), one after another in a process of its own, their
 * JSON lines passed through on stdout. Exits non-zero when one of them fails, after running the rest.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort();

const failed: string[] = [];
for (const name of benches) {
  process.stderr.write(`bench: ${name}\n`);
  const result = spawnSync(process.execPath, [tsx, join(here, name)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
