import { isDomainError } from '../domain/errors.ts';
import { RulePoolBusyError, RulePoolClosedError, type RuleRunner } from '../rules/pool/rule-pool.ts';
import type { Metrics } from './registry.ts';

type RunOutcome = 'ok' | 'script_error' | 'limit' | 'busy' | 'stopped' | 'failed';

function outcomeOf(error: unknown): RunOutcome {
  if (error instanceof RulePoolBusyError) return 'busy';
  if (error instanceof RulePoolClosedError) return 'stopped';
  if (isDomainError(error)) return error.code === 'limit_exceeded' ? 'limit' : 'script_error';
  return 'failed';
}

/** The rule runner, each run counted by direction and outcome and timed. */
export function meteredRules(runner: RuleRunner, metrics: Metrics): RuleRunner {
  const timed = async <T>(direction: 'outgoing' | 'incoming', run: () => Promise<T>): Promise<T> => {
    const stop = metrics.ruleRunDuration.startTimer({ direction });
    try {
      const result = await run();
      metrics.ruleRuns.inc({ direction, outcome: 'ok' });
      return result;
    } catch (error) {
      metrics.ruleRuns.inc({ direction, outcome: outcomeOf(error) });
      throw error;
    } finally {
      stop();
    }
  };
  return {
    runOutgoing: (input) => timed('outgoing', () => runner.runOutgoing(input)),
    runIncoming: (input) => timed('incoming', () => runner.runIncoming(input)),
    close: () => runner.close(),
  };
}
