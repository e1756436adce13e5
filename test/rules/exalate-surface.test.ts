/**
 * The Exalate replica, hub objects and script helpers as Exalate's documentation describes them; each expected
 * behaviour quotes the page it comes from.
 */
import { describe, expect, it } from 'vitest';
import type { Entity, HubComment, Replica } from '../../src/domain/entity.ts';
import type { Platform } from '../../src/domain/instance.ts';
import { checkScript, defaultScripts, runIncoming, runOutgoing } from '../../src/rules/index.ts';
import { comments, sampleEntity } from './support/entities.ts';

function incoming(
  script: string,
  replica: Replica,
  options: { entity?: Entity; previous?: Replica | null; platform?: Platform } = {},
): Entity {
  const platform = options.platform ?? 'freshdesk';
  return runIncoming({
    script,
    entity: options.entity ?? sampleEntity(platform),
    replica,
    previous: options.previous ?? null,
    platform,
    firstSync: false,
    lookups: {
      userByEmail: (email) => (email === 'jane@customer.example' ? { id: 'u7', email, displayName: 'Jane Doe' } : null),
      userById: (id) => (id === 'u7' ? { id, email: 'jane@customer.example', displayName: 'Jane Doe' } : null),
    },
  });
}

const note = (id: string, body: string): HubComment => ({
  id,
  body,
  author: { id: 'a1', email: 'bob@acme.example', displayName: 'Bob Agent' },
  internal: false,
  created: '2026-01-01T10:00:00Z',
  updated: null,
  remoteId: null,
});

describe('the replica as Exalate scripts read it', () => {
  it('a key the other side did not send reads as null', () => {
    // "It contains only the fields provided through the data filter on the source side"
    // (docs.exalate.com/docs/what-is-a-replica); scripts test such keys: `if (replica.parentId)`
    // (docs.exalate.com/docs/pdfexport/id/6374c83b0c79395d522737ec).
    const out = incoming('entity.summary = replica.parentId == null ? "no parent" : "parent"', { summary: 's' });
    expect(out.summary).toBe('no parent');
  });

  it('addedComments and removedComments compare with the replica received last time', () => {
    // "it is possible to list all the added and removed comments using the correct properties"
    // (docs.idalko.com/exalate/display/ED/FAQ); `def resolveComments = replica.addedComments.findAll { comment ->
    // comment.body.contains("Resolve")}` (docs.exalate.com/docs/configuration-faqs).
    const script = `def resolve = replica.addedComments.findAll { comment -> comment.body.contains("Resolve") }
entity.summary = replica.addedComments.collect { it.id }.join(",") + "|" + replica.removedComments.collect { it.id }.join(",") + "|" + resolve.size()`;
    const previous: Replica = { comments: [note('c1', 'one'), note('c2', 'two')] };
    const replica: Replica = { comments: [note('c2', 'two'), note('c3', 'Resolve it')] };
    expect(incoming(script, replica, { previous }).summary).toBe('c3|c1|1');
    // No previous replica: a first sync, everything is added.
    expect(incoming(script, replica).summary).toBe('c2,c3||1');
  });

  it('issue.comments += replica.addedComments adds the new ones', () => {
    // "Add comments every time the comment on the remote side was edited ... issue.comments += replica.addedComments"
    // (docs.idalko.com/exalate/display/ED/How+to+synchronize+comments+in+Jira+on-premise)
    const out = incoming(
      'issue.comments += replica.addedComments',
      { comments: [note('c1', 'one'), note('c2', 'two')] },
      { entity: sampleEntity('freshdesk', { comments: [] }), previous: { comments: [note('c1', 'one')] } },
    );
    expect(out.comments.map((c) => c.body)).toEqual(['two']);
  });

  it('addedAttachments and removedAttachments, as mergeAttachments is documented', () => {
    // mergeAttachments "is equivalent to issue.attachments += replica.addedAttachments; issue.attachments -=
    // replica.removedAttachments" (docs.exalate.com/docs/attachmenthelper-in-script-helpers)
    const file = (id: string) => ({ id, filename: `${id}.txt`, mimetype: 'text/plain', filesize: 1, created: null });
    const out = incoming(
      'entity.summary = replica.addedAttachments.collect { it.filename }.join(",") + "|" + replica.removedAttachments.collect { it.filename }.join(",")',
      { attachments: [file('a2'), file('a3')] },
      { previous: { attachments: [file('a1'), file('a2')] } },
    );
    expect(out.summary).toBe('a3.txt|a1.txt');
  });

  it('custom fields are read and written through .value, and plain reads keep working', () => {
    // `issue.customFields."Remote Issue Links".value = replica.customKeys."Remote Issue Links".collect {it.url }
    // .join(", ")` (docs.exalate.com/docs/getremoteissuelinks)
    const script = `entity.customFields."cf_order".value = replica.customFields."Order number"?.value
entity.customFields.cf_region = replica.customFields."Missing"?.value ?: "none"
entity.customFields["cf_amount"].value = replica.customFields.total + 1`;
    const out = incoming(script, { customFields: { 'Order number': 'PO-9', total: 2 } });
    expect(out.customFields).toMatchObject({ cf_order: 'PO-9', cf_region: 'none', cf_amount: 3 });
  });

  it('labels answer .label and nodeHelper.getLabel gives one to add', () => {
    // getLabel(String label): "Returns a label"; `issue.labels += nodeHelper.getLabel("uservoice")`
    // (docs.exalate.com/docs/getlabel)
    const out = incoming(
      'entity.labels = replica.labels.collect { it.label }\nissue.labels += nodeHelper.getLabel("uservoice")',
      { labels: ['printer', 'vip'] },
    );
    expect(out.labels).toEqual(['printer', 'vip', 'uservoice']);
  });

  it('users have key, username, email and displayName', () => {
    // `if (nodeHelper.getUserByUsername(replica.assignee.username) != null)` (docs.exalate.com/docs/getuserbyusername)
    const script = `def u = nodeHelper.getUserByUsername(replica.reporter.username)
entity.summary = [replica.reporter.key, replica.reporter.username, replica.reporter.email, replica.reporter.displayName, u?.displayName, nodeHelper.getUserByUsername("nobody@x")].join("|")`;
    const out = incoming(script, {
      reporter: { id: 'r1', email: 'jane@customer.example', displayName: 'Jane Doe' },
    });
    expect(out.summary).toBe('r1|jane@customer.example|jane@customer.example|Jane Doe|Jane Doe|null');
    expect(
      incoming('entity.summary = nodeHelper.getUser("u7")?.displayName + "|" + nodeHelper.getUser("x")', {}).summary,
    ).toBe('Jane Doe|null');
  });

  it('comments have author, executor, internal, role, created and updated; the impersonation example runs', () => {
    // "if (it.author) it.executor = it.author else it.executor = nodeHelper.getUserByEmail("default user email"); it"
    // (docs.exalate.com/docs/mergecomments-custom-formatting)
    const script = `entity.comments = commentHelper.mergeComments(issue, replica) {
 if (it.author) it.executor = it.author
 else it.executor = nodeHelper.getUserByEmail("default user email"); it
}
def c = replica.comments[0]
entity.summary = [c.author.displayName, c.executor, c.internal, c.role, c.created, c.updated].join("|")`;
    const out = incoming(
      script,
      { comments: [note('c1', 'hello')] },
      { entity: sampleEntity('freshdesk', { comments: [] }) },
    );
    expect(out.summary).toBe('Bob Agent|null|false|null|2026-01-01T10:00:00Z|null');
    expect(out.comments.map((c) => c.body)).toEqual(['hello']);
  });

  it('type.name, status.name and priority.name read the names', () => {
    // `if(replica.type.name == "Bug") { issue.projectKey = "TESTERS" ...` (docs.idalko.com/exalate/pages/viewpage
    // .action?pageId=19629012); `statusMap[replica.status.name]` (docs.exalate.com/docs/xurrent-status-sync)
    const out = incoming(
      'entity.summary = [replica.type.name, replica.type?.name, replica.status.name, replica.priority.name].join("|")',
      { type: 'Incident', status: { id: 2, name: 'Open' }, priority: { id: 3, name: 'High' } },
    );
    expect(out.summary).toBe('Incident|Incident|Open|High');
    // The plain spelling keeps working.
    expect(incoming('entity.summary = replica.type == "Incident" ? "yes" : "no"', { type: 'Incident' }).summary).toBe(
      'yes',
    );
  });

  it('the default scripts still run unchanged', () => {
    const replica = runOutgoing({ script: defaultScripts('freshdesk').outgoing, entity: sampleEntity('freshdesk') });
    const out = incoming(defaultScripts('freshservice').incoming, replica, { platform: 'freshservice' });
    expect(out.customFields).toMatchObject({ cf_order: 'PO-1' });
    expect(replica.labels).toEqual(['printer', 'floor-3']);
    expect(replica.type).toBe('Incident');
  });
});

describe('Exalate script helpers', () => {
  it('getStatus and getPriority return null for an unknown name, so `if (desiredStatus)` keeps the old one', () => {
    // "def desiredStatus = nodeHelper.getStatus(desiredStatusName) / if (desiredStatus) { issue.status =
    // desiredStatus }" (docs.exalate.com/docs/getstatus)
    const fd = sampleEntity('freshdesk');
    const script = `def desiredStatusName
if (replica.status?.name == "Done") desiredStatusName = "Fixed"
def desiredStatus = nodeHelper.getStatus(desiredStatusName)
if (desiredStatus) issue.status = desiredStatus
def p = nodeHelper.getPriority("Blocker")
if (p) entity.priority = p`;
    const out = incoming(script, { status: { id: 'x', name: 'Done' } }, { entity: fd });
    expect(out.status).toEqual(fd.status);
    expect(out.priority).toEqual(fd.priority);
    expect(incoming('entity.status = nodeHelper.getStatus("Resolved")', {}).status).toEqual({
      id: 4,
      name: 'Resolved',
    });
  });

  it('stripHtmlFromComments removes the HTML from the comments', () => {
    // "replica.comments = nodeHelper.stripHtmlFromComments(entity.comments)" (docs.exalate.com/docs/nostriphtmlfromcomments)
    const entity = sampleEntity('freshdesk', { comments: [note('c1', '<div>Hello <b>there</b></div>')] });
    const replica = runOutgoing({
      script: 'replica.comments = nodeHelper.stripHtmlFromComments(entity.comments)',
      entity,
    });
    expect((replica.comments as HubComment[]).map((c) => c.body)).toEqual(['Hello there']);
    expect(entity.comments[0]?.body).toBe('<div>Hello <b>there</b></div>');
  });

  it('toMarkDownFromHtml and toMarkDownComments convert HTML to Markdown', () => {
    // "issue.description = nodeHelper.toMarkDownFromHtml(replica.description)" (docs.exalate.com/docs/tomarkdownfromhtml);
    // "issue.comments = nodeHelper.toMarkDownComments(commentHelper.mergeComments(issue, replica))"
    // (docs.exalate.com/docs/tomarkdowncomments)
    const out = incoming(
      'issue.description = nodeHelper.toMarkDownFromHtml(replica.description)\nissue.comments = nodeHelper.toMarkDownComments(commentHelper.mergeComments(issue, replica, {it}))',
      {
        description:
          '<p>Printer <strong>broken</strong>, see <a href="https://x.example/kb">KB</a></p><ul><li>one</li><li>two</li></ul>',
        comments: [note('c1', '<p>Try <em>again</em></p>')],
      },
      { entity: sampleEntity('freshdesk', { comments: [] }) },
    );
    expect(out.description).toBe('Printer **broken**, see [KB](https://x.example/kb)\n\n- one\n- two');
    expect(out.comments.map((c) => c.body)).toEqual(['Try *again*']);
  });

  it('commentHelper.addComment(body, comments) and addComment(body, sync, comments)', () => {
    // "addComment(String body, List comments) or addComment(String body, Boolean sync, List comments)";
    // "If the body argument is empty, the comment is not synchronized." (docs.exalate.com/docs/addcomment)
    const entity = sampleEntity('freshdesk', { comments: [] });
    const out = incoming(
      'issue.comments = commentHelper.addComment("Resolution changed to done", issue.comments)\nissue.comments = commentHelper.addComment("Synced", true, issue.comments)\nissue.comments = commentHelper.addComment("", issue.comments)',
      {},
      { entity },
    );
    expect(out.comments.map((c) => [c.id, c.body])).toEqual([
      ['', 'Resolution changed to done'],
      ['', 'Synced'],
    ]);
    // A comment kept from the sync cannot be promised here: refused with the reason, not leaked to the partner.
    expect(() =>
      incoming('issue.comments = commentHelper.addComment("x", false, issue.comments)', {}, { entity }),
    ).toThrow(/not synced is not supported/);
  });

  it('mergeComments prefixes the author as documented', () => {
    // "<comment.author.displayName>  commented: \n<comment.body>" (docs.exalate.com/docs/mergecomments)
    const out = incoming(
      'entity.comments = commentHelper.mergeComments(issue, replica)',
      { comments: comments(1) },
      { entity: sampleEntity('freshdesk', { comments: [] }) },
    );
    expect(out.comments[0]?.body).toBe('Agent 0 commented: \nComment 1: the printer on floor 0 still jams');
  });
});

describe('rules check: names no run offers', () => {
  it('reports unknown globals, unknown helper methods and unknown status names with line and column', () => {
    const script = `def resp = restClient.get("/api/v2/tickets/1")
entity.status = nodeHelper.getStatuss("Open")
def s = nodeHelper.getStatus("Dne")
def known = 1
println known + undefinedThing`;
    expect(checkScript(script)).toEqual([]);
    const warnings = checkScript(script, { warnings: true, platform: 'freshdesk' });
    expect(warnings.map((w) => [w.severity, w.line, w.column, w.kind])).toEqual([
      ['warning', 1, 12, 'unknown_global'],
      ['warning', 2, 28, 'unknown_helper_method'],
      ['warning', 3, 30, 'unknown_status'],
      ['warning', 5, 17, 'unknown_global'],
    ]);
    expect(warnings[0]?.summary).toBe('Warning at 1:12: restClient is not available to sync scripts here');
    expect(warnings[1]?.reason).toContain('nodeHelper has no method getStatuss() (did you mean getStatus?)');
    expect(warnings[2]?.reason).toContain('Known: Open, Pending, Resolved, Closed');
  });

  it('the default scripts and the names a script declares give no warning', () => {
    for (const platform of ['freshdesk', 'freshservice', 'xurrent'] as const) {
      const scripts = defaultScripts(platform);
      expect(checkScript(scripts.outgoing, { warnings: true, platform })).toEqual([]);
      expect(checkScript(scripts.incoming, { warnings: true, platform })).toEqual([]);
    }
    const script = `def helper(x) { x * 2 }
total = 0
[1, 2].each { n -> total += helper(n) }
for (i in 1..2) { total += i }
try { total++ } catch (Exception e) { println e.message }
replica.summary = "" + total + issue.key + firstSync + previous`;
    expect(checkScript(script, { warnings: true, platform: 'freshdesk' })).toEqual([]);
  });

  it('a syntax error is still the one error reported', () => {
    expect(checkScript('def x = (', { warnings: true }).map((p) => p.severity)).toEqual(['error']);
  });
});

describe('the sync around a run: issueUrl and syncHelper', () => {
  const linked = {
    twinUrl: 'https://desk.partner.example/helpdesk/tickets/7',
    nodeUrl: 'https://bridge.acme.example/i/acme',
    remoteNodeUrl: 'https://bridge.partner.example/i/partner',
    isUnderSync: (id: string, connection: string | null) => id === '1234' && (connection ?? 'A_to_B') === 'A_to_B',
    localTwinOf: (remoteId: string) => (remoteId === '10001' ? { id: '77', key: '#77' } : null),
  };

  function run(script: string, replica: Replica = {}, lookups = {}): Entity {
    return runIncoming({
      script,
      entity: sampleEntity('freshdesk', { comments: [] }),
      replica,
      firstSync: false,
      platform: 'freshdesk',
      lookups,
    });
  }

  it('issueUrl is the twin on the other side, posted once as a comment the way scripts do it', () => {
    // "Add remote issue url to scripts context" (Exalate for Jira on-premise 5.0.2, docs.exalate.com release
    // history); ChristopheDeBeule/snippets "Add remote URL link as the first comment" adds it when not yet there.
    const script = `if (issue.comments.isEmpty() || !issue.comments.body.contains(issueUrl)) {
  issue.comments = commentHelper.addComment(issueUrl, issue.comments)
}`;
    const first = run(script, {}, linked);
    expect(first.comments.map((c) => c.body)).toEqual([linked.twinUrl]);
    const again = runIncoming({
      script,
      entity: first,
      replica: {},
      firstSync: false,
      platform: 'freshdesk',
      lookups: linked,
    });
    expect(again.comments).toHaveLength(1);
    // Before the twin exists there is no URL; a script cannot replace it.
    expect(run('entity.summary = issueUrl == null ? "no twin yet" : issueUrl').summary).toBe('no twin yet');
    expect(() => run('issueUrl = "https://evil.example"', {}, linked)).toThrow(/issueUrl cannot be replaced/);
  });

  it('syncHelper answers whether an entity is under sync and which local entity is linked', () => {
    // isUnderSync(entityId, entityType[, connection]) and isIssueUnderSync(entityId) (docs.exalate.com/docs/isundersync);
    // getLocalIssueKeyFromRemoteId: "If no local issue is linked ... the method will return null"
    // (docs.exalate.com/docs/getlocalissuekeyfromremoteid); getExalateUrl / getRemoteExalateUrl.
    const script = `def parent = syncHelper.getLocalIssueKeyFromRemoteId(replica.parentId)
def none = syncHelper.getLocalIssueKeyFromRemoteId("999")
entity.summary = [syncHelper.isUnderSync(issue.id, "ticket"), syncHelper.isUnderSync(issue.id, "ticket", "Other"),
  syncHelper.isIssueUnderSync("5"), parent?.id, parent?.key, none].join(" ")
entity.description = syncHelper.getExalateUrl() + " " + syncHelper.getRemoteExalateUrl()`;
    const out = run(script, { parentId: 10001 }, linked);
    expect(out.summary).toBe('true false false 77 #77 null');
    expect(out.description).toBe('https://bridge.acme.example/i/acme https://bridge.partner.example/i/partner');
    // Without the engine's answers (a test run from the CLI) nothing is under sync and nothing is linked.
    expect(run(script, { parentId: 10001 }).summary).toBe('false false false null null null');
  });

  it('syncHelper refuses what it does not offer, and wrong arguments, with the reason', () => {
    expect(() => run('syncHelper.syncBackAfterProcessing()')).toThrow(
      /No signature of method: syncHelper.syncBackAfterProcessing\(\)/,
    );
    expect(() => run('syncHelper.isUnderSync("1")')).toThrow(
      /syncHelper.isUnderSync\(entityId, entityType\[, connection\]\) takes 2 or 3 arguments/,
    );
    expect(() => run('syncHelper.twinTraceRepository')).toThrow(/No such property: twinTraceRepository for syncHelper/);
  });
});

describe('more of the Exalate surface', () => {
  it('nodeHelper.toHtml turns Markdown into HTML, keeping HTML in the text as text', () => {
    const out = runIncoming({
      script: 'entity.description = nodeHelper.toHtml(replica.description)',
      entity: sampleEntity('freshdesk'),
      replica: {
        description:
          '# Printer\nIt prints **blank** pages, see [KB](https://kb.example/12) and `lpq`\nsince Monday\n\n- one\n- two\n\n<script>alert(1)</script> [x](javascript:alert(1))',
      },
      firstSync: false,
      platform: 'freshdesk',
    });
    expect(out.description).toBe(
      '<h1>Printer</h1><p>It prints <strong>blank</strong> pages, see <a href="https://kb.example/12">KB</a> and <code>lpq</code><br>since Monday</p><ul><li>one</li><li>two</li></ul><p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>',
    );
  });

  it('def cf = x.customFields."Name" then cf?.value reads the field, and cf.value = v writes it', () => {
    // `def cf = replica.customFields."Demo Date"` then `cf?.value` (ChristopheDeBeule/snippets, Freshservice timestamp)
    const out = runIncoming({
      script: `def cf = replica.customFields."Demo Date"
def mine = issue.customFields.cf_order
mine.value = cf?.value + "/" + mine.value
entity.summary = mine.value`,
      entity: sampleEntity('freshdesk'),
      replica: { customFields: { 'Demo Date': '2025-10-25' } },
      firstSync: false,
      platform: 'freshdesk',
    });
    expect(out.customFields.cf_order).toBe('2025-10-25/PO-1');
    expect(out.summary).toBe('2025-10-25/PO-1');
    // A variable that is reassigned is an ordinary variable: its value is the plain text, which has no .value.
    expect(() =>
      runOutgoing({
        script: 'def cf = issue.customFields.cf_order\ncf = "x"\nreplica.summary = cf.value',
        entity: sampleEntity('freshdesk'),
      }),
    ).toThrow(/No such property: value for String/);
  });

  it('a?.b = v assigns nothing when a is null, as Groovy, and still assigns when a is there', () => {
    const script =
      'replica.summary = "s"\nreplica.assignee = entity.assignee\nreplica.assignee?.displayName = "Agent on duty"';
    const withAssignee = runOutgoing({ script, entity: sampleEntity('freshdesk') });
    expect(withAssignee.assignee).toMatchObject({ displayName: 'Agent on duty' });
    const without = runOutgoing({ script, entity: sampleEntity('freshdesk', { assignee: null }) });
    expect(without.assignee).toBeNull();
    expect(without.summary).toBe('s');
  });

  it('a Timestamp parameter takes the date a replica carries as text, and refuses other text', () => {
    const script = `import java.sql.Timestamp
String day(Timestamp ts) { java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").format(ts.toLocalDateTime()) }
entity.summary = day(replica.customFields.due)`;
    const at = (due: string) =>
      runIncoming({
        script,
        entity: sampleEntity('freshdesk'),
        replica: { customFields: { due } },
        firstSync: false,
        platform: 'freshdesk',
      }).summary;
    // A Timestamp as it travels in a replica, an ISO instant as the helpdesk APIs give it, a date.
    expect([at('2025-10-25 08:30:00.0'), at('2025-10-25T08:30:00Z'), at('2025-10-25')]).toEqual([
      '2025-10-25 08:30',
      '2025-10-25 08:30',
      '2025-10-25 00:00',
    ]);
    expect(() => at('next tuesday')).toThrow(
      /Cannot cast object 'next tuesday' with class 'java.lang.String' to class 'java.sql.Timestamp'/,
    );
  });

  it('rules check knows issueUrl, syncHelper, toHtml, classes and classes written out in full', () => {
    const script = `class Formatter {
  def helper
  Formatter(helper) { this.helper = helper }
  def html(text) { helper.toHtml(text) + replica.key }
}
def f = java.time.format.DateTimeFormatter.ofPattern("yyyy")
entity.description = new Formatter(nodeHelper).html(replica.description) + issueUrl + f
if (syncHelper.isUnderSync(issue.id, "ticket")) syncHelper.syncBackAfterProcessing()`;
    const warnings = checkScript(script, { warnings: true, platform: 'freshdesk' });
    expect(warnings.map((w) => [w.line, w.column, w.kind, w.reason])).toEqual([
      [
        4,
        42,
        'unknown_global',
        'replica is not visible inside class Formatter: pass it to its constructor or to the method',
      ],
      [8, 60, 'unknown_helper_method', 'syncHelper has no method syncBackAfterProcessing()'],
    ]);
  });
});
