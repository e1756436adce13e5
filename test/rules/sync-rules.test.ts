import { describe, expect, it } from 'vitest';
import type { Entity, Replica } from '../../src/domain/entity.ts';
import type { DomainError } from '../../src/domain/errors.ts';
import { defaultScripts, runIncoming, runOutgoing } from '../../src/rules/index.ts';
import { comments, sampleEntity } from './support/entities.ts';

function outgoing(script: string, entity: Entity, previous: Replica | null = null): Replica {
  return runOutgoing({ script, entity, previous });
}

function incoming(
  script: string,
  entity: Entity | null,
  replica: Replica,
  platform: Entity['platform'],
  firstSync = entity === null,
): Entity {
  return runIncoming({ script, entity, replica, platform, firstSync });
}

function failure(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected the script to fail');
}

describe('default scripts', () => {
  for (const platform of ['freshdesk', 'freshservice', 'xurrent'] as const) {
    it(`${platform}: outgoing sends summary, description, labels, comments and attachments`, () => {
      const entity = sampleEntity(platform);
      const replica = outgoing(defaultScripts(platform).outgoing, entity);
      expect(replica.summary).toBe(entity.summary);
      expect(replica.description).toBe(entity.description);
      expect(replica.labels).toEqual(['printer', 'floor-3']);
      expect((replica.comments as unknown[]).length).toBe(20);
      expect((replica.attachments as { filename: string }[]).map((a) => a.filename)).toEqual(['photo.jpg', 'log.txt']);
      expect(replica.status).toEqual(entity.status);
    });

    it(`${platform}: incoming creates a new entity from a remote replica on the first sync`, () => {
      const remote = outgoing(defaultScripts('freshdesk').outgoing, sampleEntity('freshdesk'));
      const created = incoming(defaultScripts(platform).incoming, null, remote, platform, true);
      expect(created.platform).toBe(platform);
      expect(created.id).toBe('');
      expect(created.summary).toBe('Printer on 3rd floor broken');
      expect(created.description).toBe('It prints blank pages since Monday.');
      expect(created.labels).toEqual(['printer', 'floor-3']);
      expect(created.comments).toHaveLength(20);
      expect(created.comments.every((c) => c.id === '' && c.remoteId !== null)).toBe(true);
      expect(created.attachments.map((a) => a.remoteId)).toEqual(['f1', 'f2']);
      if (platform === 'xurrent') expect(created.native.category).toBe('incident');
    });
  }

  it('the Freshdesk incoming default prefixes new comments with their author, the Freshservice one makes them public', () => {
    const remote = outgoing(defaultScripts('xurrent').outgoing, sampleEntity('xurrent', { comments: comments(4) }));
    const fd = incoming(defaultScripts('freshdesk').incoming, null, remote, 'freshdesk');
    // "<comment.author.displayName>  commented: \n<comment.body>" (docs.exalate.com/docs/mergecomments)
    expect(fd.comments[0]?.body).toBe('Agent 0 commented: \nComment 1: the printer on floor 0 still jams');
    expect(fd.comments[3]?.internal).toBe(true);
    const fs = incoming(defaultScripts('freshservice').incoming, null, remote, 'freshservice');
    expect(fs.comments.every((c) => !c.internal)).toBe(true);
  });

  it('a second sync adds only new comments, applies edits, drops removed ones and ignores its own echoed comments', () => {
    const local = sampleEntity('freshdesk', { comments: [] });
    const remoteV1 = outgoing(defaultScripts('xurrent').outgoing, sampleEntity('xurrent', { comments: comments(3) }));
    const afterFirst = incoming(defaultScripts('freshdesk').incoming, local, remoteV1, 'freshdesk', false);
    // The connector created the comments and gave them ids; our own comment n1 also exists locally.
    const stored: Entity = {
      ...afterFirst,
      comments: [
        ...afterFirst.comments.map((c, i) => ({ ...c, id: `n${i + 10}` })),
        { id: 'n1', body: 'ours', author: null, internal: false, created: 'x', updated: null, remoteId: null },
      ],
    };
    const remoteComments = comments(4);
    remoteComments.splice(1, 1);
    (remoteComments[0] as { body: string }).body = 'edited';
    remoteComments.push({
      id: 'x9',
      body: 'ours',
      author: null,
      internal: false,
      created: 'x',
      updated: null,
      remoteId: 'n1',
    });
    const remoteV2 = outgoing(
      defaultScripts('xurrent').outgoing,
      sampleEntity('xurrent', { comments: remoteComments }),
    );
    const result = incoming(defaultScripts('freshdesk').incoming, stored, remoteV2, 'freshdesk', false);
    expect(result.comments.map((c) => [c.id, c.remoteId ?? null])).toEqual([
      ['n10', 'c1'],
      ['n12', 'c3'],
      ['n1', null],
      ['', 'c4'],
    ]);
    expect(result.comments[0]?.body).toBe('Agent 0 commented: \nedited');
    expect(stored.comments).toHaveLength(4);
  });

  it('does not mutate the input entity', () => {
    const entity = sampleEntity('freshdesk');
    const before = JSON.stringify(entity);
    incoming(
      'entity.summary = "changed"; entity.labels << "x"; entity.comments.clear()',
      entity,
      { summary: 's' },
      'freshdesk',
      false,
    );
    expect(JSON.stringify(entity)).toBe(before);
  });
});

describe('Exalate-style sync rules', () => {
  const fd = sampleEntity('freshdesk');
  const fs = sampleEntity('freshservice');
  const xr = sampleEntity('xurrent');

  it('1. maps Freshdesk statuses to Xurrent statuses', () => {
    const script = `
      def statusMap = ["Open": "Assigned", "Pending": "Waiting for Customer", "Resolved": "Completed", "Closed": "Completed"]
      entity.status = nodeHelper.getStatus(statusMap[replica.status.name])`;
    const out = incoming(
      script,
      xr,
      outgoing(defaultScripts('freshdesk').outgoing, sampleEntity('freshdesk', { status: { id: 3, name: 'Pending' } })),
      'xurrent',
      false,
    );
    expect(out.status).toEqual({ id: 'waiting_for_customer', name: 'Waiting for Customer' });
  });

  it('2. maps Xurrent statuses to Freshdesk statuses with a default', () => {
    const script = `
      def statusMap = [assigned: "Open", in_progress: "Open", waiting_for_customer: "Pending", completed: "Resolved"]
      def wanted = statusMap[replica.status?.id] ?: "Open"
      entity.status = nodeHelper.getStatus(wanted)`;
    expect(incoming(script, fd, { status: { id: 'completed', name: 'Completed' } }, 'freshdesk', false).status).toEqual(
      { id: 4, name: 'Resolved' },
    );
    expect(incoming(script, fd, { status: { id: 'declined', name: 'Declined' } }, 'freshdesk', false).status).toEqual({
      id: 2,
      name: 'Open',
    });
  });

  it('3. maps priorities by name, Freshdesk Urgent to Xurrent Top', () => {
    const script = `
      def priorityMap = [Low: "Low", Medium: "Medium", High: "High", Urgent: "Top"]
      entity.priority = nodeHelper.getPriority(priorityMap[replica.priority.name] ?: "Medium")`;
    expect(incoming(script, xr, { priority: { id: 4, name: 'Urgent' } }, 'xurrent', false).priority).toEqual({
      id: 'top',
      name: 'Top',
    });
  });

  it('4. nodeHelper.getStatus returns null for an unknown name (docs.exalate.com/docs/getstatus); assigning the name is an error', () => {
    // "If an invalid status name is provided, both the ID and name will be set to null" (Freshdesk & Freshservice).
    const warnings: string[] = [];
    const out = runIncoming({
      script: 'def s = nodeHelper.getStatus("Done")\nif (s) entity.status = s\nreplica.summary = "x"',
      entity: fd,
      replica: {},
      platform: 'freshdesk',
      firstSync: false,
      log: (level, message) => warnings.push(`${level} ${message}`),
    });
    expect(out.status).toEqual(fd.status);
    expect(warnings.join('\n')).toContain(
      "warn line 1: nodeHelper.getStatus('Done') is null: no such status for Freshdesk; known: Open, Pending, Resolved, Closed",
    );
    const e = failure(() => incoming('entity.status = "Done"', fd, {}, 'freshdesk', false));
    expect(e.code).toBe('script_error');
    expect(e.message).toContain("unknown status 'Done' for Freshdesk; valid statuses: Open, Pending, Resolved, Closed");
    expect(e.details).toMatchObject({ line: 1, kind: 'unknown_status' });
  });

  it('5. sends only public comments', () => {
    const replica = outgoing('replica.comments = entity.comments.findAll { !it.internal }', fd);
    expect((replica.comments as { internal: boolean }[]).length).toBe(15);
    expect((replica.comments as { internal: boolean }[]).every((c) => !c.internal)).toBe(true);
  });

  it('6. creates incoming comments as internal notes with a custom prefix', () => {
    const script = `entity.comments = commentHelper.mergeComments(entity, replica, { comment ->
        comment.body = "[Partner] " + comment.body
        comment.internal = true
      })`;
    const out = incoming(script, null, { comments: comments(2) }, 'freshservice', true);
    expect(out.comments.map((c) => [c.body, c.internal])).toEqual([
      ['[Partner] Comment 1: the printer on floor 0 still jams', true],
      ['[Partner] Comment 2: the printer on floor 1 still jams', true],
    ]);
  });

  it('7. skips comments that carry a marker', () => {
    const script = `replica.comments = entity.comments.findAll { !it.body.startsWith("#private") }`;
    const entity = sampleEntity('freshdesk', {
      comments: [...comments(2), { ...comments(1, 'p')[0]!, body: '#private note' }],
    });
    expect((outgoing(script, entity).comments as unknown[]).length).toBe(2);
  });

  it('8. places new Freshdesk tickets in a group on the first sync only', () => {
    const script = `
      if (firstSync) {
        entity.group_id = 1070000240345
        entity.source = 9
      }
      entity.summary = replica.summary`;
    const created = incoming(script, null, { summary: 'New' }, 'freshdesk', true);
    expect(created.native).toEqual({ group_id: 1070000240345, source: 9 });
    const updated = incoming(
      script,
      sampleEntity('freshdesk', { native: { group_id: 5 } }),
      { summary: 'Changed' },
      'freshdesk',
      false,
    );
    expect(updated.native.group_id).toBe(5);
    expect(updated.summary).toBe('Changed');
  });

  it('9. picks the Xurrent service by the remote type on the first sync', () => {
    const script = `
      if (firstSync) {
        switch (replica.type) {
          case "Incident": entity.serviceId = 1336; entity.category = "incident"; break
          case ["Question", "Feature Request"]: entity.serviceId = 1400; entity.category = "rfi"; break
          default: entity.serviceId = 1000; entity.category = "other"
        }
      }
      entity.summary = replica.summary`;
    expect(incoming(script, null, { type: 'Question', summary: 's' }, 'xurrent', true).native).toEqual({
      serviceId: 1400,
      category: 'rfi',
    });
    expect(incoming(script, null, { type: 'Incident', summary: 's' }, 'xurrent', true).native).toEqual({
      serviceId: 1336,
      category: 'incident',
    });
  });

  it('10. maps labels and adds a fixed label', () => {
    const script = `
      def labelMap = ["printer": "hardware", "floor-3": "site-hq"]
      entity.labels = (replica.labels.collect { labelMap[it] ?: it } + ["from-partner"]).unique()`;
    expect(incoming(script, fs, { labels: ['printer', 'floor-3', 'urgent'] }, 'freshservice', false).labels).toEqual([
      'hardware',
      'site-hq',
      'urgent',
      'from-partner',
    ]);
  });

  it('11. copies custom fields, converting a decimal', () => {
    const out = outgoing(
      `
      replica.customFields.orderNumber = entity.customFields.cf_order
      replica.customFields.amountCents = (entity.customFields.cf_amount * 100) as Integer
      replica.customKeys = [region: entity.customFields.cf_region]`,
      fd,
    );
    expect(out.customFields).toEqual({ orderNumber: 'PO-1', amountCents: 1250 });
    expect(out.customKeys).toEqual({ region: 'EMEA' });
  });

  it('12. writes incoming custom fields with quoted names', () => {
    const script = `entity.customFields."cf_order" = replica.customFields."Order number"
entity.customFields.cf_total = replica.customFields.total + 0.5`;
    const out = incoming(script, fs, { customFields: { 'Order number': 'PO-9', total: 2 } }, 'freshservice', false);
    expect(out.customFields).toMatchObject({ cf_order: 'PO-9', cf_total: 2.5, cf_region: 'EMEA' });
  });

  it('13. sets the Xurrent member from the reporter email', () => {
    const lookups = {
      userByEmail: (email: string) => (email === 'bob@acme.example' ? { id: '51', email, displayName: 'Bob' } : null),
    };
    const script = `
      def user = nodeHelper.getUserByEmail(replica.assignee?.email)
      if (user) { entity.teamId = 14; entity.memberId = user.id }`;
    const out = runIncoming({
      script,
      entity: xr,
      replica: { assignee: { id: 'x', email: 'bob@acme.example', displayName: 'B' } },
      platform: 'xurrent',
      firstSync: false,
      lookups,
    });
    expect(out.native).toMatchObject({ teamId: 14, memberId: '51' });
  });

  it('14. filters attachments by size and type before sending', () => {
    const out = outgoing(
      'replica.attachments = entity.attachments.findAll { it.filesize < 10000 && !it.filename.endsWith(".exe") }',
      fd,
    );
    expect((out.attachments as { filename: string }[]).map((a) => a.filename)).toEqual(['log.txt']);
  });

  it('15. merges incoming attachments without duplicating files already present', () => {
    const local = sampleEntity('freshdesk', {
      attachments: [
        { id: 'L1', filename: 'photo.jpg', mimetype: 'image/jpeg', filesize: 1, created: null, hash: 'h1' },
      ],
    });
    const out = incoming(
      'entity.attachments = attachmentHelper.mergeAttachments(entity, replica)',
      local,
      { attachments: sampleEntity('xurrent').attachments },
      'freshdesk',
      false,
    );
    expect(out.attachments.map((a) => [a.id, a.remoteId ?? null])).toEqual([
      ['L1', null],
      ['', 'f2'],
    ]);
  });

  it('16. builds the description from several fields and strips HTML', () => {
    const out = incoming(
      `
      def body = nodeHelper.stripHtml(replica.description)
      entity.description = "From \${replica.key}: \${body}\\nReporter: \${replica.reporter?.displayName ?: 'unknown'}"`,
      xr,
      { key: '#77', description: '<p>Hello <b>there</b></p>', reporter: { id: '1', email: null, displayName: 'Jane' } },
      'xurrent',
      false,
    );
    expect(out.description).toBe('From #77: Hello there\nReporter: Jane');
  });

  it('17. sends the status only when it changed since the previous sync', () => {
    const script = `
      replica.summary = entity.summary
      if (previous == null || previous.status?.name != entity.status.name) replica.status = entity.status`;
    expect(outgoing(script, fd).status).toEqual({ id: 2, name: 'Open' });
    expect(outgoing(script, fd, { status: { id: 2, name: 'Open' } }).status).toBeUndefined();
  });

  it('18. uses a helper method and a try/catch for a numeric custom field', () => {
    const script = `
      def toNumber(value) {
        try { return value.toString().trim().toInteger() } catch (NumberFormatException e) { return 0 }
      }
      entity.customFields.cf_units = toNumber(replica.customFields.units)`;
    expect(incoming(script, fd, { customFields: { units: ' 12 ' } }, 'freshdesk', false).customFields.cf_units).toBe(
      12,
    );
    expect(incoming(script, fd, { customFields: { units: 'n/a' } }, 'freshdesk', false).customFields.cf_units).toBe(0);
  });

  it('19. stops the sync on purpose with a message (IssueTrackerException)', () => {
    const e = failure(() =>
      incoming(
        'import com.exalate.api.exception.IssueTrackerException\nif (!replica.summary) throw new IssueTrackerException("summary is required")',
        fd,
        {},
        'freshdesk',
        false,
      ),
    );
    expect(e.code).toBe('script_error');
    expect(e.message).toBe('Script error at 2:23: summary is required');
    expect(e.details).toMatchObject({ kind: 'thrown', exception: 'IssueTrackerException' });
  });

  it('20. maps Freshservice urgency and impact into the priority', () => {
    const script = `
      def score = (replica.urgency ?: 1) * (replica.impact ?: 1)
      entity.priority = score >= 6 ? "Urgent" : score >= 4 ? "High" : score >= 2 ? "Medium" : "Low"`;
    expect(incoming(script, fd, { urgency: 3, impact: 2 }, 'freshdesk', false).priority).toEqual({
      id: 4,
      name: 'Urgent',
    });
    expect(incoming(script, fd, { urgency: 1, impact: 2 }, 'freshdesk', false).priority).toEqual({
      id: 2,
      name: 'Medium',
    });
  });

  it('21. sends native fields and assignee for Freshservice, reading them back on the other side', () => {
    const replica = outgoing(
      'replica.assignee = entity.assignee\nreplica.urgency = entity.urgency\nreplica.category = entity.category',
      fs,
    );
    expect(replica).toMatchObject({ assignee: { email: 'bob@acme.example' }, urgency: 2, category: 'Hardware' });
    const out = incoming(
      'entity.assignee = replica.assignee\nentity.category = replica.category',
      xr,
      replica,
      'xurrent',
      false,
    );
    expect(out.assignee?.email).toBe('bob@acme.example');
    expect(out.native.category).toBe('Hardware');
  });

  it('22. closes the local ticket when the remote one is completed, with an internal note', () => {
    const script = `
      if (replica.status?.name == "Completed" && entity.status.name != "Closed") {
        entity.status = nodeHelper.getStatus("Closed")
        def note = new com.exalate.basic.domain.hubobject.v1.BasicHubComment()
        note.body = "Closed because the partner completed " + replica.key
        note.internal = true
        entity.comments += note
      }`;
    const out = incoming(
      script,
      fd,
      { key: '70001', status: { id: 'completed', name: 'Completed' } },
      'freshdesk',
      false,
    );
    expect(out.status).toEqual({ id: 5, name: 'Closed' });
    expect(out.comments.at(-1)).toMatchObject({
      id: '',
      body: 'Closed because the partner completed 70001',
      internal: true,
    });
  });

  it('23. accepts the issue alias and Exalate-style imports', () => {
    const out = outgoing(
      'import com.exalate.basic.domain.hubobject.v1.*\nreplica.summary = issue.summary.toUpperCase()',
      fd,
    );
    expect(out.summary).toBe('PRINTER ON 3RD FLOOR BROKEN');
  });

  it('24. custom statuses of the account are accepted when the service passes them', () => {
    const out = runIncoming({
      script: 'entity.status = nodeHelper.getStatus("Waiting on Customer")',
      entity: fd,
      replica: {},
      platform: 'freshdesk',
      firstSync: false,
      lookups: { statuses: [{ id: 6, name: 'Waiting on Customer' }] },
    });
    expect(out.status).toEqual({ id: 6, name: 'Waiting on Customer' });
  });
});
