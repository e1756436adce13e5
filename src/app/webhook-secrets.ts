import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { instances, webhookSecrets, xurrentWebhookPolicies } from '../../db/schema/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { Platform } from '../domain/instance.ts';
import { checkWebhookPolicy, type WebhookPolicy } from '../domain/webhook-policy.ts';
import type { Actor, AppDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { requireInstanceRow } from '../store/instances.ts';

export interface WebhookSetup {
  /** Where the helpdesk posts: `{PUBLIC_URL}/webhooks/{slug}`. */
  url: string;
  secret: string;
}

/** The webhook URL and secret of an instance, made on first use (put both in the helpdesk's automation rule). */
export function instanceWebhook(deps: AppDeps, input: { instance: string; actor: Actor }): WebhookSetup {
  const row = requireInstanceRow(deps.db, input.instance);
  const existing = deps.db.select().from(webhookSecrets).where(eq(webhookSecrets.instanceId, row.id)).get();
  const url = `${deps.publicUrl}/webhooks/${row.slug}`;
  if (existing) return { url, secret: deps.secrets.open(existing.secretEnc) };
  const secret = randomBytes(24).toString('base64url');
  deps.db.transaction((tx) => {
    tx.insert(webhookSecrets)
      .values({ instanceId: row.id, secretEnc: deps.secrets.seal(secret), createdAt: deps.clock() })
      .run();
    audit(tx, {
      at: deps.clock(),
      actor: input.actor,
      action: 'instance.webhook-secret',
      subjectType: 'instance',
      subjectId: row.id,
    });
  });
  return { url, secret };
}

/**
 * Makes the instance's Xurrent webhooks checked against a webhook policy (a JWT in the body, signed with the policy's
 * key), instead of the `?secret=` in their URI; `null` goes back to the secret. Only for a Xurrent instance.
 */
export function setXurrentWebhookPolicy(
  deps: AppDeps,
  input: {
    instance: string;
    policy: { algorithm: string; key: string; audience?: string | null } | null;
    actor: Actor;
  },
): WebhookPolicy | null {
  const row = requireInstanceRow(deps.db, input.instance);
  if (row.platform !== 'xurrent') {
    throw new DomainError(
      'invalid_input',
      `${row.name} is a ${row.platform} instance; webhook policies are Xurrent's (${row.platform} rules send the secret header).`,
    );
  }
  const policy = input.policy ? checkWebhookPolicy(input.policy) : null;
  const now = deps.clock();
  deps.db.transaction((tx) => {
    tx.delete(xurrentWebhookPolicies).where(eq(xurrentWebhookPolicies.instanceId, row.id)).run();
    if (policy) {
      tx.insert(xurrentWebhookPolicies)
        .values({
          instanceId: row.id,
          algorithm: policy.algorithm,
          audience: policy.audience,
          keyEnc: deps.secrets.seal(policy.key),
          createdAt: now,
        })
        .run();
    }
    audit(tx, {
      at: now,
      actor: input.actor,
      action: policy ? 'instance.webhook-policy' : 'instance.webhook-policy.clear',
      subjectType: 'instance',
      subjectId: row.id,
      ...(policy ? { details: { algorithm: policy.algorithm, audience: policy.audience } } : {}),
    });
  });
  return policy;
}

/** What the webhook receiver needs to check a delivery for an instance, or null when there is no such instance. */
export function webhookInstance(
  deps: AppDeps,
  slug: string,
): {
  platform: Platform;
  webhookSecret: string | null;
  xurrentPolicy: WebhookPolicy | null;
  baseUrl: string;
} | null {
  const row = deps.db.select().from(instances).where(eq(instances.slug, slug)).get();
  if (!row) return null;
  const secret = deps.db.select().from(webhookSecrets).where(eq(webhookSecrets.instanceId, row.id)).get();
  const policy = deps.db
    .select()
    .from(xurrentWebhookPolicies)
    .where(eq(xurrentWebhookPolicies.instanceId, row.id))
    .get();
  return {
    platform: row.platform,
    webhookSecret: secret ? deps.secrets.open(secret.secretEnc) : null,
    xurrentPolicy: policy
      ? {
          algorithm: policy.algorithm as WebhookPolicy['algorithm'],
          key: deps.secrets.open(policy.keyEnc),
          audience: policy.audience,
        }
      : null,
    baseUrl: row.baseUrl,
  };
}
