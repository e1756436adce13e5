import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import type { RuleRunner } from '../rules/pool/rule-pool.ts';
import type { SecretBox } from '../secrets.ts';
import type { HelpdeskFor } from '../store/helpdesks.ts';
import type { Metrics } from '../metrics/registry.ts';

/**
 * What the sync engine uses. It is the part of AppDeps (src/app/deps.ts) the engine needs, so a use-case hands its
 * deps on as they are, and the engine knows nothing of the use-cases.
 */
export interface SyncDeps {
  db: Db;
  secrets: SecretBox;
  /** The current time; tests pass a controllable clock. */
  clock: () => Date;
  /** This node's public base URL (no trailing slash). */
  publicUrl: string;
  /** Runs sync rules off the main thread (src/rules/pool); closed with the service. */
  rules: RuleRunner;
  logger: Logger;
  /** An instance's one connector: registration, the use-cases and the engine share its rate budget. */
  helpdeskFor: HelpdeskFor;
  /** The service's Prometheus metrics (src/metrics); absent when /metrics is not served (METRICS_* unset). */
  metrics?: Metrics;
}
