import { afterEach, describe, expect, it } from 'vitest';
import { messageCard, type Json } from '../../../adapters/teams/render/card.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { registerInstance } from '../../../src/app/instances.ts';
import { approvalCard } from '../../../src/flows/approval-card.ts';
import { acceptedInvitationMessage } from '../../../src/flows/invitation-message.ts';
import { userMention, type MentionRenderer } from '../../../src/ui/mentions.ts';
import { checkAdaptiveCard } from '../../support/adaptive-cards.ts';
import { hostileApprovalRequest, hostileOutgoing, hostileTestRunOutput } from '../../support/chat-text.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { API_KEYS, registerTestInstance } from '../../support/story.ts';
import {
  cardText,
  findAction,
  memberOf,
  personalChat,
  startTeamsNode,
  submission,
  teamsUser,
  walkCard,
  type TeamsNode,
  linkAcmeAndPartner,
  sharedWith,
  stopTeamsNodes,
} from '../../support/teams-nodes.ts';
import { InPlaceCard, initiateOverTeams } from './driver.ts';

/**
 * Teams cards take markdown in TextBlock and in FactSet facts (bold, italic, lists, `[title](url)` links), show no
 * HTML, and have no preformatted text (msteams-docs "Format cards in Microsoft Teams"); a TextRun is never markdown
 * (Adaptive Cards schema: "Markdown is not supported"). So code goes in TextRuns, and user text in markdown cannot
 * become a link.
 */
const names: MentionRenderer = (kind, value) =>
  kind === 'user' && value === 'teams:tenant-acme/aad-alice' ? 'Alice Admin' : value;

/** What a TextBlock's or fact's markdown would render as a link: `[title](url)` with nothing between `]` and `(`. */
const links = (text: string) => text.match(/\[[^\]]*\]\([^)]*\)/g) ?? [];

function textRuns(card: Json): string[] {
  const runs: string[] = [];
  walkCard(card['body'], (n) => {
    if (n['type'] === 'TextRun') runs.push(String(n['text']));
  });
  return runs;
}

function markdownTexts(card: Json): string[] {
  const texts: string[] = [];
  walkCard(card['body'], (n) => {
    if (n['type'] === 'TextBlock') texts.push(String(n['text']));
    if (typeof n['title'] === 'string' && typeof n['value'] === 'string') texts.push(n['title'], n['value']);
  });
  return texts;
}

describe('Teams shows code exactly and user text as text (issue 18, findings 6 and 7)', () => {
  it("the approval card's diff is a TextRun with the script's every byte; no user text is a link", () => {
    const request = hostileApprovalRequest();
    const card = messageCard(approvalCard(request), { mentions: names });
    expect(checkAdaptiveCard(card)).toEqual([]);
    expect(textRuns(card)).toEqual([request.outgoingDiff]);
    // No line of the script is in markdown, where it would be reformatted.
    for (const line of hostileOutgoing.split('\n').filter((l) => l.length > 20))
      expect(markdownTexts(card).some((t) => t.includes(line))).toBe(false);
    expect(markdownTexts(card).flatMap(links)).toEqual([]);
    // The connection name as typed, its link syntax broken by a zero-width space only.
    expect(markdownTexts(card)).toContain('Acme <!channel> & [Initech]\u200B(https://evil.example)');
    expect(cardText(card)).not.toMatch(/⟦[A-Za-z0-9_-]{16}:/);
  });

  it('every code is a TextRun, one-line ones too: `**not bold**` and `_x_` keep their stars and underscores', () => {
    const oneLine = 'replica.labels = ["**not bold**", "_not italic_", "[click](https://evil.example)"]';
    const code = 'DB1.abc-def_ghi_jk.sig';
    const card = messageCard({
      kind: 'message',
      text: 'x',
      items: [oneLine, code, hostileTestRunOutput].map((text) => ({ kind: 'code' as const, text })),
    });
    expect(checkAdaptiveCard(card)).toEqual([]);
    expect(textRuns(card)).toEqual([oneLine, code, hostileTestRunOutput]);
    expect(markdownTexts(card)).toEqual([]);
  });

  it('a name shaped like our mention token is shown as typed, not as the person it names; ours still resolve', () => {
    const typed = '⟦user:teams:tenant-acme/aad-alice⟧';
    const card = messageCard(
      acceptedInvitationMessage({ connectionName: 'x', mode: 'basic', acceptedBy: typed, at: new Date(0) }),
      { mentions: names },
    );
    expect(cardText(card)).not.toContain('Alice Admin');
    expect(markdownTexts(card)).toContain(`**${typed}** accepted the invitation to connect.`);
    const ours = messageCard(
      {
        kind: 'message',
        text: 'x',
        items: [{ kind: 'markdown', text: `by ${userMention('teams:tenant-acme/aad-alice')}` }],
      },
      { mentions: names },
    );
    expect(markdownTexts(ours)).toEqual(['by Alice Admin']);
  });
});

describe('a partner naming itself with the mention token, accepting over Teams (issue 18, finding 7)', () => {
  const ACME = 'tenant-acme';
  const INITECH = 'tenant-initech';
  const alice = teamsUser('alice', ACME, 'Alice Admin');
  const bob = teamsUser('bob', INITECH, 'Bob Partner');
  const channelId = '19:shared-initech@thread.tacv2';
  const shared = sharedWith('initech');
  let a: TeamsNode | null = null;
  afterEach(async () => {
    await stopTeamsNodes(a);
    a = null;
  });

  it('the updated invitation and the initiator are shown the name as typed, not "Alice Admin"', async () => {
    const node = await startTeamsNode('a');
    a = node;
    await registerTestInstance(node.deps, 'acme', 'freshdesk');
    await registerInstance(node.deps, {
      platform: 'freshservice',
      baseUrl: 'https://initech.example.test',
      credentials: { kind: 'apiKey', apiKey: API_KEYS.initech },
      name: `⟦user:teams:${ACME}/${alice.aadObjectId}⟧`,
      slug: 'initech',
      actor: 'test:admin',
    });
    linkAcmeAndPartner(node.deps, bob, 'initech');
    node.connector.setMembers(channelId, [memberOf(alice), memberOf(bob)]);
    await node.installed(alice, shared);
    await node.command(alice, personalChat(alice), 'help');

    const { invitation } = await initiateOverTeams(node, alice, shared, {
      destinationUrl: node.instanceUrl('initech'),
      name: 'Acme to Initech',
      channel: channelId,
    });
    const invitationCard = cardOf(invitation);
    const before = node.connector.posts(channelId).length;
    await node.execute(
      bob,
      shared,
      {
        verb: 'invitation.accept',
        data: submission(invitationCard, findAction(invitationCard, 'action', 'invitation.accept')),
      },
      invitation.resultId!,
    );
    const form = InPlaceCard.fromPost(node, bob, shared, node.connector.posts(channelId)[before]!);
    await form.submit({ incomingProjectId: '3' });
    expect(listConnections(node.deps).map((c) => c.status)).toEqual(['active', 'active']);
    await node.settled();
    const updated = await node.connector.waitFor((c) => c.method === 'PUT' && c.activityId === invitation.resultId);
    const told = await node.connector.waitFor(
      (c) =>
        c.method === 'POST' &&
        c.conversationId === `a:personal-${alice.aadObjectId}` &&
        cardText(cardOf(c)).includes('accepted your invitation'),
    );
    for (const call of [updated, told]) {
      const text = cardText(cardOf(call));
      expect(text).not.toContain('Alice Admin');
      expect(text).toContain(`⟦user:teams:${ACME}/${alice.aadObjectId}⟧`);
    }
  });
});
