import { channelMention } from '../ui/mentions.ts';
import { addApprover, listApprovers, removeApprover, setApproversChannel, setSelfApproval } from '../app/approvers.ts';
import type { ChatActor } from '../app/chat-actor.ts';
import type { AppDeps } from '../app/deps.ts';
import { DomainError } from '../domain/errors.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { notice } from './outcome.ts';

const usage =
  'Use `/bridge approvers add|remove @user`, `/bridge approvers list`, `/bridge approvers channel #channel` or `/bridge approvers self-approval on|off`.';

/** `approvers add|remove|list|channel|self-approval`: who decides rule publishes, and where the cards go. */
export function approversFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: {
    verb: string;
    arg: string | undefined;
    userId: string | null;
    channelId: string | null;
    mention: (userId: string) => string;
  },
): FlowResult {
  const say = (text: string) => reply({ kind: 'private-message', message: notice(text) });
  switch (input.verb) {
    case 'list': {
      const { userIds, settings } = listApprovers(deps, actor);
      const who = userIds.length
        ? userIds.map(input.mention).join(', ')
        : 'nobody yet (add them with `/bridge approvers add @user`)';
      const where = settings.channel
        ? channelMention(settings.channel.channelId)
        : 'not set (`/bridge approvers channel #channel`)';
      return say(
        `Approvers: ${who}.\nApproval cards go to: ${where}.\nSelf-approval: ${settings.selfApproval ? 'on (authors may approve their own changes)' : 'off (another approver decides)'}.`,
      );
    }
    case 'add':
    case 'remove': {
      if (!input.userId)
        throw new DomainError('invalid_input', `Name the user: \`/bridge approvers ${input.verb} @user\`.`);
      if (input.verb === 'add') addApprover(deps, { actor, userId: input.userId });
      else removeApprover(deps, { actor, userId: input.userId });
      return say(
        `${input.mention(input.userId)} ${input.verb === 'add' ? 'is now an approver of rule publishes' : 'is no longer an approver'} here.`,
      );
    }
    case 'channel': {
      if (!input.channelId)
        throw new DomainError('invalid_input', 'Name the channel: `/bridge approvers channel #channel`.');
      setApproversChannel(deps, { actor, channelId: input.channelId });
      return say(
        `Approval cards go to ${channelMention(input.channelId)} from now on. Invite me there if I am not in it (\`/invite @DeskBridge\`).`,
      );
    }
    case 'self-approval': {
      const arg = input.arg?.toLowerCase();
      if (arg !== 'on' && arg !== 'off')
        throw new DomainError('invalid_input', 'Use `/bridge approvers self-approval on` or `off`.');
      setSelfApproval(deps, { actor, allowed: arg === 'on' });
      return say(
        arg === 'on'
          ? 'Self-approval is on: an approver may approve their own changes.'
          : 'Self-approval is off: another approver decides each change.',
      );
    }
    default:
      throw new DomainError('invalid_input', usage);
  }
}
