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
import { fileAttachment, onFileUpload } from './handlers/file-upload.ts';
import { onTaskFetch } from './handlers/task-fetch.ts';
import { onTaskSubmit } from './handlers/task-submit.ts';

/** DeskBridge's Teams bot: only registration; each activity's handling lives in handlers/. */
export class DeskBridgeBot extends TeamsActivityHandler {
  readonly #ctx: TeamsContext;

  constructor(ctx: TeamsContext, options: { localMode: boolean }) {
    super();
    this.#ctx = ctx;
    // Every activity names the bot as its recipient, with the name the client shows (the app's, or "Test Bot").
    this.onTurn(async (turn, next) => {
      const name = turn.activity.recipient?.name?.trim();
      if (name && name.length <= 80) ctx.botName = name;
      await next();
    });
    this.onMessage(async (turn, next) => {
      const file = fileAttachment(turn);
      if (file) await onFileUpload(ctx, turn, file, { allowHttp: options.localMode });
      // A message without text is a legacy Action.Submit outside a dialog; our cards never send one.
      else if (turn.activity.text) await onCommand(ctx, turn);
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

  protected override handleTeamsTaskModuleFetch(
    turn: TurnContext,
    request: TaskModuleRequest,
  ): Promise<TaskModuleResponse> {
    return onTaskFetch(this.#ctx, turn, request);
  }

  protected override handleTeamsTaskModuleSubmit(
    turn: TurnContext,
    request: TaskModuleRequest,
  ): Promise<TaskModuleResponse> {
    return onTaskSubmit(this.#ctx, turn, request);
  }

  protected override onAdaptiveCardInvoke(
    turn: TurnContext,
    value: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    return onCardAction(this.#ctx, turn, value);
  }
}
