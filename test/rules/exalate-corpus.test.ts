/**
 * The real Exalate script corpus in the test suite (issue 17): 83 sync scripts from Exalate's documentation and public
 * repositories, kept verbatim in test/fixtures/exalate-corpus. Each runs against the sample entities and either runs
 * or fails for the reason its expectation (docs/exalate-corpus/expectations.json) names: real Groovy refuses it too,
 * or it needs another platform's API, or something DeskBridge does not offer, said in its note.
 *
 * Where a script reads data the plain sample lacks (a custom field, the users of its own user map), the runner gives it
 * that data (support/exalate-corpus.ts, sampleFor); the scripts are never changed.
 */
import { describe, expect, it } from 'vitest';
import type { Entity } from '../../src/domain/entity.ts';
import {
  type CorpusScript,
  loadCorpus,
  loadExpectations,
  loadSources,
  type Outcome,
  ourPlatforms,
  runScript,
  sampleFor,
  sampleTwinUrl,
  summarize,
} from './support/exalate-corpus.ts';

const corpus = loadCorpus();
const expectations = loadExpectations();
const outcomes = new Map<string, Outcome>(corpus.map((s) => [s.file, runScript(s)]));

function script(prefix: string): CorpusScript {
  const s = corpus.find((x) => x.file.startsWith(`${prefix}-`));
  if (!s) throw new Error(`no corpus script ${prefix}`);
  return s;
}

function entityOf(prefix: string): Entity {
  const got = outcomes.get(script(prefix).file);
  if (!got?.runs) throw new Error(`script ${prefix} did not run: ${got && !got.runs ? got.error : ''}`);
  return got.result as Entity;
}

describe('the real Exalate script corpus', () => {
  it('holds at least 60 real scripts, each naming on its first line the source sources.json records', () => {
    const sources = loadSources();
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(corpus.map((s) => s.file)).toEqual(Object.keys(sources).sort());
    expect(Object.keys(expectations).sort()).toEqual(corpus.map((s) => s.file));
    for (const s of corpus) {
      const record = sources[s.file];
      expect(s.code.split('\n')[0], s.file).toBe(`// source: ${record?.source}`);
      expect([s.direction, s.platform], s.file).toEqual([record?.direction, record?.platform]);
      const want = expectations[s.file];
      // Every accepted failure names the error text it must show and says why.
      if (want?.outcome !== 'runs') expect([want?.error, want?.note].every(Boolean), s.file).toBe(true);
    }
  });

  it.each(corpus.map((s) => [s.file, s] as const))('%s runs or fails for the reason named', (file, s) => {
    const want = expectations[file];
    const got = outcomes.get(file) as Outcome;
    if (want?.outcome === 'runs') {
      expect(got.runs ? 'runs' : got.error).toBe('runs');
    } else {
      expect(got.runs, `${file} was expected to fail: ${want?.note}`).toBe(false);
      if (!got.runs) expect(got.error).toContain(want?.error);
    }
    expect(s.code.length).toBeGreaterThan(0);
  });

  it('at least 90% of the valid-Groovy scripts for Freshdesk, Freshservice, Xurrent or any connector run', () => {
    const summary = summarize(corpus, outcomes, expectations);
    expect(summary.mismatches).toEqual([]);
    expect(summary.ourPlatformsValidGroovy).toBe(
      corpus.filter((s) => ourPlatforms.has(s.platform) && expectations[s.file]?.outcome !== 'invalid-groovy').length,
    );
    expect(summary.runShare).toBeGreaterThanOrEqual(0.9);
    // The ones that do not run say why: another platform's API, or what DeskBridge does not offer.
    const failing = corpus.filter((s) => ourPlatforms.has(s.platform) && !outcomes.get(s.file)?.runs);
    expect(failing.map((s) => [s.file, expectations[s.file]?.outcome])).toEqual([
      ['13-xurrent-request-incoming.groovy', 'invalid-groovy'],
      ['52-cdb-remote-url-first-comment-in.groovy', 'unsupported'],
      ['56-cdb-previous.groovy', 'other-platform-api'],
      ['60-cdb-comment-specific-char.groovy', 'other-platform-api'],
    ]);
  });

  it('only the scripts that read data the plain sample lacks get a fitted sample, and it says what', () => {
    const fitted = corpus
      .filter((s) => sampleFor(s).fitted !== null)
      .map((s) => [s.file.slice(0, 2), sampleFor(s).fitted]);
    expect(fitted).toEqual([
      ['55', 'a "Demo Date" Timestamp custom field on the replica'],
      ['68', 'the replica story_points ServiceNow sends'],
      ['81', "the users of the script's own user map, in the helpdesk's directory and on the replica"],
      ['83', "the users of the script's own user map, in the helpdesk's directory and on the replica"],
    ]);
    // The plain sample hands every run the twin's URL, for issueUrl.
    expect(sampleFor(script('52')).lookups.twinUrl).toBe(sampleTwinUrl);
  });

  it('the scripts that run do what they say', () => {
    // 55 (Freshservice): the replica's Timestamp, formatted with java.time.format.DateTimeFormatter written in full,
    // "-04:00" appended as the script does, lands in the ticket's planned_start_date.
    expect(entityOf('55').native.planned_start_date).toBe('2025-10-25T00:00:00-04:00');
    // 81 (GitHub incoming): the remote reporter's email maps to a login, found in the directory; the label is added.
    const github = entityOf('81');
    expect(github.reporter?.email).toBe('garybarker@coresupply.com');
    expect(github.assignee?.email).toBe('cfranke@coresupply.com');
    expect(github.labels).toContain('jira-key-REMOTE-7');
    // 83 (Jira incoming): the remote users' logins map to emails.
    expect(entityOf('83').reporter?.email).toBe('garybarker@coresupply.com');
  });
});
