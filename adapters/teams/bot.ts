import {
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type TaskModuleRequest,
  type TaskModuleResponse,
  type TurnContext,
} from 'botbuilder';
import type { TeamsContext } from './context.ts';
import { onCardAction } from './handlers/card-action.ts';
import { onCommand } from './handlers/command.ts';
import { onConversationUpdate, onInstallationAdd, onInstallationRemove } from './handlers/conversation-update.ts';
import { onTaskFetch } from './handlers/task-fetch.ts';
import { onTaskSubmit } from './handlers/task-submit.ts';

/** DeskBridge's Teams bot: only registration; each activity's handling lives in handlers/. */
export class DeskBridgeBot extends TeamsActivityHandler {
  readonly #ctx: TeamsContext;

  constructor(ctx: TeamsContext) {
    super();
    this.#ctx = ctx;
    this.onMessage(async (turn, next) => {
      // A message without text is a legacy Action.Submit outside a dialog; our cards never send one.
      if (turn.activity.text) await onCommand(ctx, turn);
      await next();
    });
    this.onConversationUpdate(async (turn, next) => {
      await onConversationUpdate(ctx, turn);
      await next();
    });
    this.onInstallationUpdateAdd(async (turn, next) => {
      await onInstallationAdd(ctx, turn);
      await next();
    });
    this.onInstallationUpdateRemove(async (turn, next) => {
      await onInstallationRemove(ctx, turn);
      await next();
    });
  }

  protected override handleTeamsTaskModuleFetch(turn: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
    return onTaskFetch(this.#ctx, turn, request);
  }

  protected override handleTeamsTaskModuleSubmit(turn: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
    return onTaskSubmit(this.#ctx, turn, request);
  }

  protected override onAdaptiveCardInvoke(turn: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    return onCardAction(this.#ctx, turn, value);
  }
}
