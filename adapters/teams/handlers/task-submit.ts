import type { TaskModuleRequest, TaskModuleResponse, TurnContext } from 'botbuilder';
import { guarded } from '../../../src/flows/outcome.ts';
import type { FormValues } from '../../../src/ui/model.ts';
import { reply, type FlowResult } from '../../../src/ui/replies.ts';
import { actorOrRefusal } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { performEffects } from '../effects.ts';
import { dialogResponse } from '../responses.ts';
import { runClick, runSubmit } from './click.ts';
import { readCardSubmission } from './values.ts';

/** A dialog step was submitted (task/submit): the next step, the same step with errors, or the dialog closes. */
export async function onTaskSubmit(
  ctx: TeamsContext,
  turn: TurnContext,
  request: TaskModuleRequest,
): Promise<TaskModuleResponse> {
  const who = actorOrRefusal(ctx.deps, ctx.logger, turn.activity);
  if ('refusal' in who) return { task: { type: 'message', value: who.refusal.text } };
  const { actor } = who;
  let cardId: string | null = null;
  let submittedValues: FormValues = {};
  const result: FlowResult = await guarded(ctx.logger, () => {
    const { data, values } = readCardSubmission(request.data);
    submittedValues = values;
    if (data.kind === 'submit') {
      cardId = data.card ?? null;
      return runSubmit(ctx, actor, data, values);
    }
    if (data.kind === 'action') {
      cardId = data.card ?? null;
      return runClick(ctx, turn, actor, data, values);
    }
    return reply({ kind: 'close' });
  });
  performEffects(ctx, actor, result.effects);
  return dialogResponse(ctx, actor, result, { cardId, values: submittedValues });
}
