/**
 * What the sync engine hands a run besides its entity and replica, through the rule pool's real workers: the twin's
 * URL (issueUrl) and the two instances' URLs as plain data, and syncHelper's twin questions as host calls answered on
 * the main thread. Each run must see what the in-process interpreter sees with the same NodeLookups.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { runIncoming, runOutgoing, type NodeLookups } from '../../src/rules/index.ts';
import type { UnderSyncQuery } from '../../src/rules/pool/protocol.ts';
import { RulePool } from '../../src/rules/pool/rule-pool.ts';
import { sampleEntity } from './support/entities.ts';

const pools: RulePool[] = [];

function pool(): RulePool {
  const p = new RulePool({ size: 1 });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const entity = sampleEntity('freshdesk');
const urls = {
  twinUrl: 'https://initech.freshservice.com/a/tickets/7',
  nodeUrl: 'https://bridge.acme.example/i/acme',
  remoteNodeUrl: 'https://bridge.initech.example/i/initech',
};
const urlScript =
  'replica.summary = [issueUrl, syncHelper.getExalateUrl(), syncHelper.getRemoteExalateUrl()].join(" | ")';

describe('the sync inputs of a pooled run', () => {
  it('hands issueUrl and the node URLs to outgoing and incoming runs, as the interpreter sees them in-process', async () => {
    const rules = pool();
    const replica = await rules.runOutgoing({ script: urlScript, entity, ...urls });
    const lookups: NodeLookups = { ...urls };
    expect(replica['summary']).toBe(runOutgoing({ script: urlScript, entity, lookups })['summary']);
    expect(replica['summary']).toBe(`${urls.twinUrl} | ${urls.nodeUrl} | ${urls.remoteNodeUrl}`);

    const incomingScript = 'entity.summary = replica.summary\nentity.description = "from " + issueUrl';
    const created = await rules.runIncoming({
      script: incomingScript,
      entity: null,
      replica,
      firstSync: true,
      platform: 'freshservice',
      ...urls,
    });
    expect(created.description).toBe(`from ${urls.twinUrl}`);
    expect(created).toEqual(
      runIncoming({
        script: incomingScript,
        entity: null,
        replica,
        firstSync: true,
        platform: 'freshservice',
        lookups,
      }),
    );
  });

  it('without them (a node that sent no URL, a private partner) the script reads null, as before', async () => {
    const rules = pool();
    const none = await rules.runOutgoing({ script: urlScript, entity });
    expect(none['summary']).toBe('null | null | null');
    const nulls = await rules.runOutgoing({
      script: urlScript,
      entity,
      twinUrl: null,
      nodeUrl: urls.nodeUrl,
      remoteNodeUrl: null,
    });
    expect(nulls['summary']).toBe(`null | ${urls.nodeUrl} | null`);
  });

  it('answers isUnderSync and getLocalIssueKeyFromRemoteId through the host bridge, with what the script asked', async () => {
    const rules = pool();
    const asked: Array<UnderSyncQuery | string> = [];
    const script = `def mine = syncHelper.isIssueUnderSync(entity.id)
def other = syncHelper.isUnderSync(entity.id, "ticket", "Acme to Globex")
def elsewhere = syncHelper.isUnderSync("999", "ticket")
def twin = syncHelper.getLocalIssueKeyFromRemoteId("10001")
def none = syncHelper.getLocalIssueKeyFromRemoteId(404)
replica.summary = [mine, other, elsewhere, twin?.id, twin?.key, none].join("|")`;
    const replica = await rules.runOutgoing({
      script,
      entity,
      host: {
        isUnderSync: async (query) => {
          asked.push(query);
          // Slower than the run may take on its own: waiting for the host is not the run's time.
          await new Promise((resolve) => setTimeout(resolve, 50));
          return query.entityId === entity.id && query.connection === null;
        },
        localTwinOf: async (remoteId) => {
          asked.push(remoteId);
          return remoteId === '10001' ? { id: '77', key: '#77' } : null;
        },
      },
    });
    expect(replica['summary']).toBe('true|false|false|77|#77|null');
    expect(asked).toEqual([
      { entityId: entity.id, connection: null },
      { entityId: entity.id, connection: 'Acme to Globex' },
      { entityId: '999', connection: null },
      '10001',
      '404',
    ]);
    // In-process with the same answers (synchronous there): the same replica.
    const inProcess = runOutgoing({
      script,
      entity,
      lookups: {
        isUnderSync: (id, connection) => id === entity.id && connection === null,
        localTwinOf: (remoteId) => (remoteId === '10001' ? { id: '77', key: '#77' } : null),
      },
    });
    expect(replica['summary']).toBe(inProcess['summary']);
  });

  it('a run without the handlers finds nothing under sync and no twin (a CLI `rules run`)', async () => {
    const rules = pool();
    const replica = await rules.runOutgoing({
      script:
        'replica.summary = [syncHelper.isIssueUnderSync(entity.id), syncHelper.getLocalIssueKeyFromRemoteId("1")].join("|")',
      entity,
    });
    expect(replica['summary']).toBe('false|null');
  });

  it('a DomainError from a twin question reaches the run unchanged; the next run is answered', async () => {
    const rules = pool();
    const refused = new DomainError('not_found', 'The connection of this run no longer exists on this node.');
    const error = await rules
      .runOutgoing({
        script: 'replica.summary = "" + syncHelper.isIssueUnderSync(entity.id)',
        entity,
        host: {
          isUnderSync: async () => {
            throw refused;
          },
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'not_found', message: refused.message });
    const next = await rules.runOutgoing({
      script: 'replica.summary = "" + syncHelper.getLocalIssueKeyFromRemoteId("5")?.key',
      entity,
      host: { localTwinOf: async () => ({ id: '5', key: '#5' }) },
    });
    expect(next['summary']).toBe('#5');
  });
});
