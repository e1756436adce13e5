import { afterEach, describe, expect, it } from 'vitest';
import { meteredRules } from '../../src/metrics/rule-runs.ts';
import { Metrics } from '../../src/metrics/registry.ts';
import { defaultScripts } from '../../src/rules/index.ts';
import { RulePool } from '../../src/rules/pool/rule-pool.ts';
import { parseExposition, sumOf } from '../support/prometheus-text.ts';
import { sampleEntity } from '../rules/support/entities.ts';

/** Rule runs in /metrics, through real pool workers: each run counted once, by direction and how it ended. */
describe('rule runs in /metrics', () => {
  const pools: RulePool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('counts runs that succeed, fail in the script, hit a limit, are refused by a full queue, or meet a closed pool', async () => {
    const pool = new RulePool({ size: 1, queueLimit: 2 });
    pools.push(pool);
    const metrics = new Metrics();
    const rules = meteredRules(pool, metrics);
    const entity = sampleEntity('freshdesk');
    const ok = { script: defaultScripts('freshdesk').outgoing, entity };

    await rules.runOutgoing(ok);
    await expect(rules.runOutgoing({ script: 'replica.summary = entity.nothing.more', entity })).rejects.toThrow();
    await expect(
      rules.runOutgoing({ script: 'while (true) { replica.summary = "x" }', entity, limits: { maxSteps: 1000 } }),
    ).rejects.toThrow(/limit|stopped/i);
    // Two runs fill the queue: the third is refused at once.
    const running = [rules.runOutgoing(ok), rules.runOutgoing(ok)];
    await expect(rules.runOutgoing(ok)).rejects.toThrow(/Too many sync-rule runs/);
    await Promise.all(running);
    await pool.close();
    await expect(rules.runOutgoing(ok)).rejects.toThrow(/stopped/);

    const e = parseExposition(await metrics.scrape());
    const runs = (outcome: string) => sumOf(e, 'deskbridge_rule_runs_total', { direction: 'outgoing', outcome });
    expect(runs('ok')).toBe(3);
    expect(runs('script_error')).toBe(1);
    expect(runs('limit')).toBe(1);
    expect(runs('busy')).toBe(1);
    expect(runs('stopped')).toBe(1);
    expect(sumOf(e, 'deskbridge_rule_runs_total', { direction: 'incoming' })).toBe(0);
    expect(sumOf(e, 'deskbridge_rule_run_duration_seconds_count', { direction: 'outgoing' })).toBe(7);
  });
});
