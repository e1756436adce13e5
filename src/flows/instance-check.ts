import type { ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import type { AppDeps } from '../app/deps.ts';
import { checkInstance, type InstanceCheck } from '../app/instance-check.ts';
import type { FindingLevel, SetupFinding } from '../domain/helpdesk.ts';
import type { Message } from '../ui/model.ts';
import { reply, type FlowResult } from '../ui/replies.ts';

/**
 * `/bridge check` (Slack), `check` (Teams), `deskbridge instances check` (CLI): the pre-flight before the first sync,
 * one line per finding with ok / warning / problem and how to fix it. The words live here, once, for every surface.
 */

const marks: Record<FindingLevel, string> = { ok: 'ok', warning: 'warning', problem: 'problem' };

/** One finding as one line: `problem  required fields: ... Fix: ...`. */
export function findingLine(finding: SetupFinding): string {
  return `${marks[finding.level].padEnd(7)}  ${finding.topic}: ${finding.message}${finding.fix ? ` Fix: ${finding.fix}` : ''}`;
}

/** What the check comes to, in one sentence. */
export function checkSummary(check: InstanceCheck): string {
  const { problems, warnings } = check;
  if (problems === 0 && warnings === 0) return `${check.instance.name} is ready to sync: every check passed.`;
  const counted = [
    problems ? `${problems} problem${problems === 1 ? '' : 's'}` : null,
    warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : null,
  ]
    .filter(Boolean)
    .join(' and ');
  return problems
    ? `${check.instance.name}: ${counted}. Fix the problems before the first sync; they make syncs fail.`
    : `${check.instance.name} can sync, with ${counted} worth a look.`;
}

export function instanceCheckMessage(check: InstanceCheck): Message {
  const title = `Pre-flight check of ${check.instance.name} (${check.instance.platform})`;
  return {
    kind: 'message',
    text: `${title}: ${checkSummary(check)}`,
    items: [
      { kind: 'heading', text: title },
      {
        kind: 'table',
        table: {
          columns: [{ label: 'Result' }, { label: 'Check' }, { label: 'Finding' }, { label: 'How to fix' }],
          rows: check.findings.map((f) => ({ cells: [marks[f.level], f.topic, f.message, f.fix ?? '—'] })),
          empty: 'Nothing was checked.',
        },
      },
      { kind: 'note', text: checkSummary(check) },
    ],
  };
}

/** Only the instance's admins may run it: it uses the instance's stored credentials. */
export async function instanceCheckFlow(deps: AppDeps, actor: ChatActor): Promise<FlowResult> {
  const instance = requireInstanceAdmin(deps, actor, 'check the helpdesk setup');
  const check = await checkInstance(deps, { instance: instance.slug });
  return reply({ kind: 'private-message', message: instanceCheckMessage(check) });
}
