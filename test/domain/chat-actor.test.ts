import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, plain } from '../../adapters/slack/render/text.ts';
import { teamsMarkdown } from '../../adapters/teams/render/text.ts';
import { actorRef, actorRefLabel, chatUserOfRef, parseActorRef } from '../../src/domain/chat-actor.ts';
import { userMention } from '../../src/ui/mentions.ts';

/** The actor reference: built by `actorRef`, read back by `parseActorRef` only (the audit log, mentions, notices). */
describe('actor references', () => {
  it('a chat user round-trips, on both platforms, whatever the user part holds', () => {
    for (const user of [
      { platform: 'slack' as const, tenantId: 'T0123ABC', userId: 'U0456DEF' },
      { platform: 'teams' as const, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', userId: 'aad-9b1c-7e' },
      // Whatever follows the first `/` is the user: a hostile user id stays in its own part.
      { platform: 'slack' as const, tenantId: 'T1', userId: 'U2/../teams:T9/U9' },
    ]) {
      const ref = actorRef(user);
      expect(parseActorRef(ref)).toEqual({ kind: 'chat', ...user });
      expect(chatUserOfRef(ref)).toEqual(user);
      expect(actorRefLabel(ref)).toBe(user.userId);
    }
    expect(actorRef({ platform: 'slack', tenantId: 'T1', userId: 'U2' })).toBe('slack:T1/U2');
  });

  it('other actors (the CLI, a partner node, a test) are named, never addressed', () => {
    expect(parseActorRef('cli:alice')).toEqual({ kind: 'other', source: 'cli', name: 'alice' });
    // A node's URL keeps its own `:` and `/`: the label is the whole URL (the old pattern showed "/x/y").
    expect(parseActorRef('node:https://partner.example/x/y')).toEqual({
      kind: 'other',
      source: 'node',
      name: 'https://partner.example/x/y',
    });
    expect(actorRefLabel('node:https://partner.example/x/y')).toBe('https://partner.example/x/y');
    // A node whose URL looks like a chat reference is still a node.
    expect(chatUserOfRef('node:slack:T1/U_ADMIN')).toBeNull();
    expect(actorRefLabel('test:setup')).toBe('setup');
  });

  it('hostile or malformed references parse to nothing and show as stored', () => {
    for (const ref of [
      '',
      'no-colon',
      ':U2',
      'slack:',
      'slack:T1',
      'slack:/U2',
      'slack:T1/',
      'Slack:T1/U2',
      'sl ack:T1/U2',
      '⟦user:slack:T1/U2⟧',
      `${'x'.repeat(40)}:name`,
    ]) {
      expect(parseActorRef(ref), ref).toBeNull();
      expect(chatUserOfRef(ref), ref).toBeNull();
      expect(actorRefLabel(ref), ref).toBe(ref);
    }
  });

  it('every renderer reads a reference the same way: a mention on its own platform, the user id elsewhere', () => {
    const teamsUser = userMention('teams:tenant-acme/aad-alice');
    const slackUser = userMention('slack:T_ACME/U_ALICE');
    // Slack mentions its own users only; a Teams user is its id there, as in plain text and in Teams' fallback.
    expect(escapeMrkdwn(`by ${slackUser}`)).toBe('by <@U_ALICE>');
    expect(escapeMrkdwn(`by ${teamsUser}`)).toBe('by aad-alice');
    expect(plain(`by ${teamsUser}`, 100).text).toBe('by aad-alice');
    expect(teamsMarkdown(`by ${slackUser}`)).toBe('by U_ALICE');
    // A Slack reference whose user is no Slack user id is no mention.
    expect(escapeMrkdwn(userMention('slack:T_ACME/not-an-id'))).toBe('not-an-id');
  });

  it("a stored reference with Slack's control characters is shown as text in Slack, never as a ping", () => {
    // A partner node's URL is the partner's to choose; shown in mrkdwn it must not become `<!channel>`.
    const shown = escapeMrkdwn(`Requested by ${userMention('node:https://evil.example/<!channel>&x')}`);
    expect(shown).toBe('Requested by https://evil.example/&lt;!channel&gt;&amp;x');
    expect(shown).not.toMatch(/<!/);
  });
});
