import type { TaskModuleRequest, TaskModuleResponse, TurnContext } from 'botbuilder';
import { failureMessage } from '../../../src/flows/outcome.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';
import { actorOf } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { performEffects } from '../effects.ts';
import { dialogResponse, guardedFlow } from '../responses.ts';
import { runClick, runSubmit } from './click.ts';
import { readCardSubmission } from './values.ts';

/** A dialog step was submitted (task/submit): the next step, the same step with errors, or the dialog closes. */
export async function onTaskSubmit(ctx: TeamsContext, turn: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
  let actor;
  try {
    actor = actorOf(ctx.deps, turn.activity);
  } catch (error) {
    return { task: { type: 'message', value: failureMessage(error, ctx.logger).text } };
  }
  const actorNow = actor;
  let cardId: string | null = null;
  let submittedValues: FormValues = {};
  const result: FlowResult = await guardedFlow(ctx, () => {
    const { data, values } = readCardSubmission(request.data);
    submittedValues = values;
    if (data.kind === 'submit') {
      cardId = data.card ?? null;
      return runSubmit(ctx, actorNow, data, values);
    }
    if (data.kind === 'action') {
      cardId = data.card ?? null;
      return runClick(ctx, turn, actorNow, data, values);
    }
    return reply({ kind: 'close' });
  });
  performEffects(ctx, actorNow, result.effects);
  return dialogResponse(ctx, actorNow, result, { cardId, values: submittedValues });
}
