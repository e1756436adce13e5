import { setupWorkspaceInstance } from '../app/chat-workspaces.ts';
import type { ChatActor } from '../domain/chat-actor.ts';
import { requireAdmin } from '../app/chat-authorization.ts';
import { findWorkspaceInstance } from '../app/chat-workspaces.ts';
import type { AppDeps } from '../app/deps.ts';
import { DomainError } from '../domain/errors.ts';
import { platformLabels, platforms, type Platform } from '../domain/instance.ts';
import type { Form, FormValues } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { fieldErrors } from './outcome.ts';

export const SETUP_FORM = 'setup';
const FIELDS = ['platform', 'name', 'baseUrl', 'secret', 'account'];

/** `/bridge setup`: the form that registers the workspace's helpdesk. */
export function startSetup(deps: AppDeps, actor: ChatActor): FlowResult {
  requireAdmin(deps, actor, 'set up DeskBridge');
  const existing = findWorkspaceInstance(deps, actor);
  if (existing) {
    throw new DomainError(
      'conflict',
      `This workspace already manages ${existing.name}. Its DeskBridge URL, for partners: ${existing.url}`,
    );
  }
  return reply({ kind: 'open-form', form: setupForm() });
}

export async function submitSetup(deps: AppDeps, actor: ChatActor, values: FormValues): Promise<FlowResult> {
  requireAdmin(deps, actor, 'set up DeskBridge');
  const platform = values['platform'] as Platform | undefined;
  if (!platform || !platforms.includes(platform))
    return reply({ kind: 'field-errors', errors: { platform: 'Choose your helpdesk.' } });
  const secret = (values['secret'] ?? '').trim();
  const account = (values['account'] ?? '').trim();
  if (platform === 'xurrent' && !account)
    return reply({ kind: 'field-errors', errors: { account: 'Xurrent needs the account id.' } });
  try {
    const instance = await setupWorkspaceInstance(deps, {
      actor,
      instance: {
        platform,
        name: values['name'] ?? '',
        baseUrl: (values['baseUrl'] ?? '').trim(),
        credentials:
          platform === 'xurrent' ? { kind: 'token', token: secret, account } : { kind: 'apiKey', apiKey: secret },
      },
    });
    return reply(
      {
        kind: 'show-form',
        form: {
          kind: 'form',
          id: 'setup.done',
          title: 'DeskBridge set up',
          closeLabel: 'Done',
          items: [
            {
              kind: 'markdown',
              text: `*${instance.name}* (${platformLabels[instance.platform]}) is registered and managed from this workspace.`,
            },
            { kind: 'markdown', text: 'Partners connect to it with this URL:' },
            { kind: 'code', text: instance.url },
          ],
        },
      },
      [{ kind: 'refresh-home', userId: actor.userId }],
    );
  } catch (error) {
    return reply({ kind: 'field-errors', errors: fieldErrors(error, deps.logger, FIELDS, fieldFor(error)) });
  }
}

/** Registration problems name a field in words; put each next to the input it is about. */
function fieldFor(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/credential|API key|token|401|403/i.test(message)) return 'secret';
  if (/URL|reach|host/i.test(message)) return 'baseUrl';
  if (/name|slug/i.test(message)) return 'name';
  return 'baseUrl';
}

function setupForm(): Form {
  return {
    kind: 'form',
    id: SETUP_FORM,
    title: 'Set up DeskBridge',
    submitLabel: 'Register',
    closeLabel: 'Cancel',
    items: [
      {
        kind: 'select',
        id: 'platform',
        label: 'Helpdesk',
        options: platforms.map((p) => ({ value: p, label: platformLabels[p] })),
      },
      {
        kind: 'text',
        id: 'name',
        label: 'Name',
        placeholder: 'Acme Support',
        maxLength: 100,
        hint: 'How partners see your instance.',
      },
      { kind: 'text', id: 'baseUrl', label: 'Helpdesk URL', placeholder: 'https://acme.freshdesk.com', maxLength: 500 },
      {
        kind: 'text',
        id: 'secret',
        label: 'API key or token',
        maxLength: 500,
        sensitive: true,
        hint: 'Freshdesk and Freshservice: an API key. Xurrent: a personal access token. Stored encrypted.',
      },
      {
        kind: 'text',
        id: 'account',
        label: 'Xurrent account id',
        optional: true,
        maxLength: 100,
        hint: 'Only for Xurrent.',
      },
    ],
  };
}
