import type { ChatActor } from '../domain/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import { DomainError } from '../domain/errors.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { startAcceptByCode } from './accept-wizard.ts';
import { adminsFlow } from './admins.ts';
import {
  askDeleteConnectionFlow,
  changeConnectionStatusFlow,
  connectionStatusFlow,
  listConnectionsFlow,
} from './connections.ts';
import { helpMessage, typedCommand, unknownCommandMessage, type ChatSurface } from './help.ts';
import { startInitiate } from './initiate-wizard.ts';
import { startSetup } from './setup.ts';
import { digestFlow, subscribeFlow, unsubscribeFlow } from './subscriptions.ts';
import { approversFlow } from './approvers.ts';
import { namedUser, type FindPeople } from './named-user.ts';
import { openRulesEditor, startRulesUpload } from './rules-editor.ts';
import { syncErrorsFlow } from './sync-errors.ts';
import { queueStatusFlow, ticketStatusFlow } from './ticket-status.ts';
import { instanceCheckFlow } from './instance-check.ts';
import { openTriggersFlow } from './trigger-editor.ts';

export interface ParsedCommand {
  sub: string;
  args: string[];
  rest: string;
}

export function parseCommand(text: string): ParsedCommand {
  const trimmed = text.trim();
  const [sub = 'help', ...args] = trimmed.split(/\s+/).filter(Boolean);
  return { sub: sub.toLowerCase(), args, rest: trimmed.slice(sub.length).trim() };
}

export interface CommandContext {
  /** Where the command was typed: help and refusals speak the platform's words and use the bot's name. */
  surface: ChatSurface;
  /** A user named in the text (a mention), resolved by the adapter. */
  mentionedUserId: string | null;
  /** The people the adapter can look up by a typed name (no mention); without it, only mentions and `me` work. */
  findPeople?: FindPeople;
  mention(userId: string): string;
  /** The channel the command was typed in (subscriptions are per channel); absent where there is none. */
  channelId?: string | null;
  /** A channel named in the text (`approvers channel #x`), resolved by the adapter. */
  mentionedChannelId?: string | null;
}

/** `/bridge <subcommand> ...` (Slack) or `@DeskBridge <subcommand> ...` (Teams). */
export async function runCommand(
  deps: AppDeps,
  actor: ChatActor,
  command: ParsedCommand,
  ctx: CommandContext,
): Promise<FlowResult> {
  const connection = () => {
    if (!command.rest)
      throw new DomainError(
        'invalid_input',
        `Name the connection: ${typedCommand(ctx.surface, `${command.sub} <connection name or id>`)}.`,
      );
    return command.rest;
  };
  switch (command.sub) {
    case 'help':
      return reply({ kind: 'private-message', message: helpMessage(ctx.surface) });
    case 'setup':
      return startSetup(deps, actor);
    case 'connect':
      return startInitiate(deps, actor);
    case 'accept':
      return startAcceptByCode(deps, actor, command.args[0] ?? null);
    case 'list':
      return listConnectionsFlow(deps, actor);
    case 'status':
      return connectionStatusFlow(deps, actor, connection());
    case 'deactivate':
      return changeConnectionStatusFlow(deps, actor, connection(), 'deactivated');
    case 'activate':
      return changeConnectionStatusFlow(deps, actor, connection(), 'active');
    case 'delete':
      return askDeleteConnectionFlow(deps, actor, connection());
    case 'admins':
      return adminsFlow(deps, actor, {
        verb: (command.args[0] ?? 'list').toLowerCase(),
        user: () => userNamed(actor, command, ctx),
        mention: ctx.mention,
        surface: ctx.surface,
      });
    case 'subscribe':
      return subscribeFlow(deps, actor, { channelId: ctx.channelId, rest: command.rest });
    case 'unsubscribe':
      return unsubscribeFlow(deps, actor, { channelId: ctx.channelId, rest: command.rest });
    case 'digest':
      return digestFlow(deps, actor, { channelId: ctx.channelId, verb: command.args[0] });
    case 'rules':
      if (command.args[0]?.toLowerCase() === 'upload') {
        const ref = command.rest.replace(/^upload\s*/i, '');
        if (!ref)
          throw new DomainError(
            'invalid_input',
            `Name the connection: ${typedCommand(ctx.surface, 'rules upload <connection name or id>')}.`,
          );
        return startRulesUpload(deps, actor, ref);
      }
      return openRulesEditor(deps, actor, connection());
    case 'triggers':
      return openTriggersFlow(deps, actor, connection());
    case 'errors':
      return syncErrorsFlow(deps, actor, connection());
    case 'ticket': {
      // The key is the last word: connection names may have spaces, ticket keys do not.
      const key = command.args.length >= 2 ? command.args.at(-1)! : '';
      const ref = command.rest.slice(0, command.rest.length - key.length).trim();
      if (!key || !ref)
        throw new DomainError(
          'invalid_input',
          `Name the connection and the ticket: ${typedCommand(ctx.surface, 'ticket <connection name or id> <ticket key>')}.`,
        );
      return ticketStatusFlow(deps, actor, { connection: ref, key });
    }
    case 'queue':
      return queueStatusFlow(deps, actor, connection());
    case 'check':
      return instanceCheckFlow(deps, actor);
    case 'approvers':
      return approversFlow(deps, actor, {
        verb: (command.args[0] ?? 'list').toLowerCase(),
        arg: command.args[1],
        user: () => userNamed(actor, command, ctx),
        channelId: ctx.mentionedChannelId ?? null,
        mention: ctx.mention,
        surface: ctx.surface,
      });
    default:
      return reply({ kind: 'private-message', message: unknownCommandMessage(ctx.surface, command.sub) });
  }
}

/** `approvers add Alex Wilber`: the person after the verb (a mention, `me` or a typed name). */
function userNamed(actor: ChatActor, command: ParsedCommand, ctx: CommandContext): Promise<string> {
  const verb = command.args[0] ?? '';
  return namedUser({
    actor,
    surface: ctx.surface,
    command: `${command.sub} ${verb.toLowerCase()}`,
    mentionedUserId: ctx.mentionedUserId,
    typed: command.rest.slice(verb.length).trim(),
    ...(ctx.findPeople ? { findPeople: ctx.findPeople } : {}),
  });
}
