import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseCommand, runCommand } from '../../../../src/flows/command.ts';
import { actorRef } from '../../../../src/domain/chat-actor.ts';
import { slackSurface, type SlackContext } from '../../context.ts';
import { commandPayload } from '../../payloads.ts';
import { answer } from '../../perform.ts';
import { userMention } from '../../../../src/ui/mentions.ts';
import { workspacePeople } from './workspace-people.ts';

const mentionPattern = /<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>/;
/** With should_escape, `#channel` arrives as `<#C123|name>`. */
const channelPattern = /<#([CG][A-Z0-9_]+)(?:\|[^>]*)?>/;

/** `/bridge ...`: acknowledged first, so Slack's 3 seconds are never spent on our work. */
export function bridgeCommand(ctx: SlackContext) {
  return async ({ ack, body, client, respond }: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> => {
    await ack();
    const command = commandPayload.parse(body);
    const actor = await ctx.actors.resolve(client, {
      id: command.user_id,
      teamId: command.team_id,
      name: command.user_name,
    });
    const parsed = parseCommand(command.text);
    const mentionedUserId = mentionPattern.exec(command.text)?.[1] ?? null;
    await answer(ctx, { kind: 'command', client, actor, triggerId: command.trigger_id, respond }, () =>
      runCommand(ctx.deps, actor, parsed, {
        surface: slackSurface,
        mentionedUserId,
        findPeople: workspacePeople(client, actor.tenantId, ctx.logger),
        mention: (userId) => userMention(actorRef({ platform: 'slack', tenantId: actor.tenantId, userId })),
        channelId: command.channel_id ?? null,
        mentionedChannelId: channelPattern.exec(command.text)?.[1] ?? null,
      }),
    );
  };
}
