/**
 * Regenerates expected.json from snippets.groovy with the real Groovy (Debian's groovy package, Java 17):
 *   npx tsx test/rules/corpus/regenerate.ts
 * The tests only read the committed expected.json; they never need Groovy.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = { ...process.env, JAVA_HOME: process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64' };
try {
  execFileSync('groovy', ['--version'], { env, stdio: 'ignore' });
} catch {
  console.error('groovy is not installed: apt-get install -y groovy (and a Java 17 JAVA_HOME)');
  process.exit(1);
}
const json = execFileSync('groovy', [join(here, 'run-groovy.groovy'), join(here, 'snippets.groovy')], {
  env,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const parsed = JSON.parse(json) as Record<string, string>;
const failed = Object.entries(parsed).filter(([, out]) => out.includes('!! '));
writeFileSync(join(here, 'expected.json'), `${JSON.stringify(parsed, null, 2)}\n`);
console.log(
  `wrote ${Object.keys(parsed).length} expected outputs${failed.length ? `; ${failed.length} raised in Groovy: ${failed.map(([n]) => n).join(', ')}` : ''}`,
);
