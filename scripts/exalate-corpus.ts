/**
 * `npx tsx scripts/exalate-corpus.ts [DIR]`: runs a corpus of real Exalate sync scripts (issue 17, "How to know it
 * works") and compares each result with docs/exalate-corpus/expectations.json: "runs", or one accepted failure reason.
 *
 * The scripts themselves are not in this repository: they are other people's code (Exalate's documentation and public
 * repositories without a licence), which the project does not commit. docs/exalate-corpus/sources.json names each
 * one (URL or owner/repo@commit:path, direction, platform), so the corpus can be rebuilt; DIR (default
 * $EXALATE_CORPUS, else ../shared/exalate-corpus/scripts) holds one script a file with those three header comments.
 * Prints one JSON line a script and a summary line; exits 1 when a result differs from its expectation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entity, Replica } from '../src/domain/entity.ts';
import type { Platform } from '../src/domain/instance.ts';
import { defaultScripts, runIncoming, runOutgoing } from '../src/rules/index.ts';
import { sampleEntity } from '../test/rules/support/entities.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const expectations = JSON.parse(
  readFileSync(join(root, 'docs', 'exalate-corpus', 'expectations.json'), 'utf8'),
) as Record<string, string>;

const ours = new Set(['freshdesk', 'freshservice', 'xurrent', 'generic']);
const now = () => Date.UTC(2026, 0, 15, 12, 0, 0);
const limits = { maxSteps: 200_000 };

function header(code: string, name: string): string | null {
  const m = new RegExp(`^// ${name}: (.+)$`, 'm').exec(code);
  return m ? (m[1] ?? '').trim() : null;
}

interface CorpusScript {
  file: string;
  source: string;
  origin: string;
  direction: 'outgoing' | 'incoming';
  platform: string;
  code: string;
}

function load(scriptsDir: string): CorpusScript[] {
  return readdirSync(scriptsDir)
    .filter((f) => f.endsWith('.groovy'))
    .sort()
    .map((file) => {
      const code = readFileSync(join(scriptsDir, file), 'utf8');
      const direction = header(code, 'direction');
      return {
        file,
        code,
        source: file,
        origin: header(code, 'source') ?? '',
        direction: direction === 'incoming' ? 'incoming' : 'outgoing',
        platform: header(code, 'platform') ?? '',
      };
    });
}

/** The closest of our platforms for another connector's script. */
function localPlatform(platform: string): Platform {
  if (platform === 'freshservice' || platform === 'servicenow') return 'freshservice';
  if (platform === 'xurrent') return 'xurrent';
  return 'freshdesk';
}

function sampleReplica(platform: Platform): Replica {
  const replica = runOutgoing({ script: defaultScripts(platform).outgoing, entity: sampleEntity(platform), now });
  return {
    ...replica,
    key: 'REMOTE-7',
    id: '10007',
    assignee: { key: 'u-bob', username: 'bob', email: 'bob@remote.example', displayName: 'Bob Remote' },
    reporter: { key: 'u-jane', username: 'jane', email: 'jane@remote.example', displayName: 'Jane Remote' },
  };
}

function outcome(s: CorpusScript): string {
  const platform = localPlatform(s.platform);
  try {
    if (s.direction === 'outgoing') {
      runOutgoing({ script: s.code, entity: sampleEntity(platform), platform, previous: null, now, limits });
    } else {
      const entity: Entity = sampleEntity(platform);
      runIncoming({
        script: s.code,
        entity,
        replica: sampleReplica(platform),
        previous: null,
        firstSync: false,
        platform,
        now,
        limits,
      });
    }
    return 'runs';
  } catch (e) {
    return `fails: ${(e as Error).message.split('\n')[0]}`;
  }
}

const scriptsDir =
  process.argv[2] ?? process.env.EXALATE_CORPUS ?? join(root, '..', 'shared', 'exalate-corpus', 'scripts');
if (!existsSync(scriptsDir)) {
  process.stderr.write(`exalate-corpus: no corpus at ${scriptsDir}; see docs/exalate-corpus/README.md\n`);
  process.exit(2);
}
const corpus = load(scriptsDir);
let mismatches = 0;
for (const s of corpus) {
  const got = outcome(s);
  const want = expectations[s.file] ?? 'no expectation';
  const ok = want === 'runs' ? got === 'runs' : got !== 'runs' && want !== 'no expectation';
  if (!ok) mismatches++;
  process.stdout.write(`${JSON.stringify({ script: s.file, platform: s.platform, expected: want, got, ok })}\n`);
}
const counted = corpus.filter((s) => ours.has(s.platform) && expectations[s.file] !== 'invalid-groovy');
const running = counted.filter((s) => outcome(s) === 'runs');
process.stdout.write(
  `${JSON.stringify({
    bench: 'exalate-corpus',
    scripts: corpus.length,
    ourPlatformsValidGroovy: counted.length,
    running: running.length,
    runShare: counted.length ? Number((running.length / counted.length).toFixed(3)) : 0,
    mismatches,
  })}\n`,
);
process.exitCode = mismatches > 0 ? 1 : 0;
