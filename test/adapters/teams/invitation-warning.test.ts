import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNBOUND_CODE_WARNING } from '../../../src/domain/invitation.ts';
import { cardOf } from '../../support/fake-bot-connector.ts';
import { startTestNode, type TestNode } from '../../support/nodes.ts';
import { registerTestInstance } from '../../support/story.ts';
import {
  cardText,
  memberOf,
  startTeamsNode,
  teamsUser,
  type TeamsNode,
  linkTeamsTenant,
  sharedWith,
  stopTeamsNodes,
} from '../../support/teams-nodes.ts';
import { InPlaceCard, initiateOverTeams } from './driver.ts';

const ACME = 'tenant-acme';
const GLOBEX = 'tenant-globex';
const alice = teamsUser('alice', ACME, 'Alice Admin');
const partner = teamsUser('gina', GLOBEX, 'Gina Globex');
const shared = sharedWith('globex');
const channelId = '19:shared-globex@thread.tacv2';

/** Who can accept a code, said where Teams shows it: the wizard card's code step and the card posted in a channel. */
describe('the invitation code in Teams says who can accept it', () => {
  let a: TeamsNode;
  let b: TestNode;
  beforeEach(async () => {
    a = await startTeamsNode('a');
    b = await startTestNode('b');
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    await registerTestInstance(b.deps, 'globex', 'xurrent');
    linkTeamsTenant(a.deps, ACME, 'acme');
    a.connector.setMembers(channelId, [memberOf(alice), memberOf(partner)]);
    expect((await a.installed(alice, shared)).status).toBe(200);
  });
  afterEach(async () => {
    await stopTeamsNodes(a);
    await b.stop();
  });

  it('a code without a destination: anyone with it can accept it once, on the code card and on the posted invitation', async () => {
    const before = a.connector.calls.length;
    await a.command(alice, shared, 'connect');
    const first = await a.connector.waitFor(
      (c) => a.connector.calls.indexOf(c) >= before && c.method === 'POST' && c.conversationId !== null,
    );
    const wizard = InPlaceCard.fromPost(a, alice, shared, first);
    await wizard.submit({ noUrl: 'true' });
    await wizard.submit({ mode: 'basic' });
    await wizard.submit({ remoteShortName: 'Anyone', name: 'Open' });
    await wizard.submit({ incomingProjectId: '1001' });
    const code = /DB1\.[A-Za-z0-9_.-]+/.exec(cardText(wizard.card))![0];
    expect(cardText(wizard.card)).toContain(UNBOUND_CODE_WARNING);

    const posts = a.connector.posts(channelId).length;
    await wizard.submit({ channel: channelId });
    await a.settled();
    const invitation = a.connector.posts(channelId)[posts];
    expect(invitation).toBeDefined();
    const posted = cardText(cardOf(invitation!));
    expect(posted).toContain(code);
    expect(posted).toContain(UNBOUND_CODE_WARNING);
  });

  it('a code bound to a destination names the only instance that can accept it, and carries no bearer warning', async () => {
    const { invitation, code } = await initiateOverTeams(a, alice, shared, {
      destinationUrl: b.instanceUrl('globex'),
      name: 'Bound',
      channel: channelId,
    });
    const posted = cardText(cardOf(invitation));
    expect(posted).toContain(code);
    expect(posted).toContain(`Only ${b.instanceUrl('globex')} can accept this code`);
    expect(posted).not.toContain(UNBOUND_CODE_WARNING);
  });
});
