import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections } from '../../db/schema/index.ts';
import { acceptInvitation } from '../../src/app/accept-invitation.ts';
import {
  activateConnection,
  deactivateConnection,
  getConnection,
  listConnections,
} from '../../src/app/connection-lifecycle.ts';
import { getInstance } from '../../src/app/instances.ts';
import { shortConnectionIds } from '../../src/store/connections.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { startTestNode, type TestNode } from '../support/nodes.ts';
import { initiateAcmeToGlobex, registerTestInstance, snapshot } from '../support/story.ts';

/**
 * One node serving both sides of "Acme to Globex", as local mode does: the name is on acme and on globex, and each
 * side has an id of its own. Plus two pending connections on acme whose ids share their first 9 characters, for
 * prefixes that fit more than one.
 */
describe('naming a connection: id, unique id prefix, or name, limited to an instance', () => {
  let node: TestNode;
  let acmeId: string;
  let globexId: string;
  const twinA = 'c0ffee12-3456-4abc-8def-000000000001';
  const twinB = 'c0ffee12-9999-4abc-8def-000000000002';

  beforeAll(async () => {
    node = await startTestNode('refs');
    await registerTestInstance(node.deps, 'acme', 'freshdesk');
    await registerTestInstance(node.deps, 'globex', 'xurrent');
    const { code, connection } = await initiateAcmeToGlobex({ a: node, b: node });
    acmeId = connection.id;
    globexId = (await acceptInvitation(node.deps, { instance: 'globex', code, actor: 'test:bob' })).id;
    const acme = getInstance(node.deps, 'acme');
    for (const [id, name] of [
      [twinA, 'Twin one'],
      [twinB, 'Twin two'],
    ] as const) {
      node.deps.db
        .insert(connections)
        .values({
          id,
          instanceId: acme.id,
          role: 'initiator',
          name,
          localShortName: 'Acme',
          remoteShortName: 'Partner',
          mode: 'basic',
          status: 'pending',
          createdAt: node.clock.now(),
        })
        .run();
    }
  });
  afterAll(async () => {
    await node?.stop();
  });

  /** The refusal `action` throws, after checking that it changed nothing in the database. */
  function refusal(action: () => unknown): DomainError {
    const before = snapshot(node);
    let caught: unknown;
    try {
      action();
    } catch (error) {
      caught = error;
    }
    expect(caught, 'expected a refusal').toBeInstanceOf(DomainError);
    expect(snapshot(node)).toEqual(before);
    return caught as DomainError;
  }

  it('finds a connection by its whole id, by a unique prefix of 6 or more characters (any case), or by its name on an instance', () => {
    expect(getConnection(node.deps, { connection: acmeId }).id).toBe(acmeId);
    expect(getConnection(node.deps, { connection: acmeId.slice(0, 6) }).id).toBe(acmeId);
    expect(getConnection(node.deps, { connection: ` ${globexId.slice(0, 8).toUpperCase()} ` }).id).toBe(globexId);
    expect(getConnection(node.deps, { connection: 'Acme to Globex', instance: 'acme' }).id).toBe(acmeId);
    expect(getConnection(node.deps, { connection: 'Acme to Globex', instance: 'globex' }).id).toBe(globexId);
    expect(getConnection(node.deps, { connection: 'c0ffee12-3' }).id).toBe(twinA);
    // A prefix acts on that connection only.
    deactivateConnection(node.deps, { connection: globexId.slice(0, 7), actor: 'test:ops' });
    expect(listConnections(node.deps).map((c) => [c.id, c.status])).toEqual(
      expect.arrayContaining([
        [acmeId, 'active'],
        [globexId, 'deactivated'],
      ]),
    );
    activateConnection(node.deps, { connection: globexId.slice(0, 7), actor: 'test:ops' });
  });

  it('a name on two instances is refused with each candidate, its instance and its id; nothing changes', () => {
    const error = refusal(() => deactivateConnection(node.deps, { connection: 'Acme to Globex', actor: 'test:ops' }));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      `2 connections are named "Acme to Globex": ${acmeId.slice(0, 8)}… on acme, ${globexId.slice(0, 8)}… on globex; give the id or --instance.`,
    );
  });

  it('a prefix that fits several connections is refused with each, in a form long enough to pick it; nothing changes', () => {
    const error = refusal(() => deactivateConnection(node.deps, { connection: 'C0FFEE', actor: 'test:ops' }));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      'The id "C0FFEE" fits 2 connections: c0ffee12-3… "Twin one" on acme, c0ffee12-9… "Twin two" on acme; give more of the id.',
    );
    // Limited to acme, the candidates are acme's by status (the instance goes without saying).
    expect(refusal(() => getConnection(node.deps, { connection: 'c0ffee12', instance: 'acme' })).message).toBe(
      'The id "c0ffee12" fits 2 connections: c0ffee12-3… "Twin one" (pending), c0ffee12-9… "Twin two" (pending); give more of the id.',
    );
  });

  it('a prefix shorter than 6 characters, or one that fits nothing, is refused; nothing changes', () => {
    const short = refusal(() => deactivateConnection(node.deps, { connection: acmeId.slice(0, 5), actor: 'test:ops' }));
    expect(short.code).toBe('not_found');
    expect(short.message).toBe(
      `There is no connection named "${acmeId.slice(0, 5)}"; to pick one by its id, give at least 6 characters of the id.`,
    );
    const unknown = refusal(() => deactivateConnection(node.deps, { connection: 'abcdef999', actor: 'test:ops' }));
    expect(unknown.message).toBe('There is no connection "abcdef999".');
    expect(refusal(() => getConnection(node.deps, { connection: 'Nobody' })).message).toBe(
      'There is no connection "Nobody".',
    );
  });

  it("limited to an instance, another instance's connection is out of reach by id, prefix or name", () => {
    for (const ref of [globexId, globexId.slice(0, 8), 'Twin one']) {
      const instance = ref === 'Twin one' ? 'globex' : 'acme';
      const error = refusal(() => deactivateConnection(node.deps, { connection: ref, instance, actor: 'test:ops' }));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe(`There is no connection "${ref}" on this instance.`);
    }
  });

  it('short ids are 8 characters, longer only where another id starts the same', () => {
    const short = shortConnectionIds([acmeId, twinA, twinB]);
    expect(short.get(acmeId)).toBe(acmeId.slice(0, 8));
    expect(short.get(twinA)).toBe('c0ffee12-3');
    expect(short.get(twinB)).toBe('c0ffee12-9');
  });
});
