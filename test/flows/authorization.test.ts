import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addAdmin } from '../../src/app/chat-admins.ts';
import { authorizePartnerAcceptance, requireInstanceAdmin } from '../../src/app/chat-authorization.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { markInvitationMessagesAccepted, recordInvitationMessage } from '../../src/app/invitation-messages.ts';
import { registerTestInstance } from '../support/story.ts';
import { actor, flowDeps, refusal } from './support.ts';

describe('chat authorization (shared by Slack and Teams)', () => {
  let deps: AppDeps;
  let close: () => void;
  let connectionId: string;
  beforeEach(async () => {
    ({ deps, close } = flowDeps());
    await registerTestInstance(deps, 'acme', 'freshdesk');
    await registerTestInstance(deps, 'initech', 'freshservice');
    linkWorkspace(deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test' });
    linkWorkspace(deps, { platform: 'slack', tenantId: 'T_INITECH', instance: 'initech', actor: 'test' });
    const { connection, code } = await initiateConnection(deps, {
      instance: 'acme',
      destinationUrl: null,
      mode: 'basic',
      localShortName: 'Acme',
      remoteShortName: 'Initech',
      name: 'A to I',
      incomingProjectId: '1001',
      actor: 'slack:T_ACME/U_ALICE',
    });
    connectionId = connection.id;
    recordInvitationMessage(deps, {
      connectionId,
      platform: 'slack',
      tenantId: 'T_ACME',
      channelId: 'C1',
      messageRef: '1.1',
      postedBy: 'U_ALICE',
      partnerTenantIds: ['T_INITECH'],
      code,
      actor: 'test',
    });
  });
  afterEach(() => close());

  it('our own admins: workspace admins and owners, and added admins; nobody else', () => {
    expect(requireInstanceAdmin(deps, actor(), 'initiate').slug).toBe('acme');
    const member = actor({ userId: 'U_MEMBER', isWorkspaceAdmin: false });
    expect(refusal(() => requireInstanceAdmin(deps, member, 'initiate connections')).message).toBe(
      'Only DeskBridge admins of this workspace can initiate connections. Ask a workspace admin to add you with `/bridge admins add`.',
    );
    addAdmin(deps, { actor: actor(), userId: 'U_MEMBER' });
    expect(requireInstanceAdmin(deps, member, 'initiate').slug).toBe('acme');
    // Being added in one workspace says nothing about another.
    expect(refusal(() => requireInstanceAdmin(deps, { ...member, tenantId: 'T_INITECH' }, 'initiate')).code).toBe(
      'forbidden',
    );
    expect(refusal(() => requireInstanceAdmin(deps, actor({ tenantId: 'T_NOWHERE' }), 'initiate')).code).toBe(
      'not_found',
    );
  });

  it('a partner is authorized against the invitation record: its channel, message and partner workspaces', () => {
    const bob = actor({ tenantId: 'T_INITECH', userId: 'U_BOB' });
    const at = { channelId: 'C1', messageRef: '1.1', connectionId };
    expect(authorizePartnerAcceptance(deps, bob, at)).toMatchObject({
      kind: 'accept-here',
      instance: { slug: 'initech' },
    });
    expect(refusal(() => authorizePartnerAcceptance(deps, bob, { ...at, channelId: 'C2' })).code).toBe('forbidden');
    expect(refusal(() => authorizePartnerAcceptance(deps, bob, { ...at, connectionId: 'other' })).code).toBe(
      'forbidden',
    );
    expect(refusal(() => authorizePartnerAcceptance(deps, actor({ tenantId: 'T_EVIL' }), at)).message).toMatch(
      /posted for another workspace/,
    );
    expect(refusal(() => authorizePartnerAcceptance(deps, actor(), at)).message).toMatch(/for the partner workspace/);
    expect(refusal(() => authorizePartnerAcceptance(deps, { ...bob, isWorkspaceAdmin: false }, at)).code).toBe(
      'forbidden',
    );
    expect(refusal(() => authorizePartnerAcceptance(deps, { ...bob, platform: 'teams' }, at)).code).toBe('forbidden');
    markInvitationMessagesAccepted(deps, { connectionId, acceptedBy: 'Initech', at: deps.clock() });
    expect(refusal(() => authorizePartnerAcceptance(deps, bob, at)).code).toBe('invitation_used');
  });
});
