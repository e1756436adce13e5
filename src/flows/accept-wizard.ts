import { acceptInvitation, previewInvitation, type InvitationPreview } from '../app/accept-invitation.ts';
import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { authorizePartnerAcceptance, requireInstanceAdmin } from '../app/chat-authorization.ts';
import { endWizard, loadWizard, saveWizard, startWizard } from '../app/chat-wizards.ts';
import type { AppDeps } from '../app/deps.ts';
import { getInstance, listIncomingProjects } from '../app/instances.ts';
import { invitationMessageCode } from '../app/invitation-messages.ts';
import { modeDescriptions } from '../domain/connection.ts';
import { incomingProjectKind, platformLabels } from '../domain/instance.ts';
import type { Form, FormValues } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { failureMessage, fieldErrors, formatDate, notice } from './outcome.ts';

/** Accepting an invitation: paste the code (or click Accept on a posted invitation), confirm, choose the project. */
export const acceptSteps = { code: 'accept.code', confirm: 'accept.confirm' } as const;
const TITLE = 'Accept invitation';

interface AcceptState {
  instance: string;
  code: string | null;
  /** Set when started from a posted invitation: the click is authorized again on Confirm. */
  fromMessage: { channelId: string; messageRef: string; connectionId: string } | null;
}

/** `/bridge accept [code]` or the App Home button: our own admin accepts for our instance. */
export async function startAcceptByCode(deps: AppDeps, actor: ChatActor, code: string | null): Promise<FlowResult> {
  const instance = requireInstanceAdmin(deps, actor, 'accept invitations');
  const state: AcceptState = { instance: instance.slug, code: null, fromMessage: null };
  const id = startWizard(deps, { actor, kind: 'accept', state });
  if (!code) return reply({ kind: 'open-form', form: codeForm(id) });
  const preview = previewInvitation(deps, { instance: instance.slug, code });
  state.code = code.trim();
  saveWizard(deps, { id, state });
  return reply({ kind: 'open-form', form: await confirmForm(deps, id, state, preview) });
}

/** A partner clicked Accept on a posted invitation. */
export async function startAcceptFromMessage(
  deps: AppDeps,
  actor: ChatActor,
  at: { channelId: string; messageRef: string; connectionId: string },
): Promise<FlowResult> {
  const decision = authorizePartnerAcceptance(deps, actor, at);
  if (decision.kind === 'accept-elsewhere') {
    return reply({
      kind: 'private-message',
      message: notice(
        'Your workspace has no helpdesk instance on this DeskBridge. Copy the invitation code from the message and accept it on your own DeskBridge: `/bridge accept <code>` (or `deskbridge connections accept`).',
      ),
    });
  }
  const code = invitationMessageCode(deps, decision.invitation.id);
  const state: AcceptState = { instance: decision.instance.slug, code, fromMessage: at };
  const preview = previewInvitation(deps, { instance: decision.instance.slug, code });
  const id = startWizard(deps, { actor, kind: 'accept', state });
  return reply({ kind: 'open-form', form: await confirmForm(deps, id, state, preview) });
}

export async function submitAcceptStep(
  deps: AppDeps,
  actor: ChatActor,
  input: { step: string; stateId: string; values: FormValues },
): Promise<FlowResult> {
  const state = loadWizard<AcceptState>(deps, { id: input.stateId, actor, kind: 'accept' });
  if (state.fromMessage) authorizePartnerAcceptance(deps, actor, state.fromMessage);
  else requireInstanceAdmin(deps, actor, 'accept invitations');

  if (input.step === acceptSteps.code) {
    const code = (input.values['code'] ?? '').trim();
    if (!code) return reply({ kind: 'field-errors', errors: { code: 'Paste the invitation code you received.' } });
    try {
      const preview = previewInvitation(deps, { instance: state.instance, code });
      state.code = code;
      saveWizard(deps, { id: input.stateId, state });
      return reply({ kind: 'show-form', form: await confirmForm(deps, input.stateId, state, preview) });
    } catch (error) {
      return reply({ kind: 'field-errors', errors: fieldErrors(error, deps.logger, [], 'code') });
    }
  }
  if (input.step === acceptSteps.confirm && state.code) {
    const needsProject = incomingProjectKind[getInstance(deps, state.instance).platform] !== null;
    const projectId = input.values['incomingProjectId'];
    if (needsProject && !projectId) {
      return reply({
        kind: 'field-errors',
        errors: { incomingProjectId: 'Choose where tickets received from the other side are created.' },
      });
    }
    try {
      const connection = await acceptInvitation(deps, {
        instance: state.instance,
        code: state.code,
        incomingProjectId: projectId,
        actor: actorRef(actor),
      });
      endWizard(deps, input.stateId);
      return reply({ kind: 'show-form', form: doneForm(connection.name) }, [
        { kind: 'refresh-home', userId: actor.userId },
      ]);
    } catch (error) {
      if (needsProject)
        return reply({
          kind: 'field-errors',
          errors: fieldErrors(error, deps.logger, ['incomingProjectId'], 'incomingProjectId'),
        });
      // Without an input on the form there is nothing to attach an error to: show it instead.
      const problem = failureMessage(error, deps.logger).text;
      return reply({
        kind: 'show-form',
        form: {
          kind: 'form',
          id: 'accept.failed',
          title: TITLE,
          closeLabel: 'Close',
          items: [{ kind: 'markdown', text: problem }],
        },
      });
    }
  }
  return reply({ kind: 'close' });
}

function codeForm(stateId: string): Form {
  return {
    kind: 'form',
    id: acceptSteps.code,
    title: TITLE,
    stateId,
    submitLabel: 'Next',
    closeLabel: 'Cancel',
    items: [
      {
        kind: 'text',
        id: 'code',
        label: 'Invitation code',
        multiline: true,
        maxLength: 3000,
        hint: 'The code the inviting admin sent you (it starts with DB1.).',
      },
    ],
  };
}

async function confirmForm(
  deps: AppDeps,
  stateId: string,
  state: AcceptState,
  preview: InvitationPreview,
): Promise<Form> {
  const instance = getInstance(deps, state.instance);
  const kind = incomingProjectKind[instance.platform];
  const projects = kind ? await listIncomingProjects(deps, state.instance) : [];
  return {
    kind: 'form',
    id: acceptSteps.confirm,
    title: TITLE,
    stateId,
    submitLabel: 'Confirm',
    closeLabel: 'Cancel',
    items: [
      { kind: 'heading', text: 'Connection information' },
      {
        kind: 'facts',
        facts: [
          { label: 'Connection name', value: preview.connectionName },
          {
            label: 'From',
            value: `${preview.remoteShortName} (${platformLabels[preview.initiatorPlatform]}), ${preview.initiatorUrl}`,
          },
          { label: 'Mode', value: modeDescriptions[preview.mode].title },
          { label: 'Your short name', value: preview.localShortName },
          { label: 'Expires', value: formatDate(preview.expiresAt) },
          ...(preview.description ? [{ label: 'Description', value: preview.description }] : []),
        ],
      },
      ...(kind
        ? [
            {
              kind: 'select' as const,
              id: 'incomingProjectId',
              label: `The ${platformLabels[instance.platform]} ${kind} where tickets received from ${preview.remoteShortName} are created`,
              placeholder: `Select a ${kind}`,
              options: projects.slice(0, 100).map((p) => ({ value: p.id, label: p.name })),
            },
          ]
        : [{ kind: 'note' as const, text: 'Incoming tickets go where your incoming sync rules put them.' }]),
      {
        kind: 'note',
        text: `This connects ${instance.name} with ${preview.remoteShortName}. The mode is fixed once accepted.`,
      },
    ],
  };
}

function doneForm(connectionName: string): Form {
  return {
    kind: 'form',
    id: 'accept.done',
    title: TITLE,
    closeLabel: 'Done',
    items: [
      { kind: 'markdown', text: `The connection *${connectionName}* is active. Both sides can now sync tickets.` },
    ],
  };
}
