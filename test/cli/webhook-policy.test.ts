import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditLog } from '../../src/app/audit-log.ts';
import { webhookInstance } from '../../src/app/webhook-secrets.ts';
import { runCli } from '../../src/cli/run.ts';
import { capturedIo } from '../support/cli-io.ts';
import { TestClock } from '../support/nodes.ts';
import { registerOn, startSimulator, startSyncNode, type Simulator, type SyncNode } from '../support/sync-nodes.ts';

/**
 * An admin whose Xurrent signs webhooks with a webhook policy (jwt_alg rs/es/hs 256/384/512; GraphQL enum
 * WebhookPolicyJwtAlg) gives DeskBridge the policy once, from the CLI; from then on only deliveries signed by it count.
 */
describe('deskbridge instances webhook --policy-*: Xurrent webhooks checked against a webhook policy', () => {
  let node: SyncNode;
  let xurrent: Simulator & { platform: 'xurrent' };
  let freshdesk: Simulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    const clock = TestClock.ticking();
    const [x, f] = await Promise.all([startSimulator('xurrent', clock), startSimulator('freshdesk', clock)]);
    if (x.platform !== 'xurrent') throw new Error('expected the Xurrent simulator');
    [xurrent, freshdesk] = [x, f];
    node = await startSyncNode('policy', {}, clock);
    await registerOn(node, 'globex', xurrent, { webhooks: false });
    await registerOn(node, 'acme', freshdesk, { webhooks: false });
    env = { DESKBRIDGE_DATA_DIR: node.dataDir, LOG_LEVEL: 'silent', PUBLIC_URL: node.config.publicUrl };
  });
  afterAll(async () => {
    await node?.stop();
    await Promise.all([xurrent?.close(), freshdesk?.close()]);
  });

  async function cli(...args: string[]) {
    const { io, out, err } = capturedIo();
    const code = await runCli(args, io, env);
    return { code, out: out(), err: err() };
  }
  function keyFile(name: string, content: string): string {
    const path = join(node.dataDir, name);
    writeFileSync(path, content);
    return path;
  }
  const policyChanges = () =>
    listAuditLog(node.deps, { limit: 100 }).filter((e) => e.action.startsWith('instance.webhook-policy')).length;

  it('an HS256 policy: the verify handshake and signed changes are accepted, unsigned deliveries no longer are', async () => {
    // Before: a webhook whose URI carries the instance's secret is how an unsigned delivery proves itself.
    const setup = JSON.parse((await cli('instances', 'webhook', 'globex', '--json')).out) as {
      url: string;
      secret: string;
    };
    const unsignedHook = await xurrent.webhooks.register({
      event: 'request.update',
      uri: `${setup.url}?secret=${setup.secret}`,
    });
    expect(xurrent.webhooks.list().find((w) => w.id === unsignedHook.id)?.verified).toBe(true);
    const id = xurrent.addRequest({ subject: 'a request' });
    xurrent.agentUpdate(id, { impact: 'medium' });
    await xurrent.webhooks.settle();
    const lastOf = (webhookId: number) => xurrent.webhooks.deliveries.filter((d) => d.webhookId === webhookId).at(-1);
    expect(lastOf(unsignedHook.id)).toMatchObject({ event: 'request.update', status: 202 });

    const policy = xurrent.webhooks.createPolicy({ alg: 'HS256', audience: 'deskbridge' });
    const set = await cli(
      'instances',
      'webhook',
      'globex',
      '--policy-alg',
      'hs256',
      '--policy-key',
      keyFile('hs.key', policy.publicKeyPem),
      '--policy-audience',
      'deskbridge',
    );
    expect(set.code, set.err).toBe(0);
    expect(set.out).toBe(
      'Xurrent webhooks of Globex are now checked against the hs256 webhook policy for audience deskbridge: unsigned or differently signed deliveries are refused.\n',
    );
    // The key is sealed at rest, like every secret.
    const stored = node.deps.db.$client.prepare('select key_enc from xurrent_webhook_policies').get() as {
      key_enc: string;
    };
    expect(stored.key_enc).not.toContain(policy.publicKeyPem);

    // The receiver may reuse an instance it looked up for up to a second (real time, not the test clock): wait that
    // out, as the policy then applies to every delivery.
    await new Promise((r) => setTimeout(r, 1100));
    const hook = `${node.config.publicUrl}/webhooks/globex`;
    const webhook = await xurrent.webhooks.register({ event: 'request.update', uri: hook, policyId: policy.id });
    expect(lastOf(webhook.id)).toMatchObject({ event: 'webhook.verify', status: 200 });
    expect(xurrent.webhooks.list().find((w) => w.id === webhook.id)?.verified).toBe(true);

    // Once a policy is set, the secret in the URI no longer suffices.
    xurrent.agentUpdate(id, { impact: 'high' });
    await xurrent.webhooks.settle();
    expect(lastOf(webhook.id)).toMatchObject({ event: 'request.update', status: 202 });
    expect(lastOf(unsignedHook.id)).toMatchObject({ event: 'request.update', status: 401 });
  });

  it('an ES256 policy takes the public key Xurrent handed out; --no-policy goes back to the secret', async () => {
    const policy = xurrent.webhooks.createPolicy({ alg: 'ES256', audience: 'deskbridge' });
    const set = await cli(
      'instances',
      'webhook',
      'globex',
      '--policy-alg',
      'ES256',
      '--policy-key',
      keyFile('es.pem', policy.publicKeyPem),
    );
    expect(set.code, set.err).toBe(0);
    expect(webhookInstance(node.deps, 'globex')?.xurrentPolicy).toMatchObject({ algorithm: 'es256', audience: null });
    const cleared = await cli('instances', 'webhook', 'globex', '--no-policy');
    expect(cleared.code, cleared.err).toBe(0);
    expect(webhookInstance(node.deps, 'globex')?.xurrentPolicy).toBeNull();
  });

  it('refuses, changing nothing: none, a private key, a public key as an HS secret, a key of the wrong kind, a Freshdesk instance', async () => {
    const before = policyChanges();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaPublic = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const cases: [string[], RegExp][] = [
      [['--policy-alg', 'none', '--policy-key', keyFile('n.key', 'x'.repeat(32))], /"none" is refused/],
      [
        [
          '--policy-alg',
          'rs256',
          '--policy-key',
          keyFile('priv.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
        ],
        /That is a private key/,
      ],
      [['--policy-alg', 'hs256', '--policy-key', keyFile('pub-as-secret.pem', rsaPublic)], /not a PEM key/],
      [
        ['--policy-alg', 'es256', '--policy-key', keyFile('rsa-for-es.pem', rsaPublic)],
        /needs|checked with an EC public key/,
      ],
      [['--policy-alg', 'hs256', '--policy-key', keyFile('short.key', 'tiny')], /shorter than 16 characters/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli('instances', 'webhook', 'globex', ...flags);
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.err).toMatch(message);
    }
    const fd = await cli(
      'instances',
      'webhook',
      'acme',
      '--policy-alg',
      'hs256',
      '--policy-key',
      keyFile('fd.key', 'y'.repeat(32)),
    );
    expect(fd.code).toBe(1);
    expect(fd.err).toMatch(/webhook policies are Xurrent's/);
    const half = await cli('instances', 'webhook', 'globex', '--policy-alg', 'hs256');
    expect(half.code).toBe(2);
    expect(policyChanges()).toBe(before);
    expect(webhookInstance(node.deps, 'globex')?.xurrentPolicy).toBeNull();
  });
});
