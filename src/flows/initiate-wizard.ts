import type { ChatActor } from '../domain/chat-actor.ts';
import { actorRef } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import { endWizard, loadWizard, saveWizard, startWizard } from '../app/chat-wizards.ts';
import type { AppDeps } from '../app/deps.ts';
import { checkDestination, initiateConnection, type ModeOption } from '../app/initiate-connection.ts';
import { getInstance, listIncomingProjects } from '../app/instances.ts';
import {
  checkConnectionInformation,
  limits,
  modeDescriptions,
  type ConnectionInformation,
  type Mode,
} from '../domain/connection.ts';
import {
  incomingProjectKind,
  needsIncomingProject,
  platformLabels,
  type Platform,
  type Project,
} from '../domain/instance.ts';
import { channelMention } from '../ui/mentions.ts';
import type { Form, FormValues, Message } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { codeBindingNote, invitationMessage } from './invitation-message.ts';
import { fieldErrors, formatDate } from './outcome.ts';

/**
 * The initiate wizard, step by step as on the product page: destination URL (or none) -> configuration mode ->
 * connection information -> incoming project (Freshdesk, Freshservice) -> the invitation code, with a channel to
 * post it to. The state lives in the database under the wizard id the form carries.
 */
export const initiateSteps = {
  destination: 'initiate.destination',
  mode: 'initiate.mode',
  info: 'initiate.info',
  project: 'initiate.project',
  code: 'initiate.code',
} as const;
type Step = (typeof initiateSteps)[keyof typeof initiateSteps];

export const PREVIOUS_ACTION = 'wizard.previous';
const TITLE = 'Initiate connection';

interface InitiateState {
  instance: string;
  /** What was typed, kept for Previous. */
  destinationText: string;
  noUrl: boolean;
  destination: { name: string; platform: Platform; url: string } | null;
  modes: ModeOption[];
  mode: Mode | null;
  info: ConnectionInformation;
  incomingProjectId: string | null;
  invitation: { connectionId: string; code: string; expiresAt: string } | null;
}

export function startInitiate(deps: AppDeps, actor: ChatActor): FlowResult {
  const instance = requireInstanceAdmin(deps, actor, 'initiate connections');
  const state: InitiateState = {
    instance: instance.slug,
    destinationText: '',
    noUrl: false,
    destination: null,
    modes: [],
    mode: null,
    info: { localShortName: instance.name, remoteShortName: '', name: '', description: '' },
    incomingProjectId: null,
    invitation: null,
  };
  const id = startWizard(deps, { actor, kind: 'initiate', state });
  return reply({ kind: 'open-form', form: destinationForm(id, state) });
}

/** A step was submitted: check it, then show the next step (or the problems next to the fields). */
export async function submitInitiateStep(
  deps: AppDeps,
  actor: ChatActor,
  input: { step: string; stateId: string; values: FormValues },
): Promise<FlowResult> {
  requireInstanceAdmin(deps, actor, 'initiate connections');
  const state = loadWizard<InitiateState>(deps, { id: input.stateId, actor, kind: 'initiate' });
  const { values, stateId } = input;
  switch (input.step as Step) {
    case initiateSteps.destination:
      return submitDestination(deps, stateId, state, values);
    case initiateSteps.mode: {
      const chosen = state.modes.find((m) => m.mode === values['mode']);
      if (!chosen) return reply({ kind: 'field-errors', errors: { mode: 'Choose a configuration type.' } });
      if (!chosen.available)
        return reply({ kind: 'field-errors', errors: { mode: chosen.reason ?? 'This mode is not available.' } });
      state.mode = chosen.mode;
      saveWizard(deps, { id: stateId, state });
      return reply({ kind: 'show-form', form: infoForm(deps, stateId, state) });
    }
    case initiateSteps.info: {
      state.info = readInfo(values);
      saveWizard(deps, { id: stateId, state });
      const errors = checkConnectionInformation(state.info);
      if (Object.keys(errors).length > 0)
        return reply({ kind: 'field-errors', errors: errors as Record<string, string> });
      if (!needsIncomingProject(getInstance(deps, state.instance).platform))
        return initiate(deps, actor, stateId, state, 'description');
      try {
        return reply({ kind: 'show-form', form: await projectForm(deps, stateId, state) });
      } catch (error) {
        return reply({ kind: 'field-errors', errors: fieldErrors(error, deps.logger, [], 'description') });
      }
    }
    case initiateSteps.project: {
      state.incomingProjectId = values['incomingProjectId'] ?? null;
      saveWizard(deps, { id: stateId, state });
      if (!state.incomingProjectId) {
        return reply({
          kind: 'field-errors',
          errors: { incomingProjectId: 'Choose where tickets received from the other side are created.' },
        });
      }
      return initiate(deps, actor, stateId, state, 'incomingProjectId');
    }
    case initiateSteps.code:
      return finish(deps, actor, stateId, state, values['channel']);
    default:
      return reply({ kind: 'close' });
  }
}

/** Previous: keep what was typed on this step, then show the step before it with its own values. */
export async function previousInitiateStep(
  deps: AppDeps,
  actor: ChatActor,
  input: { step: string; stateId: string; values: FormValues },
): Promise<FlowResult> {
  requireInstanceAdmin(deps, actor, 'initiate connections');
  const { stateId } = input;
  const state = loadWizard<InitiateState>(deps, { id: stateId, actor, kind: 'initiate' });
  switch (input.step as Step) {
    case initiateSteps.mode:
      if (input.values['mode']) state.mode = input.values['mode'] as Mode;
      saveWizard(deps, { id: stateId, state });
      return reply({ kind: 'show-form', form: destinationForm(stateId, state) });
    case initiateSteps.info:
      state.info = readInfo(input.values);
      saveWizard(deps, { id: stateId, state });
      return reply({ kind: 'show-form', form: modeForm(stateId, state) });
    case initiateSteps.project:
      state.incomingProjectId = input.values['incomingProjectId'] ?? state.incomingProjectId;
      saveWizard(deps, { id: stateId, state });
      return reply({ kind: 'show-form', form: infoForm(deps, stateId, state) });
    default:
      return reply({ kind: 'none' });
  }
}

async function submitDestination(
  deps: AppDeps,
  stateId: string,
  state: InitiateState,
  values: FormValues,
): Promise<FlowResult> {
  const url = (values['destinationUrl'] ?? '').trim();
  state.destinationText = url;
  state.noUrl = values['noUrl'] === 'true';
  // What was typed is kept whether or not it is accepted (Previous and a corrected retry show it).
  const problem = (errors: Record<string, string>): FlowResult => {
    saveWizard(deps, { id: stateId, state });
    return reply({ kind: 'field-errors', errors });
  };
  if (!url && !state.noUrl)
    return problem({ destinationUrl: 'Enter the destination instance URL, or tick "I don\'t have a URL".' });
  if (url && state.noUrl)
    return problem({ destinationUrl: 'Leave the URL empty when you tick "I don\'t have a URL".' });
  try {
    const check = await checkDestination(deps, { instance: state.instance, destinationUrl: state.noUrl ? null : url });
    state.destination = check.destination && {
      name: check.destination.name,
      platform: check.destination.platform,
      url: check.destination.url,
    };
    state.modes = check.modes;
    if (state.mode && !check.modes.some((m) => m.mode === state.mode && m.available)) state.mode = null;
    if (!state.info.remoteShortName && check.destination) state.info.remoteShortName = check.destination.name;
  } catch (error) {
    return problem(fieldErrors(error, deps.logger, [], 'destinationUrl'));
  }
  saveWizard(deps, { id: stateId, state });
  return reply({ kind: 'show-form', form: modeForm(stateId, state) });
}

async function initiate(
  deps: AppDeps,
  actor: ChatActor,
  stateId: string,
  state: InitiateState,
  errorField: string,
): Promise<FlowResult> {
  try {
    const result = await initiateConnection(deps, {
      instance: state.instance,
      destinationUrl: boundDestination(state),
      mode: state.mode ?? 'basic',
      ...state.info,
      incomingProjectId: state.incomingProjectId ?? undefined,
      actor: actorRef(actor),
    });
    state.invitation = {
      connectionId: result.connection.id,
      code: result.code,
      expiresAt: result.expiresAt.toISOString(),
    };
    saveWizard(deps, { id: stateId, state });
    return reply({ kind: 'show-form', form: codeForm(stateId, state) });
  } catch (error) {
    return reply({ kind: 'field-errors', errors: fieldErrors(error, deps.logger, [errorField], errorField) });
  }
}

/**
 * Done: the invitation goes to the chosen channel, and the finished step keeps the code (and the connection's name
 * and id) where the admin was, so it can still be copied after posting, as the guide says.
 */
function finish(
  deps: AppDeps,
  actor: ChatActor,
  stateId: string,
  state: InitiateState,
  channelId: string | undefined,
): FlowResult {
  endWizard(deps, stateId);
  const invitation = state.invitation;
  if (!invitation) return reply({ kind: 'close' }, [{ kind: 'refresh-home', userId: actor.userId }]);
  const done = reply({ kind: 'private-message', message: finishedMessage(state, invitation, channelId ?? null) }, [
    { kind: 'refresh-home', userId: actor.userId },
  ]);
  if (!channelId) return done;
  const instance = getInstance(deps, state.instance);
  const message = invitationMessage({
    inviter: actor.displayName,
    instanceName: instance.name,
    connectionName: state.info.name.trim(),
    description: state.info.description.trim(),
    mode: state.mode ?? 'basic',
    expiresAt: new Date(invitation.expiresAt),
    code: invitation.code,
    connectionId: invitation.connectionId,
    destinationUrl: boundDestination(state),
  });
  return {
    ...done,
    effects: [
      { kind: 'post-invitation', channelId, connectionId: invitation.connectionId, message, code: invitation.code },
      ...done.effects,
    ],
  };
}

function finishedMessage(
  state: InitiateState,
  invitation: NonNullable<InitiateState['invitation']>,
  channelId: string | null,
): Message {
  const name = state.info.name.trim();
  const other = state.info.remoteShortName.trim() || 'the other side';
  const done = channelId
    ? `Done. The invitation is posted in ${channelMention(channelId)}. The code, if you want to send it yourself:`
    : `Done. Send this invitation code to ${other}'s admin:`;
  return {
    kind: 'message',
    text: `Done: ${name} is waiting for ${other} to accept.`,
    items: [
      { kind: 'markdown', text: done },
      { kind: 'code', text: invitation.code },
      codeBindingNote(boundDestination(state)),
      {
        kind: 'facts',
        facts: [
          { label: 'Connection', value: name },
          { label: 'Id', value: invitation.connectionId },
          { label: 'Status', value: 'Pending' },
          { label: 'Code expires', value: formatDate(new Date(invitation.expiresAt)) },
        ],
      },
      {
        kind: 'note',
        text: `It becomes active when ${other} accepts; \`/bridge status\` with its name or id shows where it stands.`,
      },
    ],
  };
}

/** The destination the initiated code is bound to: what `initiate` was given. */
function boundDestination(state: InitiateState): string | null {
  return state.noUrl ? null : (state.destination?.url ?? null);
}

function readInfo(values: FormValues): ConnectionInformation {
  return {
    localShortName: values['localShortName'] ?? '',
    remoteShortName: values['remoteShortName'] ?? '',
    name: values['name'] ?? '',
    description: values['description'] ?? '',
  };
}

export function destinationForm(stateId: string, state: InitiateState): Form {
  return {
    kind: 'form',
    id: initiateSteps.destination,
    title: TITLE,
    stateId,
    submitLabel: 'Next',
    closeLabel: 'Cancel',
    items: [
      {
        kind: 'text',
        id: 'destinationUrl',
        label: 'Destination instance URL',
        value: state.destinationText,
        placeholder: 'https://deskbridge.example.com/i/partner',
        hint: 'The DeskBridge URL of the instance you want to connect with; its admin finds it with `/bridge setup` or on their App Home.',
        optional: true,
        maxLength: 2000,
      },
      {
        kind: 'checkbox',
        id: 'noUrl',
        label: "I don't have a URL",
        checked: state.noUrl,
        optional: true,
        hint: 'A private connection: the other side calls us, we never call it.',
      },
    ],
  };
}

export function modeForm(stateId: string, state: InitiateState): Form {
  const where = state.destination
    ? `Destination: *${state.destination.name}* (${platformLabels[state.destination.platform]}), ${state.destination.url}`
    : 'No destination URL: a private connection. The other side accepts the code and calls this instance.';
  const firstAvailable = state.modes.find((m) => m.available)?.mode;
  return {
    kind: 'form',
    id: initiateSteps.mode,
    title: TITLE,
    stateId,
    submitLabel: 'Next',
    closeLabel: 'Cancel',
    items: [
      { kind: 'markdown', text: where },
      {
        kind: 'choice',
        id: 'mode',
        label: 'Choose the configuration type',
        hint: 'The mode cannot be changed later: a different mode needs a new connection.',
        value: state.mode ?? firstAvailable,
        options: state.modes.map((m) => ({
          value: m.mode,
          label: modeDescriptions[m.mode].title,
          description: modeDescriptions[m.mode].points.join('; '),
          ...(m.available ? {} : { disabledReason: m.reason ?? 'Not available.' }),
        })),
      },
      { kind: 'actions', actions: [{ id: PREVIOUS_ACTION, label: '< Previous' }] },
    ],
  };
}

export function infoForm(deps: AppDeps, stateId: string, state: InitiateState): Form {
  const platform = getInstance(deps, state.instance).platform;
  return {
    kind: 'form',
    id: initiateSteps.info,
    title: TITLE,
    stateId,
    submitLabel: needsIncomingProject(platform) ? 'Next' : 'Initiate',
    closeLabel: 'Cancel',
    items: [
      { kind: 'heading', text: 'Connection information' },
      {
        kind: 'text',
        id: 'localShortName',
        label: 'Local instance short name',
        value: state.info.localShortName,
        maxLength: limits.shortName,
        hint: 'A short name for your instance.',
      },
      {
        kind: 'text',
        id: 'remoteShortName',
        label: 'Remote instance short name',
        value: state.info.remoteShortName,
        maxLength: limits.shortName,
        hint: 'A short name for the destination instance.',
      },
      { kind: 'text', id: 'name', label: 'Connection name', value: state.info.name, maxLength: limits.connectionName },
      {
        kind: 'text',
        id: 'description',
        label: 'Description',
        value: state.info.description,
        multiline: true,
        maxLength: limits.description,
        optional: true,
      },
      { kind: 'actions', actions: [{ id: PREVIOUS_ACTION, label: '< Previous' }] },
    ],
  };
}

async function projectForm(deps: AppDeps, stateId: string, state: InitiateState): Promise<Form> {
  const instance = getInstance(deps, state.instance);
  const projects: Project[] = await listIncomingProjects(deps, state.instance);
  const kind = incomingProjectKind[instance.platform] ?? 'project';
  return {
    kind: 'form',
    id: initiateSteps.project,
    title: TITLE,
    stateId,
    submitLabel: 'Initiate',
    closeLabel: 'Cancel',
    items: [
      { kind: 'heading', text: 'Select a project for the incoming sync' },
      {
        kind: 'markdown',
        text: 'DeskBridge generates default sync rules to synchronize basic ticket fields. You can adapt the sync rules later. By default the following ticket data will be synchronized: summary, description, comments, labels and attachments.',
      },
      {
        kind: 'select',
        id: 'incomingProjectId',
        label: `The ${platformLabels[instance.platform]} ${kind} where tickets received from the other side are created`,
        placeholder: `Select a ${kind}`,
        value: state.incomingProjectId ?? undefined,
        options: projects.slice(0, 100).map((p) => ({ value: p.id, label: p.name })),
      },
      { kind: 'actions', actions: [{ id: PREVIOUS_ACTION, label: '< Previous' }] },
    ],
  };
}

export function codeForm(stateId: string, state: InitiateState): Form {
  const invitation = state.invitation!;
  const other = state.info.remoteShortName.trim() || 'other';
  return {
    kind: 'form',
    id: initiateSteps.code,
    title: TITLE,
    stateId,
    submitLabel: 'Done',
    closeLabel: 'Close',
    items: [
      {
        kind: 'markdown',
        text: `On the *${other}* side, you (or their application administrator) need to *Accept the invitation*.\nUse the following invitation code:`,
      },
      { kind: 'code', text: invitation.code },
      codeBindingNote(boundDestination(state)),
      {
        kind: 'note',
        text: `The code expires ${formatDate(new Date(invitation.expiresAt))}. The connection becomes active when the other side accepts it.`,
      },
      {
        kind: 'channel',
        id: 'channel',
        label: 'Post the invitation to a partner channel',
        optional: true,
        hint: `A channel shared with ${other} (a Slack Connect or Teams shared channel): their admin accepts it there with one click.`,
      },
    ],
  };
}
