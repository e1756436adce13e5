import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { listConnections } from '../../../src/app/connection-lifecycle.ts';
import { listTeamsChannels } from '../../../src/app/teams-conversations.ts';
import { isTeamsTenantAdmin } from '../../../src/app/teams-users.ts';
import { checkAdaptiveCard } from '../../support/adaptive-cards.ts';
import { startTestNode, type TestNode } from '../../support/nodes.ts';
import { Playground, type PlaygroundEvent } from '../../support/playground.ts';
import { registerTestInstance } from '../../support/story.ts';
import { findAction, findInput, submission } from '../../support/teams-nodes.ts';

type Json = Record<string, unknown>;

async function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function cardIn(event: PlaygroundEvent): Json | null {
  const attachment = event.message?.attachments?.[0];
  return attachment?.contentType === 'application/vnd.microsoft.card.adaptive' ? (attachment.content as Json) : null;
}

describe('the Microsoft 365 Agents Playground drives the initiate wizard', () => {
  let a: TestNode;
  let b: TestNode;
  let playground: Playground;
  beforeEach(async () => {
    a = await startTestNode('a');
    b = await startTestNode('b');
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(b.deps, 'globex', 'xurrent');
    playground = await new Playground().start(`${a.url}/api/messages`);
  });
  afterEach(async () => {
    await playground.stop();
    await a.teams?.settled();
    await a.stop();
    await b.stop();
  });

  it('installed into the mock team, then from "connect" in the personal chat to an invitation code (in place, Action.Execute), posted proactively into the team channel', async () => {
    const config = await playground.config();
    const user = config.currentUser;
    // The Playground's mock tenant manages the acme instance; its user installs DeskBridge into the mock team, which
    // stores the channel's conversation reference and makes them the tenant's DeskBridge admin.
    linkWorkspace(a.deps, { platform: 'teams', tenantId: config.tenantId, instance: 'acme', actor: 'test:setup' });
    const general = config.teams[0]!.channels[0]!;
    expect(await playground.install(general.id)).toBe(200);
    await waitUntil(
      () =>
        isTeamsTenantAdmin(a.deps, { tenantId: config.tenantId, aadObjectId: user.aadObjectId }) &&
        listTeamsChannels(a.deps, config.tenantId).length > 0,
    );
    const chat = config.personalChat.id;

    expect(await playground.send(chat, user.id, 'connect')).toBe(200);
    const posted = await playground.waitFor((e) => e.action === 'createMessage' && cardIn(e) !== null);
    let card = cardIn(posted)!;
    const messageId = String(posted.message!.messageId);
    expect(checkAdaptiveCard(card)).toEqual([]);
    expect(findInput(card, 'destinationUrl')['type']).toBe('Input.Text');

    const step = async (values: Record<string, string | null>) => {
      const action = findAction(card, 'submit');
      const r = await playground.execute({
        conversationId: chat,
        from: user.id,
        replyToId: messageId,
        verb: String(action['verb']),
        data: submission(card, action, values),
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ type: 'application/vnd.microsoft.card.adaptive' });
      card = r.body['value'] as Json;
      expect(checkAdaptiveCard(card)).toEqual([]);
    };
    await step({});
    expect(findInput(card, 'destinationUrl')['errorMessage']).toMatch(/I don't have a URL/);
    await step({ destinationUrl: b.instanceUrl('globex') });
    expect(findInput(card, 'mode')['type']).toBe('Input.ChoiceSet');
    await step({ mode: 'basic' });
    await step({ remoteShortName: 'Globex', name: 'Acme to Globex via the Playground' });
    await step({ incomingProjectId: '1002' });
    const code = /DB1\.[A-Za-z0-9_.-]+/.exec(JSON.stringify(card))?.[0];
    expect(code).toBeTruthy();
    expect(listConnections(a.deps)).toMatchObject([
      { name: 'Acme to Globex via the Playground', status: 'pending', mode: 'basic' },
    ]);
    // Done, with the team's channel: the invitation is posted there proactively, through the Playground's connector.
    const channel = findInput(card, 'channel');
    const choice = (channel['choices'] as { value: string }[])[0]!.value;
    await step({ channel: choice });
    expect(JSON.stringify(card)).toContain('Done.');
    const invitation = await playground.waitFor(
      (e) => e.action === 'createMessage' && JSON.stringify(cardIn(e) ?? {}).includes('invites you to connect'),
    );
    expect(checkAdaptiveCard(cardIn(invitation))).toEqual([]);
    expect(JSON.stringify(cardIn(invitation))).toContain(code!);
  });
});
