import { expect } from 'vitest';
import type { DomainErrorCode } from '../../../src/domain/errors.ts';
import { isDomainError } from '../../../src/domain/errors.ts';
import type { EntityWrite, Helpdesk, HelpdeskTarget } from '../../../src/domain/helpdesk.ts';
import type { Platform } from '../../../src/domain/instance.ts';
import type { Clock } from '../../../adapters/helpdesk/clock.ts';
import { type ConnectorOptions, createHelpdesk } from '../../../adapters/helpdesk/index.ts';
import { startFreshdeskSimulator } from '../../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../../adapters/helpdesk/freshservice/simulator.ts';
import type { FaultPlan } from '../../../adapters/helpdesk/simulator-kit/faults.ts';
import { startXurrentSimulator } from '../../../adapters/helpdesk/xurrent/simulator.ts';
import { outboundPolicy } from '../../../src/http/outbound-policy.ts';

/** A clock that only moves when someone sleeps on it: waiting out rate limits takes no real time. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  slept: number;
}

export function manualClock(start = Date.parse('2026-03-02T10:00:00Z')): ManualClock {
  let now = start;
  const clock: ManualClock = {
    now: () => now,
    sleep: async (ms) => {
      clock.slept += Math.max(0, ms);
      now += Math.max(0, ms);
    },
    advance: (ms) => {
      now += ms;
    },
    slept: 0,
  };
  return clock;
}

/** Options that keep retries instant and deterministic, for simulators on loopback (private URLs allowed). */
export function fastOptions(clock: Clock, extra: ConnectorOptions = {}): ConnectorOptions {
  return {
    clock,
    backoff: { baseMs: 100, maxMs: 1000 },
    random: () => 0.5,
    timeoutMs: 2000,
    outbound: outboundPolicy(true),
    ...extra,
  };
}

export interface SimHandle {
  url: string;
  apiKey: string;
  faults: FaultPlan;
  requests: { total: number; throttled: number };
  close(): Promise<void>;
}

export interface HarnessStart {
  sim: SimHandle;
  target: HelpdeskTarget;
  client(options?: ConnectorOptions): Helpdesk;
  /** A target whose key may only read. */
  readOnlyTarget(): HelpdeskTarget;
  badTarget(): HelpdeskTarget;
  /** Adds entities straight into the simulator, updated at the given time. */
  seed(count: number, updatedAt: string): string[];
  /** Changes an entity as an agent would, now. */
  touch(id: string): void;
}

export interface StartOptions {
  clock: ManualClock;
  rateLimitPerMinute?: number;
  attachmentCapBytes?: number;
  attachmentUrlTtlSeconds?: number;
}

export interface Harness {
  platform: Platform;
  start(options: StartOptions): Promise<HarnessStart>;
  /** A valid new entity. */
  newEntity: EntityWrite;
  /** A write the helpdesk refuses, and the field it names. */
  invalid: { write: EntityWrite; field: string };
  /** A trigger query matching entities whose status is `matchingStatus`. */
  trigger: { query: string; status: string };
  /** A trigger query the helpdesk refuses. */
  badTrigger: string;
}

/** What every started harness offers the same way: the simulator, and targets (and a client) for its own, a read-only and a wrong key. */
function targetsOf(
  sim: SimHandle,
  clock: Clock,
  target: (key: string) => HelpdeskTarget,
  keys: { own: string; readOnly: string; wrong: string },
): Pick<HarnessStart, 'sim' | 'target' | 'client' | 'readOnlyTarget' | 'badTarget'> {
  return {
    sim,
    target: target(keys.own),
    client: (options) => createHelpdesk(target(keys.own), { ...fastOptions(clock), ...options }),
    readOnlyTarget: () => target(keys.readOnly),
    badTarget: () => target(keys.wrong),
  };
}

/**
 * The Freshdesk and Freshservice harnesses' start (one simulator core): a simulator with one custom field and a
 * read-only key, and entities seeded with `ticket`'s fields.
 */
async function startFreshworksHarness(
  platform: 'freshdesk' | 'freshservice',
  { clock, rateLimitPerMinute, attachmentCapBytes, attachmentUrlTtlSeconds }: StartOptions,
  customField: string,
  ticket: (i: number) => Record<string, unknown>,
): Promise<HarnessStart> {
  const startSimulator = platform === 'freshdesk' ? startFreshdeskSimulator : startFreshserviceSimulator;
  const sim = await startSimulator({
    clock,
    rateLimitPerMinute,
    attachmentCapBytes,
    attachmentUrlTtlSeconds,
    seed: { customFields: [customField], apiKeys: { 'read-only-key': 'readonly' } },
  });
  const target = (apiKey: string): HelpdeskTarget => ({
    platform,
    baseUrl: sim.url,
    credentials: { kind: 'apiKey', apiKey },
  });
  return {
    ...targetsOf(sim, clock, target, { own: sim.apiKey, readOnly: 'read-only-key', wrong: 'wrong-key' }),
    seed: (count, updatedAt) =>
      Array.from({ length: count }, (_, i) =>
        String(sim.addTicket({ ...ticket(i), created_at: updatedAt, updated_at: updatedAt })),
      ),
    touch: (id) => sim.agentUpdate(Number(id), { priority: 3 }),
  };
}

export const freshdeskHarness: Harness = {
  platform: 'freshdesk',
  start: (options) =>
    startFreshworksHarness('freshdesk', options, 'cf_region', (i) => ({
      subject: `Seeded ${i}`,
      email: `r${i}@example.com`,
    })),
  newEntity: {
    summary: 'Printer on fire',
    description: '<div>It is <b>really</b> on fire</div>',
    status: { id: null, name: 'Open' },
    priority: { id: null, name: 'High' },
    type: 'Incident',
    labels: ['vip'],
    reporter: { id: null, email: 'requester@example.com', displayName: null },
    customFields: { cf_region: 'EMEA' },
    native: { group_id: 301 },
  },
  invalid: {
    write: {
      summary: 'x',
      reporter: { id: null, email: 'a@example.com', displayName: null },
      customFields: { cf_unknown: 1 },
    },
    field: 'cf_unknown',
  },
  trigger: { query: 'status:3', status: 'Pending' },
  badTrigger: "subject:'x'",
};

export const freshserviceHarness: Harness = {
  platform: 'freshservice',
  // Spread over two workspaces: the connector must see every workspace, not just the primary one.
  start: (options) =>
    startFreshworksHarness('freshservice', options, 'region', (i) => ({
      subject: `Seeded ${i}`,
      description: 'seeded',
      email: `r${i}@example.com`,
      workspace_id: i % 2 === 0 ? 2 : 3,
    })),
  newEntity: {
    summary: 'Laptop will not boot',
    description: '<div>Black screen</div>',
    status: { id: null, name: 'Open' },
    priority: { id: null, name: 'High' },
    type: 'Incident',
    labels: ['hardware'],
    reporter: { id: null, email: 'requester@example.com', displayName: null },
    customFields: { region: 'EMEA' },
    native: { workspace_id: 3, urgency: 2 },
  },
  invalid: {
    write: {
      summary: 'x',
      description: 'y',
      reporter: { id: null, email: 'a@example.com', displayName: null },
      native: { workspace_id: 99 },
    },
    field: 'workspace_id',
  },
  trigger: { query: 'status:3', status: 'Pending' },
  badTrigger: "subject:'x'",
};

export const xurrentHarness: Harness = {
  platform: 'xurrent',
  async start({ clock, rateLimitPerMinute, attachmentCapBytes, attachmentUrlTtlSeconds }) {
    const sim = await startXurrentSimulator({
      clock,
      rateLimitPerMinute,
      attachmentSizeLimit: attachmentCapBytes,
      attachmentUrlTtlSeconds,
      seed: {
        tokens: { 'read-only-token': { role: 'readonly' } },
        services: [{ id: 51, name: 'Partner Support' }],
        // Xurrent accepts only the custom fields the template's UI extension defines.
        customFields: ['region'],
      },
    });
    const target = (token: string, account = sim.account): HelpdeskTarget => ({
      platform: 'xurrent',
      baseUrl: sim.url,
      credentials: { kind: 'token', token, account },
    });
    return {
      ...targetsOf(sim, clock, target, { own: sim.token, readOnly: 'read-only-token', wrong: 'wrong-token' }),
      seed: (count, updatedAt) =>
        Array.from({ length: count }, (_, i) =>
          String(
            sim.addRequest({
              subject: `Seeded ${i}`,
              created_at: updatedAt,
              updated_at: updatedAt,
              notes: [{ text: 'seeded' }],
            }),
          ),
        ),
      touch: (id) => sim.agentUpdate(Number(id), { impact: 'high' }),
    };
  },
  newEntity: {
    summary: 'VPN down for the Houston office',
    description: 'Nobody in Houston can connect.',
    status: { id: null, name: 'Assigned' },
    priority: { id: null, name: 'High' },
    type: 'incident',
    customFields: { region: 'AMER' },
    native: { serviceInstanceId: 1336, teamId: 372 },
  },
  invalid: { write: { summary: 'x', type: 'other', native: { serviceInstanceId: 999999 } }, field: 'service_instance' },
  trigger: { query: 'status=waiting_for_customer', status: 'Waiting for Customer' },
  badTrigger: 'colour=red',
};

export const harnesses = [freshdeskHarness, freshserviceHarness, xurrentHarness];

export async function expectDomainError(
  promise: Promise<unknown>,
  code: DomainErrorCode,
  message?: RegExp,
): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected a DomainError ${code}`).not.toBeNull();
  if (!isDomainError(error)) throw error;
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}
