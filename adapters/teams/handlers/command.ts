import { TeamsInfo, TurnContext } from 'botbuilder';
import { recordTeamsUser } from '../../../src/app/teams-users.ts';
import { parseCommand, runCommand } from '../../../src/flows/command.ts';
import { guarded } from '../../../src/flows/outcome.ts';
import { actorOrRefusal, conversationKey, rememberConversation, tenantOf } from '../activity.ts';
import type { TeamsContext } from '../context.ts';
import { messageActivity } from '../cards.ts';
import { performEffects } from '../effects.ts';
import { conversationReply } from '../responses.ts';
import { safeError } from '../log.ts';
import { commandContext } from './command-context.ts';

/** `@DeskBridge connect` in a channel or chat, or `connect` in the personal chat / from the command list. */
export async function onCommand(ctx: TeamsContext, turn: TurnContext): Promise<void> {
  rememberConversation(ctx.deps, turn.activity);
  const text = commandText(turn);
  const parsed = parseCommand(text);
  const who = actorOrRefusal(ctx.deps, ctx.logger, turn.activity);
  if ('refusal' in who) {
    await turn.sendActivity(messageActivity(ctx, who.refusal));
    return;
  }
  const { actor } = who;
  const mentionedUserId = await mentionedUser(ctx, turn);
  const here = turn.activity.conversation.conversationType === 'channel' ? conversationKey(turn.activity) : null;
  const result = await guarded(ctx.logger, () =>
    // `approvers channel` names a channel by mentioning it; typed in a channel without one, it means this channel.
    runCommand(
      ctx.deps,
      actor,
      parsed,
      commandContext(ctx, turn, actor, { userId: mentionedUserId, channelId: mentionedChannel(turn) ?? here }),
    ),
  );
  // A command that opens a form can open it in a dialog too: the dialog's fetch runs the same command afresh.
  const opensForm = result.reply.kind === 'open-form';
  await conversationReply(ctx, turn, actor, result, opensForm ? text : null);
  performEffects(ctx, actor, result.effects);
}

/**
 * The text without the bot's mention (and without other mentions' markup, which are resolved from entities). The
 * bot's name typed as plain text (`@Test Bot help` in the personal chat, as help shows it) goes too.
 */
function commandText(turn: TurnContext): string {
  const withoutBot = TurnContext.removeRecipientMention(turn.activity) ?? turn.activity.text ?? '';
  const text = withoutBot
    .replace(/<at>[^<]*<\/at>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const typedBot = `@${turn.activity.recipient?.name ?? ''}`.toLowerCase();
  const typesBot =
    typedBot.length > 1 && text.toLowerCase().startsWith(typedBot) && /^(\s|$)/.test(text.slice(typedBot.length));
  return typesBot ? text.slice(typedBot.length).trim() : text;
}

interface MentionEntity {
  type: string;
  mentioned?: { id?: string; name?: string };
}

/** Teams mentions a channel by its thread id (`19:...`); people have MRIs (`29:...`). */
function isChannelId(id: string): boolean {
  return id.startsWith('19:');
}

function mentionedChannel(turn: TurnContext): string | null {
  const mention = (turn.activity.entities ?? []).find(
    (e) => e.type === 'mention' && isChannelId((e as MentionEntity).mentioned?.id ?? ''),
  ) as MentionEntity | undefined;
  return mention?.mentioned?.id ?? null;
}

/** A user mentioned in the command (`admins add @Bob`), by AAD object id: Teams' member API gives it for the MRI. */
async function mentionedUser(ctx: TeamsContext, turn: TurnContext): Promise<string | null> {
  const botId = turn.activity.recipient?.id;
  const mention = (turn.activity.entities ?? []).find((e) => {
    const id = (e as MentionEntity).mentioned?.id;
    return e.type === 'mention' && id !== undefined && id !== botId && !isChannelId(id);
  }) as { mentioned: { id: string; name?: string } } | undefined;
  if (!mention?.mentioned?.id) return null;
  try {
    const member = await TeamsInfo.getMember(turn, mention.mentioned.id);
    if (!member.aadObjectId) return null;
    recordTeamsUser(ctx.deps, {
      tenantId: member.tenantId ?? tenantOf(turn.activity),
      aadObjectId: member.aadObjectId,
      mri: member.id,
      name: member.name ?? mention.mentioned.name ?? '',
    });
    return member.aadObjectId;
  } catch (error) {
    ctx.logger.warn({ error: safeError(error) }, 'teams: could not resolve a mentioned user');
    return null;
  }
}
