/**
 * `npx tsx scripts/exalate-corpus.ts [DIR]`: runs the corpus of real Exalate sync scripts (issue 17, "How to know it
 * works") and compares each result with docs/exalate-corpus/expectations.json: "runs", or a failure whose message
 * names the accepted reason. DIR defaults to the committed corpus, test/fixtures/exalate-corpus (the test suite runs
 * the same scripts: test/rules/exalate-corpus.test.ts); how each script is run is in test/rules/support/exalate-corpus.ts.
 * Prints one JSON line a script and a summary line; exits 1 when a result differs from its expectation.
 */
import { existsSync } from 'node:fs';
import {
  corpusDir,
  loadCorpus,
  loadExpectations,
  matches,
  type Outcome,
  runScript,
  summarize,
} from '../test/rules/support/exalate-corpus.ts';

const scriptsDir = process.argv[2] ?? corpusDir;
if (!existsSync(scriptsDir)) {
  process.stderr.write(`exalate-corpus: no corpus at ${scriptsDir}; see docs/exalate-corpus/README.md\n`);
  process.exit(2);
}
const corpus = loadCorpus(scriptsDir);
const expectations = loadExpectations();
const outcomes = new Map<string, Outcome>();
for (const s of corpus) {
  const got = runScript(s);
  outcomes.set(s.file, got);
  const want = expectations[s.file];
  process.stdout.write(
    `${JSON.stringify({
      script: s.file,
      platform: s.platform,
      expected: want ?? 'no expectation',
      got: got.runs ? 'runs' : `fails: ${got.error}`,
      ok: matches(got, want),
    })}\n`,
  );
}
const summary = summarize(corpus, outcomes, expectations);
process.stdout.write(`${JSON.stringify({ bench: 'exalate-corpus', ...summary })}\n`);
process.exitCode = summary.mismatches.length > 0 ? 1 : 0;
