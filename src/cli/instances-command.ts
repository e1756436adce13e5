import { readFileSync, statSync } from 'node:fs';
import {
  getInstance,
  listIncomingProjects,
  listInstances,
  registerInstance,
  removeInstance,
  type InstanceView,
} from '../app/instances.ts';
import type { AppDeps } from '../app/deps.ts';
import { instanceWebhook, setXurrentWebhookPolicy } from '../app/webhook-secrets.ts';
import { freshworksWebhookTemplate, WEBHOOK_SECRET_HEADER } from '../../adapters/helpdesk/webhooks.ts';
import { effectiveLicense, platforms, type Credentials, type Platform } from '../domain/instance.ts';
import { DomainError } from '../domain/errors.ts';
import { optionalFlag, parseFlags, requireFlag } from './args.ts';
import { formatDate, printJson, printTable, UsageError, type CliIo } from './output.ts';

export async function runInstancesCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values } = parseFlags(rest, {
        platform: { type: 'string' },
        url: { type: 'string' },
        name: { type: 'string' },
        'api-key': { type: 'string' },
        token: { type: 'string' },
        account: { type: 'string' },
        slug: { type: 'string' },
        private: { type: 'boolean' },
        license: { type: 'string' },
        'evaluation-days': { type: 'string' },
      });
      const platform = requireFlag(values, 'platform');
      if (!(platforms as readonly string[]).includes(platform))
        throw new UsageError(`--platform must be one of ${platforms.join(', ')}.`);
      const credentials: Credentials =
        platform === 'xurrent'
          ? {
              kind: 'token',
              token: optionalFlag(values, 'token') ?? process.env.HELPDESK_TOKEN ?? '',
              account: optionalFlag(values, 'account') ?? '',
            }
          : { kind: 'apiKey', apiKey: optionalFlag(values, 'api-key') ?? process.env.HELPDESK_API_KEY ?? '' };
      const days = optionalFlag(values, 'evaluation-days');
      const instance = await registerInstance(deps, {
        platform: platform as Platform,
        baseUrl: requireFlag(values, 'url'),
        name: requireFlag(values, 'name'),
        credentials,
        slug: optionalFlag(values, 'slug'),
        public: !values.private,
        license: optionalFlag(values, 'license') as 'evaluation' | 'paid' | 'expired' | undefined,
        evaluationDays: days === undefined ? undefined : Number(days),
        actor,
      });
      if (values.json) printJson(io, instance);
      else
        io.stdout.write(
          `Registered ${instance.name} (${instance.platform}) as ${instance.slug}. Partners reach it at ${instance.url}\n`,
        );
      return;
    }
    case 'list': {
      const { values } = parseFlags(rest, {});
      const all = listInstances(deps);
      if (values.json) printJson(io, all);
      else printInstances(deps, io, all);
      return;
    }
    case 'projects': {
      const { values, positionals } = parseFlags(rest, {});
      const ref = positionals[0];
      if (!ref) throw new UsageError('Name the instance: deskbridge instances projects <instance>.');
      const projects = await listIncomingProjects(deps, getInstance(deps, ref).slug);
      if (values.json) printJson(io, projects);
      else
        printTable(
          io,
          ['ID', 'NAME'],
          projects.map((p) => [p.id, p.name]),
        );
      return;
    }
    case 'webhook': {
      const { values, positionals } = parseFlags(rest, {
        'policy-alg': { type: 'string' },
        'policy-key': { type: 'string' },
        'policy-audience': { type: 'string' },
        'no-policy': { type: 'boolean' },
      });
      const ref = positionals[0];
      if (!ref) throw new UsageError('Name the instance: deskbridge instances webhook <instance>.');
      const instance = getInstance(deps, ref);
      const alg = optionalFlag(values, 'policy-alg');
      const keyFile = optionalFlag(values, 'policy-key');
      if ((alg === undefined) !== (keyFile === undefined) || (values['no-policy'] && alg !== undefined)) {
        throw new UsageError(
          'A webhook policy takes --policy-alg ALG and --policy-key FILE together (or --no-policy to go back to the secret).',
        );
      }
      if (alg !== undefined && keyFile !== undefined) {
        const policy = setXurrentWebhookPolicy(deps, {
          instance: instance.slug,
          policy: {
            algorithm: alg,
            key: readPolicyKey(keyFile),
            audience: optionalFlag(values, 'policy-audience') ?? null,
          },
          actor,
        });
        io.stdout.write(
          `Xurrent webhooks of ${instance.name} are now checked against the ${policy?.algorithm} webhook policy` +
            `${policy?.audience ? ` for audience ${policy.audience}` : ''}: unsigned or differently signed deliveries are refused.\n`,
        );
        return;
      }
      if (values['no-policy']) {
        setXurrentWebhookPolicy(deps, { instance: instance.slug, policy: null, actor });
        io.stdout.write(`Xurrent webhooks of ${instance.name} are checked by the secret in their URI again.\n`);
        return;
      }
      const setup = instanceWebhook(deps, { instance: instance.slug, actor });
      const template = instance.platform === 'xurrent' ? null : freshworksWebhookTemplate(instance.platform);
      if (values.json) {
        printJson(io, { ...setup, header: WEBHOOK_SECRET_HEADER, template });
      } else if (instance.platform === 'xurrent') {
        io.stdout.write(
          `In Xurrent, create a webhook for request events (request.create, request.update, request.note-added) with this URI:\n` +
            `  ${setup.url}?secret=${setup.secret}\n` +
            `(or sign them with a webhook policy: deskbridge instances webhook ${instance.slug} --policy-alg ALG --policy-key FILE).\n`,
        );
      } else {
        io.stdout.write(
          `In ${instance.platform === 'freshdesk' ? 'Freshdesk' : 'Freshservice'}, add an automation rule (ticket created or updated) with a "Trigger webhook" action:\n` +
            `  POST ${setup.url}\n  header ${WEBHOOK_SECRET_HEADER}: ${setup.secret}\n  content type JSON, body: ${template}\n`,
        );
      }
      return;
    }
    case 'check': {
      const { values, positionals } = parseFlags(rest, {});
      const ref = positionals[0];
      if (!ref) throw new UsageError('Name the instance: deskbridge instances check <instance>.');
      const { checkInstance } = await import('../app/instance-check.ts');
      const { checkSummary, findingLine } = await import('../flows/instance-check.ts');
      const check = await checkInstance(deps, { instance: ref });
      if (values.json) printJson(io, check);
      else {
        io.stdout.write(`Pre-flight check of ${check.instance.name} (${check.instance.platform}):\n`);
        for (const finding of check.findings) io.stdout.write(`${findingLine(finding)}\n`);
        io.stdout.write(`${checkSummary(check)}\n`);
      }
      // A problem is a refusal to go ahead: exit 1, so a script stops before the first sync.
      if (check.problems > 0)
        throw new DomainError(
          'conflict',
          `${check.problems} problem${check.problems === 1 ? '' : 's'} found on ${check.instance.slug}.`,
        );
      return;
    }
    case 'remove': {
      const { values, positionals } = parseFlags(rest, {});
      const ref = positionals[0];
      if (!ref) throw new UsageError('Name the instance: deskbridge instances remove <instance>.');
      const removed = removeInstance(deps, { instance: ref, actor });
      if (values.json) printJson(io, removed);
      else io.stdout.write(`Removed ${removed.slug}.\n`);
      return;
    }
    default:
      throw new UsageError(sub ? `Unknown instances command "${sub}".` : 'Say what to do with instances.');
  }
}

function printInstances(deps: AppDeps, io: CliIo, all: InstanceView[]): void {
  const now = deps.clock();
  printTable(
    io,
    ['SLUG', 'NAME', 'PLATFORM', 'PUBLIC', 'LICENSE', 'URL'],
    all.map((i) => {
      const license = effectiveLicense(i.license, now);
      return [
        i.slug,
        i.name,
        i.platform,
        i.public ? 'yes' : 'no',
        license === 'evaluation' ? `evaluation until ${formatDate(i.license.until).slice(0, 10)}` : license,
        i.url,
      ];
    }),
  );
}

/** The policy's public key or shared secret, from a file (so it is in no shell history); a few KiB at most. */
function readPolicyKey(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`Cannot read the policy key file ${path}.`);
  }
  if (size > 16 * 1024) throw new UsageError(`The policy key file ${path} is larger than 16 KiB; it holds one key.`);
  return readFileSync(path, 'utf8');
}
