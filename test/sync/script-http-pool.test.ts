/**
 * httpClient end to end: a script run in the rule pool's worker calls the real Freshdesk simulator through the
 * synchronous bridge, the connector of the instance and its credentials (corpus script 54's shape).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelpdesk } from '../../adapters/helpdesk/index.ts';
import { type FreshdeskSimulator, startFreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { outboundPolicy } from '../../src/http/outbound-policy.ts';
import { defaultScripts, runOutgoing } from '../../src/rules/index.ts';
import { RulePool } from '../../src/rules/pool/rule-pool.ts';
import { scriptHttpFor } from '../../src/sync/script-http.ts';
import { fastOptions, manualClock } from '../adapters/helpdesk/support.ts';
import { sampleEntity } from '../rules/support/entities.ts';

// ChristopheDeBeule/snippets@c9058a4 FreshDesk/Add comment author to comment object/incoming.groovy
const authorScript = `replica.comments = replica.comments.collect{
    def res = httpClient.get("/api/v2/agents/\${it.author?.key}")?.contact
    if(res){
        it.author.displayName = res.name
        it.author.email = res.email
    }
    it
}
entity.comments = commentHelper.mergeComments(entity, replica)`;

const now = () => Date.UTC(2026, 0, 15, 12, 0, 0);

let sim: FreshdeskSimulator;
let pool: RulePool;
let helpdesk: Helpdesk;

beforeAll(async () => {
  sim = await startFreshdeskSimulator({
    seed: { agents: [{ id: 1001, name: 'Ann Agent', email: 'ann@acme.example' }] },
  });
  helpdesk = createHelpdesk(
    { platform: 'freshdesk', baseUrl: sim.url, credentials: { kind: 'apiKey', apiKey: sim.apiKey } },
    fastOptions(manualClock(), { outbound: outboundPolicy(true) }),
  );
  pool = new RulePool({ size: 1 });
});

afterAll(async () => {
  await pool.close();
  await sim.close();
});

function replicaWithAuthor(authorId: string) {
  return runOutgoing({
    script: defaultScripts('freshdesk').outgoing,
    entity: sampleEntity('freshdesk', {
      comments: [
        {
          id: 'c1',
          body: 'Still broken',
          author: { id: authorId, email: null, displayName: null },
          internal: false,
          created: '2026-01-02T10:00:00Z',
          updated: null,
          remoteId: null,
        },
      ],
    }),
    now,
  });
}

describe('httpClient through the rule pool', () => {
  it('an incoming script reads the agent from the helpdesk and names the comment’s author with it', async () => {
    const before = sim.requests.total;
    const entity = await pool.runIncoming({
      script: authorScript,
      entity: sampleEntity('freshdesk', { comments: [] }),
      replica: replicaWithAuthor('1001'),
      firstSync: false,
      platform: 'freshdesk',
      host: { http: scriptHttpFor(helpdesk, { testRun: false }) },
    });
    expect(entity.comments.map((c) => c.body)).toEqual(['Ann Agent commented: \nStill broken']);
    expect(sim.requests.total).toBe(before + 1);
  });

  it('an unknown agent is the helpdesk’s 404, raised in the script at its line; a refused path sends nothing', async () => {
    const missing = await pool
      .runIncoming({
        script: authorScript,
        entity: sampleEntity('freshdesk', { comments: [] }),
        replica: replicaWithAuthor('4242'),
        firstSync: false,
        platform: 'freshdesk',
        host: { http: scriptHttpFor(helpdesk, { testRun: false }) },
      })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DomainError);
    expect((missing as DomainError).details).toMatchObject({ line: 2, exception: 'IssueTrackerException' });
    expect((missing as DomainError).message).toContain(
      "httpClient.get('/api/v2/agents/4242'): the helpdesk answered 404",
    );

    const before = sim.requests.total;
    const refused = await pool
      .runOutgoing({
        script: 'replica.summary = httpClient.get("http://169.254.169.254/latest/meta-data/").toString()',
        entity: sampleEntity('freshdesk'),
        host: { http: scriptHttpFor(helpdesk, { testRun: false }) },
      })
      .catch((e: unknown) => e);
    expect((refused as DomainError).details).toMatchObject({ kind: 'forbidden', line: 1 });
    expect(sim.requests.total).toBe(before);
  });

  it('a test run may read but a write is refused and the ticket is unchanged', async () => {
    const id = sim.addTicket({ subject: 'As it was', email: 'r@example.com' });
    const error = await pool
      .runOutgoing({
        script: `httpClient.put("/api/v2/tickets/${id}", [subject: "Changed by a test run"])`,
        entity: sampleEntity('freshdesk'),
        host: { http: scriptHttpFor(helpdesk, { testRun: true }) },
      })
      .catch((e: unknown) => e);
    expect((error as DomainError).message).toContain('httpClient.put is not available in a test run');
    expect((await helpdesk.getEntity(String(id))).summary).toBe('As it was');
  });
});
