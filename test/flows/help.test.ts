import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listApprovers } from '../../src/app/approvers.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { parseCommand, runCommand, type CommandContext } from '../../src/flows/command.ts';
import { helpMessage, subcommands, unknownCommandMessage, type ChatSurface } from '../../src/flows/help.ts';
import type { Content, Message } from '../../src/ui/model.ts';
import { registerTestInstance } from '../support/story.ts';
import { actor, flowDeps } from './support.ts';

const slack: ChatSurface = { platform: 'slack', botName: 'DeskBridge' };
const teams: ChatSurface = { platform: 'teams', botName: 'Test Bot' };

function listItems(message: Message): string[] {
  return message.items.flatMap((i: Content) => (i.kind === 'list' ? i.items : []));
}

describe('help and unknown commands (chat-neutral)', () => {
  it('help lists one item per command, typed as the platform types it', () => {
    const slackItems = listItems(helpMessage(slack));
    const teamsItems = listItems(helpMessage(teams));
    expect(slackItems).toHaveLength(subcommands.length);
    expect(teamsItems).toHaveLength(subcommands.length);
    expect(slackItems[2]).toBe('`/bridge connect` Initiate a connection with a partner instance.');
    expect(teamsItems[2]).toBe('`connect` Initiate a connection with a partner instance.');
    expect(helpMessage(teams).items[0]).toEqual({ kind: 'heading', text: 'Test Bot commands' });
  });

  it("each platform's help uses its own words and none of the other's", () => {
    const slackText = JSON.stringify(helpMessage(slack));
    const teamsText = JSON.stringify(helpMessage(teams));
    for (const word of ['App Home', 'Slack Connect', '/invite @DeskBridge', '/bridge']) {
      expect(slackText).toContain(word);
      expect(teamsText).not.toContain(word);
    }
    for (const word of ['@Test Bot connect', 'personal chat', 'Teams shared channel', '@mention']) {
      expect(teamsText).toContain(word);
      expect(slackText).not.toContain(word);
    }
  });

  it('a typo suggests the closest commands; nothing close points to help; typed markup is not echoed', () => {
    expect(unknownCommandMessage(slack, 'conect').text).toBe("I don't know `conect`. Did you mean `/bridge connect`?");
    expect(unknownCommandMessage(teams, 'subscibe').text).toBe(
      "I don't know `subscibe`. Did you mean `subscribe` or `unsubscribe`?",
    );
    expect(unknownCommandMessage(teams, 'frobnicate').text).toBe(
      "I don't know `frobnicate`. `help` lists what I can do.",
    );
    expect(unknownCommandMessage(slack, '`*x*`').text).toBe("I don't know `x`. `/bridge help` lists what I can do.");
  });
});

describe('a person named by a typed name (chat-neutral)', () => {
  let deps: AppDeps;
  let close: () => void;
  const alice = actor();
  beforeEach(async () => {
    ({ deps, close } = flowDeps());
    await registerTestInstance(deps, 'acme', 'freshdesk');
    linkWorkspace(deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test' });
  });
  afterEach(() => close());

  const people = [
    { id: 'U_ALEX', names: ['Alex Wilber', 'alexw'] },
    { id: 'U_SAM1', names: ['Sam Smith'] },
    { id: 'U_SAM2', names: ['Samuel Smith', 'Sam Smith'] },
  ];
  const context = (asked: string[][] = []): CommandContext => ({
    surface: slack,
    mentionedUserId: null,
    mention: (id) => `<${id}>`,
    findPeople: async (isNamed) => {
      asked.push(people.map((p) => p.id));
      return people.filter((p) => isNamed(p.names)).map((p) => p.id);
    },
  });
  const run = (text: string, ctx = context()) => runCommand(deps, alice, parseCommand(text), ctx);
  const said = (result: Awaited<ReturnType<typeof run>>) =>
    result.reply.kind === 'private-message' ? result.reply.message.text : result.reply.kind;

  it('one match by any of its names, ignoring case, spaces and a leading @', async () => {
    expect(said(await run('approvers add  @ALEXW'))).toBe('<U_ALEX> is now an approver of rule publishes here.');
    expect(listApprovers(deps, alice).userIds).toEqual(['U_ALEX']);
  });

  it('a mention wins over the text, and `me` is the actor: neither looks anyone up', async () => {
    const asked: string[][] = [];
    expect(said(await run('approvers add me', context(asked)))).toBe(
      '<U_ALICE> is now an approver of rule publishes here.',
    );
    expect(said(await run('approvers add Sam Smith', { ...context(asked), mentionedUserId: 'U_SAM2' }))).toMatch(
      /^<U_SAM2> is now/,
    );
    expect(asked).toEqual([]);
  });

  it('several or no matches are refused and change nothing', async () => {
    await expect(run('approvers add sam smith')).rejects.toThrow(/^2 people here are named "sam smith"/);
    await expect(run('admins add Nobody')).rejects.toThrow(/^I know nobody named "Nobody" here/);
    const { findPeople: _, ...withoutDirectory } = context();
    await expect(run('approvers add Alex Wilber', withoutDirectory)).rejects.toThrow(/^I know nobody named/);
    expect(listApprovers(deps, alice).userIds).toEqual([]);
  });
});
