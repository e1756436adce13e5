import { z } from 'zod';
import { eq } from 'drizzle-orm';
import { instances } from '../../db/schema/index.ts';
import {
  activeSince,
  connectionsToCheck,
  recordHealthCheck,
  syncFacts,
  type HealthCheckResult,
  type HealthTransition,
} from '../app/connection-health.ts';
import type { AppDeps } from '../app/deps.ts';
import { queueFigures, stages } from '../app/queue-status.ts';
import type { ConnectionRow } from '../store/connections.ts';
import type { InstanceRow } from '../store/instances.ts';
import { statuses } from '../domain/connection.ts';
import { isDomainError } from '../domain/errors.ts';
import { NodeClient } from '../node/client.ts';
import type { OutboundPolicy } from '../http/outbound-policy.ts';
import { forEachLimited } from '../sync/index.ts';

/** The calls a health check makes; the service uses the node client and the helpdesk directory. */
export interface HealthProbe {
  /** The other node's status endpoint for its side of the connection (signed); throws when it cannot be had. */
  remoteStatus(peer: { key: Buffer; nodeUrl: string; remoteConnectionId: string }): Promise<{ status: string }>;
  /** Throws when the helpdesk rejects our credentials or cannot be reached. */
  verifyHelpdesk(instance: InstanceRow): Promise<void>;
}

const remoteHealthSchema = z.object({ status: z.enum(statuses) }).loose();

/** The node client the poller checks other nodes with: more keep-alive sockets, as it checks many nodes at once. */
export function pollerNodeClient(timeoutMs: number, outbound: OutboundPolicy, clock?: () => Date): NodeClient {
  return new NodeClient({ timeoutMs, outbound, maxSockets: 256, ...(clock ? { clock } : {}) });
}

export function defaultHealthProbe(deps: AppDeps, client: NodeClient): HealthProbe {
  return {
    remoteStatus: (peer) => client.signed(peer, 'GET', '/status', undefined, remoteHealthSchema),
    verifyHelpdesk: (instance) => deps.helpdeskFor(instance).verifyCredentials(),
  };
}

export interface HealthCheckOptions {
  probe: HealthProbe;
  concurrency: number;
  privateSilenceMs: number;
  /**
   * An item of the queue (a change, a message to send, one to apply) not blocked by an error of its entity and
   * waiting longer than this fails the check even when every call succeeds (POLLER_STUCK_QUEUE_MS).
   */
  stuckQueueMs?: number;
}

export interface HealthCycleReport {
  checked: number;
  failing: number;
  transitions: HealthTransition[];
  durationMs: number;
}

const DEFAULT_STUCK_QUEUE_MS = 15 * 60_000;

function message(error: unknown): string {
  if (isDomainError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * One check of one connection: the other node (or, for a private one, when it last pulled), our helpdesk's
 * credentials (once per instance per cycle), and the sync engine's own view: failing sends, a stuck queue, errors
 * that block the whole connection. Any problem fails the check; they are reported together.
 */
async function checkConnection(
  deps: AppDeps,
  row: ConnectionRow,
  options: HealthCheckOptions,
  helpdeskChecks: Map<string, Promise<string | null>>,
): Promise<HealthCheckResult> {
  const now = deps.clock();
  const problems: string[] = [];
  let remoteStatus: string | null = null;
  const facts = syncFacts(deps, row.id);
  const queue = queueFigures(deps, row.id, now);

  if (row.remoteIsPrivate) {
    // The other side cannot be called: it pulls from us. Judge it by when it was last heard from.
    const since = facts.lastHeardAt ?? activeSince(deps, row.id) ?? row.createdAt;
    if (now.getTime() - since.getTime() > options.privateSilenceMs) {
      problems.push(`The other side (private) has not pulled since ${since.toISOString()}`);
    }
  } else if (row.remoteNodeUrl && row.remoteConnectionId && row.keyEnc) {
    try {
      const key = Buffer.from(deps.secrets.open(row.keyEnc), 'base64');
      const answer = await options.probe.remoteStatus({
        key,
        nodeUrl: row.remoteNodeUrl,
        remoteConnectionId: row.remoteConnectionId,
      });
      remoteStatus = answer.status;
    } catch (error) {
      problems.push(`The other node does not answer: ${message(error)}`);
    }
  }

  let helpdesk = helpdeskChecks.get(row.instanceId);
  if (!helpdesk) {
    helpdesk = (async () => {
      const instance = deps.db.select().from(instances).where(eq(instances.id, row.instanceId)).get();
      if (!instance) return 'The instance of this connection no longer exists on this node';
      try {
        await options.probe.verifyHelpdesk(instance);
        return null;
      } catch (error) {
        return `Our helpdesk (${instance.name}) fails: ${message(error)}`;
      }
    })();
    helpdeskChecks.set(row.instanceId, helpdesk);
  }
  const helpdeskProblem = await helpdesk;
  if (helpdeskProblem) problems.push(helpdeskProblem);

  const sender = queue.sender;
  if (sender.failedAttempts > 0 && sender.failingSince) {
    problems.push(
      `Sync has been failing since ${sender.failingSince.toISOString()}${sender.lastFailure ? `: ${sender.lastFailure}` : ''}`,
    );
  }
  const stuckAfter = options.stuckQueueMs ?? DEFAULT_STUCK_QUEUE_MS;
  const stuck = stages.flatMap((stage) => {
    const figures = queue.stages[stage];
    if (figures.oldestUnblockedAgeMs === null || figures.oldestUnblockedAgeMs <= stuckAfter) return [];
    const since = new Date(now.getTime() - figures.oldestUnblockedAgeMs).toISOString();
    return [`${figures.count - figures.blocked} item(s) wait in the ${stage}, the oldest since ${since}`];
  });
  if (stuck.length > 0) problems.push(`The queue is stuck: ${stuck.join('; ')}`);
  if (facts.openConnectionErrors > 0)
    problems.push(`${facts.openConnectionErrors} unresolved error(s) block the connection`);

  return problems.length === 0 ? { ok: true, remoteStatus } : { ok: false, problem: problems.join('; '), remoteStatus };
}

/** One health cycle over every active or failing connection, a bounded number at a time. */
export async function runHealthCycle(deps: AppDeps, options: HealthCheckOptions): Promise<HealthCycleReport> {
  const started = performance.now();
  const rows = connectionsToCheck(deps);
  const helpdeskChecks = new Map<string, Promise<string | null>>();
  const transitions: HealthTransition[] = [];
  let failing = 0;
  await forEachLimited(rows, options.concurrency, async (row) => {
    let result: HealthCheckResult;
    try {
      result = await checkConnection(deps, row, options, helpdeskChecks);
    } catch (error) {
      // Our own failure (a broken row, the database) is logged, not blamed on the connection.
      deps.logger.error({ err: error, connectionId: row.id }, 'health check failed unexpectedly');
      return;
    }
    if (!result.ok) failing++;
    const transition = recordHealthCheck(deps, row.id, result);
    if (transition) transitions.push(transition);
  });
  return { checked: rows.length, failing, transitions, durationMs: Math.round(performance.now() - started) };
}
