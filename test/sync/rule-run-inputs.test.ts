/**
 * Issue 17, items 3 and 4: what the sync engine hands a published rule, end to end through two real nodes (loopback
 * HTTP, signed node requests, real SQLite files, the Freshdesk and Freshservice simulators, rules in the pool's
 * workers):
 * - httpClient, through the instance's own connector (credentials and rate budget);
 * - issueUrl: the sender's web address of its ticket, sent beside the entity id in the replica message; one that is
 *   not a plain http(s) address (a hostile node's) is dropped, and a message without one (an older node) applies;
 * - syncHelper: isUnderSync and getLocalIssueKeyFromRemoteId from the twin links, getExalateUrl and
 *   getRemoteExalateUrl from the two instances' URLs.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { connections } from '../../db/schema/index.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { listSyncErrors } from '../../src/app/sync-errors.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { replicaPayloadSchema } from '../../src/sync/messages.ts';
import { isUnderSync, localTwinOf } from '../../src/sync/rule-inputs.ts';
import { connectedPairForTests, rows, settle, syncUntil } from '../support/sync-nodes.ts';
import { publishScripts } from '../support/sync-rules.ts';

/** Acme's outgoing rule: the subject as the helpdesk's API answers it, and whether the ticket was under sync yet. */
const acmeOutgoing = `${defaultScripts('freshdesk').outgoing}
replica.id = entity.id
replica.summary = httpClient.get("/api/v2/tickets/\${entity.id}").subject + " (checked)"
replica.labels = entity.labels + ["synced-" + syncHelper.isIssueUnderSync(entity.id)]
`;

/** Initech's incoming rule: where the sender's ticket is, this side's twin of it, and both instances' URLs. */
const initechIncoming = `${defaultScripts('freshservice').incoming}
entity.description = "from " + issueUrl + " | twin " + syncHelper.getLocalIssueKeyFromRemoteId(replica.id)?.id +
    " | remote " + syncHelper.getRemoteExalateUrl() + " | here " + syncHelper.getExalateUrl()
`;

describe('what a published rule is handed in a real sync', () => {
  const pair = connectedPairForTests(
    { slug: 'acme', platform: 'freshdesk' },
    { slug: 'initech', platform: 'freshservice' },
    {
      setUp: ({ a, b, ids }) => {
        publishScripts(
          a,
          ids.a,
          { outgoing: acmeOutgoing, incoming: defaultScripts('freshdesk').incoming },
          'test:alice',
        );
        publishScripts(
          b,
          ids.b,
          { outgoing: defaultScripts('freshservice').outgoing, incoming: initechIncoming },
          'test:bob',
        );
      },
    },
  );
  /** Initech's twin of an Acme ticket, once the sync made it. */
  async function twinOf(acmeTicketId: string) {
    let twinId: string | undefined;
    await syncUntil([pair.a, pair.b], [pair.aSim, pair.bSim], () => {
      twinId = rows<{ local_entity_id: string }>(
        pair.b,
        'SELECT local_entity_id FROM twin_links WHERE connection_id = ? AND remote_entity_id = ?',
        pair.ids.b,
        acmeTicketId,
      )[0]?.local_entity_id;
      return twinId !== undefined;
    });
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    return pair.bAgent.getEntity(twinId!);
  }

  const acmeUrl = () => `${pair.a.config.publicUrl}/i/acme`;
  const initechUrl = () => `${pair.b.config.publicUrl}/i/initech`;

  it("httpClient, issueUrl and syncHelper reach the runs: the twin carries the sender's ticket URL", async () => {
    const ticket = await pair.aAgent.createEntity({
      summary: 'Printer jam',
      description: '<p>Tray 2</p>',
      labels: ['printer'],
      reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
    });
    const twin = await twinOf(ticket.id);
    // The subject came from Acme's helpdesk through httpClient (the run fails without it: "not available").
    expect(twin.summary).toBe('Printer jam (checked)');
    // The Freshdesk agent's URL of the ticket (test/adapters/helpdesk/entity-url.test.ts names the vendor's form).
    expect(twin.description).toBe(
      `from ${pair.aSim.url}/a/tickets/${ticket.id} | twin null | remote ${acmeUrl()} | here ${initechUrl()}`,
    );
    expect(twin.labels).toEqual(expect.arrayContaining(['printer', 'synced-false']));
    expect(listSyncErrors(pair.a.deps, { connection: pair.ids.a })).toEqual([]);
    expect(listSyncErrors(pair.b.deps, { connection: pair.ids.b })).toEqual([]);

    // The next change: the ticket is under sync now, and Initech's script finds its own twin of it.
    await pair.aAgent.updateEntity(ticket.id, { summary: 'Printer jam on floor 3' });
    await syncUntil([pair.a, pair.b], [pair.aSim, pair.bSim], async () =>
      (await pair.bAgent.getEntity(twin.id)).summary.includes('floor 3'),
    );
    await settle([pair.a, pair.b], [pair.aSim, pair.bSim]);
    const updated = await pair.bAgent.getEntity(twin.id);
    expect(updated.summary).toBe('Printer jam on floor 3 (checked)');
    expect(updated.description).toBe(
      `from ${pair.aSim.url}/a/tickets/${ticket.id} | twin ${twin.id} | remote ${acmeUrl()} | here ${initechUrl()}`,
    );
    expect(updated.labels).toEqual(expect.arrayContaining(['printer', 'synced-true']));
    expect(updated.labels).not.toContain('synced-false');
    // Nothing more moves: the scripts' answers do not make an echo loop.
    expect(await pair.a.sync.tick()).toBe(0);
    expect(await pair.b.sync.tick()).toBe(0);
  }, 30_000);

  it('isUnderSync names connections of this instance; getLocalIssueKeyFromRemoteId finds only linked twins', async () => {
    const ticket = await pair.aAgent.createEntity({
      summary: 'Badge reader',
      description: '<p>Door 4</p>',
      reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
    });
    const twin = await twinOf(ticket.id);
    // A second connection of the same instance, with nothing synced through it yet.
    const [group] = await pair.aAgent.listProjects();
    await initiateConnection(pair.a.deps, {
      incomingProjectId: group!.id,
      instance: 'acme',
      destinationUrl: null,
      mode: 'script',
      localShortName: 'acme',
      remoteShortName: 'globex',
      name: 'acme to globex',
      actor: 'test:alice',
    });
    const acmeRow = pair.a.deps.db.select().from(connections).where(eq(connections.id, pair.ids.a)).get()!;
    const initechRow = pair.b.deps.db.select().from(connections).where(eq(connections.id, pair.ids.b)).get()!;
    const asked = (entityId: string, connection: string | null) =>
      isUnderSync(pair.a.deps.db, acmeRow, { entityId, connection });
    expect(asked(ticket.id, null)).toBe(true);
    expect(asked(ticket.id, 'acme to initech')).toBe(true);
    expect(asked(ticket.id, 'acme to globex')).toBe(false);
    expect(asked(ticket.id, 'no such connection')).toBe(false);
    // A ticket never synced is not under sync, and an id past any bound is not looked up.
    expect(asked('999999', null)).toBe(false);
    expect(asked('1'.repeat(10_000), null)).toBe(false);
    expect(localTwinOf(pair.b.deps.db, initechRow, ticket.id)).toEqual({ id: twin.id, key: twin.key });
    expect(localTwinOf(pair.b.deps.db, initechRow, '999999')).toBeNull();
    expect(localTwinOf(pair.b.deps.db, initechRow, '1'.repeat(10_000))).toBeNull();
    // Initech's connection is not the one a different instance's entity is linked through.
    expect(isUnderSync(pair.b.deps.db, initechRow, { entityId: twin.id, connection: 'acme to globex' })).toBe(false);
  }, 30_000);

  it("a replica message's URL from the other node is dropped unless it is a plain web address; none is fine too", async () => {
    const hostile = 'javascript:alert(document.cookie)//https://acme.freshdesk.com/a/tickets/1';
    const cases: Array<{ summary: string; tamper: string; params: string[] }> = [
      { summary: 'Hostile link', tamper: "json_set(payload, '$.entityUrl', ?)", params: [hostile] },
      {
        summary: 'Credentials in the link',
        tamper: "json_set(payload, '$.entityUrl', ?)",
        params: ['https://admin:hunter2@evil.example/a/tickets/1'],
      },
      {
        summary: 'Overlong link',
        tamper: "json_set(payload, '$.entityUrl', ?)",
        params: [`https://x.example/${'a'.repeat(5000)}`],
      },
      // What a node from before this change sends: no entityUrl at all.
      { summary: 'From an older node', tamper: "json_remove(payload, '$.entityUrl')", params: [] },
    ];
    const tickets = [];
    for (const c of cases) {
      tickets.push(
        await pair.aAgent.createEntity({
          summary: c.summary,
          description: '<p>x</p>',
          reporter: { id: null, email: 'sam@acme.example', displayName: 'Sam' },
        }),
      );
    }
    await pair.aSim.webhooks.settle();
    await pair.a.sync.pollOnce(true);
    await pair.a.sync.processChanges();
    // The replica messages wait in Acme's outbox: rewrite them as a hostile (or older) node would send them.
    for (const [i, c] of cases.entries()) {
      const changed = pair.a.deps.db.$client
        .prepare(
          `UPDATE outbox SET payload = ${c.tamper} WHERE kind = 'replica' AND status = 'queued' AND entity_id = ?`,
        )
        .run(...c.params, tickets[i]!.id).changes;
      expect(changed).toBe(1);
    }
    for (const [i, c] of cases.entries()) {
      const twin = await twinOf(tickets[i]!.id);
      expect(twin.summary).toBe(`${c.summary} (checked)`);
      expect(twin.description).toBe(`from null | twin null | remote ${acmeUrl()} | here ${initechUrl()}`);
    }
    expect(listSyncErrors(pair.b.deps, { connection: pair.ids.b })).toEqual([]);
  }, 30_000);
});

describe('the replica message schema', () => {
  const base = { entityId: '12', entityKey: '#12', remoteEntityId: null, replica: {}, hash: 'h' };

  it('keeps an http(s) entity URL, written as the URL parser writes it', () => {
    expect(
      replicaPayloadSchema.parse({ ...base, entityUrl: 'https://acme.freshdesk.com/a/tickets/12' }).entityUrl,
    ).toBe('https://acme.freshdesk.com/a/tickets/12');
    expect(replicaPayloadSchema.parse({ ...base, entityUrl: 'HTTP://Acme.Example:80/a/tickets/12' }).entityUrl).toBe(
      'http://acme.example/a/tickets/12',
    );
  });

  it('drops anything else and keeps the rest of the message', () => {
    for (const entityUrl of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'ftp://acme.example/a',
      'https://user:pass@acme.example/a',
      '/a/tickets/12',
      'not a url',
      `https://acme.example/${'a'.repeat(2000)}`,
      12,
      null,
      { href: 'https://acme.example' },
    ]) {
      const parsed = replicaPayloadSchema.parse({ ...base, entityUrl });
      expect(parsed.entityUrl).toBeUndefined();
      expect(parsed).toMatchObject({ entityId: '12', entityKey: '#12', hash: 'h', files: [] });
    }
    expect(replicaPayloadSchema.parse(base).entityUrl).toBeUndefined();
  });
});
