import { channelMention, userMention } from '../ui/mentions.ts';
import { approvalSettingsOf } from '../app/approvers.ts';
import { getApprovalRequest, requestRulePublish, rollbackRules, type ApprovalRequestView } from '../app/approvals.ts';
import { actorRef, type ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { parseEntityKeys, testRunRules, type TestRun } from '../app/rule-test-run.ts';
import { openRuleUpload, scriptOfFileName, startRuleUpload } from '../app/rule-uploads.ts';
import {
  getPublishedRules,
  getRuleVersion,
  latestRuleVersion,
  listRuleVersions,
  saveRuleDraft,
  scriptProblems,
  type RuleVersionView,
} from '../app/rule-versions.ts';
import type { Connection } from '../domain/connection.ts';
import { DomainError, isDomainError } from '../domain/errors.ts';
import { unifiedDiff } from '../domain/line-diff.ts';
import type { Action, Content, Form, FormItem, FormValues, Message } from '../ui/model.ts';
import { reply, type Effect, type FlowResult } from '../ui/replies.ts';
import { postApprovalCard } from './approval-card.ts';
import { failureMessage, formatDate, notice } from './outcome.ts';

/**
 * `/bridge rules <connection>`: the outgoing and incoming scripts of the newest version in a form. Save draft (the
 * submit), Test run, Request publish, Download, History (with a diff per version and Roll back). Basic mode shows the
 * generated rules read-only. A script longer than a form input allows is not put in the form: it is downloaded and
 * uploaded as a file (`/bridge rules upload <connection>`), and saving from the form keeps it as it is.
 */
export const RULES_FORM = 'rules.edit';

export const rulesActions = {
  testRun: 'rules.test-run',
  requestPublish: 'rules.request-publish',
  download: 'rules.download',
  history: 'rules.history',
  back: 'rules.back',
  diff: 'rules.diff',
  rollback: 'rules.rollback',
  askAi: 'rules.ask-ai',
  assistInsert: 'rules.assist-insert',
  assistDiscard: 'rules.assist-discard',
} as const;

/** The Ask AI form (src/flows/rules-assist.ts). */
export const ASSIST_FORM = 'rules.assist';

/** The largest script file accepted (the use-case's limit on a script). */
export const MAX_SCRIPT_BYTES = 200_000;

/** Slack's plain_text_input max_length (reference §1.3): longer scripts go through files. */
export const SCRIPT_INPUT_MAX = 3_000;

type Script = 'outgoing' | 'incoming';

/** What the form carries: the connection and the version it shows (ids only). */
export interface EditorState {
  connectionId: string;
  version: number;
}

export function encodeState(state: EditorState): string {
  return `${state.connectionId}|${state.version}`;
}

export function decodeState(stateId: string): EditorState {
  const [connectionId = '', version = '0'] = stateId.split('|');
  return { connectionId, version: Number(version) };
}

/** The actor administers the instance, and the connection is one of its own. */
export function adminConnection(
  deps: AppDeps,
  actor: ChatActor,
  ref: string,
  what: string,
): { connection: Connection; instanceId: string } {
  const instance = requireInstanceAdmin(deps, actor, what);
  return { connection: getConnection(deps, { connection: ref, instance: instance.slug }), instanceId: instance.id };
}

const statusLabel: Record<RuleVersionView['status'], string> = {
  draft: 'draft',
  pending: 'waiting for approval',
  published: 'published',
  rejected: 'rejected',
};

export interface Banner {
  tone: 'ok' | 'problem';
  text: string;
}

function scriptField(script: Script, source: string, label: string): FormItem[] {
  if (source.length > SCRIPT_INPUT_MAX) {
    return [
      {
        kind: 'markdown',
        text: `*${label}*\nThis script is ${source.length} characters, longer than a form field holds (${SCRIPT_INPUT_MAX}). Download it, edit it, and send it back with \`/bridge rules upload <connection>\`; saving here keeps it as it is.`,
      },
    ];
  }
  // Not optional: the field always holds the script (an empty one is no choice anyone makes), so no "(optional)".
  return [
    {
      kind: 'text',
      id: script,
      label,
      multiline: true,
      maxLength: SCRIPT_INPUT_MAX,
      value: source,
      hint:
        script === 'outgoing' ? 'Local entity -> replica: what you send.' : 'Replica -> local entity: what you accept.',
    },
  ];
}

function testRunItems(run: TestRun): Content[] {
  const items: Content[] = [
    { kind: 'heading', text: `Test run: ${run.summary.passed} of ${run.summary.entities} passed` },
  ];
  for (const e of run.entities) {
    items.push({ kind: 'markdown', text: `*${e.key}*${e.error ? `: ${e.error}` : ''}` });
    if (e.replica)
      items.push(
        { kind: 'note', text: 'Outgoing replica (what the other side receives)' },
        { kind: 'code', text: JSON.stringify(e.replica, null, 2) },
      );
    if (e.incoming) {
      const to =
        e.incoming.appliedTo === 'received-replica'
          ? "the last replica received from the other side's twin"
          : 'the outgoing replica above, as a first sync';
      items.push(
        { kind: 'note', text: `Incoming result: this side's incoming script applied to ${to}` },
        { kind: 'code', text: JSON.stringify(e.incoming.result, null, 2) },
      );
    }
  }
  items.push({
    kind: 'note',
    text: 'A test run reads the entities only: nothing was written to either helpdesk or sent to the other side.',
  });
  return items;
}

export function editorForm(
  connection: Connection,
  version: RuleVersionView,
  options: {
    values?: { outgoing: string; incoming: string; note: string; entityKeys: string };
    banner?: Banner;
    testRun?: TestRun;
  } = {},
): Form {
  const values = options.values ?? { outgoing: version.outgoing, incoming: version.incoming, note: '', entityKeys: '' };
  // The problems of the scripts the form holds now (what is typed may have fixed the saved version's error), each
  // said once: not again when the banner already says it.
  const problems = (
    values.outgoing === version.outgoing && values.incoming === version.incoming
      ? version.problems
      : scriptProblems(values.outgoing, values.incoming)
  ).filter((p) => !options.banner?.text.includes(p.message));
  const items: FormItem[] = [];
  if (options.banner)
    items.push({
      kind: 'markdown',
      text: `${options.banner.tone === 'ok' ? ':white_check_mark:' : ':warning:'} ${options.banner.text}`,
    });
  items.push({
    kind: 'facts',
    facts: [
      { label: 'Connection', value: connection.name },
      { label: 'Version', value: `${version.version}, ${statusLabel[version.status]}` },
      { label: 'Author', value: userMention(version.author) },
      { label: 'Saved', value: formatDate(version.createdAt) },
    ],
  });
  for (const problem of problems)
    items.push({ kind: 'markdown', text: `:warning: ${problem.message}. Fix it before requesting publish.` });
  items.push(
    ...scriptField('outgoing', values.outgoing, 'Outgoing sync'),
    ...scriptField('incoming', values.incoming, 'Incoming sync'),
  );
  items.push(
    { kind: 'text', id: 'note', label: 'Note for the approvers', optional: true, maxLength: 1000, value: values.note },
    {
      kind: 'text',
      id: 'entityKeys',
      label: 'Test run entities',
      optional: true,
      maxLength: 300,
      value: values.entityKeys,
      placeholder: '#12 #13',
      hint: 'Keys of up to 5 entities of this side. A test run writes nothing.',
    },
    {
      kind: 'actions',
      actions: [
        { id: rulesActions.testRun, label: 'Test run', value: encodeState(version) },
        { id: rulesActions.askAi, label: 'Ask AI', value: encodeState(version) },
        { id: rulesActions.requestPublish, label: 'Request publish', style: 'primary', value: encodeState(version) },
        { id: rulesActions.download, label: 'Download scripts', value: encodeState(version) },
        { id: rulesActions.history, label: 'History', value: encodeState(version) },
      ],
    },
  );
  if (options.testRun) items.push(...testRunItems(options.testRun));
  return {
    kind: 'form',
    id: RULES_FORM,
    title: 'Sync rules',
    submitLabel: 'Save draft',
    closeLabel: 'Close',
    stateId: encodeState({ connectionId: connection.id, version: version.version }),
    items,
  };
}

function basicForm(deps: AppDeps, connection: Connection): Form {
  const rules = getPublishedRules(deps, { connection: connection.id });
  return {
    kind: 'form',
    id: 'rules.basic',
    title: 'Sync rules',
    closeLabel: 'Close',
    items: [
      {
        kind: 'markdown',
        text: `*${connection.name}* is a Basic-mode connection: its rules are generated for the two platforms and cannot be edited. To write your own rules, create a Script-mode connection (the mode is fixed when a connection is made).`,
      },
      { kind: 'markdown', text: '*Outgoing sync*' },
      { kind: 'code', text: rules.outgoing },
      { kind: 'markdown', text: '*Incoming sync*' },
      { kind: 'code', text: rules.incoming },
    ],
  };
}

export function openRulesEditor(deps: AppDeps, actor: ChatActor, ref: string): FlowResult {
  const { connection, instanceId } = adminConnection(deps, actor, ref, 'edit sync rules');
  if (connection.mode === 'basic') return reply({ kind: 'open-form', form: basicForm(deps, connection) });
  return reply({
    kind: 'open-form',
    form: editorForm(connection, latestRuleVersion(deps, { connection: connection.id, instanceId })),
  });
}

/** The scripts as typed; a script too long for the form was not in it and stays as the shown version has it. */
export function typed(version: RuleVersionView, values: FormValues) {
  const script = (name: Script) => (version[name].length > SCRIPT_INPUT_MAX ? version[name] : (values[name] ?? ''));
  return {
    outgoing: script('outgoing'),
    incoming: script('incoming'),
    note: values['note'] ?? '',
    entityKeys: values['entityKeys'] ?? '',
  };
}

export function editorContext(deps: AppDeps, actor: ChatActor, stateId: string, what: string) {
  const state = decodeState(stateId);
  const { connection, instanceId } = adminConnection(deps, actor, state.connectionId, what);
  const version = getRuleVersion(deps, { connection: connection.id, version: state.version, instanceId });
  return { connection, instanceId, version };
}

/** Saves what is typed as a new draft, unless it is the shown version unchanged (a request then names that version). */
export function saveTyped(
  deps: AppDeps,
  actor: ChatActor,
  ctx: ReturnType<typeof editorContext>,
  values: ReturnType<typeof typed>,
): { version: RuleVersionView; saved: boolean } {
  const unchanged = ctx.version.outgoing === values.outgoing && ctx.version.incoming === values.incoming;
  if (unchanged) return { version: ctx.version, saved: false };
  const version = saveRuleDraft(deps, {
    connection: ctx.connection.id,
    instanceId: ctx.instanceId,
    outgoing: values.outgoing,
    incoming: values.incoming,
    note: values.note,
    actor: actorRef(actor),
    allowProblems: true,
  });
  return { version, saved: true };
}

/** Save draft (the form's submit): a new version; a syntax error is kept and shown with its line and column. */
export function saveDraftFromEditor(
  deps: AppDeps,
  actor: ChatActor,
  input: { stateId: string; values: FormValues },
): FlowResult {
  const ctx = editorContext(deps, actor, input.stateId, 'edit sync rules');
  const values = typed(ctx.version, input.values);
  const { version, saved } = saveTyped(deps, actor, ctx, values);
  const banner: Banner = version.problems.length
    ? {
        tone: 'problem',
        text: `Draft version ${version.version} is saved, with an error: it cannot be sent for approval until it is fixed.`,
      }
    : {
        tone: 'ok',
        text: saved
          ? `Draft version ${version.version} is saved. Test run it, then request publish.`
          : `Version ${version.version} is unchanged.`,
      };
  return reply({
    kind: 'show-form',
    form: editorForm(ctx.connection, version, {
      values: { ...values, outgoing: version.outgoing, incoming: version.incoming },
      banner,
    }),
  });
}

/** Test run on what is typed (saved or not): per entity, the outgoing replica and the incoming result. */
export async function testRunFromEditor(
  deps: AppDeps,
  actor: ChatActor,
  input: { stateId: string; values: FormValues },
): Promise<FlowResult> {
  const ctx = editorContext(deps, actor, input.stateId, 'test sync rules');
  const values = typed(ctx.version, input.values);
  try {
    const run = await testRunRules(deps, {
      connection: ctx.connection.id,
      instanceId: ctx.instanceId,
      outgoing: values.outgoing,
      incoming: values.incoming,
      entityKeys: parseEntityKeys(values.entityKeys),
      actor: actorRef(actor),
    });
    const banner: Banner =
      run.summary.failed === 0
        ? { tone: 'ok', text: `Test run: all ${run.summary.entities} passed.` }
        : { tone: 'problem', text: `Test run: ${run.summary.failed} of ${run.summary.entities} failed.` };
    return reply({
      kind: 'show-form',
      form: editorForm(ctx.connection, ctx.version, { values, banner, testRun: run }),
    });
  } catch (error) {
    return reply({
      kind: 'show-form',
      form: editorForm(ctx.connection, ctx.version, {
        values,
        banner: { tone: 'problem', text: failureMessage(error, deps.logger).text },
      }),
    });
  }
}

function publishRequested(
  deps: AppDeps,
  actor: ChatActor,
  connection: Connection,
  request: ApprovalRequestView,
  what: string,
): FlowResult {
  const channel = approvalSettingsOf(deps.db, request.instanceId).channel!;
  const version = getRuleVersion(deps, { connection: connection.id, version: request.version });
  const banner: Banner = {
    tone: 'ok',
    text: `${what} Version ${request.version} is waiting for approval in ${channelMention(channel.channelId)}; you will be told the decision.`,
  };
  const effects: Effect[] = channel.platform === actor.platform ? [postApprovalCard(request, channel.channelId)] : [];
  return reply({ kind: 'show-form', form: editorForm(connection, version, { banner }) }, effects);
}

/** Request publish: what is typed is saved as a draft if it changed, then sent for approval (refused with an error). */
export function requestPublishFromEditor(
  deps: AppDeps,
  actor: ChatActor,
  input: { stateId: string; values: FormValues },
): FlowResult {
  const ctx = editorContext(deps, actor, input.stateId, 'request rule publishes');
  const values = typed(ctx.version, input.values);
  let shown = ctx.version;
  try {
    shown = saveTyped(deps, actor, ctx, values).version;
    const request = requestRulePublish(deps, {
      connection: ctx.connection.id,
      instanceId: ctx.instanceId,
      version: shown.version,
      actor: actorRef(actor),
      requester: { platform: actor.platform, tenantId: actor.tenantId, userId: actor.userId },
    });
    return publishRequested(deps, actor, ctx.connection, request, 'Sent for approval.');
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return reply({
      kind: 'show-form',
      form: editorForm(ctx.connection, shown, {
        values,
        banner: { tone: 'problem', text: `Not sent for approval. ${error.message}` },
      }),
    });
  }
}

/** Both scripts of the shown version as files, in the user's DM. */
export function downloadFromEditor(deps: AppDeps, actor: ChatActor, input: { stateId: string }): FlowResult {
  const ctx = editorContext(deps, actor, input.stateId, 'read sync rules');
  const base = `${ctx.connection.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-v${ctx.version.version}`;
  const effects: Effect[] = (['outgoing', 'incoming'] as const).map((script) => ({
    kind: 'send-file',
    userId: actor.userId,
    filename: `${base}-${script}.groovy`,
    content: ctx.version[script],
    title: `${ctx.connection.name}: ${script} script, version ${ctx.version.version}`,
  }));
  return reply(
    {
      kind: 'show-form',
      form: editorForm(ctx.connection, ctx.version, {
        banner: { tone: 'ok', text: 'Both scripts are in your direct messages with me.' },
      }),
    },
    effects,
  );
}

function historyForm(connection: Connection, versions: RuleVersionView[], current: EditorState, banner?: Banner): Form {
  const published = versions.filter((v) => v.status === 'published').at(-1);
  const items: FormItem[] = [];
  if (banner)
    items.push({
      kind: 'markdown',
      text: `${banner.tone === 'ok' ? ':white_check_mark:' : ':warning:'} ${banner.text}`,
    });
  items.push({ kind: 'heading', text: `${connection.name}: rule versions` });
  for (const v of [...versions].reverse().slice(0, 20)) {
    const lines = [
      `*Version ${v.version}*: ${statusLabel[v.status]}${v.version === published?.version ? ' (in effect)' : ''}`,
      `Author ${userMention(v.author)}, ${formatDate(v.createdAt)}`,
      ...(v.requestedAt ? [`Requested ${formatDate(v.requestedAt)}`] : []),
      ...(v.approver && v.decidedAt
        ? [
            `${v.status === 'rejected' ? 'Rejected' : 'Approved'} by ${userMention(v.approver)}, ${formatDate(v.decidedAt)}`,
          ]
        : []),
      ...(v.note ? [`_${v.note}_`] : []),
    ];
    items.push({ kind: 'markdown', text: lines.join('\n') });
    const value = encodeState({ connectionId: connection.id, version: v.version });
    const actions: Action[] = [{ id: rulesActions.diff, label: 'Diff', value }];
    if (v.version !== published?.version && v.status !== 'pending') {
      actions.push({ id: rulesActions.rollback, label: `Roll back to v${v.version}`, value });
    }
    items.push({ kind: 'actions', actions });
  }
  items.push({
    kind: 'actions',
    actions: [{ id: rulesActions.back, label: 'Back to the editor', value: encodeState(current) }],
  });
  return {
    kind: 'form',
    id: 'rules.history',
    title: 'Rule versions',
    closeLabel: 'Close',
    stateId: encodeState(current),
    items,
  };
}

export function historyFromEditor(deps: AppDeps, actor: ChatActor, input: { stateId: string }): FlowResult {
  const ctx = editorContext(deps, actor, input.stateId, 'read sync rules');
  const versions = listRuleVersions(deps, { connection: ctx.connection.id, instanceId: ctx.instanceId });
  return reply({ kind: 'show-form', form: historyForm(ctx.connection, versions, decodeState(input.stateId)) });
}

/** The diff of one version against the one before it. */
export function diffFromHistory(
  deps: AppDeps,
  actor: ChatActor,
  input: { value: string; stateId: string },
): FlowResult {
  const ctx = editorContext(deps, actor, input.value, 'read sync rules');
  const previous =
    ctx.version.version > 1
      ? getRuleVersion(deps, {
          connection: ctx.connection.id,
          version: ctx.version.version - 1,
          instanceId: ctx.instanceId,
        })
      : null;
  const items: FormItem[] = [
    {
      kind: 'heading',
      text: `Version ${ctx.version.version} against ${previous ? `version ${previous.version}` : 'nothing'}`,
    },
  ];
  for (const script of ['outgoing', 'incoming'] as const) {
    const diff = unifiedDiff(previous?.[script] ?? '', ctx.version[script], {
      from: `${script} v${previous?.version ?? 0}`,
      to: `${script} v${ctx.version.version}`,
    });
    items.push(
      { kind: 'markdown', text: `*${script === 'outgoing' ? 'Outgoing' : 'Incoming'} script*` },
      diff ? { kind: 'code', text: diff } : { kind: 'note', text: 'No change.' },
    );
  }
  items.push({
    kind: 'actions',
    actions: [{ id: rulesActions.history, label: 'Back to history', value: input.stateId }],
  });
  return reply({
    kind: 'show-form',
    form: { kind: 'form', id: 'rules.diff', title: 'Rules diff', closeLabel: 'Close', stateId: input.stateId, items },
  });
}

/** Roll back: the chosen version's scripts become a new version, sent for approval. */
export function rollbackFromHistory(
  deps: AppDeps,
  actor: ChatActor,
  input: { value: string; stateId: string },
): FlowResult {
  const target = decodeState(input.value);
  const { connection, instanceId } = adminConnection(deps, actor, target.connectionId, 'roll back sync rules');
  try {
    const request = rollbackRules(deps, {
      connection: connection.id,
      instanceId,
      toVersion: target.version,
      actor: actorRef(actor),
      requester: { platform: actor.platform, tenantId: actor.tenantId, userId: actor.userId },
    });
    return publishRequested(
      deps,
      actor,
      connection,
      getApprovalRequest(deps, request.id),
      `Version ${request.version} repeats version ${target.version}.`,
    );
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const versions = listRuleVersions(deps, { connection: connection.id, instanceId });
    return reply({
      kind: 'show-form',
      form: historyForm(connection, versions, decodeState(input.stateId), { tone: 'problem', text: error.message }),
    });
  }
}

export function backToEditor(deps: AppDeps, actor: ChatActor, input: { value: string }): FlowResult {
  const { connection, instanceId } = adminConnection(
    deps,
    actor,
    decodeState(input.value).connectionId,
    'edit sync rules',
  );
  return reply({
    kind: 'show-form',
    form: editorForm(connection, latestRuleVersion(deps, { connection: connection.id, instanceId })),
  });
}

/** `/bridge rules upload <connection>`: the user's next file (named outgoing… or incoming…) becomes a draft. */
export function startRulesUpload(deps: AppDeps, actor: ChatActor, ref: string): FlowResult {
  const { instanceId } = adminConnection(deps, actor, ref, 'upload sync rules');
  const upload = startRuleUpload(deps, { actor, connection: ref, instanceId });
  const text = `Send me the script as a file now (until ${formatDate(upload.expiresAt)}), in our direct messages: name it with "outgoing" or "incoming" in it (e.g. \`outgoing.groovy\`). It becomes a new draft of *${upload.connectionName}*, with the other script as it is.`;
  return reply({ kind: 'private-message', message: notice(text) });
}

/**
 * A file the user shared: a script for the connection of their open upload window, saved as a new draft. Null when
 * no window is open (the file is none of our business).
 */
export function receiveRulesFile(
  deps: AppDeps,
  actor: ChatActor,
  file: { name: string; content: string; size: number },
): Message | null {
  const open = openRuleUpload(deps, actor);
  if (!open) return null;
  try {
    if (file.size > MAX_SCRIPT_BYTES)
      throw new DomainError(
        'invalid_input',
        `"${file.name}" is ${file.size} bytes; a script may have at most ${MAX_SCRIPT_BYTES}.`,
      );
    const { connection, instanceId } = adminConnection(deps, actor, open.connectionId, 'upload sync rules');
    const script = scriptOfFileName(file.name);
    const latest = latestRuleVersion(deps, { connection: connection.id, instanceId });
    const draft = saveRuleDraft(deps, {
      connection: connection.id,
      instanceId,
      outgoing: script === 'outgoing' ? file.content : latest.outgoing,
      incoming: script === 'incoming' ? file.content : latest.incoming,
      note: `Uploaded ${file.name}`.slice(0, 1000),
      actor: actorRef(actor),
      allowProblems: true,
    });
    const problems = draft.problems.map((p) => `:warning: ${p.message}`);
    const text = `Draft version ${draft.version} of *${connection.name}* is saved with your ${script} script (${file.content.length} characters).${problems.length ? '' : ` Open \`/bridge rules ${connection.name}\` to test run it and request publish.`}`;
    return {
      kind: 'message',
      text,
      items: [{ kind: 'markdown', text }, ...problems.map((p): Content => ({ kind: 'markdown', text: p }))],
    };
  } catch (error) {
    return failureMessage(error, deps.logger);
  }
}
