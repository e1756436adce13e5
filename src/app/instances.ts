import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { connections, instances } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import {
  DEFAULT_EVALUATION_DAYS,
  instancePublicUrl,
  licenseKinds,
  platforms,
  scriptModeAllowed,
  slugify,
  validateSlug,
  type Credentials,
  type Instance,
  type Platform,
} from '../domain/instance.ts';
import { PROTOCOL_VERSION, type RemoteInstanceInfo } from '../domain/remote.ts';
import type { Mode } from '../domain/connection.ts';
import type { Actor, AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { findInstanceRowBySlug, requireInstanceRow, toInstance } from '../store/instances.ts';
import { validateInput } from './validate.ts';
import { checkUrlShape } from '../http/outbound-policy.ts';

const credentialsSchema = z.union([
  z.object({ kind: z.literal('apiKey'), apiKey: z.string().min(1, 'the API key is required') }),
  z.object({
    kind: z.literal('token'),
    token: z.string().min(1, 'the token is required'),
    account: z.string().min(1, 'the account id is required'),
  }),
]);

const registerInput = z.object({
  platform: z.enum(platforms, { error: `platform must be one of ${platforms.join(', ')}` }),
  baseUrl: z
    .string({ error: 'the helpdesk URL is required' })
    .max(500, 'the helpdesk URL must be at most 500 characters'),
  credentials: credentialsSchema,
  name: z.string().trim().min(1, 'a name is required').max(100, 'the name must be at most 100 characters'),
  slug: z.string().optional(),
  public: z.boolean().default(true),
  license: z.enum(licenseKinds).default('evaluation'),
  evaluationDays: z.number().int().positive().max(365).default(DEFAULT_EVALUATION_DAYS),
  actor: z.string().min(1),
});

export type RegisterInstanceInput = z.input<typeof registerInput>;

const helpdeskUrlExamples: Record<Platform, string> = {
  freshdesk: 'https://acme.freshdesk.com',
  freshservice: 'https://acme.freshservice.com',
  xurrent: 'https://api.xurrent.com',
};

/**
 * A helpdesk URL is the platform's URL shape: https (http:// only where private URLs are allowed: local mode,
 * simulators), a host and nothing else, except Xurrent's REST root, which its docs write with `/v1`. The connector
 * appends the API path, so a path, a query or a fragment here would change what it calls.
 */
function helpdeskBaseUrl(platform: Platform, raw: string, allowHttp: boolean): string {
  try {
    return checkUrlShape(raw, {
      what: 'The helpdesk URL',
      example: helpdeskUrlExamples[platform],
      allowHttp,
      paths: platform === 'xurrent' ? ['/v1'] : [],
    });
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.code, error.message, { field: 'baseUrl' });
    throw error;
  }
}

export interface InstanceView extends Instance {
  /** The URL partners use to reach this instance (`{PUBLIC_URL}/i/{slug}`). */
  url: string;
}

/** Registers a helpdesk this node serves, after checking its credentials against the helpdesk. */
export async function registerInstance(deps: AppDeps, input: RegisterInstanceInput): Promise<InstanceView> {
  const data = validateInput(registerInput, input);
  const credentials: Credentials = data.credentials;
  const wantsToken = data.platform === 'xurrent';
  if (wantsToken !== (credentials.kind === 'token')) {
    throw new DomainError(
      'invalid_input',
      wantsToken
        ? 'Xurrent needs a personal access token and an account id, not an API key.'
        : `${data.platform === 'freshdesk' ? 'Freshdesk' : 'Freshservice'} needs an API key, not a token.`,
    );
  }
  const slug = validateSlug(data.slug ?? slugify(data.name));
  if (deps.db.select({ id: instances.id }).from(instances).where(eq(instances.slug, slug)).get()) {
    throw new DomainError(
      'conflict',
      `An instance with the slug "${slug}" already exists on this node; choose another slug.`,
    );
  }
  const baseUrl = helpdeskBaseUrl(data.platform, data.baseUrl, deps.outbound?.allowPrivate ?? false);
  const now = deps.clock();
  const row = {
    id: randomUUID(),
    slug,
    name: data.name,
    platform: data.platform,
    baseUrl,
    credentialsEnc: deps.secrets.sealJson(credentials),
    public: data.public,
    licenseKind: data.license,
    licenseUntil: data.license === 'evaluation' ? new Date(now.getTime() + data.evaluationDays * 86_400_000) : null,
    createdAt: now,
  };
  // Through the connector the instance will have (its id, URL and sealed credentials): the check spends the rate
  // budget that the instance's later calls share.
  await deps.helpdeskFor(row).verifyCredentials();
  deps.db.transaction((tx) => {
    tx.insert(instances).values(row).run();
    audit(tx, {
      at: now,
      actor: data.actor,
      action: 'instance.register',
      subjectType: 'instance',
      subjectId: row.id,
      details: { slug, platform: data.platform },
    });
  });
  deps.logger.info({ instance: slug, platform: data.platform }, 'instance registered');
  return view(deps, toInstance(row));
}

export function listInstances(deps: AppDeps): InstanceView[] {
  return deps.db
    .select()
    .from(instances)
    .orderBy(instances.slug)
    .all()
    .map((row) => view(deps, toInstance(row)));
}

export function getInstance(deps: AppDeps, ref: string): InstanceView {
  return view(deps, toInstance(requireInstanceRow(deps.db, ref)));
}

/** Removes an instance that has no connections left (delete those first, so no partner is left dangling). */
export function removeInstance(deps: AppDeps, input: { instance: string; actor: Actor }): InstanceView {
  const row = requireInstanceRow(deps.db, input.instance);
  const count = deps.db
    .select({ id: connections.id })
    .from(connections)
    .where(eq(connections.instanceId, row.id))
    .all().length;
  if (count > 0) {
    throw new DomainError(
      'conflict',
      `Instance "${row.slug}" still has ${count} connection${count === 1 ? '' : 's'}; delete ${count === 1 ? 'it' : 'them'} before removing the instance.`,
    );
  }
  deps.db.transaction((tx) => {
    tx.delete(instances).where(eq(instances.id, row.id)).run();
    audit(tx, {
      at: deps.clock(),
      actor: input.actor,
      action: 'instance.remove',
      subjectType: 'instance',
      subjectId: row.id,
      details: { slug: row.slug },
    });
  });
  return view(deps, toInstance(row));
}

/** The modes this instance can take part in now: Basic always, Script when public and licensed. */
export function offeredModes(instance: Instance, now: Date): Mode[] {
  return scriptModeAllowed(instance, now).allowed ? ['basic', 'script'] : ['basic'];
}

/**
 * Public information served at `GET /i/{slug}`: nothing secret, nothing about connections. Null for anything but the
 * slug of an instance on this node (an id included), so a stranger learns neither the slugs served here nor the ids.
 */
export function publicInstanceInfo(deps: AppDeps, slug: string): RemoteInstanceInfo | null {
  const row = findInstanceRowBySlug(deps.db, slug);
  if (!row) return null;
  const instance = toInstance(row);
  return {
    url: instancePublicUrl(deps.publicUrl, instance.slug),
    nodeUrl: deps.publicUrl,
    name: instance.name,
    platform: instance.platform,
    modes: offeredModes(instance, deps.clock()),
    protocol: PROTOCOL_VERSION,
  };
}

/** The projects incoming entities can be created in, from the instance's helpdesk. */
export async function listIncomingProjects(deps: AppDeps, instanceRef: string) {
  return deps.helpdeskFor(requireInstanceRow(deps.db, instanceRef)).listProjects();
}

function view(deps: AppDeps, instance: Instance): InstanceView {
  return { ...instance, url: instancePublicUrl(deps.publicUrl, instance.slug) };
}
