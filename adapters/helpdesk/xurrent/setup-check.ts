import { z } from 'zod';
import { refusal } from '../helpdesk-errors.ts';
import { sameSecret } from '../webhooks.ts';
import { rateBudgetFinding, type SetupCheckInput, type SetupFinding } from '../../../src/domain/helpdesk.ts';
import { numberHeader } from '../transport.ts';
import type { XurrentClient } from './client.ts';

/**
 * The Xurrent pre-flight. What it reads, and the pages it rests on:
 * - `GET /v1/me` (developer.xurrent.com/v1/people, "me": the person the token belongs to).
 * - `GET /v1/webhooks` (developer.xurrent.com/v1/webhooks: administrators only; fields `id, name, event, uri,
 *   disabled, last_error, webhook_policy, ...`). DeskBridge needs the request events it listens to posting to
 *   `{PUBLIC_URL}/webhooks/{slug}` with the instance's `secret` parameter (or a webhook policy).
 * - `GET /v1/services` (developer.xurrent.com/v1/services) for each connection's incoming service.
 * - Quota: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (developer.xurrent.com/v1, rate
 *   limiting: 3600 per hour per token).
 */

/** The request events DeskBridge acts on (registerOn in the tests, `instances webhook` for admins). */
const wantedEvents = ['request.create', 'request.update', 'request.note-added'];

const webhookSchema = z.looseObject({
  id: z.number(),
  name: z.string().nullish(),
  event: z.string(),
  uri: z.string(),
  disabled: z.boolean().nullish(),
  last_error: z.string().nullish(),
  webhook_policy: z.looseObject({ id: z.number() }).nullish(),
});
type Webhook = z.infer<typeof webhookSchema>;

/** The webhook posts to DeskBridge's URL for this instance (the query, which carries the secret, aside). */
function pointsAt(webhook: Webhook, webhookUrl: string): boolean {
  try {
    const uri = new URL(webhook.uri);
    return `${uri.origin}${uri.pathname}`.replace(/\/+$/, '') === webhookUrl.replace(/\/+$/, '');
  } catch {
    return false;
  }
}

export async function checkXurrentSetup(client: XurrentClient, input: SetupCheckInput): Promise<SetupFinding[]> {
  const findings: SetupFinding[] = [];
  let quota: { limit: number | null; remaining: number | null; resetAt: Date | null } | null = null;
  const remember = (headers: Headers) => {
    const reset = numberHeader(headers, 'x-ratelimit-reset');
    quota = {
      limit: numberHeader(headers, 'x-ratelimit-limit'),
      remaining: numberHeader(headers, 'x-ratelimit-remaining'),
      resetAt: reset === null ? null : new Date(reset * 1000),
    };
  };

  try {
    const { data, headers } = await client.transport.json(
      { method: 'GET', path: '/me', what: 'the signed-in person' },
      z.looseObject({ id: z.number(), name: z.string().nullish() }),
    );
    remember(headers);
    findings.push({
      level: 'ok',
      topic: 'credentials',
      message: `The token signs in as ${data.name ?? `person ${data.id}`}.`,
      fix: null,
    });
  } catch (error) {
    findings.push({
      level: 'problem',
      topic: 'credentials',
      message: refusal(error),
      fix: 'Check the instance URL, the account id and the personal access token (Xurrent: My Profile → Personal Access Tokens), then register the instance again.',
    });
    return findings;
  }

  // The webhooks, as Xurrent itself shows them.
  try {
    const response = await client.transport.send({
      method: 'GET',
      path: '/webhooks',
      query: { per_page: 100 },
      what: 'the webhooks',
      passStatuses: [403],
    });
    remember(response.headers);
    if (response.status === 403) {
      findings.push({
        level: 'warning',
        topic: 'webhook',
        message:
          "The token's person may not read webhooks (Xurrent shows them to account administrators only), so whether one posts to DeskBridge is unknown.",
        fix: `Check in Xurrent Settings → Webhooks that webhooks for ${wantedEvents.join(', ')} post to ${input.webhookUrl}.`,
      });
    } else {
      const ours = client.transport
        .parse(response, z.array(webhookSchema), 'the webhooks')
        .filter((w) => pointsAt(w, input.webhookUrl));
      findings.push(...webhookFindings(ours, input));
    }
  } catch (error) {
    findings.push({
      level: 'warning',
      topic: 'webhook',
      message: `The webhooks could not be read: ${refusal(error)}`,
      fix: null,
    });
  }

  // Xurrent has no server-side default for a request's category, and an incident needs an impact
  // (adapters/helpdesk/xurrent/required-fields.ts refuses a create without them before sending it).
  findings.push({
    level: 'ok',
    topic: 'required fields',
    message:
      'Xurrent requires a category on every request and an impact on incidents: the default incoming rules set both (impact from the priority), and a Script-mode rule must keep setting entity.category and entity.impact.',
    fix: null,
  });

  const withService = input.connections.filter((c) => c.projectId !== null);
  for (const connection of input.connections.filter((c) => c.projectId === null)) {
    findings.push({
      level: 'ok',
      topic: 'incoming project',
      message: `${connection.name}: no incoming service; the incoming rules pick it (serviceId).`,
      fix: null,
    });
  }
  if (withService.length > 0) {
    try {
      const services = await client.listProjects();
      for (const connection of withService) {
        const found = services.find((s) => s.id === connection.projectId);
        findings.push(
          found
            ? {
                level: 'ok',
                topic: 'incoming project',
                message: `${connection.name}: incoming service "${found.name}" (${found.id}) exists.`,
                fix: null,
              }
            : {
                level: 'problem',
                topic: 'incoming project',
                message: `${connection.name}: incoming service ${connection.projectName ? `"${connection.projectName}" ` : ''}(${connection.projectId}) is not among the services the token can see: creating requests fails.`,
                fix: 'Give the token access to the service, or make a new connection with one it sees (deskbridge instances projects lists them).',
              },
        );
      }
    } catch (error) {
      findings.push({
        level: 'warning',
        topic: 'incoming project',
        message: `The services could not be listed: ${refusal(error)}`,
        fix: null,
      });
    }
  }

  const reading = quota as { limit: number | null; remaining: number | null; resetAt: Date | null } | null;
  findings.push(
    rateBudgetFinding('Xurrent', {
      limit: reading?.limit ?? null,
      remaining: reading?.remaining ?? null,
      resetAt: reading?.resetAt ?? null,
      window: 'this hour',
    }),
  );
  return findings;
}

function webhookFindings(ours: Webhook[], input: SetupCheckInput): SetupFinding[] {
  const create = `In Xurrent Settings → Webhooks, create a webhook for each of ${wantedEvents.join(', ')} with the URI that deskbridge instances webhook prints.`;
  if (ours.length === 0) {
    return [
      {
        level: 'problem',
        topic: 'webhook',
        message: `No Xurrent webhook posts to ${input.webhookUrl}: changes arrive only by polling.`,
        fix: create,
      },
    ];
  }
  const findings: SetupFinding[] = [];
  for (const webhook of ours) {
    const name = `Webhook ${webhook.id} (${webhook.event})`;
    if (webhook.disabled) {
      findings.push({
        level: 'problem',
        topic: 'webhook',
        message: `${name} is disabled${webhook.last_error ? ` (last error: ${webhook.last_error})` : ''}: Xurrent sends nothing.`,
        fix: 'Enable it in Xurrent Settings → Webhooks once DeskBridge is reachable at its URI.',
      });
      continue;
    }
    const secret = (() => {
      try {
        return new URL(webhook.uri).searchParams.get('secret');
      } catch {
        return null;
      }
    })();
    if (webhook.webhook_policy) {
      findings.push({
        level: 'warning',
        topic: 'webhook',
        message: `${name} is signed by webhook policy ${webhook.webhook_policy.id}: DeskBridge accepts it only with that policy's key.`,
        fix: 'Remove the policy from the webhook and use the URI with the secret that deskbridge instances webhook prints.',
      });
    } else if (input.webhookSecret === null) {
      findings.push({
        level: 'problem',
        topic: 'webhook',
        message: `${name} posts to DeskBridge, but this instance has no webhook secret yet: every delivery is refused.`,
        fix: 'Run deskbridge instances webhook to make the secret, and put the URI it prints in the webhook.',
      });
    } else if (!sameSecret(secret, input.webhookSecret)) {
      findings.push({
        level: 'problem',
        topic: 'webhook',
        message: `${name} ${secret === null ? 'carries no secret' : "carries another secret than this instance's"}: DeskBridge refuses its deliveries.`,
        fix: 'Set the webhook URI to the one deskbridge instances webhook prints.',
      });
    } else if (webhook.last_error) {
      findings.push({
        level: 'warning',
        topic: 'webhook',
        message: `${name}: the last delivery failed (${webhook.last_error}).`,
        fix: 'Check that DeskBridge is reachable at its public URL from Xurrent.',
      });
    } else {
      findings.push({
        level: 'ok',
        topic: 'webhook',
        message: `${name} posts to DeskBridge with this instance's secret.`,
        fix: null,
      });
    }
  }
  const missing = wantedEvents.filter((event) => !ours.some((w) => w.event === event && !w.disabled));
  if (missing.length > 0) {
    findings.push({
      level: 'warning',
      topic: 'webhook',
      message: `No webhook for ${missing.join(', ')}: those changes arrive only by polling.`,
      fix: create,
    });
  }
  return findings;
}
