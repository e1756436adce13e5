import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET_HEADER } from '../../adapters/helpdesk/webhooks.ts';
import { instanceWebhook } from '../../src/app/webhook-secrets.ts';
import { runCli } from '../../src/cli/run.ts';
import { capturedIo } from '../support/cli-io.ts';
import { TestClock } from '../support/nodes.ts';
import {
  agentOf,
  connect,
  registerOn,
  rows,
  startSimulator,
  startSyncNode,
  type Simulator,
  type SyncNode,
} from '../support/sync-nodes.ts';

/**
 * `deskbridge instances check`: the pre-flight, through the real CLI against a running node and its simulators set
 * up the way a first sync fails (a custom field the helpdesk requires, a webhook without the right secret, an
 * incoming group that was deleted), then set right.
 */
describe('deskbridge instances check', () => {
  let a: SyncNode;
  let b: SyncNode;
  let fd: Simulator;
  let fs: Simulator;
  let xr: Simulator;
  let envA: Record<string, string>;
  let envB: Record<string, string>;
  /** The automation rule's webhook action, sending a stale secret until the admin corrects it. */
  const staleRule = { url: '', headers: { [WEBHOOK_SECRET_HEADER]: 'an-old-secret' } };

  beforeAll(async () => {
    const clock = TestClock.ticking();
    [fd, fs, xr] = await Promise.all([
      startSimulator('freshdesk', clock),
      startSimulator('freshservice', clock),
      startSimulator('xurrent', clock),
    ]);
    [a, b] = await Promise.all([startSyncNode('a', {}, clock), startSyncNode('b', {}, clock)]);
    await registerOn(a, 'acme', fd, { webhooks: false });
    await registerOn(b, 'initech', fs, { webhooks: false });
    await registerOn(b, 'globex', xr, { webhooks: false });
    const [workspace] = await agentOf(fs).listProjects();
    // Acme's connection creates tickets in group 302, which is deleted below.
    await connect(a, 'acme', b, 'initech', { aProject: '302', bProject: workspace!.id });
    envA = { DESKBRIDGE_DATA_DIR: a.dataDir, PUBLIC_URL: a.config.publicUrl, LOG_LEVEL: 'silent' };
    envB = { DESKBRIDGE_DATA_DIR: b.dataDir, PUBLIC_URL: b.config.publicUrl, LOG_LEVEL: 'silent' };
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([fd?.close(), fs?.close(), xr?.close()]);
  });

  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const c = capturedIo();
    const code = await runCli(args, c.io, env);
    return { code, stdout: c.out(), stderr: c.err() };
  };

  it('with no webhook secret yet it says so, and checking creates none', async () => {
    const result = await cli(envA, 'instances', 'check', 'acme');
    expect(result.stdout).toMatch(/^problem {2}webhook: This instance has no webhook secret yet/m);
    expect(result.stdout).toContain('Fix: Run deskbridge instances webhook acme');
    expect(rows(a, 'select * from webhook_secrets')).toEqual([]);
  });

  it('finds the required custom field, the refused webhook and the deleted group, each with its fix', async () => {
    // Freshdesk Admin -> Ticket Fields: "Region" required for agents.
    fd.seed({
      ticketFields: [{ name: 'cf_region', label: 'Region', type: 'custom_dropdown', required_for_agents: true }],
    });
    // The automation rule sends a stale secret.
    const hook = instanceWebhook(a.deps, { instance: 'acme', actor: 'test:admin' });
    if (fd.platform !== 'freshdesk') throw new Error('freshdesk expected');
    staleRule.url = hook.url;
    fd.webhooks.add(staleRule);
    const id = fd.addTicket({ subject: 'Printer on fire', email: 'pat@acme.example' });
    fd.agentUpdate(id, { priority: 3 });
    await fd.webhooks.settle();
    expect(fd.webhooks.deliveries.at(-1)?.status).toBe(401);
    fd.seed({ groups: [{ id: 301, name: 'Support' }] });

    const result = await cli(envA, 'instances', 'check', 'acme');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('deskbridge: 3 problems found on acme.\n');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('Pre-flight check of Acme (freshdesk):');
    expect(lines).toContain('ok       credentials: The API key signs in as Simulator Agent.');
    expect(result.stdout).toMatch(
      /^problem {2}required fields: Freshdesk requires "Region" \(cf_region\) on every ticket an agent creates: tickets DeskBridge creates without it are refused\. Fix: Set it in the incoming rules \(entity\.customFields\.cf_region = \.\.\.\)/m,
    );
    expect(result.stdout).toMatch(
      /^problem {2}webhook: The last webhook from Freshdesk \(\S+\) was refused: it did not carry this instance's secret in the x-deskbridge-secret header\. Changes arrive only by polling\. Fix: Correct the automation rule's x-deskbridge-secret header: deskbridge instances webhook acme prints/m,
    );
    expect(result.stdout).toMatch(
      /^ok {7}webhook: DeskBridge answers for this instance at http:\/\/127\.0\.0\.1:\d+\/i\/acme\.$/m,
    );
    expect(result.stdout).toMatch(/^ok {7}rate limit: \d+ of 100000 API calls left this minute\.$/m);
    expect(result.stdout).toMatch(
      /^problem {2}incoming project: acme to initech: incoming group "Escalations" \(302\) no longer exists in Freshdesk: creating tickets fails\. Fix: /m,
    );
    expect(lines.at(-1)).toBe('Acme: 3 problems. Fix the problems before the first sync; they make syncs fail.');
    // The secret itself is never printed.
    expect(result.stdout).not.toContain(hook.secret);
    expect(result.stdout).not.toContain('an-old-secret');

    // The simulator refuses what the check warned about, as Freshdesk does.
    await expect(
      agentOf(fd).createEntity({
        summary: 'No region',
        reporter: { id: null, email: 'pat@acme.example', displayName: 'Pat' },
      }),
    ).rejects.toThrow(/cf_region/);

    const json = await cli(envA, 'instances', 'check', 'acme', '--json');
    const report = JSON.parse(json.stdout) as { problems: number; findings: Array<{ level: string; topic: string }> };
    expect(report.problems).toBe(3);
    expect(report.findings.map((f) => f.topic)).toEqual([...report.findings.map((f) => f.topic)].sort(topicOrder));
  });

  it('passes once the field is optional, the rule carries the secret and the group is back', async () => {
    if (fd.platform !== 'freshdesk') throw new Error('freshdesk expected');
    fd.seed({
      ticketFields: [{ name: 'cf_region', required_for_agents: false }],
      groups: [
        { id: 301, name: 'Support' },
        { id: 302, name: 'Escalations' },
      ],
    });
    // The admin corrects the rule's header.
    staleRule.headers[WEBHOOK_SECRET_HEADER] = instanceWebhook(a.deps, {
      instance: 'acme',
      actor: 'test:admin',
    }).secret;
    fd.agentUpdate(1, { priority: 2 });
    await fd.webhooks.settle();

    const result = await cli(envA, 'instances', 'check', 'acme');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok {7}webhook: DeskBridge last received a verified webhook from Freshdesk at /m);
    expect(result.stdout).toMatch(/^ok {7}required fields: No ticket field beyond what DeskBridge always fills/m);
    expect(result.stdout).toContain(
      'ok       incoming project: acme to initech: incoming group "Escalations" (302) exists.',
    );
    expect(result.stdout).not.toMatch(/^problem/m);
  });

  it('checks Freshservice through its ticket form fields', async () => {
    if (fs.platform !== 'freshservice') throw new Error('freshservice expected');
    fs.seed({ ticketFields: [{ name: 'ticket_type', required_for_agents: true }] });
    const result = await cli(envB, 'instances', 'check', 'initech');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ok       credentials: The API key signs in and can read tickets.');
    expect(result.stdout).toMatch(/^problem {2}required fields: Freshservice requires "Type" \(ticket_type\)/m);
    expect(result.stdout).toMatch(/^ok {7}incoming project: .+: incoming workspace "IT" \(2\) exists\.$/m);
  });

  it('reads the Xurrent webhooks: one with a stale secret is a problem, the missing events a warning', async () => {
    if (xr.platform !== 'xurrent') throw new Error('xurrent expected');
    const hook = instanceWebhook(b.deps, { instance: 'globex', actor: 'test:admin' });
    await xr.webhooks.register({ event: 'request.update', uri: `${hook.url}?secret=stale` });
    const result = await cli(envB, 'instances', 'check', 'globex');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ok {7}credentials: The token signs in as /m);
    expect(result.stdout).toMatch(
      /^problem {2}webhook: Webhook \d+ \(request\.update\) carries another secret than this instance's: DeskBridge refuses its deliveries\./m,
    );
    expect(result.stdout).toMatch(
      /^warning {2}webhook: No webhook for request\.create, request\.note-added: those changes arrive only by polling\./m,
    );
    expect(result.stdout).toMatch(/^ok {7}rate limit: \d+ of \d+ API calls left this hour \(the quota refills at /m);
    expect(result.stdout).toMatch(
      /^ok {7}required fields: Xurrent requires a category on every request and an impact on incidents: /m,
    );
    expect(result.stdout).not.toContain(hook.secret);
  });

  it('refuses bad input and changes nothing', async () => {
    const before = rows(a, 'select * from audit_log').length;
    const missing = await cli(envA, 'instances', 'check');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Name the instance: deskbridge instances check <instance>.');
    const unknown = await cli(envA, 'instances', 'check', 'nosuch');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('deskbridge: There is no instance "nosuch" on this node. Known instances: acme.\n');
    const flag = await cli(envA, 'instances', 'check', 'acme', '--colour');
    expect(flag.code).toBe(2);
    expect(rows(a, 'select * from audit_log').length).toBe(before);
  });
});

const order = ['credentials', 'permissions', 'required fields', 'webhook', 'rate limit', 'incoming project'];
function topicOrder(x: string, y: string): number {
  return order.indexOf(x) - order.indexOf(y);
}
