import cron from 'node-cron';
import { z } from 'zod';
import { defaultPoolSize } from './rules/pool/rule-pool.ts';
import { defaultLimits } from './rules/runtime.ts';

/**
 * The service's configuration, read from the environment. The names are a contract with operators and scripts.
 * A bad value stops start-up with one line naming the variable and what is wrong.
 */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const portSchema = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

function syncNumber(min: number, max: number, fallback: number) {
  return z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);
}

/** A node-cron expression (5 fields, or 6 with seconds first). */
function cronSchema(fallback: string) {
  return z
    .string()
    .refine((value) => cron.validate(value), {
      message: 'must be a cron expression such as "* * * * *" (minute hour day month weekday)',
    })
    .default(fallback);
}

const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const booleanSchema = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' });

const envSchema = z.object({
  PORT: portSchema.default(3000),
  HOST: z.string().min(1, 'must not be empty').default('0.0.0.0'),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  DESKBRIDGE_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  DESKBRIDGE_SECRET_KEY: z
    .string()
    .optional()
    .refine((value) => value === undefined || decodeSecretKey(value) !== null, {
      message: 'must be 32 bytes written as 64 hex characters or as base64',
    }),
  LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
  DESKBRIDGE_INVITATION_TTL_HOURS: z.coerce
    .number({ error: 'must be a number' })
    .positive('must be more than 0')
    .max(24 * 365, 'must be at most a year (8760)')
    .default(72),
  DESKBRIDGE_NODE_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .max(60_000, 'must be at most 60000 (a minute)')
    .default(5000),
  DESKBRIDGE_ALLOW_PRIVATE_URLS: booleanSchema.default('false'),
  SHUTDOWN_TIMEOUT_MS: syncNumber(1000, 600_000, 10_000),
  SYNC_INTERVAL_MS: syncNumber(0, 3_600_000, 1000),
  SYNC_POLL_INTERVAL_MS: syncNumber(100, 86_400_000, 60_000),
  SYNC_CONCURRENCY: syncNumber(1, 64, 8),
  SYNC_BATCH_SIZE: syncNumber(1, 500, 100),
  SYNC_RETRY_BASE_MS: syncNumber(1, 600_000, 1000),
  SYNC_RETRY_MAX_MS: syncNumber(1, 3_600_000, 300_000),
  SYNC_ERROR_AFTER_FAILURES: syncNumber(1, 1000, 5),
  SYNC_ERROR_AFTER_MS: syncNumber(0, 86_400_000, 60_000),
  SYNC_ECHO_SETTLE_MS: syncNumber(0, 60_000, 300),
  RULES_WORKERS: syncNumber(1, 64, defaultPoolSize()),
  RULES_QUEUE_LIMIT: syncNumber(1, 1_000_000, 1000),
  RULES_TIME_LIMIT_MS: syncNumber(10, 600_000, defaultLimits.maxMillis),
  RULES_MEMORY_LIMIT_MB: syncNumber(32, 16_384, 256),
  POLLER_ENABLED: booleanSchema.default('true'),
  POLLER_HEALTH_CRON: cronSchema('* * * * *'),
  POLLER_EXPIRY_CRON: cronSchema('*/5 * * * *'),
  POLLER_TRIGGER_CRON: cronSchema('*/5 * * * *'),
  POLLER_DIGEST_CRON: cronSchema('0 8 * * *'),
  POLLER_LEASE_MS: syncNumber(1000, 600_000, 30_000),
  POLLER_CONCURRENCY: syncNumber(1, 512, 64),
  POLLER_PRIVATE_SILENCE_MS: syncNumber(10_000, 86_400_000, 600_000),
  POLLER_STUCK_QUEUE_MS: syncNumber(60_000, 604_800_000, 900_000),
  POLLER_SEND_INTERVAL_MS: syncNumber(0, 60_000, 1000),
  SLACK_SIGNING_SECRET: z.string().min(8, 'must be the signing secret from the Slack app settings').optional(),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must be a bot token (xoxb-...)').optional(),
  SLACK_CLIENT_ID: z
    .string()
    .regex(/^\d+\.\d+$/, 'must be the client id from the Slack app settings (digits.digits)')
    .optional(),
  SLACK_CLIENT_SECRET: z.string().min(8, 'must be the client secret from the Slack app settings').optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token (xapp-...)').optional(),
  SLACK_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  MICROSOFT_APP_ID: z
    .string()
    .regex(guidPattern, "must be the bot's Microsoft Entra application (client) id, a GUID")
    .optional(),
  MICROSOFT_APP_PASSWORD: z.string().min(8, "must be the client secret of the bot's Entra application").optional(),
  MICROSOFT_APP_TENANT_ID: z
    .string()
    .regex(guidPattern, 'must be the Entra tenant id (a GUID) of a single-tenant bot')
    .optional(),
  TEAMS_USER_SPECIFIC_VIEWS: z
    .enum(['auto', 'true', 'false'], { error: 'must be auto, true or false' })
    .default('auto'),
  AI_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  AI_API_KEY: z.string().min(1, 'must not be empty').optional(),
  AI_MODEL: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  AI_TIMEOUT_MS: syncNumber(1000, 600_000, 60_000),
  AI_SEND_ENTITY_DATA: booleanSchema.default('false'),
  AI_REQUESTS_PER_HOUR: syncNumber(1, 10_000, 20),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (a random string: openssl rand -hex 32)')
    .max(512, 'must be at most 512 characters')
    .regex(/^[A-Za-z0-9._~+/-]+=*$/, 'must be a bearer token: letters, digits and - . _ ~ + / (= at the end)')
    .optional(),
  METRICS_PORT: portSchema.optional(),
});

/** The metrics port is a second listener: it cannot be the service's own port. */
function metricsProblem(e: z.infer<typeof envSchema>): { name: string; message: string } | null {
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT)
    return { name: 'METRICS_PORT', message: `must differ from PORT (${e.PORT})` };
  return null;
}

/** Values that are fine alone but not together: the first problem, with the variable it is about. */
function slackProblem(e: z.infer<typeof envSchema>): { name: string; message: string } | null {
  const anySlack =
    e.SLACK_SIGNING_SECRET || e.SLACK_BOT_TOKEN || e.SLACK_CLIENT_ID || e.SLACK_CLIENT_SECRET || e.SLACK_APP_TOKEN;
  if (!anySlack) return null;
  if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET)
    return { name: 'SLACK_SIGNING_SECRET', message: 'is required to serve Slack over HTTP' };
  if (Boolean(e.SLACK_CLIENT_ID) !== Boolean(e.SLACK_CLIENT_SECRET)) {
    return e.SLACK_CLIENT_ID
      ? { name: 'SLACK_CLIENT_SECRET', message: 'is required with SLACK_CLIENT_ID' }
      : { name: 'SLACK_CLIENT_ID', message: 'is required with SLACK_CLIENT_SECRET' };
  }
  if (e.SLACK_BOT_TOKEN && e.SLACK_CLIENT_ID)
    return {
      name: 'SLACK_BOT_TOKEN',
      message: 'cannot be combined with SLACK_CLIENT_ID: use a single-workspace token or OAuth installs',
    };
  if (!e.SLACK_BOT_TOKEN && !e.SLACK_CLIENT_ID)
    return { name: 'SLACK_BOT_TOKEN', message: 'or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are required for Slack' };
  if (e.SLACK_APP_TOKEN && !e.SLACK_BOT_TOKEN)
    return { name: 'SLACK_BOT_TOKEN', message: 'is required with SLACK_APP_TOKEN (Socket Mode serves one workspace)' };
  return null;
}

/** Teams credentials come as a set: an id without its secret (or the reverse) would silently disable auth. */
function teamsProblem(e: z.infer<typeof envSchema>): { name: string; message: string } | null {
  if (!e.MICROSOFT_APP_ID && (e.MICROSOFT_APP_PASSWORD || e.MICROSOFT_APP_TENANT_ID)) {
    return { name: 'MICROSOFT_APP_ID', message: 'is required with MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID' };
  }
  if (e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_PASSWORD)
    return { name: 'MICROSOFT_APP_PASSWORD', message: 'is required with MICROSOFT_APP_ID' };
  return null;
}

/** AI Assist needs an endpoint and a model together; a key alone would do nothing without a word. */
function aiProblem(e: z.infer<typeof envSchema>): { name: string; message: string } | null {
  if (e.AI_BASE_URL && !e.AI_MODEL) return { name: 'AI_MODEL', message: 'is required with AI_BASE_URL' };
  if (!e.AI_BASE_URL && (e.AI_MODEL || e.AI_API_KEY))
    return { name: 'AI_BASE_URL', message: `is required with ${e.AI_MODEL ? 'AI_MODEL' : 'AI_API_KEY'}` };
  return null;
}

/**
 * AI Assist in the rules editor (AI_* variables): an OpenAI-compatible chat-completions endpoint. Null endpoint: not
 * configured (the Ask AI action then says what to set).
 */
export interface AiConfig {
  /** The endpoint's base URL, up to and without `/chat/completions` (`https://api.openai.com/v1`). */
  baseUrl: string | null;
  apiKey: string | null;
  model: string | null;
  /** One request's time limit. */
  timeoutMs: number;
  /** Whether the fields of entities the admin picks may be sent to the model (off unless set). */
  sendEntityData: boolean;
  /** Assist calls one person may make per hour. */
  requestsPerHour: number;
}

/**
 * How this node talks to Microsoft Teams. Without MICROSOFT_APP_ID it runs in local mode: botbuilder's JWT check is
 * off, so /api/messages answers only requests from this machine (the Agents Playground, tests).
 */
export interface TeamsConfig {
  /** null: local mode. */
  appId: string | null;
  appPassword: string | null;
  /** Set for a single-tenant bot; a multitenant bot (partners in shared channels) leaves it null. */
  tenantId: string | null;
  /**
   * Whether clients show user-specific views (an approval card's `refresh.userIds`): Teams does, the Agents
   * Playground does not. Without them the shared approval card carries Approve and Reject, checked on each click.
   */
  userSpecificViews: boolean;
}

/** How this node talks to Slack; null when Slack is not configured. */
export interface SlackConfig {
  signingSecret: string | null;
  /** Single-workspace mode. */
  botToken: string | null;
  /** OAuth multi-workspace installs. */
  oauth: { clientId: string; clientSecret: string } | null;
  /** Socket Mode, for development without a public URL. */
  appToken: string | null;
  /** Web API base URL ending in `/api/`; a local fake in tests. */
  apiUrl: string | null;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  secretKey: Buffer | null;
  logLevel: (typeof logLevels)[number];
  invitationTtlMs: number;
  nodeTimeoutMs: number;
  /**
   * Whether URLs that users and other nodes supply (helpdesk URLs, destination and node URLs, webhook callbacks) may
   * point at loopback, private, link-local or metadata addresses. Off unless set; main.ts turns it on in local mode.
   */
  allowPrivateUrls: boolean;
  /**
   * SHUTDOWN_TIMEOUT_MS: how long a SIGTERM's shutdown (in-flight work finishing, queues flushed to disk) may take;
   * past it the process logs what it abandoned and exits 1 (the apply markers recover that work on the next start).
   */
  shutdownTimeoutMs: number;
  slack: SlackConfig | null;
  teams: TeamsConfig;
  sync: SyncConfig;
  poller: PollerConfig;
  rules: RulesConfig;
  ai: AiConfig;
  metrics: MetricsConfig;
}

/**
 * GET /metrics in the Prometheus text format (METRICS_* variables). Off unless one of them is set, and never open on
 * the public port:
 * - METRICS_TOKEN alone: on the public port (PORT), for `Authorization: Bearer <token>` only (401 otherwise).
 * - METRICS_PORT alone: on 127.0.0.1:METRICS_PORT only, open to this machine (the public port answers 404).
 * - both: on 127.0.0.1:METRICS_PORT only, with the token asked there too.
 */
export interface MetricsConfig {
  /** The bearer token a scrape must send; null: none. */
  token: string | null;
  /** The port on 127.0.0.1 that serves /metrics instead of the public port; null: none. */
  port: number | null;
}

/** Where sync rules run (RULES_* variables): a pool of worker threads, so no script can stall the service. */
export interface RulesConfig {
  /** Worker threads; default min(2, CPU cores). */
  size: number;
  /** Runs waiting or in progress before more are refused (the sync engine retries them later). */
  queueLimit: number;
  /** The time limit of one run; a run still going past it (plus a short grace) ends with its worker. */
  timeLimitMs: number;
  /** The heap of one worker (V8 old generation); a run that needs more fails with a memory limit error. */
  memoryLimitMb: number;
}

/** The status poller (POLLER_* variables): cron schedules of its jobs, and its patience. */
export interface PollerConfig {
  /** False: no lease, no schedules in this process (tests drive the jobs by hand). */
  enabled: boolean;
  healthCron: string;
  expiryCron: string;
  triggerCron: string;
  digestCron: string;
  /** How long a process holds the poller lease without renewing it; another process takes over after that. */
  leaseMs: number;
  /** Connections checked at the same time in one health cycle. */
  concurrency: number;
  /** A private connection (the other side pulls) is failing when it has not pulled for this long. */
  privateSilenceMs: number;
  /** A connection's queue is stuck (its health check fails) when an item not blocked by an error waits this long. */
  stuckQueueMs: number;
  /** At most one notice per channel per this interval (Slack: about one message per second per channel). */
  sendIntervalMs: number;
}

/** The sync engine's pace and patience (SYNC_* variables). */
export interface SyncConfig {
  /** The timer loop's pause between passes when there is nothing to do; 0 runs no engine (tests call the steps). */
  intervalMs: number;
  /** How often trigger queries and "changed since" are polled (webhooks make this a safety net). */
  pollIntervalMs: number;
  /** Entities worked on at the same time, per step. */
  concurrency: number;
  /** Messages per batch to the other node. */
  batchSize: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Consecutive failures, lasting at least errorAfterMs, before a connection shows `error`. */
  errorAfterFailures: number;
  errorAfterMs: number;
  /**
   * After this node writes to an entity, its change rows wait this long, so the webhooks of all those writes (the
   * create, each note) are read as one change rather than several. Needs the timer loop (intervalMs > 0): when the
   * steps are driven by hand nothing is held back.
   */
  echoSettleMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A rejected value as the error shows it: without a URL's user, password or query (credentials travel there), cut short. */
function shownValue(given: string): string {
  const bare = given.replace(/\/\/[^/?#\s]*@/, '//…@').replace(/\?.*$/s, '?…');
  return bare.length > 200 ? `${bare.slice(0, 200)}…` : bare;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most operators' .env files.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const given = present[name];
    const shown =
      given === undefined || name === 'DESKBRIDGE_SECRET_KEY' || /SECRET|TOKEN|PASSWORD|API_KEY/.test(name)
        ? ''
        : ` (got "${shownValue(given)}")`;
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${shown}.`);
  }
  const e = parsed.data;
  const slackIssue = slackProblem(e);
  if (slackIssue) throw new ConfigError(`Invalid configuration: ${slackIssue.name} ${slackIssue.message}.`);
  const teamsIssue = teamsProblem(e);
  if (teamsIssue) throw new ConfigError(`Invalid configuration: ${teamsIssue.name} ${teamsIssue.message}.`);
  const aiIssue = aiProblem(e);
  if (aiIssue) throw new ConfigError(`Invalid configuration: ${aiIssue.name} ${aiIssue.message}.`);
  const metricsIssue = metricsProblem(e);
  if (metricsIssue) throw new ConfigError(`Invalid configuration: ${metricsIssue.name} ${metricsIssue.message}.`);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: e.DESKBRIDGE_DATA_DIR,
    secretKey: e.DESKBRIDGE_SECRET_KEY ? decodeSecretKey(e.DESKBRIDGE_SECRET_KEY) : null,
    logLevel: e.LOG_LEVEL,
    invitationTtlMs: e.DESKBRIDGE_INVITATION_TTL_HOURS * 3_600_000,
    nodeTimeoutMs: e.DESKBRIDGE_NODE_TIMEOUT_MS,
    allowPrivateUrls: e.DESKBRIDGE_ALLOW_PRIVATE_URLS === 'true' || e.DESKBRIDGE_ALLOW_PRIVATE_URLS === '1',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    sync: {
      intervalMs: e.SYNC_INTERVAL_MS,
      pollIntervalMs: e.SYNC_POLL_INTERVAL_MS,
      concurrency: e.SYNC_CONCURRENCY,
      batchSize: e.SYNC_BATCH_SIZE,
      retryBaseMs: e.SYNC_RETRY_BASE_MS,
      retryMaxMs: e.SYNC_RETRY_MAX_MS,
      errorAfterFailures: e.SYNC_ERROR_AFTER_FAILURES,
      errorAfterMs: e.SYNC_ERROR_AFTER_MS,
      echoSettleMs: e.SYNC_ECHO_SETTLE_MS,
    },
    rules: {
      size: e.RULES_WORKERS,
      queueLimit: e.RULES_QUEUE_LIMIT,
      timeLimitMs: e.RULES_TIME_LIMIT_MS,
      memoryLimitMb: e.RULES_MEMORY_LIMIT_MB,
    },
    poller: {
      enabled: e.POLLER_ENABLED === 'true' || e.POLLER_ENABLED === '1',
      healthCron: e.POLLER_HEALTH_CRON,
      expiryCron: e.POLLER_EXPIRY_CRON,
      triggerCron: e.POLLER_TRIGGER_CRON,
      digestCron: e.POLLER_DIGEST_CRON,
      leaseMs: e.POLLER_LEASE_MS,
      concurrency: e.POLLER_CONCURRENCY,
      privateSilenceMs: e.POLLER_PRIVATE_SILENCE_MS,
      stuckQueueMs: e.POLLER_STUCK_QUEUE_MS,
      sendIntervalMs: e.POLLER_SEND_INTERVAL_MS,
    },
    ai: {
      baseUrl: e.AI_BASE_URL ? e.AI_BASE_URL.replace(/\/+$/, '') : null,
      apiKey: e.AI_API_KEY ?? null,
      model: e.AI_MODEL ?? null,
      timeoutMs: e.AI_TIMEOUT_MS,
      sendEntityData: e.AI_SEND_ENTITY_DATA === 'true' || e.AI_SEND_ENTITY_DATA === '1',
      requestsPerHour: e.AI_REQUESTS_PER_HOUR,
    },
    metrics: { token: e.METRICS_TOKEN ?? null, port: e.METRICS_PORT ?? null },
    teams: {
      appId: e.MICROSOFT_APP_ID ?? null,
      appPassword: e.MICROSOFT_APP_PASSWORD ?? null,
      tenantId: e.MICROSOFT_APP_TENANT_ID ?? null,
      // auto: Teams itself behind an Entra app; the Agents Playground (local mode) has no user-specific views.
      userSpecificViews:
        e.TEAMS_USER_SPECIFIC_VIEWS === 'auto' ? Boolean(e.MICROSOFT_APP_ID) : e.TEAMS_USER_SPECIFIC_VIEWS === 'true',
    },
    slack:
      e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN
        ? {
            signingSecret: e.SLACK_SIGNING_SECRET ?? null,
            botToken: e.SLACK_BOT_TOKEN ?? null,
            oauth:
              e.SLACK_CLIENT_ID && e.SLACK_CLIENT_SECRET
                ? { clientId: e.SLACK_CLIENT_ID, clientSecret: e.SLACK_CLIENT_SECRET }
                : null,
            appToken: e.SLACK_APP_TOKEN ?? null,
            apiUrl: e.SLACK_API_URL ? `${e.SLACK_API_URL.replace(/\/+$/, '')}/` : null,
          }
        : null,
  };
}

export function decodeSecretKey(value: string): Buffer | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === 32) return bytes;
  }
  return null;
}
