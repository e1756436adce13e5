/**
 * Sync-rule interpreter benchmark: `npx tsx bench/rules.bench.ts`. Prints JSON lines:
 * - executions per second of the default outgoing + incoming scripts on a ticket with 20 comments (one core);
 * - the same through the rule pool the service uses (worker threads; BENCH_IN_FLIGHT pairs in flight at once, as a
 *   bulk sync has them, default 64): what a run costs once the entity and the replica cross between threads;
 * - parse (and compile) time of a 200-line rule.
 */
import { performance } from 'node:perf_hooks';
import { compileScript, defaultScripts, runIncoming, runOutgoing } from '../src/rules/index.ts';
import { RulePool } from '../src/rules/pool/rule-pool.ts';
import { sampleEntity } from '../test/rules/support/entities.ts';

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function syncPairs(
  platformOut: 'freshdesk' | 'freshservice' | 'xurrent',
  platformIn: 'freshdesk' | 'freshservice' | 'xurrent',
): void {
  const outgoing = compileScript(defaultScripts(platformOut).outgoing);
  const incoming = compileScript(defaultScripts(platformIn).incoming);
  const source = sampleEntity(platformOut);
  const target = sampleEntity(platformIn, { comments: [] });
  const once = () => {
    const replica = runOutgoing({ script: outgoing, entity: source });
    return runIncoming({ script: incoming, entity: target, replica, platform: platformIn, firstSync: false });
  };
  for (let i = 0; i < 2_000; i++) once();
  const seconds = 2;
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 200; i++) once();
    n += 200;
    elapsed = performance.now() - start;
  }
  emit({
    bench: 'rules.default_outgoing_plus_incoming',
    from: platformOut,
    to: platformIn,
    comments: source.comments.length,
    executionsPerSecond: Math.round((n / elapsed) * 1000),
    target: 20_000,
  });
}

async function poolPairs(
  platformOut: 'freshdesk' | 'freshservice' | 'xurrent',
  platformIn: 'freshdesk' | 'freshservice' | 'xurrent',
): Promise<void> {
  const pool = new RulePool();
  // Keyed as the service keys published versions: each worker is sent the source once.
  const outgoing = { key: `bench:${platformOut}:outgoing`, source: defaultScripts(platformOut).outgoing };
  const incoming = { key: `bench:${platformIn}:incoming`, source: defaultScripts(platformIn).incoming };
  const source = sampleEntity(platformOut);
  const target = sampleEntity(platformIn, { comments: [] });
  const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 64);
  const pairsFor = async (ms: number): Promise<{ n: number; elapsed: number }> => {
    let n = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() - start < ms) {
          const replica = await pool.runOutgoing({ script: outgoing, entity: source });
          await pool.runIncoming({ script: incoming, entity: target, replica, platform: platformIn, firstSync: false });
          n++;
        }
      }),
    );
    return { n, elapsed: performance.now() - start };
  };
  try {
    await pairsFor(1_000);
    const { n, elapsed } = await pairsFor(3_000);
    emit({
      bench: 'rules.pool_outgoing_plus_incoming',
      from: platformOut,
      to: platformIn,
      comments: source.comments.length,
      workers: pool.size,
      inFlight,
      executionsPerSecond: Math.round((n / elapsed) * 1000),
      target: 20_000,
    });
  } finally {
    await pool.close();
  }
}

function ruleOf200Lines(): string {
  const lines: string[] = [
    'import com.exalate.basic.domain.hubobject.v1.BasicHubComment',
    'def statusMap = ["Open": "Assigned", "Pending": "Waiting for Customer", "Resolved": "Completed"]',
  ];
  let i = 0;
  while (lines.length < 196) {
    i++;
    lines.push(`// block ${i}: copy and normalise a custom field`);
    lines.push(`def value${i} = replica.customFields."field ${i}" ?: entity.customFields.cf_${i}`);
    lines.push(`if (value${i} instanceof String && value${i}.trim()) {`);
    lines.push(`    entity.customFields.cf_${i} = value${i}.trim().toLowerCase().replaceAll(/\\s+/, "_")`);
    lines.push(
      `} else if (value${i} != null) { entity.customFields.cf_${i} = "\${value${i}}".padLeft(${(i % 9) + 1}, "0") }`,
    );
    lines.push(
      `def labels${i} = (replica.labels ?: []).findAll { it.startsWith("l${i}") }.collect { it.toUpperCase() }`,
    );
    lines.push(
      `switch (labels${i}.size()) { case 0: break; case 1..3: entity.labels += labels${i}; break; default: entity.labels << "many-${i}" }`,
    );
  }
  lines.push('entity.comments = commentHelper.mergeComments(entity, replica) { it.internal = true }');
  lines.push('entity.attachments = attachmentHelper.mergeAttachments(entity, replica)');
  lines.push('if (firstSync) { entity.group_id = 1070000240345 }');
  lines.push('entity.status = nodeHelper.getStatus(statusMap[replica.status?.name] ?: "Open")');
  return lines.join('\n');
}

function parseTime(): void {
  const source = ruleOf200Lines();
  for (let i = 0; i < 50; i++) compileScript(`${source}\n// ${i}`);
  const runs = 200;
  const start = performance.now();
  for (let i = 0; i < runs; i++) compileScript(`${source}\n// run ${i}`);
  const ms = (performance.now() - start) / runs;
  emit({
    bench: 'rules.parse_200_line_rule',
    lines: source.split('\n').length,
    millisecondsPerParse: Number(ms.toFixed(3)),
  });
}

syncPairs('freshdesk', 'freshservice');
syncPairs('xurrent', 'freshdesk');
await poolPairs('freshdesk', 'freshservice');
await poolPairs('xurrent', 'freshdesk');
parseTime();
