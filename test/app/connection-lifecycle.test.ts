import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import {
  activateConnection,
  deactivateConnection,
  deleteConnection,
  listConnections,
  listStatusEvents,
  updateConnection,
} from '../../src/app/connection-lifecycle.ts';
import { initiateConnection, checkDestination } from '../../src/app/initiate-connection.ts';
import { buildAppDeps } from '../../src/app-deps.ts';
import { createLogger } from '../../src/logger.ts';
import { loadConfig } from '../../src/config.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { fixedHelpdesks } from '../support/helpdesks.ts';
import { tempDir, TestClock } from '../support/nodes.ts';
import { initiateAcmeToGlobex, registerTestInstance, snapshot, twoNodes } from '../support/story.ts';

type Nodes = Awaited<ReturnType<typeof twoNodes>>;

const HOUR = 3_600_000;

function initiateFromAcme(nodes: Nodes, overrides: Partial<Parameters<typeof initiateConnection>[1]> = {}) {
  return initiateAcmeToGlobex(nodes, {
    description: 'Escalations from Acme support to Globex IT',
    incomingProjectId: '1002',
    ...overrides,
  });
}

/** Runs `action`, expects a DomainError with `code`, and checks that neither node's database changed. */
async function expectRefusal(nodes: Nodes, action: () => Promise<unknown> | unknown, code: string, message: RegExp) {
  const before = [snapshot(nodes.a), snapshot(nodes.b)];
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a refusal').toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe(code);
  expect((caught as DomainError).message).toMatch(message);
  expect([snapshot(nodes.a), snapshot(nodes.b)]).toEqual(before);
}

describe('initiate and accept between two nodes', () => {
  let nodes: Nodes;
  beforeEach(async () => {
    nodes = await twoNodes();
  });
  afterEach(async () => {
    await nodes.stop();
  });

  it('offers only the modes both sides support', async () => {
    const check = await checkDestination(nodes.a.deps, {
      instance: 'acme',
      destinationUrl: nodes.b.instanceUrl('globex'),
    });
    expect(check.destination).toMatchObject({
      name: 'Globex',
      platform: 'xurrent',
      url: nodes.b.instanceUrl('globex'),
    });
    expect(check.modes).toEqual([
      { mode: 'basic', available: true },
      { mode: 'script', available: true },
    ]);
    await registerTestInstance(nodes.b.deps, 'hooli', 'freshservice', { public: false });
    const hooli = await checkDestination(nodes.a.deps, {
      instance: 'acme',
      destinationUrl: nodes.b.instanceUrl('hooli'),
    });
    expect(hooli.modes[1]).toEqual({ mode: 'script', available: false, reason: 'Hooli does not offer Script mode.' });
  });

  it('initiates on A against B, accepts on B: both active with names, mode, project and one status event each', async () => {
    const { connection, code, expiresAt } = await initiateFromAcme(nodes);
    expect(connection.status).toBe('pending');
    expect(expiresAt.getTime() - nodes.a.clock.now().getTime()).toBe(72 * HOUR);
    expect(listConnections(nodes.a.deps)[0]).toMatchObject({ status: 'pending', name: 'Acme to Globex' });

    const accepted = await acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' });
    expect(accepted.status).toBe('active');

    const [onA] = listConnections(nodes.a.deps);
    const [onB] = listConnections(nodes.b.deps);
    expect(onA).toMatchObject({
      status: 'active',
      role: 'initiator',
      name: 'Acme to Globex',
      description: 'Escalations from Acme support to Globex IT',
      localShortName: 'Acme',
      remoteShortName: 'Globex',
      mode: 'script',
      incomingProject: { id: '1002', name: 'Escalations' },
      remoteUrl: nodes.b.instanceUrl('globex'),
      remoteConnectionId: onB!.id,
      remotePlatform: 'xurrent',
      remoteIsPrivate: false,
      entitiesUnderSync: 0,
      lastSync: null,
    });
    expect(onB).toMatchObject({
      status: 'active',
      role: 'acceptor',
      name: 'Acme to Globex',
      localShortName: 'Globex',
      remoteShortName: 'Acme',
      mode: 'script',
      incomingProject: null,
      remoteUrl: nodes.a.instanceUrl('acme'),
      remoteConnectionId: onA!.id,
      remotePlatform: 'freshdesk',
    });
    expect(listStatusEvents(nodes.a.deps, onA!.id)).toEqual([
      expect.objectContaining({ from: 'pending', to: 'active', reason: 'Globex accepted the invitation.' }),
    ]);
    expect(listStatusEvents(nodes.b.deps, onB!.id)).toEqual([
      expect.objectContaining({ from: 'pending', to: 'active', reason: 'Accepted the invitation from Acme.' }),
    ]);
  });

  it('asks the accepting Freshservice side for its workspace, and refuses without one', async () => {
    await registerTestInstance(nodes.b.deps, 'initech', 'freshservice');
    const { code } = await initiateFromAcme(nodes, { destinationUrl: nodes.b.instanceUrl('initech') });
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'initech', code, actor: 'test:bob' }),
      'invalid_input',
      /Choose the Freshservice workspace/,
    );
    const connection = await acceptInvitation(nodes.b.deps, {
      instance: 'initech',
      code,
      incomingProjectId: '3',
      actor: 'test:bob',
    });
    expect(connection.incomingProject).toEqual({ id: '3', name: 'HR' });
  });

  it('deactivates, activates and deletes, recording each status change', async () => {
    const { code } = await initiateFromAcme(nodes);
    await acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' });
    const id = listConnections(nodes.a.deps)[0]!.id;
    expect(deactivateConnection(nodes.a.deps, { connection: 'Acme to Globex', actor: 'test:alice' }).status).toBe(
      'deactivated',
    );
    await expectRefusal(
      nodes,
      () => deactivateConnection(nodes.a.deps, { connection: id, actor: 'test:alice' }),
      'conflict',
      /already deactivated/,
    );
    expect(activateConnection(nodes.a.deps, { connection: id, actor: 'test:alice' }).status).toBe('active');
    expect(listStatusEvents(nodes.a.deps, id).map((e) => `${e.from}->${e.to}`)).toEqual([
      'pending->active',
      'active->deactivated',
      'deactivated->active',
    ]);
    deleteConnection(nodes.a.deps, { connection: id, actor: 'test:alice' });
    expect(listConnections(nodes.a.deps)).toEqual([]);
  });
});

describe('a private connection (no destination URL)', () => {
  it('is accepted by a side that has no server at all: only the initiator is reachable', async () => {
    const nodes = await twoNodes();
    try {
      const { code, connection } = await initiateConnection(nodes.a.deps, {
        instance: 'acme',
        destinationUrl: null,
        mode: 'basic',
        localShortName: 'Acme',
        remoteShortName: 'Private partner',
        name: 'Acme private',
        incomingProjectId: '1001',
        actor: 'test:alice',
      });
      expect(connection).toMatchObject({ status: 'pending', remoteUrl: null, remoteIsPrivate: true });

      // The private side: a data dir and the use-cases, but no listening server.
      const privateDir = tempDir('deskbridge-private-');
      const config = loadConfig({
        DESKBRIDGE_DATA_DIR: privateDir,
        PUBLIC_URL: 'http://192.0.2.1:9',
        DESKBRIDGE_NODE_TIMEOUT_MS: '1500',
        // The initiator it accepts from is on loopback.
        DESKBRIDGE_ALLOW_PRIVATE_URLS: 'true',
      });
      const privateDeps = buildAppDeps({
        config,
        logger: createLogger('silent'),
        connectHelpdesk: fixedHelpdesks(),
        clock: new TestClock().now,
      });
      await registerTestInstance(privateDeps, 'umbrella', 'xurrent');
      const accepted = await acceptInvitation(privateDeps, { instance: 'umbrella', code, actor: 'test:carol' });
      expect(accepted).toMatchObject({ status: 'active', mode: 'basic', remoteUrl: nodes.a.instanceUrl('acme') });

      const [onA] = listConnections(nodes.a.deps);
      expect(onA).toMatchObject({
        status: 'active',
        remoteUrl: null,
        remoteIsPrivate: true,
        remotePlatform: 'xurrent',
        remoteConnectionId: accepted.id,
      });
      expect(listStatusEvents(nodes.a.deps, onA!.id)).toHaveLength(1);
      expect(listStatusEvents(privateDeps, accepted.id)).toHaveLength(1);
      privateDeps.db.$client.close();
    } finally {
      await nodes.stop();
    }
  });
});

describe('refusals: a clear message and no row changed on either side', () => {
  let nodes: Nodes;
  beforeEach(async () => {
    nodes = await twoNodes();
  });
  afterEach(async () => {
    await nodes.stop();
  });

  it('a tampered code', async () => {
    const { code } = await initiateFromAcme(nodes);
    const [prefix, body, signature] = code.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    payload.m = 'basic';
    const tampered = `${prefix}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'globex', code: tampered, actor: 'test:bob' }),
      'invitation_invalid',
      /changed after it was issued/,
    );
    const badSignature = `${prefix}.${body}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'globex', code: badSignature, actor: 'test:bob' }),
      'invitation_invalid',
      /changed after it was issued/,
    );
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'globex', code: code.slice(0, 40), actor: 'test:bob' }),
      'invitation_invalid',
      /cut short or changed/,
    );
  });

  it('an expired code, whichever side notices', async () => {
    const { code } = await initiateFromAcme(nodes);
    nodes.b.clock.advance(73 * HOUR);
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' }),
      'invitation_expired',
      /expired on/,
    );
    nodes.b.clock.advance(-73 * HOUR);
    nodes.a.clock.advance(73 * HOUR);
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' }),
      'invitation_expired',
      /expired on/,
    );
  });

  it('a reused code, on the same instance and on another one', async () => {
    const { code } = await initiateFromAcme(nodes, { destinationUrl: null });
    await acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' });
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'globex', code, actor: 'test:bob' }),
      'invitation_used',
      /already been accepted/,
    );
    await registerTestInstance(nodes.b.deps, 'umbrella', 'xurrent');
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'umbrella', code, actor: 'test:bob' }),
      'invitation_used',
      /already been used/,
    );
  });

  it('a code bound to another destination', async () => {
    await registerTestInstance(nodes.b.deps, 'umbrella', 'xurrent');
    const { code } = await initiateFromAcme(nodes);
    await expectRefusal(
      nodes,
      () => acceptInvitation(nodes.b.deps, { instance: 'umbrella', code, actor: 'test:bob' }),
      'invitation_wrong_destination',
      /issued for .*\/i\/globex/,
    );
  });

  it('Script mode on an expired license, and on an evaluation past its date', async () => {
    await registerTestInstance(nodes.a.deps, 'expired-co', 'freshdesk', { license: 'expired' });
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { instance: 'expired-co' }),
      'mode_not_allowed',
      /license of Expired-co has expired/,
    );
    nodes.a.clock.advance(31 * 24 * HOUR);
    await expectRefusal(nodes, () => initiateFromAcme(nodes), 'mode_not_allowed', /license of Acme has expired/);
    // Basic mode stays available.
    const basic = await initiateFromAcme(nodes, { mode: 'basic' });
    expect(basic.connection.mode).toBe('basic');
  });

  it('Script mode on a non-public instance', async () => {
    await registerTestInstance(nodes.a.deps, 'hidden', 'freshdesk', { public: false });
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { instance: 'hidden' }),
      'mode_not_allowed',
      /needs a public instance/,
    );
  });

  it('a missing or unknown incoming project for Freshdesk and Freshservice', async () => {
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { incomingProjectId: undefined }),
      'invalid_input',
      /Choose the Freshdesk group/,
    );
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { incomingProjectId: '999' }),
      'invalid_input',
      /no group "999".*Support \(1001\)/,
    );
    await registerTestInstance(nodes.a.deps, 'initech', 'freshservice');
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { instance: 'initech', incomingProjectId: undefined }),
      'invalid_input',
      /Choose the Freshservice workspace/,
    );
  });

  it('a destination URL that does not answer, within seconds', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    try {
      await expectRefusal(
        nodes,
        () => initiateFromAcme(nodes, { destinationUrl: `http://127.0.0.1:${port}/i/nobody` }),
        'remote_unreachable',
        /No answer from .* within 1.5 seconds/,
      );
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      silent.close();
    }
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { destinationUrl: 'http://127.0.0.1:9/i/closed' }),
      'remote_unreachable',
      /Could not reach/,
    );
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { destinationUrl: `${nodes.b.config.publicUrl}/i/nobody` }),
      'not_found',
      /no instance "nobody"/,
    );
  });

  it('names over their limits', async () => {
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { name: 'x'.repeat(256) }),
      'invalid_input',
      /Connection name must be at most 255 characters \(it has 256\)/,
    );
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { localShortName: 'a'.repeat(51) }),
      'invalid_input',
      /Local instance short name must be at most 50/,
    );
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { remoteShortName: '' }),
      'invalid_input',
      /Remote instance short name is required/,
    );
    await expectRefusal(
      nodes,
      () => initiateFromAcme(nodes, { description: 'd'.repeat(1001) }),
      'invalid_input',
      /Description must be at most 1000/,
    );
    const ok = await initiateFromAcme(nodes, { name: 'x'.repeat(255) });
    expect(ok.connection.name).toHaveLength(255);
  });

  it('an attempt to change the mode of an existing connection', async () => {
    const { connection } = await initiateFromAcme(nodes, { mode: 'basic' });
    await expectRefusal(
      nodes,
      () => updateConnection(nodes.a.deps, { connection: connection.id, mode: 'script', actor: 'test:alice' }),
      'conflict',
      /mode of a connection cannot be changed.*initiate a new connection/,
    );
    expect(
      updateConnection(nodes.a.deps, { connection: connection.id, description: 'renamed', actor: 'test:alice' })
        .description,
    ).toBe('renamed');
  });
});
