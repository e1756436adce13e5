/**
 * The flat form entities and replicas take to and from the rule workers: lossless through a real structured clone
 * (a MessageChannel), absent optional fields and key order included.
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Entity, Replica } from '../../src/domain/entity.ts';
import { defaultScripts, runOutgoing } from '../../src/rules/index.ts';
import { packEntity, packReplica, unpackEntity, unpackReplica } from '../../src/rules/pool/wire-codec.ts';
import { sampleEntity } from './support/entities.ts';

/** What the other thread receives: the value through the structured clone a worker's port applies. */
function acrossThreads<T>(value: T): T {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(value);
    return receiveMessageOnPort(port2)!.message as T;
  } finally {
    port1.close();
  }
}

describe('the rule pool wire codec', () => {
  it('an entity comes back equal, optional fields absent where they were absent', () => {
    const entity: Entity = sampleEntity('freshservice', {
      status: null,
      priority: { id: null, name: 'Urgent' },
      reporter: null,
      comments: [
        { id: 'c1', body: 'a', author: null, internal: true, created: '2026-01-01T00:00:00Z', updated: null },
        {
          id: '',
          body: 'b',
          author: { id: null, email: 'x@y.example', displayName: null },
          internal: false,
          created: '2026-01-02T00:00:00Z',
          updated: '2026-01-03T00:00:00Z',
          remoteId: 'r9',
        },
      ],
      attachments: [
        { id: 'f1', filename: 'a.txt', mimetype: 'text/plain', filesize: 1, created: null },
        {
          id: 'f2',
          filename: 'b.txt',
          mimetype: 'text/plain',
          filesize: 2,
          created: null,
          url: null,
          hash: 'h',
          remoteId: null,
        },
      ],
      customFields: { cf_nested: { list: [1, 'two', null] } },
    });
    const back = unpackEntity(acrossThreads(packEntity(entity)));
    expect(back).toStrictEqual(entity);
    expect('remoteId' in back.comments[0]!).toBe(false);
    expect('url' in back.attachments[0]!).toBe(false);
  });

  it('a replica the interpreter built comes back with the same JSON, key order included', () => {
    const replica = runOutgoing({ script: defaultScripts('freshdesk').outgoing, entity: sampleEntity('freshdesk') });
    const packed = packReplica(replica);
    // Its comments and attachments travel flat.
    expect(packed[1]).not.toBeNull();
    expect(packed[2]).not.toBeNull();
    expect(JSON.stringify(unpackReplica(acrossThreads(packed)))).toBe(JSON.stringify(replica));
  });

  it('a replica whose lists have other shapes travels as it is', () => {
    const replica: Replica = {
      summary: 's',
      comments: [{ id: 'c1', body: 'x', extra: true }],
      attachments: [{ id: 'f1', filename: 'a' }],
    };
    const packed = packReplica(replica);
    expect(packed).toEqual([replica, null, null]);
    expect(unpackReplica(acrossThreads(packed))).toStrictEqual(replica);
    const oddAuthor: Replica = {
      comments: [
        {
          id: 'c1',
          body: 'x',
          author: { id: '1', email: null, displayName: null, role: 'agent' },
          internal: false,
          created: 'c',
          updated: null,
          remoteId: null,
        },
      ],
    };
    expect(packReplica(oddAuthor)[1]).toBeNull();
    expect(unpackReplica(acrossThreads(packReplica(oddAuthor)))).toStrictEqual(oddAuthor);
  });
});
