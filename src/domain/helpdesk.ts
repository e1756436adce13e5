import type { Entity, HubAttachment, HubComment, HubOption, HubUser } from './entity.ts';
import type { Credentials, Platform, Project } from './instance.ts';
import type { ScriptHttpRequest, ScriptHttpResponse } from './script-api.ts';

/** Where a helpdesk is and how to sign in: what a connector needs to talk to it. */
export interface HelpdeskTarget {
  platform: Platform;
  baseUrl: string;
  credentials: Credentials;
}

/** A status or priority table of one platform: the helpdesk's codes and the names people use for them. */
export interface CodeMap {
  /** The option for a helpdesk code; an unknown code (a custom status) still yields an option named after it. */
  fromCode(code: string | number): HubOption;
  /** The option whose name matches (case, spaces and underscores ignored), or null. */
  fromName(name: string): HubOption | null;
  /** The helpdesk code for an option: its id when set, otherwise its name looked up; a DomainError when unknown. */
  toCode(option: HubOption | string | number): string | number;
  all(): HubOption[];
}

/** What a connector writes when it creates or updates an entity; absent fields are left as they are. */
export interface EntityWrite {
  summary?: string;
  /** HTML for Freshdesk/Freshservice; on Xurrent the description is the first note, so it is only used on create. */
  description?: string;
  status?: HubOption | null;
  priority?: HubOption | null;
  type?: string | null;
  labels?: string[];
  /** The requester on create (by email, else id). */
  reporter?: HubUser | null;
  assignee?: HubUser | null;
  customFields?: Record<string, unknown>;
  /** Platform fields by their `nativeFields` names (`group_id`, `serviceInstanceId`, ...). */
  native?: Record<string, unknown>;
}

export interface CommentWrite {
  /** HTML for Freshdesk/Freshservice, text for Xurrent. */
  body: string;
  internal: boolean;
  attachments?: AttachmentUpload[];
}

export interface AttachmentUpload {
  filename: string;
  mimetype: string;
  data: Uint8Array;
}

export interface AttachmentContent {
  filename: string;
  mimetype: string;
  data: Uint8Array;
}

/** One entity that changed after the cursor; fetch it with getEntity for the full picture. */
export interface ChangedEntity {
  id: string;
  updated: string;
}

export interface ChangeBatch {
  /** Oldest change first. */
  changes: ChangedEntity[];
  /** Pass it to the next listChanged call; it remembers where this batch ended. */
  cursor: string;
  /**
   * True when the helpdesk capped the result (Freshdesk/Freshservice search returns at most 300 tickets): call again
   * with the new cursor to continue.
   */
  truncated: boolean;
}

export interface ListChangedOptions {
  /**
   * A trigger in the platform's own syntax: Freshdesk/Freshservice filter queries (`status:2 AND priority:>3`),
   * Xurrent request filters (`status=assigned,in_progress&team=12`).
   */
  query?: string | null;
}

/**
 * One helpdesk instance, seen through its REST API: all DeskBridge asks of it, from registration's credential check to
 * the sync engine's reads and writes (AppDeps.helpdeskFor gives each instance its one connector).
 */
export interface Helpdesk {
  readonly platform: Platform;
  readonly statuses: CodeMap;
  readonly priorities: CodeMap;
  verifyCredentials(): Promise<void>;
  listProjects(): Promise<Project[]>;
  /** The entity with its comments and attachments. */
  getEntity(id: string): Promise<Entity>;
  /**
   * Where an agent opens the entity in the helpdesk's web app (no request is made): what the other side's scripts
   * see as `issueUrl`.
   */
  entityUrl(id: string): string;
  /**
   * Entities changed since the cursor (a value returned by an earlier call, or an ISO-8601 time to start from, or
   * null for "the last 30 days").
   */
  listChanged(cursor: string | null, options?: ListChangedOptions): Promise<ChangeBatch>;
  createEntity(write: EntityWrite): Promise<Entity>;
  updateEntity(id: string, write: EntityWrite): Promise<Entity>;
  addComment(entityId: string, comment: CommentWrite): Promise<HubComment>;
  uploadAttachment(entityId: string, file: AttachmentUpload): Promise<HubAttachment>;
  /** The bytes of an attachment; an expired URL is refreshed by re-reading the entity. */
  downloadAttachment(entityId: string, attachment: HubAttachment): Promise<AttachmentContent>;
  /**
   * The pre-flight (`instances check`): what would make syncs fail against this helpdesk with its credentials
   * (sign-in and permissions, fields required on create, webhooks where the API shows them, rate budget, incoming
   * projects). A failed probe is a finding, not an exception.
   */
  checkSetup(input: SetupCheckInput): Promise<SetupFinding[]>;
  /**
   * A sync script's own call (`httpClient`): the path on this instance's API with its credentials and rate budget,
   * one attempt, no redirect followed (a 3xx comes back as it is), the answer size- and time-limited, and only the
   * status and body handed back. Throws a DomainError when the request is refused or the helpdesk cannot be reached.
   */
  scriptRequest(request: ScriptHttpRequest): Promise<ScriptHttpResponse>;
}

/** A helpdesk told us an entity changed (a webhook); the sync engine fetches the entity itself. */
export interface ChangeNotice {
  instanceSlug: string;
  platform: Platform;
  entityId: string;
  /** The helpdesk's event name (`request.note-added`) or the template's (`ticket_updated`); null when not given. */
  event: string | null;
  /** A delivery id when the helpdesk sends one (Xurrent `X-4me-Delivery`), for de-duplication. */
  deliveryId: string | null;
  receivedAt: string;
}

/** How a pre-flight finding reads: fine, worth a look, or something that will make syncs fail. */
export type FindingLevel = 'ok' | 'warning' | 'problem';

/** One line of a pre-flight check (`instances check`): what was looked at, what was found, and how to fix it. */
export interface SetupFinding {
  level: FindingLevel;
  /** What was checked: `credentials`, `required fields`, `webhook`, `rate limit`, `incoming project`. */
  topic: string;
  message: string;
  /** What to do about it; null when there is nothing to do. */
  fix: string | null;
}

/** What a connector's pre-flight needs to know about DeskBridge's side. */
export interface SetupCheckInput {
  /** The incoming project of each connection of the instance (null: none chosen). */
  connections: Array<{ name: string; projectId: string | null; projectName: string | null }>;
  /** Where this node receives the instance's webhooks (`{PUBLIC_URL}/webhooks/{slug}`). */
  webhookUrl: string;
  /** The secret the webhooks must carry, to compare with what the helpdesk shows (never shown or logged); null: none yet. */
  webhookSecret: string | null;
}

/**
 * The remaining request budget read from a helpdesk's quota headers, as a finding: below a fifth of the limit is a
 * warning (a bulk sync would wait for the window), none left a problem.
 */
export function rateBudgetFinding(
  label: string,
  quota: { limit: number | null; remaining: number | null; window: string; resetAt?: Date | null },
): SetupFinding {
  const { limit, remaining } = quota;
  if (limit === null || remaining === null) {
    return {
      level: 'warning',
      topic: 'rate limit',
      message: `${label} did not say how many API calls are left (no rate-limit headers).`,
      fix: null,
    };
  }
  const left = `${remaining} of ${limit} API calls left ${quota.window}`;
  const reset = quota.resetAt ? ` (the quota refills at ${quota.resetAt.toISOString()})` : '';
  if (remaining <= 0)
    return {
      level: 'problem',
      topic: 'rate limit',
      message: `${label} has no API calls left${reset}: syncs wait until it refills.`,
      fix: 'Wait for the quota to refill, or stop other integrations using the same account.',
    };
  if (remaining < limit / 5)
    return {
      level: 'warning',
      topic: 'rate limit',
      message: `${left}${reset}: a bulk sync will be slowed down.`,
      fix: 'Run bulk syncs when other integrations are quiet, or raise the plan limit.',
    };
  return { level: 'ok', topic: 'rate limit', message: `${left}${reset}.`, fix: null };
}
