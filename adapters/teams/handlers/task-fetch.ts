import type { TaskModuleRequest, TaskModuleResponse, TurnContext } from 'botbuilder';
import { parseCommand, runCommand } from '../../../src/flows/command.ts';
import { guarded } from '../../../src/flows/outcome.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';
import { actorOrRefusal, rememberConversation } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { performEffects } from '../effects.ts';
import { dialogResponse } from '../responses.ts';
import { runClick } from './click.ts';
import { commandContext } from './command-context.ts';
import { readCardSubmission } from './values.ts';

/** A button opened a dialog (task/fetch): run its command (a wizard's first step) or its action. */
export async function onTaskFetch(
  ctx: TeamsContext,
  turn: TurnContext,
  request: TaskModuleRequest,
): Promise<TaskModuleResponse> {
  rememberConversation(ctx.deps, turn.activity);
  const who = actorOrRefusal(ctx.deps, ctx.logger, turn.activity);
  if ('refusal' in who) return { task: { type: 'message', value: who.refusal.text } };
  const { actor } = who;
  const result: FlowResult = await guarded(ctx.logger, () => {
    const { data, values } = readCardSubmission(request.data);
    if (data.kind === 'command') {
      return runCommand(ctx.deps, actor, parseCommand(data.command), commandContext(ctx, turn, actor));
    }
    if (data.kind === 'action') return runClick(ctx, turn, actor, data, values);
    return reply({ kind: 'close' });
  });
  performEffects(ctx, actor, result.effects);
  return dialogResponse(ctx, actor, result, null);
}
