import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { connections, webhookSecrets } from '../../db/schema/index.ts';
import { isDomainError } from '../domain/errors.ts';
import type { SetupFinding } from '../domain/helpdesk.ts';
import { instancePublicUrl, type Platform } from '../domain/instance.ts';
import type { AppDeps } from './deps.ts';
import { helpdeskOfInstance } from '../store/helpdesks.ts';
import { requireInstanceRow } from '../store/instances.ts';
import { validateInput } from './validate.ts';
import { webhookReceipts } from './webhook-receipts.ts';

export interface InstanceCheck {
  instance: { slug: string; name: string; platform: Platform };
  /** In the order a person fixes them: sign-in first, then what creates need, webhooks, budget, projects. */
  findings: SetupFinding[];
  problems: number;
  warnings: number;
  checkedAt: Date;
}

const checkInput = z.object({ instance: z.string().trim().min(1, 'name the instance to check') });

const platformLabel: Record<Platform, string> = {
  freshdesk: 'Freshdesk',
  freshservice: 'Freshservice',
  xurrent: 'Xurrent',
};

const topicOrder = ['credentials', 'permissions', 'required fields', 'webhook', 'rate limit', 'incoming project'];

/**
 * The pre-flight an admin runs before the first sync (`deskbridge instances check`, `/bridge check`): against the
 * real helpdesk, with the stored credentials, what would make syncs fail, each with how to fix it. It reads only: no
 * webhook secret is made, nothing is written to the helpdesk. Who may run it is the caller's check (chat: the
 * instance's admins; the CLI is the node's operator).
 */
export async function checkInstance(deps: AppDeps, input: { instance: string }): Promise<InstanceCheck> {
  const data = validateInput(checkInput, input);
  const row = requireInstanceRow(deps.db, data.instance);
  const label = platformLabel[row.platform];
  const secretRow = deps.db.select().from(webhookSecrets).where(eq(webhookSecrets.instanceId, row.id)).get();
  const webhookSecret = secretRow ? deps.secrets.open(secretRow.secretEnc) : null;
  const webhookUrl = `${deps.publicUrl}/webhooks/${row.slug}`;
  const ofInstance = deps.db
    .select({
      name: connections.name,
      status: connections.status,
      projectId: connections.incomingProjectId,
      projectName: connections.incomingProjectName,
    })
    .from(connections)
    .where(eq(connections.instanceId, row.id))
    .all()
    .filter((c) => c.status !== 'expired');

  const findings: SetupFinding[] = [];
  try {
    findings.push(
      ...(await helpdeskOfInstance(deps, row.id).checkSetup({
        connections: ofInstance.map((c) => ({ name: c.name, projectId: c.projectId, projectName: c.projectName })),
        webhookUrl,
        webhookSecret,
      })),
    );
  } catch (error) {
    if (!isDomainError(error)) deps.logger.error({ err: error, instance: row.slug }, 'instance check failed');
    findings.push({
      level: 'problem',
      topic: 'credentials',
      message: isDomainError(error) ? error.message : `${label} could not be checked (an unexpected error).`,
      fix: `Check that ${row.baseUrl} is the ${label} API and answers from this machine.`,
    });
  }
  findings.push(...receivedWebhookFindings(deps, row.slug, label, row.platform, webhookSecret !== null));
  findings.push(await reachabilityFinding(deps, row.slug, row.baseUrl));
  findings.sort((a, b) => rank(a.topic) - rank(b.topic));
  deps.logger.info(
    { instance: row.slug, problems: findings.filter((f) => f.level === 'problem').length },
    'instance checked',
  );
  return {
    instance: { slug: row.slug, name: row.name, platform: row.platform },
    findings,
    problems: findings.filter((f) => f.level === 'problem').length,
    warnings: findings.filter((f) => f.level === 'warning').length,
    checkedAt: deps.clock(),
  };
}

function rank(topic: string): number {
  const i = topicOrder.indexOf(topic);
  return i === -1 ? topicOrder.length : i;
}

/** What this node saw of the instance's webhooks: the only evidence there is for Freshdesk's automation rules. */
function receivedWebhookFindings(
  deps: AppDeps,
  slug: string,
  label: string,
  platform: Platform,
  hasSecret: boolean,
): SetupFinding[] {
  const setupHint = `deskbridge instances webhook ${slug} prints the URL, ${platform === 'xurrent' ? 'with its secret' : 'the secret header and the body'} to use.`;
  if (!hasSecret) {
    return [
      {
        level: 'problem',
        topic: 'webhook',
        message:
          'This instance has no webhook secret yet, so DeskBridge refuses every webhook and changes arrive only by polling.',
        fix: `Run deskbridge instances webhook ${slug} and set the ${platform === 'xurrent' ? 'webhook' : 'automation rule'} up as it says.`,
      },
    ];
  }
  const seen = webhookReceipts(deps, slug);
  const accepted = seen.accepted?.getTime() ?? 0;
  const refusals = [
    {
      at: seen['refused-secret'],
      message: `did not carry this instance's secret${platform === 'xurrent' ? ' (or signature)' : ' in the x-deskbridge-secret header'}`,
      fix: `Correct the ${platform === 'xurrent' ? "webhook's URI" : "automation rule's x-deskbridge-secret header"}: ${setupHint}`,
    },
    {
      at: seen['refused-body'],
      message: 'did not name a ticket in its body',
      fix: `Correct the webhook's body: ${setupHint}`,
    },
  ]
    .filter((r): r is typeof r & { at: Date } => r.at !== null && r.at.getTime() > accepted)
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const latest = refusals[0];
  if (latest) {
    return [
      {
        level: 'problem',
        topic: 'webhook',
        message: `The last webhook from ${label} (${latest.at.toISOString()}) was refused: it ${latest.message}. Changes arrive only by polling.`,
        fix: latest.fix,
      },
    ];
  }
  if (seen.accepted) {
    return [
      {
        level: 'ok',
        topic: 'webhook',
        message: `DeskBridge last received a verified webhook from ${label} at ${seen.accepted.toISOString()}.`,
        fix: null,
      },
    ];
  }
  return [
    {
      level: 'warning',
      topic: 'webhook',
      message: `DeskBridge has not received a webhook from ${label} yet: until one arrives, changes are found by polling only.`,
      fix: `Change a ticket to test the webhook; if nothing arrives, ${setupHint}`,
    },
  ];
}

const loopbackHost = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** The helpdesk posts to PUBLIC_URL: it must answer as this instance, and not only on this machine. */
async function reachabilityFinding(deps: AppDeps, slug: string, helpdeskUrl: string): Promise<SetupFinding> {
  const url = instancePublicUrl(deps.publicUrl, slug);
  try {
    const info = await deps.remote.fetchInstanceInfo(url);
    if (info.url !== url) throw new Error(`it answers as ${info.url}`);
  } catch (error) {
    return {
      level: 'problem',
      topic: 'webhook',
      message: `DeskBridge does not answer for this instance at ${url} (${isDomainError(error) ? error.message : (error as Error).message}), so webhooks cannot reach it.`,
      fix: 'Start the service, and set PUBLIC_URL to the address the helpdesk reaches it at.',
    };
  }
  const publicHost = new URL(deps.publicUrl).hostname;
  const helpdeskHost = new URL(helpdeskUrl).hostname;
  if (loopbackHost.test(publicHost) && !loopbackHost.test(helpdeskHost)) {
    return {
      level: 'warning',
      topic: 'webhook',
      message: `PUBLIC_URL (${deps.publicUrl}) is a loopback address: the helpdesk at ${helpdeskHost} cannot post webhooks to it.`,
      fix: 'Set PUBLIC_URL to an address the helpdesk reaches (a public host name, or a tunnel).',
    };
  }
  return { level: 'ok', topic: 'webhook', message: `DeskBridge answers for this instance at ${url}.`, fix: null };
}
