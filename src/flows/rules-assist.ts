import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import {
  assistRules,
  insertAssistSuggestion,
  NOT_CONFIGURED,
  type AssistDirection,
  type AssistSuggestion,
} from '../app/rule-assist.ts';
import { parseEntityKeys } from '../app/rule-test-run.ts';
import type { Connection } from '../domain/connection.ts';
import type { RuleVersionView } from '../app/rule-versions.ts';
import type { Form, FormItem, FormValues } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { failureMessage } from './outcome.ts';
import {
  ASSIST_FORM,
  editorContext,
  editorForm,
  encodeState,
  rulesActions,
  saveTyped,
  SCRIPT_INPUT_MAX,
  typed,
  type Banner,
} from './rules-editor.ts';

/**
 * Ask AI in the rules editor: what is typed is saved as a draft (if it changed), then a form takes the request (a
 * prompt, which script, entities to test on). The answer is shown only once it parses and passes a test run (see
 * src/app/rule-assist.ts), as a diff against that draft with Insert (a new draft, which still needs approval) and
 * Discard. Without AI_BASE_URL and AI_MODEL the action says what to set.
 */

const ASSIST_RESULT = 'rules.assist.result';

const directions: { value: AssistDirection; label: string }[] = [
  { value: 'outgoing', label: 'Outgoing script' },
  { value: 'incoming', label: 'Incoming script' },
  { value: 'both', label: 'Both scripts' },
];

function bannerItem(banner: Banner): FormItem {
  return { kind: 'markdown', text: `${banner.tone === 'ok' ? ':white_check_mark:' : ':warning:'} ${banner.text}` };
}

function assistForm(
  deps: AppDeps,
  connection: Connection,
  version: RuleVersionView,
  values: { prompt: string; direction: string; entityKeys: string },
  banner?: Banner,
): Form {
  const items: FormItem[] = [];
  if (banner) items.push(bannerItem(banner));
  items.push(
    {
      kind: 'facts',
      facts: [
        { label: 'Connection', value: connection.name },
        { label: 'Changes', value: `version ${version.version}` },
      ],
    },
    {
      kind: 'text',
      id: 'prompt',
      label: 'What should change?',
      multiline: true,
      maxLength: SCRIPT_INPUT_MAX,
      value: values.prompt,
      placeholder: 'Send the priority too, and map Urgent to High on the other side',
    },
    {
      kind: 'choice',
      id: 'direction',
      label: 'Which script',
      options: directions,
      value: directions.some((d) => d.value === values.direction) ? values.direction : 'both',
    },
    {
      kind: 'text',
      id: 'entityKeys',
      label: 'Test on entities',
      optional: true,
      maxLength: 300,
      value: values.entityKeys,
      placeholder: '#12 #13',
      hint: 'Keys of up to 5 entities of this side; without any, a sample ticket is used.',
    },
    {
      kind: 'note',
      text: deps.assist?.sendEntityData
        ? 'Sent to the AI: both scripts, your request, the script reference and, for the entities you name, their fields. Never credentials.'
        : 'Sent to the AI: both scripts, your request and the script reference; no ticket data (AI_SEND_ENTITY_DATA is off). Never credentials.',
    },
    { kind: 'actions', actions: [{ id: rulesActions.back, label: 'Back to the editor', value: encodeState(version) }] },
  );
  return {
    kind: 'form',
    id: ASSIST_FORM,
    title: 'Ask AI',
    submitLabel: 'Ask AI',
    closeLabel: 'Close',
    stateId: encodeState({ connectionId: connection.id, version: version.version }),
    items,
  };
}

/** The Ask AI button: saves what is typed, then the request form (or what to set, when AI Assist is not configured). */
export function askAiFromEditor(
  deps: AppDeps,
  actor: ChatActor,
  input: { stateId: string; values: FormValues },
): FlowResult {
  const ctx = editorContext(deps, actor, input.stateId, 'ask AI for sync rules');
  const values = typed(ctx.version, input.values);
  if (!deps.assist) {
    return reply({
      kind: 'show-form',
      form: editorForm(ctx.connection, ctx.version, { values, banner: { tone: 'problem', text: NOT_CONFIGURED } }),
    });
  }
  const { version } = saveTyped(deps, actor, ctx, values);
  return reply({
    kind: 'show-form',
    form: assistForm(deps, ctx.connection, version, { prompt: '', direction: 'both', entityKeys: values.entityKeys }),
  });
}

function resultForm(connection: Connection, version: RuleVersionView, suggestion: AssistSuggestion): Form {
  const rounds = suggestion.rounds === 1 ? 'the first answer' : `${suggestion.rounds} rounds (repaired)`;
  const items: FormItem[] = [
    bannerItem({ tone: 'ok', text: `The suggestion parses and passed a test run, after ${rounds}.` }),
    {
      kind: 'facts',
      facts: [
        { label: 'Connection', value: connection.name },
        { label: 'Against', value: `version ${version.version}` },
        { label: 'Model', value: suggestion.model },
      ],
    },
    { kind: 'list', items: suggestion.checked },
  ];
  if (suggestion.explanation) items.push({ kind: 'note', text: suggestion.explanation });
  for (const script of ['outgoing', 'incoming'] as const) {
    items.push(
      { kind: 'markdown', text: `*${script === 'outgoing' ? 'Outgoing' : 'Incoming'} script*` },
      suggestion.diff[script] ? { kind: 'code', text: suggestion.diff[script] } : { kind: 'note', text: 'No change.' },
    );
  }
  items.push(
    { kind: 'note', text: 'Insert makes it a new draft; publishing it still needs an approval.' },
    {
      kind: 'actions',
      actions: [
        {
          id: rulesActions.assistInsert,
          label: 'Insert',
          style: 'primary',
          value: `${encodeState(version)}|${suggestion.id}`,
        },
        { id: rulesActions.assistDiscard, label: 'Discard', value: encodeState(version) },
      ],
    },
  );
  return {
    kind: 'form',
    id: ASSIST_RESULT,
    title: 'AI suggestion',
    closeLabel: 'Close',
    stateId: encodeState(version),
    items,
  };
}

/** The Ask AI form's submit: the checked suggestion as a diff, or the form again with what went wrong. */
export async function submitAssistForm(
  deps: AppDeps,
  actor: ChatActor,
  submission: { stateId: string; values: FormValues },
): Promise<FlowResult> {
  const ctx = editorContext(deps, actor, submission.stateId, 'ask AI for sync rules');
  const values = {
    prompt: submission.values['prompt'] ?? '',
    direction: submission.values['direction'] ?? 'both',
    entityKeys: submission.values['entityKeys'] ?? '',
  };
  try {
    const suggestion = await assistRules(deps, {
      connection: ctx.connection.id,
      instanceId: ctx.instanceId,
      version: ctx.version.version,
      prompt: values.prompt,
      direction: values.direction as AssistDirection,
      entityKeys: parseEntityKeys(values.entityKeys),
      actor: actorRef(actor),
    });
    return reply({ kind: 'show-form', form: resultForm(ctx.connection, ctx.version, suggestion) });
  } catch (error) {
    return reply({
      kind: 'show-form',
      form: assistForm(deps, ctx.connection, ctx.version, values, {
        tone: 'problem',
        text: failureMessage(error, deps.logger).text,
      }),
    });
  }
}

/** Insert: the suggestion becomes a new draft, shown in the editor; it still needs approval to publish. */
export function insertFromAssist(deps: AppDeps, actor: ChatActor, input: { value: string }): FlowResult {
  const ctx = editorContext(deps, actor, input.value, 'edit sync rules');
  const suggestion = Number(input.value.split('|')[2]);
  try {
    const version = insertAssistSuggestion(deps, {
      connection: ctx.connection.id,
      instanceId: ctx.instanceId,
      suggestion: Number.isInteger(suggestion) && suggestion > 0 ? suggestion : -1,
      actor: actorRef(actor),
    });
    return reply({
      kind: 'show-form',
      form: editorForm(ctx.connection, version, {
        banner: {
          tone: 'ok',
          text: `Draft version ${version.version} holds the AI suggestion. It is not published: Request publish sends it for approval.`,
        },
      }),
    });
  } catch (error) {
    return reply({
      kind: 'show-form',
      form: editorForm(ctx.connection, ctx.version, {
        banner: { tone: 'problem', text: failureMessage(error, deps.logger).text },
      }),
    });
  }
}

/** Discard: back to the editor on the draft the suggestion was for; nothing changed. */
export function discardAssist(deps: AppDeps, actor: ChatActor, input: { value: string }): FlowResult {
  const ctx = editorContext(deps, actor, input.value, 'edit sync rules');
  return reply({
    kind: 'show-form',
    form: editorForm(ctx.connection, ctx.version, {
      banner: { tone: 'ok', text: 'The AI suggestion is discarded; the rules are as they were.' },
    }),
  });
}
