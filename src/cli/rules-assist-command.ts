import { getConnection } from '../app/connection-lifecycle.ts';
import type { AppDeps } from '../app/deps.ts';
import { assistRules, insertAssistSuggestion, type AssistDirection } from '../app/rule-assist.ts';
import { optionalFlag, parseFlags, requireFlag } from './args.ts';
import { printJson, UsageError, type CliIo } from './output.ts';

/**
 * `deskbridge rules assist <connection> --prompt TEXT [--direction outgoing|incoming|both] [--entity KEY ...]
 * [--insert] [--instance SLUG]`: AI Assist from a terminal (src/app/rule-assist.ts). Prints the checked suggestion as
 * a diff against the newest version; --insert makes it a new draft, which still needs approval to publish.
 */
export async function runRulesAssistCommand(deps: AppDeps, args: string[], io: CliIo, actor: string): Promise<void> {
  const { values, positionals } = parseFlags(args, {
    instance: { type: 'string' },
    prompt: { type: 'string' },
    direction: { type: 'string' },
    entity: { type: 'string', multiple: true },
    insert: { type: 'boolean' },
  });
  const [ref, ...extra] = positionals;
  if (!ref) throw new UsageError('rules assist needs a <connection>.');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  const direction = optionalFlag(values, 'direction') ?? 'both';
  if (!['outgoing', 'incoming', 'both'].includes(direction))
    throw new UsageError('--direction must be outgoing, incoming or both.');
  const connection = getConnection(deps, { connection: ref, instance: optionalFlag(values, 'instance') });
  const suggestion = await assistRules(deps, {
    connection: connection.id,
    prompt: requireFlag(values, 'prompt'),
    direction: direction as AssistDirection,
    entityKeys: values.entity ?? [],
    actor,
  });
  const draft = values.insert
    ? insertAssistSuggestion(deps, { connection: connection.id, suggestion: suggestion.id, actor })
    : null;
  if (values.json) return printJson(io, { suggestion, draft });
  const rounds = suggestion.rounds === 1 ? '1 round' : `${suggestion.rounds} rounds`;
  io.stdout.write(
    `AI suggestion ${suggestion.id} for "${connection.name}" (model ${suggestion.model}, ${rounds}), against version ${suggestion.baseVersion}:\n`,
  );
  for (const line of suggestion.checked) io.stdout.write(`  test run ${line}\n`);
  if (suggestion.explanation) io.stdout.write(`${suggestion.explanation}\n`);
  for (const script of ['outgoing', 'incoming'] as const) {
    io.stdout.write(suggestion.diff[script] ? `${suggestion.diff[script]}\n` : `(${script} script unchanged)\n`);
  }
  io.stdout.write(
    draft
      ? `Inserted as draft version ${draft.version}; it still needs approval to publish.\n`
      : 'Nothing was changed; run again with --insert to make it a new draft.\n',
  );
}
