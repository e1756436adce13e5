import { channelMention } from '../ui/mentions.ts';
import { addApprover, listApprovers, removeApprover, setApproversChannel, setSelfApproval } from '../app/approvers.ts';
import type { ChatActor } from '../domain/chat-actor.ts';
import { requireInstanceAdmin } from '../app/chat-authorization.ts';
import type { AppDeps } from '../app/deps.ts';
import { DomainError } from '../domain/errors.ts';
import { suggest } from '../domain/suggest.ts';
import { reply, type FlowResult } from '../ui/replies.ts';
import { typedCommand, type ChatSurface } from './help.ts';
import { notice } from './outcome.ts';

const approverVerbs = ['add', 'remove', 'list', 'channel', 'self-approval'];

/** `approvers add|remove|list|channel|self-approval`: who decides rule publishes, and where the cards go. */
export async function approversFlow(
  deps: AppDeps,
  actor: ChatActor,
  input: {
    verb: string;
    arg: string | undefined;
    /** The person the command names (a mention, `me` or a typed name); refuses when it names nobody. */
    user: () => Promise<string>;
    channelId: string | null;
    mention: (userId: string) => string;
    surface: ChatSurface;
  },
): Promise<FlowResult> {
  const say = (text: string) => reply({ kind: 'private-message', message: notice(text) });
  const cmd = (command: string) => typedCommand(input.surface, `approvers ${command}`);
  switch (input.verb) {
    case 'list': {
      const { userIds, settings } = listApprovers(deps, actor);
      const who = userIds.length
        ? userIds.map(input.mention).join(', ')
        : `nobody yet (add them with ${cmd('add @user')} or ${cmd('add me')})`;
      const where = settings.channel
        ? channelMention(settings.channel.channelId)
        : `not set (${cmd('channel #channel')})`;
      const lines = [
        `Approvers: ${who}.`,
        `Approval cards go to: ${where}.`,
        `Self-approval: ${settings.selfApproval ? 'on (authors may approve their own changes)' : 'off (another approver decides)'}.`,
      ];
      return reply({
        kind: 'private-message',
        message: { kind: 'message', text: lines.join('\n'), items: [{ kind: 'list', items: lines }] },
      });
    }
    case 'add':
    case 'remove': {
      // Who may act is decided before anyone is looked up by name.
      requireInstanceAdmin(deps, actor, `${input.verb} approvers`);
      const userId = await input.user();
      if (input.verb === 'add') addApprover(deps, { actor, userId });
      else removeApprover(deps, { actor, userId });
      return say(
        `${input.mention(userId)} ${input.verb === 'add' ? 'is now an approver of rule publishes' : 'is no longer an approver'} here.`,
      );
    }
    case 'channel': {
      if (!input.channelId) throw new DomainError('invalid_input', `Name the channel: ${cmd('channel #channel')}.`);
      setApproversChannel(deps, { actor, channelId: input.channelId });
      const invite =
        input.surface.platform === 'slack'
          ? ` Invite me there if I am not in it (\`/invite @${input.surface.botName}\`).`
          : '';
      return say(`Approval cards go to ${channelMention(input.channelId)} from now on.${invite}`);
    }
    case 'self-approval': {
      const arg = input.arg?.toLowerCase();
      if (arg !== 'on' && arg !== 'off')
        throw new DomainError('invalid_input', `Use ${cmd('self-approval on')} or \`off\`.`);
      setSelfApproval(deps, { actor, allowed: arg === 'on' });
      return say(
        arg === 'on'
          ? 'Self-approval is on: an approver may approve their own changes.'
          : 'Self-approval is off: another approver decides each change.',
      );
    }
    default: {
      const [closest] = input.verb ? suggest(input.verb, approverVerbs) : [];
      const hint = closest ? `Did you mean ${cmd(closest)}? ` : '';
      throw new DomainError(
        'invalid_input',
        `${hint}Use ${cmd('add|remove @user')} (or \`me\`), ${cmd('list')}, ${cmd('channel #channel')} or ${cmd('self-approval on|off')}.`,
      );
    }
  }
}
