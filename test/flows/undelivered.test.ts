import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../adapters/slack/render/message.ts';
import { plainText } from '../../adapters/teams/render/text.ts';
import { undeliveredNotice } from '../../src/flows/undelivered.ts';
import type { Effect } from '../../src/ui/replies.ts';

const slack = { platform: 'slack' as const, botName: 'DeskBridge' };
const teams = { platform: 'teams' as const, botName: 'Test Bot' };
const notice = { kind: 'message' as const, text: 'x', items: [] };

const invitation: Effect = {
  kind: 'post-invitation',
  channelId: 'C_NOBOT',
  connectionId: 'c1',
  message: notice,
  code: 'DB1.abc-DEF_123',
};
const approvalCard: Effect = { kind: 'post-approval-card', channelId: 'C_APPROVALS', requestId: 'r1', message: notice };

/** What the acting user is told when a post of their flow fails: written once, in each platform's words. */
describe('undelivered effects', () => {
  it('Slack: the channel mentioned, how to invite the bot, and the code to send by hand', () => {
    const told = renderMessage(undeliveredNotice(slack, invitation)!);
    expect(told.text).toBe(
      'I could not post the invitation to <#C_NOBOT>: invite me to that channel (`/invite @DeskBridge`) or send the code yourself:\n```DB1.abc-DEF_123```',
    );
    expect(JSON.stringify(told.blocks)).toContain('DB1.abc-DEF_123');
    expect(renderMessage(undeliveredNotice(slack, approvalCard)!).text).toBe(
      'I could not post the approval card to <#C_APPROVALS>: invite me to that channel (`/invite @DeskBridge`). The request is recorded; an admin can set another channel with `/bridge approvers channel #channel`.',
    );
  });

  it('Teams: add the bot (by the name the client shows) to the team, and the approvers command as typed there', () => {
    expect(plainText(undeliveredNotice(teams, invitation)!.text, undefined, teams.botName)).toBe(
      'I could not post the invitation to that channel: add Test Bot to its team, or send the code yourself: `DB1.abc-DEF_123`',
    );
    expect(undeliveredNotice(teams, approvalCard)!.text).toBe(
      'I could not post the approval card to the approvers channel: add Test Bot to its team. The request is recorded; an admin can set another channel with `approvers channel` in a channel I am in.',
    );
  });

  it('a failed update or progress message needs no word', () => {
    const update: Effect = { kind: 'update-message', channelId: 'C1', messageRef: '1.1', message: notice };
    expect(undeliveredNotice(slack, update)).toBeNull();
    expect(undeliveredNotice(teams, { kind: 'refresh-home', userId: 'U1' })).toBeNull();
  });
});
