import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { instances, webhookSecrets } from '../../db/schema.ts';
import type { Platform } from '../domain/instance.ts';
import type { Actor, AppDeps } from './deps.ts';
import { audit } from './store/audit.ts';
import { requireInstanceRow } from './store/instances.ts';

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

/** What the webhook receiver needs to check a delivery for an instance, or null when there is no such instance. */
export function webhookInstance(
  deps: AppDeps,
  slug: string,
): { platform: Platform; webhookSecret: string | null; baseUrl: string } | null {
  const row = deps.db.select().from(instances).where(eq(instances.slug, slug)).get();
  if (!row) return null;
  const secret = deps.db.select().from(webhookSecrets).where(eq(webhookSecrets.instanceId, row.id)).get();
  return {
    platform: row.platform,
    webhookSecret: secret ? deps.secrets.open(secret.secretEnc) : null,
    baseUrl: row.baseUrl,
  };
}
