import type { TaskModuleRequest, TaskModuleResponse, TurnContext } from 'botbuilder';
import { parseCommand, runCommand } from '../../../src/flows/command.ts';
import { failureMessage } from '../../../src/flows/outcome.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';
import { actorOf, rememberConversation } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { performEffects } from '../effects.ts';
import { dialogResponse, guardedFlow } from '../responses.ts';
import { runClick } from './click.ts';
import { commandContext } from './command-context.ts';
import { readCardSubmission } from './values.ts';

/** A button opened a dialog (task/fetch): run its command (a wizard's first step) or its action. */
export async function onTaskFetch(ctx: TeamsContext, turn: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
  rememberConversation(ctx.deps, turn.activity);
  let actor;
  try {
    actor = actorOf(ctx.deps, turn.activity);
  } catch (error) {
    return { task: { type: 'message', value: failureMessage(error, ctx.logger).text } };
  }
  const actorNow = actor;
  const result: FlowResult = await guardedFlow(ctx, () => {
    const { data, values } = readCardSubmission(request.data);
    if (data.kind === 'command') {
      return runCommand(ctx.deps, actorNow, parseCommand(data.command), commandContext(ctx, turn, actorNow));
    }
    if (data.kind === 'action') return runClick(ctx, turn, actorNow, data, values);
    return reply({ kind: 'close' });
  });
  performEffects(ctx, actorNow, result.effects);
  return dialogResponse(ctx, actorNow, result, null);
}
