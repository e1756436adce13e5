/**
 * The real Exalate script corpus (issue 17, "How to know it works"): 83 sync scripts kept verbatim in
 * test/fixtures/exalate-corpus, each naming its source, direction and platform in its first three lines; what each is
 * expected to do in docs/exalate-corpus/expectations.json; and how each is run here. The corpus test and
 * `scripts/exalate-corpus.ts` both use this module.
 *
 * Each script runs in its direction against `sampleEntity` of the closest of our platforms (Freshservice for
 * ServiceNow, Xurrent for Xurrent, Freshdesk otherwise). Incoming scripts get a replica made by our default outgoing
 * script plus a remote assignee and reporter, `firstSync: false`, a fixed clock, a step limit, the twin's URL (for
 * `issueUrl`) and a stand-in helpdesk for `httpClient`. Where a script reads data the sample lacks, `sampleFor` below
 * gives it that data (and says why); the scripts themselves are never changed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entity, HubComment, HubUser, Replica } from '../../../src/domain/entity.ts';
import type { Platform } from '../../../src/domain/instance.ts';
import type { ScriptHttp } from '../../../src/rules/http-client.ts';
import { defaultScripts, type NodeLookups, runIncoming, runOutgoing } from '../../../src/rules/index.ts';
import { sampleEntity } from './entities.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where the corpus is kept in this repository. */
export const corpusDir = join(root, 'test', 'fixtures', 'exalate-corpus');

/**
 * - `runs`: the script runs here unchanged;
 * - `invalid-groovy`: real Groovy refuses it too (the expectation's note quotes Groovy's error);
 * - `other-platform-api`: it needs another platform's API (Jira's `issue.project`, Azure DevOps' `workItem`,
 *   Exalate's internal classes, another platform's REST API through httpClient);
 * - `unsupported`: something DeskBridge does not offer (yet), named in the note.
 * Every failure names the text its error message must contain (`error`), so a script failing for another reason than
 * the one accepted is a mismatch.
 */
export interface Expectation {
  outcome: 'runs' | 'invalid-groovy' | 'other-platform-api' | 'unsupported';
  error?: string;
  note?: string;
}

export interface CorpusScript {
  file: string;
  /** URL or owner/repo@commit:path, from the script's first line. */
  source: string;
  direction: 'outgoing' | 'incoming';
  /** The platform the script was written for (freshdesk, jira, azure-devops, generic...). */
  platform: string;
  code: string;
}

/** The platforms DeskBridge serves, plus scripts written for any connector: the ones the run share counts. */
export const ourPlatforms: ReadonlySet<string> = new Set(['freshdesk', 'freshservice', 'xurrent', 'generic']);

export function loadExpectations(): Record<string, Expectation> {
  return JSON.parse(readFileSync(join(root, 'docs', 'exalate-corpus', 'expectations.json'), 'utf8')) as Record<
    string,
    Expectation
  >;
}

export function loadSources(): Record<string, { source: string; direction: string; platform: string }> {
  return JSON.parse(readFileSync(join(root, 'docs', 'exalate-corpus', 'sources.json'), 'utf8')) as Record<
    string,
    { source: string; direction: string; platform: string }
  >;
}

function header(code: string, name: string): string | null {
  const m = new RegExp(`^// ${name}: (.+)$`, 'm').exec(code);
  return m ? (m[1] ?? '').trim() : null;
}

export function loadCorpus(dir: string = corpusDir): CorpusScript[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.groovy'))
    .sort()
    .map((file) => {
      const code = readFileSync(join(dir, file), 'utf8');
      return {
        file,
        code,
        source: header(code, 'source') ?? '',
        direction: header(code, 'direction') === 'incoming' ? 'incoming' : 'outgoing',
        platform: header(code, 'platform') ?? '',
      };
    });
}

/** The closest of our platforms for another connector's script. */
export function localPlatform(platform: string): Platform {
  if (platform === 'freshservice' || platform === 'servicenow') return 'freshservice';
  if (platform === 'xurrent') return 'xurrent';
  return 'freshdesk';
}

const now = () => Date.UTC(2026, 0, 15, 12, 0, 0);
const limits = { maxSteps: 200_000 };

/**
 * The helpdesk a script's httpClient reaches here: a stand-in that answers every allowed call with 200 and the shape
 * of Freshdesk's View an Agent for `/agents/{id}` (developers.freshdesk.com/api/#view_agent), `{}` otherwise. The
 * path checks run as in a sync, so a script calling another platform's API is refused.
 */
const http: ScriptHttp = (request) =>
  /\/agents\/[^/]+$/.test(request.path)
    ? { status: 200, body: JSON.stringify({ id: 1001, contact: { name: 'Ann Agent', email: 'ann@acme.example' } }) }
    : { status: 200, body: '{}' };

/** The twin's URL the engine hands a run (the script's `issueUrl`). */
export const sampleTwinUrl = 'https://desk.partner.example/helpdesk/tickets/7';

interface SampleUser extends HubUser {
  /** What a GitHub or Jira side calls the user; the directory finds the user by it too. */
  login: string;
}

/**
 * The people scripts 81 and 83 (rheaton-ras/scripts) map between their GitHub logins and Jira emails: the user map
 * is the script's own; the directory and the remote users are what those scripts expect to find.
 */
const coreSupply: SampleUser[] = [
  { id: 'u-rh', login: 'rheaton-ras', email: 'rheaton@coresupply.com', displayName: 'R. Heaton' },
  { id: 'u-gb', login: 'gbarkersurge', email: 'garybarker@coresupply.com', displayName: 'Gary Barker' },
  { id: 'u-cf', login: 'RASCFranke', email: 'cfranke@coresupply.com', displayName: 'C. Franke' },
];

interface Sample {
  entity: Entity;
  replica: Replica;
  lookups: NodeLookups;
  /** Why this script's sample differs from the plain one; null when it does not. */
  fitted: string | null;
}

function plainReplica(platform: Platform): Replica {
  const replica = runOutgoing({ script: defaultScripts(platform).outgoing, entity: sampleEntity(platform), now });
  return {
    ...replica,
    key: 'REMOTE-7',
    id: '10007',
    assignee: { key: 'u-bob', username: 'bob', email: 'bob@remote.example', displayName: 'Bob Remote' },
    reporter: { key: 'u-jane', username: 'jane', email: 'jane@remote.example', displayName: 'Jane Remote' },
  };
}

function authoredBy(comments: unknown, users: SampleUser[]): HubComment[] {
  return (comments as HubComment[]).map((c, i) => {
    const u = users[i % users.length] as SampleUser;
    return { ...c, author: { id: u.id, email: u.email, displayName: u.displayName, username: u.login } as HubUser };
  });
}

/** The sample a script runs against, with the data it reads and the plain sample lacks. */
export function sampleFor(s: CorpusScript): Sample {
  const platform = localPlatform(s.platform);
  const entity = sampleEntity(platform);
  const replica = plainReplica(platform);
  const lookups: NodeLookups = { twinUrl: sampleTwinUrl };
  let fitted: string | null = null;
  const prefix = s.file.slice(0, 2);
  if (prefix === '55') {
    // "Demo date is the dataType Timestamp": a Timestamp custom field, as a replica carries one (its text form).
    replica.customFields = { ...(replica.customFields as object), 'Demo Date': '2025-10-25 00:00:00.0' };
    fitted = 'a "Demo Date" Timestamp custom field on the replica';
  } else if (prefix === '68') {
    // ServiceNow's story_points, as text with a thousands separator (the script strips the commas).
    replica.story_points = '1,234';
    fitted = 'the replica story_points ServiceNow sends';
  } else if (prefix === '81' || prefix === '83') {
    const [rh, gb, cf] = coreSupply as [SampleUser, SampleUser, SampleUser];
    const remote = (u: SampleUser) => ({ key: u.id, username: u.login, email: u.email, displayName: u.displayName });
    replica.reporter = remote(gb);
    replica.assignee = remote(cf);
    replica.comments = authoredBy(replica.comments, [gb, cf, rh]);
    const find = (text: string): HubUser | null => {
      const u = coreSupply.find((x) => x.email === text || x.login === text);
      return u ? { id: u.id, email: u.email, displayName: u.displayName } : null;
    };
    lookups.userByEmail = find;
    fitted = "the users of the script's own user map, in the helpdesk's directory and on the replica";
  }
  return { entity, replica, lookups, fitted };
}

/** A run gives the replica (outgoing) or the entity (incoming) the script built. */
export type Outcome = { runs: true; result: Replica | Entity } | { runs: false; error: string };

export function runScript(s: CorpusScript): Outcome {
  const platform = localPlatform(s.platform);
  const sample = sampleFor(s);
  try {
    if (s.direction === 'outgoing') {
      const result = runOutgoing({
        script: s.code,
        entity: sample.entity,
        platform,
        previous: null,
        now,
        limits,
        http,
        lookups: sample.lookups,
      });
      return { runs: true, result };
    }
    const result = runIncoming({
      script: s.code,
      entity: sample.entity,
      replica: sample.replica,
      previous: null,
      firstSync: false,
      platform,
      now,
      limits,
      http,
      lookups: sample.lookups,
    });
    return { runs: true, result };
  } catch (e) {
    return { runs: false, error: (e as Error).message.split('\n')[0] ?? '' };
  }
}

/** Whether an outcome is what the expectation accepts: a run, or a failure whose message names the accepted reason. */
export function matches(outcome: Outcome, want: Expectation | undefined): boolean {
  if (!want) return false;
  if (want.outcome === 'runs') return outcome.runs;
  return !outcome.runs && want.error !== undefined && outcome.error.includes(want.error);
}

export interface CorpusSummary {
  scripts: number;
  ourPlatformsValidGroovy: number;
  running: number;
  runShare: number;
  mismatches: string[];
}

/** The run share counts the valid-Groovy scripts written for our platforms (or for any connector). */
export function summarize(
  corpus: CorpusScript[],
  outcomes: Map<string, Outcome>,
  expectations: Record<string, Expectation>,
): CorpusSummary {
  const counted = corpus.filter(
    (s) => ourPlatforms.has(s.platform) && expectations[s.file]?.outcome !== 'invalid-groovy',
  );
  const running = counted.filter((s) => outcomes.get(s.file)?.runs === true);
  return {
    scripts: corpus.length,
    ourPlatformsValidGroovy: counted.length,
    running: running.length,
    runShare: counted.length ? Number((running.length / counted.length).toFixed(3)) : 0,
    mismatches: corpus
      .filter((s) => !matches(outcomes.get(s.file) ?? { runs: false, error: '' }, expectations[s.file]))
      .map((s) => s.file),
  };
}
