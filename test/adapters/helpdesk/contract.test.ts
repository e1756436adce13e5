import { afterEach, describe, expect, it } from 'vitest';
import { harnesses, type HarnessStart, manualClock, expectDomainError } from './support.ts';
import { createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { outboundPolicy } from '../../../src/http/outbound-policy.ts';

/** The simulators listen on loopback. */
const onLoopback = { outbound: outboundPolicy(true) };

/** The Helpdesk contract, run against each platform's simulator through the real connector. */
describe.each(harnesses)('$platform connector against its simulator', (harness) => {
  let started: HarnessStart | null = null;
  const start = async (options: Parameters<typeof harness.start>[0]) => {
    started = await harness.start(options);
    return started;
  };
  afterEach(async () => {
    await started?.sim.close();
    started = null;
  });

  it('verifies credentials and lists the projects for incoming sync', async () => {
    const h = await start({ clock: manualClock() });
    const client = h.client();
    await client.verifyCredentials();
    const projects = await client.listProjects();
    expect(projects.length).toBeGreaterThan(0);
    for (const project of projects) {
      expect(project.id).toMatch(/^\d+$/);
      expect(project.name).not.toBe('');
    }
    await expectDomainError(
      createHelpdesk(h.badTarget(), onLoopback).verifyCredentials(),
      'helpdesk_credentials',
      /credentials/,
    );
  });

  it('creates, reads and updates an entity, mapping status and priority by name', async () => {
    const h = await start({ clock: manualClock() });
    const client = h.client();
    const created = await client.createEntity(harness.newEntity);
    expect(created.platform).toBe(harness.platform);
    expect(created.summary).toBe(harness.newEntity.summary);
    expect(created.status?.name).toBe(harness.newEntity.status?.name);
    expect(created.priority?.name).toBe('High');
    expect(created.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const read = await client.getEntity(created.id);
    expect(read.description).toBe(harness.newEntity.description);
    expect(read.customFields).toMatchObject(harness.newEntity.customFields ?? {});
    expect(read.labels).toEqual(harness.newEntity.labels ?? []);

    const updated = await client.updateEntity(created.id, {
      summary: 'Renamed',
      status: { id: null, name: harness.trigger.status },
      priority: { id: null, name: 'Low' },
    });
    expect(updated.summary).toBe('Renamed');
    expect(updated.status?.name).toBe(harness.trigger.status);
    expect(updated.priority?.name).toBe('Low');
    expect((await client.getEntity(created.id)).status).toEqual(updated.status);
  });

  it('adds internal and public comments and reads them back in order', async () => {
    const h = await start({ clock: manualClock() });
    const client = h.client();
    const entity = await client.createEntity(harness.newEntity);
    const internal = await client.addComment(entity.id, { body: 'Checked the logs', internal: true });
    const visible = await client.addComment(entity.id, { body: 'We are on it', internal: false });
    expect(internal.internal).toBe(true);
    expect(visible.internal).toBe(false);
    const read = await client.getEntity(entity.id);
    expect(read.comments.map((c) => [c.body, c.internal])).toEqual([
      ['Checked the logs', true],
      ['We are on it', false],
    ]);
  });

  it('uploads and downloads attachments, refreshing an expired URL', async () => {
    const clock = manualClock();
    const h = await start({ clock, attachmentUrlTtlSeconds: 60 });
    const client = h.client();
    const entity = await client.createEntity(harness.newEntity);
    const bytes = new Uint8Array(Buffer.from('log line 1\nlog line 2\n'));
    const attachment = await client.uploadAttachment(entity.id, {
      filename: 'server.log',
      mimetype: 'text/plain',
      data: bytes,
    });
    expect(attachment.filename).toBe('server.log');
    expect(attachment.filesize).toBe(bytes.length);
    expect(Buffer.from((await client.downloadAttachment(entity.id, attachment)).data).toString()).toBe(
      'log line 1\nlog line 2\n',
    );

    const withComment = await client.addComment(entity.id, {
      body: 'See the screenshot',
      internal: false,
      attachments: [{ filename: 'shot.png', mimetype: 'image/png', data: new Uint8Array([137, 80, 78, 71]) }],
    });
    expect(withComment.body).toBe('See the screenshot');
    const read = await client.getEntity(entity.id);
    expect(read.attachments.map((a) => a.filename).sort()).toEqual(['server.log', 'shot.png']);

    clock.advance(61_000);
    const stale = await fetch(attachment.url!);
    expect(stale.status).toBe(403);
    const refreshed = await client.downloadAttachment(entity.id, attachment);
    expect(Buffer.from(refreshed.data).toString()).toBe('log line 1\nlog line 2\n');
  });

  it('accepts attachments up to the cap and refuses one byte more', async () => {
    const cap = 64 * 1024;
    const h = await start({ clock: manualClock(), attachmentCapBytes: cap });
    const client = h.client();
    const first = await client.createEntity(harness.newEntity);
    const atCap = await client.uploadAttachment(first.id, {
      filename: 'exact.bin',
      mimetype: 'application/octet-stream',
      data: new Uint8Array(cap),
    });
    expect(atCap.filesize).toBe(cap);
    const second = await client.createEntity(harness.newEntity);
    const error = await expectDomainError(
      client.uploadAttachment(second.id, {
        filename: 'over.bin',
        mimetype: 'application/octet-stream',
        data: new Uint8Array(cap + 1),
      }),
      'helpdesk_validation',
    );
    expect(error.message).toMatch(/attachments|file|bytes/);
    expect((await client.getEntity(second.id)).attachments).toEqual([]);
  });

  describe('listing changes', () => {
    it('returns nothing when nothing changed after the cursor', async () => {
      const clock = manualClock();
      const h = await start({ clock });
      h.seed(3, '2026-03-01T08:00:00Z');
      const batch = await h.client().listChanged('2026-03-01T09:00:00Z');
      expect(batch.changes).toEqual([]);
      expect(batch.truncated).toBe(false);
    });

    it('reads exactly one full page with one request, and a page more with two', async () => {
      const clock = manualClock();
      const h = await start({ clock });
      const client = h.client();
      h.seed(100, '2026-03-01T08:00:00Z');
      let before = h.sim.requests.total;
      const page = await client.listChanged('2026-03-01T00:00:00Z');
      expect(page.changes).toHaveLength(100);
      expect(h.sim.requests.total - before).toBe(1);

      h.seed(1, '2026-03-01T08:30:00Z');
      before = h.sim.requests.total;
      const twoPages = await client.listChanged('2026-03-01T00:00:00Z');
      expect(twoPages.changes).toHaveLength(101);
      expect(h.sim.requests.total - before).toBe(2);
      expect(twoPages.changes.at(-1)?.updated).toBe('2026-03-01T08:30:00.000Z');
    });

    it('continues from its cursor without repeating what it returned', async () => {
      const clock = manualClock();
      const h = await start({ clock });
      const client = h.client();
      const ids = h.seed(5, '2026-03-01T08:00:00Z');
      const first = await client.listChanged('2026-03-01T00:00:00Z');
      expect(first.changes.map((c) => c.id)).toEqual(ids);
      expect((await client.listChanged(first.cursor)).changes).toEqual([]);
      clock.advance(60_000);
      h.touch(ids[2]!);
      const next = await client.listChanged(first.cursor);
      expect(next.changes.map((c) => c.id)).toEqual([ids[2]]);
    });

    it('narrows the listing with a trigger query in the platform syntax', async () => {
      const clock = manualClock();
      const h = await start({ clock });
      const client = h.client();
      const a = await client.createEntity(harness.newEntity);
      const b = await client.createEntity(harness.newEntity);
      await client.updateEntity(b.id, { status: { id: null, name: harness.trigger.status } });
      const all = await client.listChanged('2026-03-01T00:00:00Z');
      expect(all.changes.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
      const triggered = await client.listChanged('2026-03-01T00:00:00Z', { query: harness.trigger.query });
      expect(triggered.changes.map((c) => c.id)).toEqual([b.id]);
      await expectDomainError(
        client.listChanged(null, { query: harness.badTrigger }),
        'helpdesk_validation',
        /trigger query/,
      );
    });
  });

  describe('errors a person can act on', () => {
    it('401: the credentials', async () => {
      const h = await start({ clock: manualClock() });
      await expectDomainError(
        createHelpdesk(h.badTarget(), onLoopback).getEntity('1'),
        'helpdesk_credentials',
        /Check the API key or token/,
      );
    });

    it('403: the permissions', async () => {
      const h = await start({ clock: manualClock() });
      await expectDomainError(
        createHelpdesk(h.readOnlyTarget(), onLoopback).createEntity(harness.newEntity),
        'helpdesk_permissions',
        /permission/,
      );
    });

    it('404: the missing entity', async () => {
      const h = await start({ clock: manualClock() });
      await expectDomainError(h.client().getEntity('424242'), 'helpdesk_not_found', /424242/);
    });

    it('400/422: the fields the helpdesk named', async () => {
      const h = await start({ clock: manualClock() });
      const error = await expectDomainError(h.client().createEntity(harness.invalid.write), 'helpdesk_validation');
      expect(error.message).toContain(harness.invalid.field);
      expect(
        (error as unknown as { details: { fieldErrors: Array<{ field: string }> } }).details.fieldErrors.map(
          (e) => e.field,
        ),
      ).toContain(harness.invalid.field);
    });

    it('429: throttled when the helpdesk asks for a longer wait than we accept', async () => {
      const h = await start({ clock: manualClock() });
      h.sim.faults.add({ kind: 'throttle', retryAfterSeconds: 3600 });
      await expectDomainError(h.client().listProjects(), 'helpdesk_throttled', /3600 s/);
    });

    it('5xx that persists: unavailable, after retrying', async () => {
      const h = await start({ clock: manualClock() });
      h.sim.faults.add({ kind: 'status', status: 500, times: 10 });
      await expectDomainError(h.client({ maxAttempts: 3 }).listProjects(), 'helpdesk_unavailable', /HTTP 500/);
      expect(h.sim.faults.fired).toHaveLength(3);
    });
  });
});

describe.each(harnesses)('$platform connector pointed at something that is not its API', (harness) => {
  it('says the URL looks wrong instead of accepting the credentials', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome</html>'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const credentials =
        harness.platform === 'xurrent'
          ? { kind: 'token' as const, token: 't', account: 'a' }
          : { kind: 'apiKey' as const, apiKey: 'k' };
      await expectDomainError(
        createHelpdesk(
          {
            platform: harness.platform,
            baseUrl: `http://127.0.0.1:${port}`,
            credentials,
          },
          onLoopback,
        ).verifyCredentials(),
        'helpdesk_unavailable',
        /instance URL/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/** The sync's API budget per ticket rests on these: a read is one call, a create needs no read-back. */
describe.each(harnesses.filter((h) => h.platform !== 'xurrent'))(
  '$platform connector: calls per read and per create',
  (harness) => {
    let started: HarnessStart | null = null;
    afterEach(async () => {
      await started?.sim.close();
      started = null;
    });

    it('reads a ticket with its conversations in one call, and lists them separately only at the embed cap', async () => {
      started = await harness.start({ clock: manualClock() });
      const { sim } = started;
      const client = started.client();
      const entity = await client.createEntity(harness.newEntity);
      const bodies: string[] = [];
      const addNotes = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const body = `Note ${bodies.length + 1}`;
          bodies.push(body);
          await client.addComment(entity.id, { body, internal: bodies.length % 2 === 0 });
        }
      };
      await addNotes(9);
      let before = sim.requests.total;
      const nine = await client.getEntity(entity.id);
      expect(sim.requests.total - before).toBe(1);
      expect(nine.comments.map((c) => c.body)).toEqual(bodies);

      // At the cap the embedded list may be cut short: the conversations endpoint has them all.
      await addNotes(3);
      before = sim.requests.total;
      const twelve = await client.getEntity(entity.id);
      expect(sim.requests.total - before).toBe(2);
      expect(twelve.comments.map((c) => c.body)).toEqual(bodies);
      expect(twelve.comments.map((c) => c.internal)).toEqual(bodies.map((_, i) => (i + 1) % 2 === 0));
    });

    it('creates in one call and answers with the entity a read shows, requester and tags included', async () => {
      started = await harness.start({ clock: manualClock() });
      const { sim } = started;
      const client = started.client();
      const before = sim.requests.total;
      const created = await client.createEntity({
        ...harness.newEntity,
        reporter: { id: null, email: 'new.person@example.com', displayName: 'New Person' },
      });
      expect(sim.requests.total - before).toBe(1);
      expect(created.reporter).toMatchObject({ email: 'new.person@example.com', displayName: 'New Person' });
      expect(created).toEqual(await client.getEntity(created.id));
    });
  },
);
